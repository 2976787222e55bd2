package handlers

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"

	"passerelle/cache"
	"passerelle/gateway"
)

// fuzzPaths are the endpoints FuzzArticleRequest posts to.
var fuzzPaths = []string{"/v1/translate", "/v1/articles", "/v1/extract"}

// fuzzStatuses is the documented status of every code a client may get from
// the article endpoints when the providers never fail and no URL is
// fetched (the fetcher is off, which answers url_not_allowed).
var fuzzStatuses = map[string]int{
	gateway.CodeInvalidJSON:         http.StatusBadRequest,
	gateway.CodeInvalidRequest:      http.StatusBadRequest,
	gateway.CodeEmptyArticle:        http.StatusBadRequest,
	gateway.CodeUnknownProvider:     http.StatusBadRequest,
	gateway.CodeProviderNotAllowed:  http.StatusBadRequest,
	gateway.CodeURLNotAllowed:       http.StatusBadRequest,
	gateway.CodeTooLarge:            http.StatusRequestEntityTooLarge,
	gateway.CodeUnsupportedLanguage: http.StatusUnprocessableEntity,
	gateway.CodeNoArticle:           http.StatusUnprocessableEntity,
}

// fuzzMaxBody is the router's body limit in FuzzArticleRequest: small enough
// that the fuzzer reaches too_large, large enough for the seed article.
const fuzzMaxBody = 16 << 10

// lockedBuffer collects the router's log, where a recovered panic leaves its
// stack.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) take() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := b.buf.String()
	b.buf.Reset()
	return s
}

// FuzzArticleRequest posts any body to the article endpoints of the real
// router over a real gateway.Service whose providers never fail, and checks
// that the answer is always JSON with a status under 500: a 200 with the
// reply's fields, or an error body {"error": {"code", "message"}} whose
// code is one a client can get and whose status is the one documented for
// it.
func FuzzArticleRequest(f *testing.F) {
	seed, err := os.ReadFile("../testdata/poutine-kim-vladivostok.fr.txt")
	if err != nil {
		f.Fatal(err)
	}
	page, err := os.ReadFile("../article/extract/testdata/synthetic.html")
	if err != nil {
		f.Fatal(err)
	}
	for _, body := range []any{
		map[string]any{"text": string(seed)},
		map[string]any{"text": string(seed), "title": "Premier sommet", "summary_sentences": 3, "provider": "mark"},
		map[string]any{"html": string(page)},
		map[string]any{"url": "http://127.0.0.1/article.html"},
	} {
		b, err := json.Marshal(body)
		if err != nil {
			f.Fatal(err)
		}
		for i := range fuzzPaths {
			f.Add(uint8(i), b)
		}
	}

	logs := &lockedBuffer{}
	svc, err := gateway.New(gateway.Options{
		Cache:       cache.NewMemory(cache.MemoryOptions{}),
		Providers:   []gateway.Provider{{Name: "mark", Translator: markTranslator{}}, {Name: "first", Summarizer: firstParagraph{}}},
		Translation: gateway.Route{Chain: []string{"mark"}, AllowOverride: []string{"mark"}},
		Summarizing: gateway.Route{Chain: []string{"first"}, AllowOverride: []string{"first"}},
		Logger:      slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		f.Fatal(err)
	}
	h := New(svc, Options{MaxBodyBytes: fuzzMaxBody, Logger: slog.New(slog.NewTextHandler(logs, nil))})

	f.Fuzz(func(t *testing.T, pathSel uint8, body []byte) {
		path := fuzzPaths[int(pathSel)%len(fuzzPaths)]
		logs.take()
		req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)

		if rec.Code >= 500 {
			t.Fatalf("POST %s %q = %d %s\nlog:\n%s", path, body, rec.Code, rec.Body, logs.take())
		}
		if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Fatalf("POST %s %q: Content-Type %q, want JSON", path, body, ct)
		}
		var reply map[string]json.RawMessage
		if err := json.Unmarshal(rec.Body.Bytes(), &reply); err != nil {
			t.Fatalf("POST %s %q = %d with a body that is not a JSON object: %v: %q", path, body, rec.Code, err, rec.Body)
		}

		if rec.Code == http.StatusOK {
			want := []string{"translation", "source_lang", "target_lang", "cache", "usage"}
			if path == "/v1/extract" {
				want = []string{"paragraphs", "characters", "tokens_estimate"}
			}
			for _, field := range want {
				if _, ok := reply[field]; !ok {
					t.Errorf("POST %s %q = 200 without %q: %s", path, body, field, rec.Body)
				}
			}
			return
		}
		var e errorBody
		if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil {
			t.Fatalf("POST %s %q = %d with an error body not of the error shape: %v: %s", path, body, rec.Code, err, rec.Body)
		}
		wantStatus, known := fuzzStatuses[e.Error.Code]
		switch {
		case !known:
			t.Errorf("POST %s %q = %d with code %q, not one this request can get: %s", path, body, rec.Code, e.Error.Code, rec.Body)
		case rec.Code != wantStatus:
			t.Errorf("POST %s %q: code %q came with status %d, want %d", path, body, e.Error.Code, rec.Code, wantStatus)
		}
		if e.Error.Message == "" || e.Error.RequestID == "" {
			t.Errorf("POST %s %q: error body lacks a message or a request id: %s", path, body, rec.Body)
		}
	})
}
