package anthropic

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"passerelle/prompts"
	"passerelle/providers/internal/llmtest"
)

// testKey is the API key the fake server accepts.
const testKey = "sk-ant-api03-test-4f9a0c1e7b2d"

// The usage and model every fake answer reports.
const (
	testServedModel  = "claude-haiku-4-5-20251001"
	testInputTokens  = 410
	testOutputTokens = 96
)

// fakeServer speaks Anthropic's Messages API as documented at
// https://docs.claude.com/en/api/messages: it checks the headers and the
// body of every request, fails the test on any violation, and answers in the
// API's own shapes. answer decides what each Messages request returns.
type fakeServer struct {
	t      *testing.T
	url    string
	answer answerFunc

	mu       sync.Mutex
	requests []messagesCall
}

// answerFunc writes the fake's answer to one Messages request.
type answerFunc func(f *fakeServer, w http.ResponseWriter, r *http.Request, req messagesCall)

// messagesCall is a Messages request as the server received it.
type messagesCall struct {
	header    http.Header
	raw       map[string]json.RawMessage
	Model     string  `json:"model"`
	MaxTokens int     `json:"max_tokens"`
	System    string  `json:"system"`
	Temp      float64 `json:"temperature"`
	Messages  []struct {
		Role    string `json:"role"`
		Content string `json:"content"`
	} `json:"messages"`
	Tools []struct {
		Name        string          `json:"name"`
		Description string          `json:"description"`
		InputSchema json.RawMessage `json:"input_schema"`
	} `json:"tools"`
	ToolChoice *struct {
		Type string `json:"type"`
		Name string `json:"name"`
	} `json:"tool_choice"`
}

// user returns the content of the (only) user message.
func (c messagesCall) user() string {
	for _, m := range c.Messages {
		if m.Role == "user" {
			return m.Content
		}
	}
	return ""
}

// segments decodes the user message of a translation request.
func (c messagesCall) segments(t *testing.T) llmtest.Translation {
	t.Helper()
	return llmtest.ReadTranslation(t, c.user())
}

// messagesFields are the top-level fields of a Messages request. The API
// refuses any other with 400 "Extra inputs are not permitted".
var messagesFields = map[string]bool{
	"model": true, "messages": true, "max_tokens": true, "system": true, "temperature": true,
	"top_p": true, "top_k": true, "stop_sequences": true, "stream": true, "metadata": true,
	"tools": true, "tool_choice": true, "thinking": true, "service_tier": true,
	"container": true, "mcp_servers": true, "output_config": true,
}

