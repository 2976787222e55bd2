package handlers

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"passerelle/cache"
	"passerelle/gateway"
	"passerelle/providers"
)

func init() { gin.SetMode(gin.TestMode) }

// markTranslator "translates" by prefixing each segment, or fails with err.
type markTranslator struct {
	err   error
	delay time.Duration
}

func (m markTranslator) Fingerprint() string { return "mark" }

func (m markTranslator) Translate(ctx context.Context, req providers.TranslateRequest) (providers.TranslateResult, error) {
	if m.delay > 0 {
		select {
		case <-time.After(m.delay):
		case <-ctx.Done():
			return providers.TranslateResult{}, &providers.Error{Provider: "mark", Kind: providers.KindTimeout, Err: ctx.Err()}
		}
	}
	if m.err != nil {
		return providers.TranslateResult{}, m.err
	}
	out := make([]string, len(req.Segments))
	for i, s := range req.Segments {
		out[i] = "EN " + s
	}
	return providers.TranslateResult{Translations: out, Model: "mark-1", Usage: providers.Usage{Characters: 10}}, nil
}

type firstParagraph struct{}

func (firstParagraph) Fingerprint() string { return "first" }

func (firstParagraph) Summarize(ctx context.Context, req providers.SummarizeRequest) (providers.SummarizeResult, error) {
	first, _, _ := strings.Cut(req.Text, "\n\n")
	return providers.SummarizeResult{Summary: first, Model: "first-1"}, nil
}

