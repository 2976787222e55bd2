package openai

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"passerelle/internal/testenv/spectest"
	"passerelle/prompts"
	"passerelle/providers/internal/llmtest"
)

// testKey is the API key the fake server accepts.
const testKey = "sk-test-4f9a0c1e7b2d"

// fakeServer speaks OpenAI's chat completions API. It checks every request
// against the OpenAPI excerpt and every answer its test writes too, and
// fails the test on any violation. answer decides what each chat completion
// returns.
type fakeServer struct {
	t      *testing.T
	spec   *spectest.Doc
	url    string
	answer answerFunc
	// azure, when set, makes the fake an Azure OpenAI resource.
	azure *azureResource

	mu       sync.Mutex
	requests []chatRequest
}

// answerFunc writes the fake's answer to one chat completion request.
type answerFunc func(f *fakeServer, w http.ResponseWriter, r *http.Request, req chatRequest)

// chatRequest is a chat completion request as the server received it.
type chatRequest struct {
	header   http.Header
	raw      map[string]json.RawMessage
	Model    string `json:"model"`
	Messages []struct {
		Role    string `json:"role"`
		Content string `json:"content"`
	} `json:"messages"`
	ResponseFormat *struct {
		Type       string `json:"type"`
		JSONSchema *struct {
			Name   string          `json:"name"`
			Strict bool            `json:"strict"`
			Schema json.RawMessage `json:"schema"`
		} `json:"json_schema"`
	} `json:"response_format"`
}

// message returns the content of the first message with role.
func (r chatRequest) message(role string) string {
	for _, m := range r.Messages {
		if m.Role == role {
			return m.Content
		}
	}
	return ""
}

// segments decodes the user message of a translation request.
func (r chatRequest) segments(t *testing.T) llmtest.Translation {
	t.Helper()
	return llmtest.ReadTranslation(t, r.message("user"))
}

func newFakeServer(t *testing.T, answer answerFunc) *fakeServer {
	t.Helper()
	f := &fakeServer{t: t, spec: loadSpec(t), answer: answer}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	f.url = srv.URL + "/v1"
	return f
}

func (f *fakeServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if f.azure != nil {
		if !f.azure.accept(f, w, r) {
			return
		}
	} else {
		// security: ApiKeyAuth is http bearer. A wrong key is the server's
		// answer to give; a missing or malformed header is a client bug.
		auth := r.Header.Get("Authorization")
		key, ok := strings.CutPrefix(auth, "Bearer ")
		if !ok || key == "" {
			f.t.Errorf("%s %s: Authorization = %q, want a bearer token", r.Method, r.URL.Path, auth)
		}
		if key != testKey {
			f.writeError(w, http.StatusUnauthorized, "invalid_request_error", "invalid_api_key",
				"Incorrect API key provided: "+key+". You can find your API key at https://platform.openai.com/account/api-keys.", nil)
			return
		}
	}

	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/v1/models":
		f.writeJSON(w, http.StatusOK, "ListModelsResponse", map[string]any{
			"object": "list",
			"data":   []any{map[string]any{"id": "gpt-4o-mini", "object": "model", "created": 1721172741, "owned_by": "system"}},
		})
		return
	case r.Method == http.MethodPost && r.URL.Path == "/v1/chat/completions":
	case f.azure != nil && r.Method == http.MethodPost:
		// accept checked the deployment's path.
	default:
		f.t.Errorf("unexpected request %s %s", r.Method, r.URL.Path)
		f.writeError(w, http.StatusNotFound, "invalid_request_error", "unknown_url", "Unknown request URL: "+r.URL.Path, nil)
		return
	}

	body, err := io.ReadAll(r.Body)
	if err != nil {
		f.t.Errorf("read request: %v", err)
		return
	}
	// Azure's deployments take the body of OpenAI's chat completions.
	schema, err := f.spec.Request(http.MethodPost, "/chat/completions", r.Header.Get("Content-Type"))
	if err == nil {
		err = schema.Validate(body)
	}
	if err != nil {
		f.t.Errorf("request breaks the chat completion request of the OpenAPI document: %v\n%s", err, body)
		f.writeError(w, http.StatusBadRequest, "invalid_request_error", "", err.Error(), nil)
		return
	}
	var req chatRequest
	if err := json.Unmarshal(body, &req); err != nil {
		f.t.Errorf("decode request: %v", err)
		return
	}
	if err := json.Unmarshal(body, &req.raw); err != nil {
		f.t.Errorf("decode request: %v", err)
		return
	}
	req.header = r.Header.Clone()
	f.mu.Lock()
	f.requests = append(f.requests, req)
	f.mu.Unlock()
	f.answer(f, w, r, req)
}

// calls returns the chat completion requests received so far.
func (f *fakeServer) calls() []chatRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]chatRequest(nil), f.requests...)
}

// completion writes a chat completion whose first choice says content.
func (f *fakeServer) completion(w http.ResponseWriter, content, finish string) {
	f.writeJSON(w, http.StatusOK, "CreateChatCompletionResponse", map[string]any{
		"id":      "chatcmpl-test",
		"object":  "chat.completion",
		"created": 1741570283,
		"model":   testServedModel,
		"choices": []any{map[string]any{
			"index":         0,
			"message":       map[string]any{"role": "assistant", "content": content, "refusal": nil},
			"logprobs":      nil,
			"finish_reason": finish,
		}},
		"usage":              map[string]any{"prompt_tokens": testPromptTokens, "completion_tokens": testCompletionTokens, "total_tokens": testPromptTokens + testCompletionTokens},
		"system_fingerprint": "fp_test",
	})
}

// The usage and model every fake completion reports.
const (
	testServedModel      = "gpt-4o-mini-2024-07-18"
	testPromptTokens     = 120
	testCompletionTokens = 45
)

// translations writes a translation answer holding outs.
func (f *fakeServer) translations(w http.ResponseWriter, outs []string) {
	b, err := json.Marshal(map[string]any{"translations": outs})
	if err != nil {
		f.t.Errorf("encode translations: %v", err)
	}
	f.completion(w, string(b), "stop")
}

// writeError writes OpenAI's error body with status and extra headers.
func (f *fakeServer) writeError(w http.ResponseWriter, status int, typ, code, message string, header http.Header) {
	for k, vs := range header {
		w.Header()[k] = vs
	}
	var c any
	if code != "" {
		c = code
	}
	f.writeJSON(w, status, "ErrorResponse", map[string]any{
		"error": map[string]any{"message": message, "type": typ, "param": nil, "code": c},
	})
}

// writeJSON checks v against the named schema, then writes it.
func (f *fakeServer) writeJSON(w http.ResponseWriter, status int, schema string, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		f.t.Errorf("encode answer: %v", err)
		return
	}
	if err := f.spec.ValidateSchema(schema, b); err != nil {
		f.t.Errorf("the test's own answer breaks %s: %v", schema, err)
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
func translating(f *fakeServer, w http.ResponseWriter, _ *http.Request, req chatRequest) {
	f.translations(w, fakeTranslateAll(req.segments(f.t).Segments))
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
		opts.Name = "gpt"
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
