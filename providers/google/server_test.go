package google_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"passerelle/providers/google"
)

// testKey is the API key the fake server accepts.
const testKey = "AIzaSyD-test-9c1f0e2b7a4d"

// invalidKeyBody is Google's answer to a key it does not know.
const invalidKeyBody = `{
  "error": {
    "code": 400,
    "message": "API key not valid. Please pass a valid API key.",
    "errors": [{"message": "API key not valid. Please pass a valid API key.", "domain": "global", "reason": "badRequest"}],
    "status": "INVALID_ARGUMENT",
    "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID", "domain": "googleapis.com",
      "metadata": {"service": "translate.googleapis.com"}}]
  }
}`

// v2Request is a translation request as the fake received it. Pointers
// tell an absent field from an empty one.
type v2Request struct {
	Q      []string `json:"q"`
	Source *string  `json:"source"`
	Target string   `json:"target"`
	Format string   `json:"format"`
	Model  *string  `json:"model"`
}

// translation is one element of the answer's translations array.
type translation struct {
	TranslatedText         string `json:"translatedText"`
	DetectedSourceLanguage string `json:"detectedSourceLanguage,omitempty"`
	Model                  string `json:"model,omitempty"`
}

// fakeGoogle speaks Cloud Translation v2. It checks every request against
// the documented format and fails the test on any violation. translate
// decides the text of each translation; answer, when set, replaces the
// whole answer to translation requests.
type fakeGoogle struct {
	t         *testing.T
	url       string
	maxChars  int // the bound the client was given; 0 skips the check
	translate func(req v2Request, q string) string
	answer    func(w http.ResponseWriter, req v2Request)
	// gate, when set, is called while a request is counted in flight.
	gate func()

	mu            sync.Mutex
	requests      []v2Request
	inFlight, max int
}

func newFakeGoogle(t *testing.T) *fakeGoogle {
	t.Helper()
	f := &fakeGoogle{t: t, translate: func(_ v2Request, q string) string { return "EN[" + q + "]" }}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	f.url = srv.URL
	return f
}

func (f *fakeGoogle) provider(opts google.Options) *google.Provider {
	f.t.Helper()
	opts.BaseURL = f.url
	if opts.APIKey == "" {
		opts.APIKey = testKey
	}
	p, err := google.New(opts)
	if err != nil {
		f.t.Fatalf("New: %v", err)
	}
	return p
}

func (f *fakeGoogle) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// An API key goes in the key query parameter or the X-Goog-Api-Key
	// header; this client must use the header, so the key stays out of URLs.
	if r.URL.Query().Has("key") {
		f.t.Errorf("%s %s: the key is in the URL", r.Method, r.URL.Path)
	}
	if strings.Contains(r.URL.String(), testKey) {
		f.t.Errorf("%s %s: the URL contains the key", r.Method, r.URL)
	}
	if got := r.Header.Get("X-Goog-Api-Key"); got != testKey {
		writeJSON(w, http.StatusBadRequest, invalidKeyBody)
		return
	}

	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/language/translate/v2/languages":
		writeJSON(w, http.StatusOK, `{"data": {"languages": [{"language": "en"}, {"language": "fr"}]}}`)
		return
	case r.Method == http.MethodPost && r.URL.Path == "/language/translate/v2":
	default:
		f.t.Errorf("unexpected request %s %s", r.Method, r.URL.Path)
		http.NotFound(w, r)
		return
	}

	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		f.t.Errorf("Content-Type = %q, want application/json", ct)
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		f.t.Errorf("read request: %v", err)
		return
	}
	if strings.Contains(string(body), testKey) {
		f.t.Errorf("the request body contains the key: %s", body)
	}
	var req v2Request
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		f.t.Errorf("request body is not a v2 translation request (q must be an array of strings): %v: %s", err, body)
		writeJSON(w, http.StatusBadRequest, `{"error": {"code": 400, "message": "Invalid JSON payload received.", "status": "INVALID_ARGUMENT"}}`)
		return
	}
	f.check(req)

	f.mu.Lock()
	f.requests = append(f.requests, req)
	f.inFlight++
	f.max = max(f.max, f.inFlight)
	f.mu.Unlock()
	if f.gate != nil {
		f.gate()
	}

	// Write the answer aside, count the request as done, and only then let
	// the client see it, so that its next request cannot overlap this
	// one's count.
	rec := httptest.NewRecorder()
	if f.answer != nil {
		f.answer(rec, req)
	} else {
		ts := make([]translation, len(req.Q))
		for i, q := range req.Q {
			ts[i] = translation{TranslatedText: f.translate(req, q)}
			// v2 names the model only when the request named one, and the
			// detected language only when it had to detect it.
			if req.Model != nil {
				ts[i].Model = *req.Model
			}
			if req.Source == nil {
				ts[i].DetectedSourceLanguage = "fr"
			}
		}
		out, _ := json.Marshal(map[string]any{"data": map[string]any{"translations": ts}})
		writeJSON(rec, http.StatusOK, string(out))
	}
	f.mu.Lock()
	f.inFlight--
	f.mu.Unlock()
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}

// check fails the test when req breaks v2's rules or this client's bounds.
func (f *fakeGoogle) check(req v2Request) {
	f.t.Helper()
	if len(req.Q) == 0 || len(req.Q) > google.MaxSegments {
		f.t.Errorf("q has %d strings, want 1 to %d", len(req.Q), google.MaxSegments)
	}
	if req.Target == "" {
		f.t.Errorf("target is missing")
	}
	if req.Source != nil && *req.Source == "" {
		f.t.Errorf("source is present but empty; omit it to have Google detect the language")
	}
	if req.Format != "text" && req.Format != "html" {
		f.t.Errorf("format = %q, want \"text\" or \"html\" always sent (the default is html)", req.Format)
	}
	if req.Model != nil && *req.Model != "nmt" && *req.Model != "base" {
		f.t.Errorf("model = %q, want nmt or base", *req.Model)
	}
	chars := 0
	for _, q := range req.Q {
		if strings.TrimSpace(q) == "" {
			f.t.Errorf("a blank string was sent and paid for")
		}
		chars += utf8.RuneCountInString(q)
	}
	if f.maxChars > 0 && len(req.Q) > 1 && chars > f.maxChars {
		f.t.Errorf("a request of %d strings has %d characters, over MaxChars %d", len(req.Q), chars, f.maxChars)
	}
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}