// markService is the gateway most handler tests stand on: the mark
// translator and the first-paragraph summarizer over an embedded cache;
// with edits the test's own options.
func markService(t *testing.T, edit func(*gateway.Options)) *gateway.Service {
	t.Helper()
	opts := gateway.Options{
		Cache: cache.NewMemory(cache.MemoryOptions{}),
		// mark first and first second: the edits of several tests count on it.
		Providers:   []gateway.Provider{{Name: "mark", Translator: markTranslator{}}, {Name: "first", Summarizer: firstParagraph{}}},
		Translation: gateway.Route{Chain: []string{"mark"}},
		Summarizing: gateway.Route{Chain: []string{"first"}},
		Logger:      slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	if edit != nil {
		edit(&opts)
	}
	svc, err := gateway.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

type routerOptions struct {
	translator providers.Translator
	chain      []string
	timeout    time.Duration
}

func newRouter(t *testing.T, o routerOptions) http.Handler {
	t.Helper()
	if o.translator == nil {
		o.translator = markTranslator{}
	}
	if o.chain == nil {
		o.chain = []string{"mark"}
	}
	svc, err := gateway.New(gateway.Options{
		Cache: cache.NewMemory(cache.MemoryOptions{}),
		Providers: []gateway.Provider{
			{Name: "mark", Translator: o.translator, Type: "openai", Credentials: "present", Capabilities: gateway.Capabilities{Translate: true}},
			{Name: "gpt", Type: "openai", Credentials: "missing", Unavailable: "no API key"},
			{Name: "first", Summarizer: firstParagraph{}, Type: "extractive", Credentials: "not_needed", Capabilities: gateway.Capabilities{Summarize: true}},
		},
		Translation: gateway.Route{Chain: o.chain, AllowOverride: append(o.chain, "mark")},
		Summarizing: gateway.Route{Chain: []string{"first"}, AllowOverride: []string{"first"}},
		Logger:      slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	return New(svc, Options{MaxBodyBytes: 4096, RequestTimeout: o.timeout, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
}

func do(t *testing.T, h http.Handler, method, path, body string, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestErrorCodes(t *testing.T) {
	article := `{"text": "Premier paragraphe.\n\nSecond paragraphe."}`
	tests := []struct {
		name        string
		router      routerOptions
		method      string
		path        string
		body        string
		wantStatus  int
		wantCode    string
		wantMessage string // a part of it, when set
	}{
		{name: "malformed JSON", body: `{"text": "abc"`, wantStatus: 400, wantCode: "invalid_json"},
		{name: "not an object", body: `["text"]`, wantStatus: 400, wantCode: "invalid_json"},
		{name: "wrong type", body: `{"text": 42}`, wantStatus: 400, wantCode: "invalid_json"},
		{name: "empty body", body: ``, wantStatus: 400, wantCode: "invalid_json"},
		{name: "the article sent as it is", body: "Le président a démissionné.\n\nIl part.", wantStatus: 400, wantCode: "invalid_json",
			wantMessage: `the request body is not JSON: send the article inside JSON, such as {"text": "..."}`},
		{name: "an article starting with a t", body: "tout le monde", wantStatus: 400, wantCode: "invalid_json", wantMessage: "the request body is not JSON"},
		{name: "an article starting like a JSON literal", body: "nullement", wantStatus: 400, wantCode: "invalid_json", wantMessage: "the request body is not JSON"},
		{name: "a byte-order mark before JSON is read past", body: "\ufeff{\"text\": \"   \"}", wantStatus: 400, wantCode: "empty_article"},
		{name: "a JSON string", body: `"Le président"`, wantStatus: 400, wantCode: "invalid_json", wantMessage: "must be a JSON object, not a JSON string"},
		{name: "two values", body: `{"text": "a"} {"text": "b"}`, wantStatus: 400, wantCode: "invalid_json"},
		{name: "unknown field", body: `{"txt": "abc"}`, wantStatus: 400, wantCode: "invalid_request"},
		{name: "bad summary length", body: `{"text": "abc", "summary_sentences": 99}`, wantStatus: 400, wantCode: "invalid_request"},
		{name: "empty article", body: `{"text": "   "}`, wantStatus: 400, wantCode: "empty_article"},
		{name: "missing text", body: `{"title": ""}`, wantStatus: 400, wantCode: "empty_article"},
		{name: "too large", body: `{"text": "` + strings.Repeat("a", 5000) + `"}`, wantStatus: 413, wantCode: "too_large"},
		{name: "unsupported language", body: `{"text": "Hallo", "source_lang": "de"}`, wantStatus: 422, wantCode: "unsupported_language"},
		{name: "unknown provider", body: `{"text": "abc", "provider": "nope"}`, wantStatus: 400, wantCode: "unknown_provider"},
		{name: "provider not allowed", body: `{"text": "abc", "provider": "first"}`, path: "/v1/translate", wantStatus: 400, wantCode: "provider_not_allowed"},
		{name: "provider failure", router: routerOptions{translator: markTranslator{err: &providers.Error{Provider: "mark", Kind: providers.KindUnavailable, Status: 500}}},
			body: article, wantStatus: 502, wantCode: "provider_error"},
		{name: "provider timeout", router: routerOptions{translator: markTranslator{delay: time.Second}, timeout: 50 * time.Millisecond},
			body: article, wantStatus: 504, wantCode: "provider_timeout"},
		{name: "no usable provider", router: routerOptions{chain: []string{"gpt"}}, body: article, wantStatus: 503, wantCode: "no_provider"},
		{name: "not found", method: "GET", path: "/v1/nothing", wantStatus: 404, wantCode: "not_found"},
		{name: "method not allowed", method: "GET", path: "/v1/translate", wantStatus: 405, wantCode: "method_not_allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			method, path := tt.method, tt.path
			if method == "" {
				method = "POST"
			}
			if path == "" {
				path = "/v1/articles"
			}
			rec := do(t, newRouter(t, tt.router), method, path, tt.body)
			if rec.Code != tt.wantStatus {
				t.Errorf("status = %d, want %d; body %s", rec.Code, tt.wantStatus, rec.Body)
			}
			var body errorBody
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
				t.Fatalf("error body is not JSON: %v: %s", err, rec.Body)
			}
			if body.Error.Code != tt.wantCode {
				t.Errorf("code = %q, want %q (message %q)", body.Error.Code, tt.wantCode, body.Error.Message)
			}
			if !strings.Contains(body.Error.Message, tt.wantMessage) {
				t.Errorf("message = %q, want it to hold %q", body.Error.Message, tt.wantMessage)
			}
			if body.Error.Message == "" || body.Error.RequestID == "" {
				t.Errorf("error body lacks a message or request id: %s", rec.Body)
			}
			if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("Content-Type = %q, want JSON", ct)
			}
		})
	}
}

func TestEveryCodeHasAStatus(t *testing.T) {
	codes := []string{gateway.CodeInvalidJSON, gateway.CodeInvalidRequest, gateway.CodeEmptyArticle, gateway.CodeTooLarge,
		gateway.CodeUnsupportedLanguage, gateway.CodeUnknownProvider, gateway.CodeProviderNotAllowed, gateway.CodeProviderError,
		gateway.CodeProviderTimeout, gateway.CodeNoProvider, gateway.CodeInternal}
	for _, code := range codes {
		if _, ok := errorTable[code]; !ok {
			t.Errorf("code %q has no HTTP status", code)
		}
	}
}

func TestArticleResponse(t *testing.T) {
	h := newRouter(t, routerOptions{})
	seed, err := os.ReadFile("../testdata/poutine-kim-vladivostok.fr.txt")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(map[string]any{"text": string(seed), "summary_sentences": 1})

	rec := do(t, h, "POST", "/v1/articles", string(body))
	if rec.Code != http.StatusOK {
		t.Fatalf("status = %d: %s", rec.Code, rec.Body)
	}
	if got := rec.Header().Get("X-Cache"); got != "MISS" {
		t.Errorf("X-Cache = %q, want MISS", got)
	}
	var resp articleResponse
	if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
		t.Fatal(err)
	}
	if resp.Translation == nil || len(resp.Translation.Paragraphs) != 6 {
		t.Fatalf("translation = %+v, want 6 paragraphs", resp.Translation)
	}
	if !strings.HasPrefix(resp.Translation.Title, "EN Premier sommet") {
		t.Errorf("title = %q", resp.Translation.Title)
	}
	if resp.Translation.Text != strings.Join(resp.Translation.Paragraphs, "\n\n") {
		t.Errorf("text is not the paragraphs joined")
	}
	if resp.Summary == nil || resp.Summary.Text != resp.Translation.Paragraphs[0] || resp.Summary.Sentences != 1 {
		t.Errorf("summary = %+v", resp.Summary)
	}
	if resp.Provider.Translation != "mark" || resp.Provider.Summary != "first" || resp.Model.Translation != "mark-1" {
		t.Errorf("provider = %+v, model = %+v", resp.Provider, resp.Model)
	}
	if resp.Cache.Status != "miss" || resp.Cache.SegmentsTranslated != 7 {
		t.Errorf("cache = %+v, want miss with 7 segments translated", resp.Cache)
	}
	if resp.SourceLang != "fr" || resp.TargetLang != "en" {
		t.Errorf("languages = %s -> %s", resp.SourceLang, resp.TargetLang)
	}

	rec = do(t, h, "POST", "/v1/articles", string(body))
	if got := rec.Header().Get("X-Cache"); got != "HIT" {
		t.Errorf("second X-Cache = %q, want HIT", got)
	}
	rec = do(t, h, "POST", "/v1/articles", string(body), "Cache-Control", "no-cache")
	if got := rec.Header().Get("X-Cache"); got != "MISS" {
		t.Errorf("no-cache X-Cache = %q, want MISS", got)
	}
}

func TestEndpointsShapeTheirReplies(t *testing.T) {
	h := newRouter(t, routerOptions{})
	body := `{"title": "Un titre", "text": "Premier paragraphe.\n\nSecond paragraphe."}`
	tests := []struct {
		path            string
		wantTranslation bool
		wantSummary     bool
	}{
		{"/v1/translate", true, false},
		{"/v1/summarize", false, true},
		{"/v1/articles", true, true},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			rec := do(t, h, "POST", tt.path, body)
			if rec.Code != http.StatusOK {
				t.Fatalf("status = %d: %s", rec.Code, rec.Body)
			}
			var raw map[string]json.RawMessage
			if err := json.Unmarshal(rec.Body.Bytes(), &raw); err != nil {
				t.Fatal(err)
			}
			if _, ok := raw["translation"]; ok != tt.wantTranslation {
				t.Errorf("translation present = %v, want %v", ok, tt.wantTranslation)
			}
			if _, ok := raw["summary"]; ok != tt.wantSummary {
				t.Errorf("summary present = %v, want %v", ok, tt.wantSummary)
			}
			for _, field := range []string{"source_lang", "provider", "model", "cache", "usage", "timings_ms"} {
				if _, ok := raw[field]; !ok {
					t.Errorf("field %q missing", field)
				}
			}
		})
	}
}

func TestHealthAndReadiness(t *testing.T) {
	rec := do(t, newRouter(t, routerOptions{}), "GET", "/healthz", "")
	if rec.Code != http.StatusOK {
		t.Errorf("healthz = %d", rec.Code)
	}
	rec = do(t, newRouter(t, routerOptions{}), "GET", "/readyz", "")
	if rec.Code != http.StatusOK {
		t.Errorf("readyz = %d: %s", rec.Code, rec.Body)
	}
	rec = do(t, newRouter(t, routerOptions{chain: []string{"gpt"}}), "GET", "/readyz", "")
	if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), "no API key") {
		t.Errorf("readyz without a usable translator = %d %s, want 503 saying why", rec.Code, rec.Body)
	}
}