var toolName = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,64}$`)

func newFakeServer(t *testing.T, answer answerFunc) *fakeServer {
	t.Helper()
	f := &fakeServer{t: t, answer: answer}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	f.url = srv.URL
	return f
}

func (f *fakeServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if v := r.Header.Get("anthropic-version"); v != "2023-06-01" {
		f.t.Errorf("%s %s: anthropic-version = %q, want 2023-06-01", r.Method, r.URL.Path, v)
	}
	if auth := r.Header.Get("Authorization"); auth != "" {
		f.t.Errorf("%s %s: Authorization = %q, want the key in x-api-key only", r.Method, r.URL.Path, auth)
	}
	key := r.Header.Get("x-api-key")
	if key == "" {
		f.t.Errorf("%s %s: no x-api-key header", r.Method, r.URL.Path)
	}
	if key != testKey {
		// The real API says "invalid x-api-key"; this fake also quotes the
		// key, as some proxies do, to prove it never reaches an error text.
		f.writeError(w, http.StatusUnauthorized, "authentication_error", "invalid x-api-key: "+key, nil)
		return
	}

	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/v1/models":
		f.writeJSON(w, http.StatusOK, map[string]any{
			"data":     []any{map[string]any{"type": "model", "id": testServedModel, "display_name": "Claude Haiku 4.5", "created_at": "2025-10-15T00:00:00Z"}},
			"has_more": true, "first_id": testServedModel, "last_id": testServedModel,
		})
		return
	case r.Method == http.MethodPost && r.URL.Path == "/v1/messages":
	default:
		f.t.Errorf("unexpected request %s %s", r.Method, r.URL.Path)
		f.writeError(w, http.StatusNotFound, "not_found_error", "Not found", nil)
		return
	}

	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		f.t.Errorf("content-type = %q, want application/json", ct)
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		f.t.Errorf("read request: %v", err)
		return
	}
	var call messagesCall
	if err := json.Unmarshal(body, &call.raw); err != nil {
		f.t.Errorf("request is not a JSON object: %v", err)
		return
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&call); err != nil {
		f.t.Errorf("decode request: %v\n%s", err, body)
		return
	}
	if msg := f.check(call); msg != "" {
		f.t.Errorf("invalid Messages request: %s\n%s", msg, body)
		f.writeError(w, http.StatusBadRequest, "invalid_request_error", msg, nil)
		return
	}
	call.header = r.Header.Clone()
	f.mu.Lock()
	f.requests = append(f.requests, call)
	f.mu.Unlock()
	f.answer(f, w, r, call)
}

// check returns how call breaks the Messages API, or "".
func (f *fakeServer) check(c messagesCall) string {
	for k := range c.raw {
		if !messagesFields[k] {
			return k + ": Extra inputs are not permitted"
		}
	}
	for _, k := range []string{"model", "messages", "max_tokens"} {
		if _, ok := c.raw[k]; !ok {
			return k + ": Field required"
		}
	}
	if c.Model == "" {
		return "model: must be a non-empty string"
	}
	if c.MaxTokens < 1 {
		return "max_tokens: must be at least 1"
	}
	if t, ok := c.raw["temperature"]; ok && (c.Temp < 0 || c.Temp > 1 || string(t) == "null") {
		return "temperature: must be between 0 and 1"
	}
	if _, ok := c.raw["system"]; ok && c.System == "" {
		return "system: must be a non-empty string or a list of text blocks"
	}
	if len(c.Messages) == 0 {
		return "messages: at least one message is required"
	}
	for i, m := range c.Messages {
		want := "user"
		if i%2 == 1 {
			want = "assistant"
		}
		if m.Role != want {
			return fmt.Sprintf("messages.%d.role: %q, want %q: roles must alternate, starting with user", i, m.Role, want)
		}
		if m.Content == "" {
			return fmt.Sprintf("messages.%d.content: text content blocks must be non-empty", i)
		}
	}
	names := map[string]bool{}
	for i, tl := range c.Tools {
		if !toolName.MatchString(tl.Name) {
			return fmt.Sprintf("tools.%d.name: %q does not match %s", i, tl.Name, toolName)
		}
		var schema struct {
			Type string `json:"type"`
		}
		if err := json.Unmarshal(tl.InputSchema, &schema); err != nil || schema.Type != "object" {
			return fmt.Sprintf("tools.%d.input_schema: must be a JSON schema of type object", i)
		}
		names[tl.Name] = true
	}
	if tc := c.ToolChoice; tc != nil {
		switch tc.Type {
		case "auto", "any", "none":
		case "tool":
			if !names[tc.Name] {
				return fmt.Sprintf("tool_choice.name: %q is not one of the tools", tc.Name)
			}
		default:
			return fmt.Sprintf("tool_choice.type: %q is not auto, any, tool or none", tc.Type)
		}
	}
	return ""
}

// calls returns the Messages requests received so far.
func (f *fakeServer) calls() []messagesCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]messagesCall(nil), f.requests...)
}

// message writes a Messages answer with content blocks and stop reason.
func (f *fakeServer) message(w http.ResponseWriter, stop string, content ...map[string]any) {
	if content == nil {
		content = []map[string]any{}
	}
	f.writeJSON(w, http.StatusOK, map[string]any{
		"id":            "msg_01XFDUDYJgAACzvnptvVoYEL",
		"type":          "message",
		"role":          "assistant",
		"model":         testServedModel,
		"content":       content,
		"stop_reason":   stop,
		"stop_sequence": nil,
		"usage": map[string]any{
			"input_tokens": testInputTokens, "output_tokens": testOutputTokens,
			"cache_creation_input_tokens": 0, "cache_read_input_tokens": 0, "service_tier": "standard",
		},
	})
}

// textBlock and toolUse are content blocks of an answer.
func textBlock(s string) map[string]any { return map[string]any{"type": "text", "text": s} }

func toolUse(name string, input any) map[string]any {
	return map[string]any{"type": "tool_use", "id": "toolu_01A09q90qw90lq917835lq9", "name": name, "input": input}
}

// translations answers with a call to the forced tool holding outs.
func (f *fakeServer) translations(w http.ResponseWriter, outs []string) {
	f.message(w, "tool_use", toolUse(translationTool, map[string]any{"translations": outs}))
}

// writeError writes Anthropic's error body with status and extra headers.
func (f *fakeServer) writeError(w http.ResponseWriter, status int, typ, message string, header http.Header) {
	f.writeErrorBody(w, status, map[string]any{"type": typ, "message": message}, header)
}

func (f *fakeServer) writeErrorBody(w http.ResponseWriter, status int, errObj map[string]any, header http.Header) {
	for k, vs := range header {
		w.Header()[k] = vs
	}
	w.Header().Set("request-id", "req_011CSHoEeqs5C35K2UUqR7Fy")
	f.writeJSON(w, status, map[string]any{"type": "error", "error": errObj, "request_id": "req_011CSHoEeqs5C35K2UUqR7Fy"})
}

func (f *fakeServer) writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		f.t.Errorf("encode answer: %v", err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(b)
}

// fakeTranslate is the fake's "translation": it depends on its input, so a
// result in the wrong order or off by one shows.
func fakeTranslate(s string) string {
	return fmt.Sprintf("EN<%s>", strings.ToUpper(s))
}

func fakeTranslateAll(segs []string) []string {
	out := make([]string, len(segs))
	for i, s := range segs {
		out[i] = fakeTranslate(s)
	}
	return out
}

// translating answers every translation request correctly.
func translating(f *fakeServer, w http.ResponseWriter, _ *http.Request, c messagesCall) {
	f.translations(w, fakeTranslateAll(c.segments(f.t).Segments))
}

// newProvider returns a Provider talking to f with the embedded prompts.
func newProvider(t *testing.T, f *fakeServer, opts Options) *Provider {
	t.Helper()
	set, err := prompts.Load("")
	if err != nil {
		t.Fatal(err)
	}
	opts.BaseURL = f.url
	if opts.APIKey == "" {
		opts.APIKey = testKey
	}
	if opts.Name == "" {
		opts.Name = "claude"
	}
	if opts.Timeout == 0 {
		// Long enough never to fire on a loaded machine unless a test wants it to.
		opts.Timeout = 30 * time.Second
	}
	p, err := New(opts, set)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return p
}
