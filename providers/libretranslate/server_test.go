package libretranslate_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"passerelle/providers/libretranslate"
)

// testKey is the API key the fake server accepts when it requires one.
const testKey = "3f2a9c1e-7b4d-4e8a-9f60-5c2b1d7e8a90"

// languagesBody is a LibreTranslate 1.6 answer to GET /languages, shortened.
const languagesBody = `[{"code": "en", "name": "English", "targets": ["de", "en", "es", "fr"]},
 {"code": "fr", "name": "French", "targets": ["de", "en", "es", "fr"]},
 {"code": "es", "name": "Spanish", "targets": ["de", "en", "es", "fr"]}]`

// ltRequest is a translation request as the fake received it.
type ltRequest struct {
	Q      []string `json:"q"`
	Source string   `json:"source"`
	Target string   `json:"target"`
	Format string   `json:"format"`
	APIKey *string  `json:"api_key"`
}

// fakeLT speaks LibreTranslate's API. It checks every request against the
// documented format and the client's bounds, and fails the test on any
// violation. translate decides the text of each translation; answer, when
// set, replaces the whole answer to translation requests.
type fakeLT struct {
	t         *testing.T
	url       string
	key       string // the server requires this api_key when set
	batchSize int    // the bounds the client was given; 0 skips the check
	maxChars  int
	languages string
	translate func(req ltRequest, q string) string
	answer    func(w http.ResponseWriter, req ltRequest)
	gate      func() // when set, called while a request is counted in flight

	mu            sync.Mutex
	requests      []ltRequest
	inFlight, max int
}

func newFakeLT(t *testing.T) *fakeLT {
	t.Helper()
	f := &fakeLT{t: t, languages: languagesBody, translate: func(_ ltRequest, q string) string { return "EN[" + q + "]" }}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	f.url = srv.URL
	return f
}

func (f *fakeLT) provider(opts libretranslate.Options) *libretranslate.Provider {
	f.t.Helper()
	opts.URL = f.url
	p, err := libretranslate.New(opts)
	if err != nil {
		f.t.Fatalf("New: %v", err)
	}
	return p
}

func (f *fakeLT) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/languages":
		writeJSON(w, http.StatusOK, f.languages)
		return
	case r.Method == http.MethodPost && r.URL.Path == "/translate":
	default:
		f.t.Errorf("unexpected request %s %s", r.Method, r.URL.Path)
		w.WriteHeader(http.StatusNotFound)
		return
	}
	if strings.Contains(r.URL.String(), testKey) {
		f.t.Errorf("the URL %s contains the key", r.URL)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		f.t.Errorf("Content-Type = %q, want application/json (the server reads form fields otherwise)", ct)
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		f.t.Errorf("read request: %v", err)
		return
	}
	var req ltRequest
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		f.t.Errorf("request body is not a translation request (q must be an array of strings): %v: %s", err, body)
		writeJSON(w, http.StatusBadRequest, `{"error": "Invalid JSON format"}`)
		return
	}
	f.check(req)

	// access_check comes before the request is read.
	if f.key != "" {
		switch {
		case req.APIKey == nil || *req.APIKey == "":
			writeJSON(w, http.StatusBadRequest, `{"error": "Please contact the server operator to get an API key"}`)
			return
		case *req.APIKey != f.key:
			writeJSON(w, http.StatusForbidden, `{"error": "Invalid API key"}`)
			return
		}
	} else if req.APIKey != nil {
		f.t.Errorf("api_key = %q was sent without an APIKey option", *req.APIKey)
	}

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
		texts := make([]string, len(req.Q))
		for i, q := range req.Q {
			texts[i] = f.translate(req, q)
		}
		out, _ := json.Marshal(map[string]any{"translatedText": texts})
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

// check fails the test when req breaks the API's rules or the client's bounds.
func (f *fakeLT) check(req ltRequest) {
	f.t.Helper()
	if len(req.Q) == 0 {
		f.t.Errorf("q is empty: the server answers 400 missing q parameter")
	}
	if f.batchSize > 0 && len(req.Q) > f.batchSize {
		f.t.Errorf("q has %d strings, over BatchSize %d", len(req.Q), f.batchSize)
	}
	if req.Source == "" || req.Target == "" {
		f.t.Errorf("source = %q, target = %q: both are required", req.Source, req.Target)
	}
	if req.Format != "text" && req.Format != "html" {
		f.t.Errorf("format = %q, want text or html", req.Format)
	}
	chars := 0
	for _, q := range req.Q {
		if strings.TrimSpace(q) == "" {
			f.t.Errorf("a blank string was sent")
		}
		chars += utf8.RuneCountInString(q)
	}
	if f.maxChars > 0 && len(req.Q) > 1 && chars > f.maxChars {
		f.t.Errorf("a request of %d strings has %d characters, over MaxChars %d", len(req.Q), chars, f.maxChars)
	}
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}