func TestRequestID(t *testing.T) {
	h := newRouter(t, routerOptions{})
	rec := do(t, h, "GET", "/healthz", "", "X-Request-ID", "abc-123")
	if got := rec.Header().Get("X-Request-ID"); got != "abc-123" {
		t.Errorf("echoed id = %q, want abc-123", got)
	}
	rec = do(t, h, "GET", "/healthz", "", "X-Request-ID", "bad id\nwith newline")
	if got := rec.Header().Get("X-Request-ID"); got == "" || strings.ContainsAny(got, " \n") {
		t.Errorf("generated id = %q, want a fresh token", got)
	}
}

func TestWebPage(t *testing.T) {
	h := newRouter(t, routerOptions{})
	rec := do(t, h, "GET", "/", "")
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
		t.Fatalf("GET / = %d %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	page := rec.Body.String()
	csp := rec.Header().Get("Content-Security-Policy")
	if csp == "" || strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "http") {
		t.Errorf("Content-Security-Policy %q: want one, with nothing inline and nothing from elsewhere", csp)
	}
	// Nothing inline (the policy would refuse it) and nothing from
	// elsewhere (an editor's network may have no way out).
	for _, banned := range []string{"<script>", "<style>", " style=", "onclick=", "http://", "https://cdn", "//fonts."} {
		if strings.Contains(page, banned) {
			t.Errorf("the page holds %q", banned)
		}
	}
	script := do(t, h, "GET", "/assets/app.js", "")
	if script.Code != http.StatusOK || !strings.HasPrefix(script.Header().Get("Content-Type"), "text/javascript") {
		t.Fatalf("GET /assets/app.js = %d %q", script.Code, script.Header().Get("Content-Type"))
	}
	for _, want := range []string{"/v1/articles", "/v1/providers", "text/event-stream", "textContent", "sessionStorage"} {
		if !strings.Contains(script.Body.String(), want) {
			t.Errorf("the script lacks %q", want)
		}
	}
	// The stream tells the article first: asking /v1/extract as well would
	// cost a second request, and a second fetch of an address.
	if strings.Contains(script.Body.String(), "/v1/extract") {
		t.Errorf("the script asks /v1/extract")
	}
	if strings.Contains(script.Body.String(), "innerHTML") {
		t.Errorf("the script sets innerHTML: article text must be set as text")
	}
	if rec := do(t, h, "GET", "/assets/app.css", ""); rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/css") {
		t.Errorf("GET /assets/app.css = %d %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	if rec := do(t, h, "GET", "/assets/../web.go", ""); rec.Code != http.StatusNotFound {
		t.Errorf("GET /assets/../web.go = %d, want 404", rec.Code)
	}
	if rec := do(t, h, "GET", "/assets/nope.js", ""); rec.Code != http.StatusNotFound {
		t.Errorf("GET /assets/nope.js = %d, want 404", rec.Code)
	}
}

