package deepl

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
	"unicode/utf8"

	"passerelle/internal/testenv/spectest"
)

// testKey is the (Pro) key the fake server accepts.
const testKey = "8f3b2c1d-4e5f-6a7b-8c9d-0e1f2a3b4c5d"

// fakeServer speaks DeepL's API: POST /v2/translate and GET /v2/usage. It
// checks every request against the OpenAPI excerpt and DeepL's rules for
// authentication, and answers a request that breaks them as DeepL would
// (403 for a missing or malformed Authorization, 400 with DeepL's message
// otherwise). Every violation is recorded, and fails the test at its end
// unless the test takes them with takeViolations. It checks the answers its
// test writes too.
type fakeServer struct {
	t      *testing.T
	spec   *spectest.Doc
	url    string
	answer answerFunc
	// billed is what the fake bills for a text; default its characters.
	billed func(text string) int

	mu         sync.Mutex
	requests   []translateCall
	violations []string
	inFlight   int
	peak       int
}

// answerFunc writes the fake's answer to one valid translation request.
type answerFunc func(f *fakeServer, w http.ResponseWriter, r *http.Request, req translateCall)

// translateCall is a POST /v2/translate as the server received it.
type translateCall struct {
	header http.Header
	raw    map[string]json.RawMessage
	size   int
	translateRequest
}

func newFakeServer(t *testing.T, answer answerFunc) *fakeServer {
	t.Helper()
	f := &fakeServer{t: t, spec: loadSpec(t), answer: answer}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	t.Cleanup(func() {
		for _, v := range f.takeViolations() {
			t.Errorf("the fake DeepL server rejected a request: %s", v)
		}
	})
	f.url = srv.URL
	return f
}

func (f *fakeServer) violate(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.violations = append(f.violations, fmt.Sprintf(format, args...))
}

// takeViolations returns the violations recorded so far and forgets them.
func (f *fakeServer) takeViolations() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	v := f.violations
	f.violations = nil
	return v
}

func (f *fakeServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// security: auth_header, "DeepL-Auth-Key <key>". DeepL stopped taking
	// the key as an auth_key parameter; a key in the URL also ends up in
	// every proxy's log.
	if strings.Contains(r.URL.RawQuery, "auth_key") || strings.Contains(r.URL.String(), testKey) {
		f.violate("%s %s: the key is in the URL", r.Method, r.URL.Path)
		w.WriteHeader(http.StatusForbidden)
		return
	}
	auth := r.Header.Get("Authorization")
	key, ok := strings.CutPrefix(auth, "DeepL-Auth-Key ")
	if !ok || key == "" || strings.TrimSpace(key) != key {
		f.violate("%s %s: Authorization = %q, want \"DeepL-Auth-Key <key>\"", r.Method, r.URL.Path, auth)
		w.WriteHeader(http.StatusForbidden) // DeepL's 403 has no body
		return
	}
	if r.Header.Get("User-Agent") == "" {
		f.violate("%s %s: no User-Agent", r.Method, r.URL.Path)
		f.writeError(w, "POST /v2/translate", http.StatusBadRequest, `{"message":"User-Agent header missing."}`, nil)
		return
	}
	if key != testKey {
		// A wrong key is the server's answer to give, not a client bug.
		w.WriteHeader(http.StatusForbidden)
		return
	}

	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/v2/usage":
		f.writeJSON(w, "GET /v2/usage", http.StatusOK, map[string]any{"character_count": 180118, "character_limit": 1250000})
	case r.Method == http.MethodPost && r.URL.Path == "/v2/translate":
		f.translate(w, r)
	default:
		f.violate("unexpected request %s %s", r.Method, r.URL.Path)
		w.WriteHeader(http.StatusNotFound) // DeepL's 404 has no body
	}
}

func (f *fakeServer) translate(w http.ResponseWriter, r *http.Request) {
	const op = "POST /v2/translate"
	method, path := operation(op)
	schema, err := f.spec.Request(method, path, r.Header.Get("Content-Type"))
	if err != nil {
		f.violate("%v", err)
		f.writeError(w, op, http.StatusBadRequest, `{"message":"Invalid content type"}`, nil)
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		f.violate("read request: %v", err)
		return
	}
	if strings.Contains(string(body), testKey) {
		f.violate("the key is in the body")
		w.WriteHeader(http.StatusForbidden)
		return
	}
	if limit, ok := f.spec.MaxBodyBytes(method, path); !ok {
		f.t.Errorf("%s: the excerpt states no x-max-body-bytes", op)
	} else if len(body) > limit {
		f.violate("request body is %d bytes, over DeepL's limit of %d", len(body), limit)
		f.writeError(w, op, http.StatusRequestEntityTooLarge, `{"message":"Request Entity Too Large"}`, nil)
		return
	}
	if err := schema.Validate(body); err != nil {
		f.violate("request breaks %s: %v", schema.Name(), err)
		f.writeError(w, op, http.StatusBadRequest, mustJSON(map[string]string{"message": "Bad request. Reason: " + err.Error()}), nil)
		return
	}
	var req translateCall
	if err := json.Unmarshal(body, &req.translateRequest); err != nil {
		f.violate("decode request: %v", err)
		return
	}
	if err := json.Unmarshal(body, &req.raw); err != nil {
		f.violate("decode request: %v", err)
		return
	}
	// DeepL's own rules, beyond the schema.
	if req.GlossaryID != "" && req.SourceLang == "" {
		f.violate("glossary_id without source_lang")
		f.writeError(w, op, http.StatusBadRequest, `{"message":"Use of a glossary requires the source_lang parameter to be specified"}`, nil)
		return
	}
	if req.TargetLang == "EN" || req.TargetLang == "PT" {
		f.violate("target_lang %q is deprecated: DeepL asks for a variant", req.TargetLang)
	}
	req.header = r.Header.Clone()
	req.size = len(body)

	f.mu.Lock()
	f.requests = append(f.requests, req)
	f.inFlight++
	f.peak = max(f.peak, f.inFlight)
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		f.inFlight--
		f.mu.Unlock()
	}()
	f.answer(f, w, r, req)
}