// The reference renders every operation and schema of the document, and
// the descriptions' Markdown as HTML, from nothing but the gateway.
func TestReferencePage(t *testing.T) {
	rec := do(t, newRouter(t, routerOptions{}), "GET", "/docs", "")
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
		t.Fatalf("GET /docs = %d %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	page := rec.Body.String()
	doc, _ := loadContract(t)
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			if !strings.Contains(page, "<span class=\"method\">"+method+"</span> <code>"+path+"</code>") {
				t.Errorf("the reference lacks %s %s", method, path)
			}
		}
	}
	for name := range doc.Components.Schemas {
		if !strings.Contains(page, `id="schema-`+name+`"`) {
			t.Errorf("the reference lacks the schema %s", name)
		}
	}
	for _, want := range []string{"<code>text/event-stream</code>", `<a href="#schema-ArticlesResponse">ArticlesResponse</a>`, "<code>Accept: text/event-stream</code>"} {
		if !strings.Contains(page, want) {
			t.Errorf("the reference lacks %s", want)
		}
	}
	if strings.Contains(page, "<script") || strings.Contains(page, "https://") && strings.Contains(page, "<link rel=\"stylesheet\" href=\"http") {
		t.Errorf("the reference runs a script or loads a style from elsewhere")
	}
}

func TestProvidersEndpoint(t *testing.T) {
	rec := do(t, newRouter(t, routerOptions{}), "GET", "/v1/providers", "")
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /v1/providers = %d", rec.Code)
	}
	var body struct {
		Providers []gateway.ProviderStatus `json:"providers"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatal(err)
	}
	if len(body.Providers) != 3 {
		t.Fatalf("providers = %+v, want mark, gpt and first", body.Providers)
	}
	mark, gpt, first := body.Providers[0], body.Providers[1], body.Providers[2]
	if first.Name != "first" || !first.Available || !slices.Equal(first.Routes, []string{"summarization:primary", "request_override"}) {
		t.Errorf("first = %+v", first)
	}
	if mark.Name != "mark" || !mark.Available || !slices.Contains(mark.Routes, "translation:primary") || !mark.Capabilities.Translate {
		t.Errorf("mark = %+v", mark)
	}
	if gpt.Available || gpt.Reason != "no API key" || gpt.Credentials != "missing" {
		t.Errorf("gpt = %+v", gpt)
	}
}