// calls returns the translation requests received so far.
func (f *fakeServer) calls() []translateCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]translateCall(nil), f.requests...)
}

// peakInFlight returns the most translation requests handled at once.
func (f *fakeServer) peakInFlight() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.peak
}

// fakeTranslate is the fake's "translation": it depends on its input, so a
// result in the wrong order or off by one shows.
func fakeTranslate(s string) string {
	return fmt.Sprintf("EN<%s>", strings.ToUpper(s))
}

// translations writes DeepL's answer for outs, one per text of req.
func (f *fakeServer) translations(w http.ResponseWriter, req translateCall, outs []string) {
	list := make([]any, len(outs))
	for i, out := range outs {
		t := map[string]any{"detected_source_language": "FR", "text": out}
		if req.SourceLang != "" {
			t["detected_source_language"] = req.SourceLang
		}
		if req.ShowBilledCharacters && i < len(req.Text) {
			billed := utf8.RuneCountInString(req.Text[i])
			if f.billed != nil {
				billed = f.billed(req.Text[i])
			}
			t["billed_characters"] = billed
		}
		switch req.ModelType {
		case "":
		case "prefer_quality_optimized":
			t["model_type_used"] = "quality_optimized"
		default:
			t["model_type_used"] = req.ModelType
		}
		if req.TagHandling != "" {
			t["tag_handling_version"] = "v1"
		}
		list[i] = t
	}
	f.writeJSON(w, "POST /v2/translate", http.StatusOK, map[string]any{"translations": list})
}

// translating answers every translation request correctly.
func translating(f *fakeServer, w http.ResponseWriter, _ *http.Request, req translateCall) {
	outs := make([]string, len(req.Text))
	for i, s := range req.Text {
		outs[i] = fakeTranslate(s)
	}
	f.translations(w, req, outs)
}

// writeError writes an error answer of operation op. A status the excerpt
// documents with a body must carry a body that fits it; body may be empty
// where DeepL sends none.
func (f *fakeServer) writeError(w http.ResponseWriter, op string, status int, body string, header http.Header) {
	method, path := operation(op)
	if schema, err := f.spec.Response(method, path, status); err == nil && schema != nil && body != "" {
		if err := schema.Validate([]byte(body)); err != nil {
			f.t.Errorf("the test's own %d answer breaks %s: %v", status, schema.Name(), err)
		}
	}
	for k, vs := range header {
		w.Header()[k] = vs
	}
	if body != "" && strings.HasPrefix(body, "{") {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(status)
	io.WriteString(w, body)
}

// writeJSON checks v against the documented answer of op for status, then
// writes it.
func (f *fakeServer) writeJSON(w http.ResponseWriter, op string, status int, v any) {
	b := mustJSON(v)
	method, path := operation(op)
	schema, err := f.spec.Response(method, path, status)
	if err == nil && schema == nil {
		err = fmt.Errorf("%s: the excerpt documents no JSON answer with status %d", op, status)
	}
	if err != nil {
		f.t.Error(err)
	} else if err := schema.Validate([]byte(b)); err != nil {
		f.t.Errorf("the test's own answer breaks %s: %v", schema.Name(), err)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	io.WriteString(w, b)
}

// operation splits "POST /v2/translate" into its method and its path.
func operation(op string) (method, path string) {
	method, path, _ = strings.Cut(op, " ")
	return method, path
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// newProvider returns a Provider talking to f.
func newProvider(t *testing.T, f *fakeServer, opts Options) *Provider {
	t.Helper()
	opts.BaseURL = f.url
	if opts.APIKey == "" {
		opts.APIKey = testKey
	}
	if opts.Name == "" {
		opts.Name = "translator"
	}
	if opts.Timeout == 0 {
		// Long enough never to fire on a loaded machine unless a test wants it to.
		opts.Timeout = 30 * time.Second
	}
	p, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return p
}
