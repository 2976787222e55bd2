package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
	"github.com/gin-gonic/gin"

	"passerelle/gateway"
	"passerelle/handlers/quota"
	"passerelle/jobs"
	"passerelle/providers"
	"passerelle/providers/resilient"
	"passerelle/telemetry/metrics"
)

// The web pages (text/html), their script and their style are text to the
// validator, which does not decode them by itself.
func init() {
	for _, mediaType := range []string{"text/html", "text/javascript", "text/css"} {
		openapi3filter.RegisterBodyDecoder(mediaType, openapi3filter.PlainBodyDecoder)
	}
}

// loadContract loads the document as GET /openapi.json serves it, and
// checks it against the OpenAPI specification.
func loadContract(t *testing.T) (*openapi3.T, routers.Router) {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(openapiJSON)
	if err != nil {
		t.Fatalf("the document does not load: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("the document is not valid OpenAPI: %v", err)
	}
	router, err := legacy.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	return doc, router
}

func TestOpenAPIDocumentIsValid(t *testing.T) {
	doc, _ := loadContract(t)
	if doc.OpenAPI != "3.0.3" {
		t.Errorf("openapi = %q, want 3.0.3", doc.OpenAPI)
	}
}

// fullRouter is the API with every optional route registered: /metrics,
// /admin/reload and the jobs.
func fullRouter(t *testing.T) *gin.Engine {
	t.Helper()
	h := New(markService(t, nil), Options{Metrics: metrics.New(), Reload: func() error { return nil },
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Jobs: jobs.NewMemory(jobs.Options{})})
	r, ok := h.(router)
	if !ok {
		t.Fatalf("New returned a %T, not the router", h)
	}
	return r.engine
}

// Every route the router serves is in the document, and every operation of
// the document is served.
func TestOpenAPIDocumentsEveryRoute(t *testing.T) {
	doc, _ := loadContract(t)
	// The browser's icon request is answered 204 with nothing, only so that
	// it does not fill the logs with 404s: it is no part of the API.
	exempt := map[string]bool{"GET /favicon.ico": true}

	registered := map[string]bool{}
	for _, r := range fullRouter(t).Routes() {
		// Gin writes a path parameter :id, OpenAPI {id}.
		segments := strings.Split(r.Path, "/")
		for i, seg := range segments {
			if name, ok := strings.CutPrefix(seg, ":"); ok {
				segments[i] = "{" + name + "}"
			}
		}
		registered[r.Method+" "+strings.Join(segments, "/")] = true
	}
	documented := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			documented[method+" "+path] = true
		}
	}
	for route := range registered {
		if !documented[route] && !exempt[route] {
			t.Errorf("%s is served but not documented", route)
		}
	}
	for route := range documented {
		if !registered[route] {
			t.Errorf("%s is documented but not served", route)
		}
	}
}

// Each error code the document lists under a status is answered with that
// status, and each code the handlers answer with is listed somewhere (but
// not_found and method_not_allowed, which belong to no operation and are
// described in the document's introduction).
func TestOpenAPIErrorCodesHaveTheirStatus(t *testing.T) {
	doc, _ := loadContract(t)
	listed := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			for status, ref := range op.Responses.Map() {
				codes := errorCodes(ref.Value)
				for _, code := range codes {
					listed[code] = true
					if want := strconv.Itoa(classOf(code).status); status != want {
						t.Errorf("%s %s lists %q under %s; the handlers answer it with %s", method, path, code, status, want)
					}
				}
				// A 431 is the HTTP server's, in plain text, before any route.
				// The dialects' errors carry no code of Passerelle's: their
				// own tests hold their statuses.
				if n, _ := strconv.Atoi(status); n >= 400 && len(codes) == 0 && path != "/readyz" && status != "431" && !slices.Contains(op.Tags, libreTag) && !strings.HasPrefix(path, "/v2/") {
					t.Errorf("%s %s: the %s reply lists no error code", method, path, status)
				}
			}
		}
	}
	for code := range errorTable {
		if !listed[code] && code != codeNotFound && code != codeMethodNotAllowed {
			t.Errorf("code %q is answered by the handlers but listed nowhere in the document", code)
		}
	}
	for _, code := range []string{codeNotFound, codeMethodNotAllowed} {
		if !strings.Contains(doc.Info.Description, code) {
			t.Errorf("the document's description does not mention %q", code)
		}
	}
}

// errorCodes returns the enum of error.code in a JSON error reply.
func errorCodes(resp *openapi3.Response) []string {
	media := resp.Content.Get("application/json")
	if media == nil || media.Schema == nil {
		return nil
	}
	var codes []string
	for _, part := range media.Schema.Value.AllOf {
		errProp := part.Value.Properties["error"]
		if errProp == nil {
			continue
		}
		if code := errProp.Value.Properties["code"]; code != nil {
			for _, v := range code.Value.Enum {
				codes = append(codes, v.(string))
			}
		}
	}
	return codes
}

// contractCase is one real request through a router, checked against the
// document both ways: the document accepts the request exactly when
// requestValid, and the reply is one the document allows for that status.
type contractCase struct {
	name         string
	h            http.Handler
	method, path string
	body         string
	header       []string
	requestValid bool
	status       int
	code         string // the error code, for an error reply
	xCache       string // the X-Cache header, when the case is about it
}

// presentKey is what the document's security schemes mean, the way the
// handlers read them: a Bearer token, an X-API-Key header, or DeepL's
// Authorization: DeepL-Auth-Key.
func presentKey(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	req := in.RequestValidationInput.Request
	switch in.SecuritySchemeName {
	case "bearerAuth":
		scheme, token, ok := strings.Cut(req.Header.Get("Authorization"), " ")
		if ok && strings.EqualFold(scheme, "Bearer") && strings.TrimSpace(token) != "" {
			return nil
		}
	case "apiKeyHeader":
		if strings.TrimSpace(req.Header.Get("X-API-Key")) != "" {
			return nil
		}
	case "deeplAuthKey":
		scheme, token, ok := strings.Cut(req.Header.Get("Authorization"), " ")
		if ok && strings.EqualFold(scheme, deeplAuthScheme) && strings.TrimSpace(token) != "" {
			return nil
		}
	}
	return errors.New("no key")
}

func checkContract(t *testing.T, router routers.Router, tc contractCase) {
	t.Helper()
	opts := &openapi3filter.Options{AuthenticationFunc: presentKey, IncludeResponseStatus: true, SkipSettingDefaults: true}
	req := httptest.NewRequest(tc.method, tc.path, strings.NewReader(tc.body))
	if tc.body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(tc.header); i += 2 {
		req.Header.Set(tc.header[i], tc.header[i+1])
	}
	route, params, err := router.FindRoute(req)
	if err != nil {
		t.Fatalf("%s %s is not in the document: %v", tc.method, tc.path, err)
	}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: opts}
	err = openapi3filter.ValidateRequest(context.Background(), in)
	switch {
	case tc.requestValid && err != nil:
		t.Errorf("the document refuses the request: %v", err)
	case !tc.requestValid && err == nil:
		t.Errorf("the document accepts the request, which the server refuses")
	}

	rec := do(t, tc.h, tc.method, tc.path, tc.body, tc.header...)
	if rec.Code != tc.status {
		t.Fatalf("status = %d, want %d: %s", rec.Code, tc.status, rec.Body)
	}
	if got := rec.Header().Get("X-Cache"); tc.xCache != "" && got != tc.xCache {
		t.Errorf("X-Cache = %q, want %q", got, tc.xCache)
	}
	if tc.code != "" {
		var body errorBody
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || body.Error.Code != tc.code {
			t.Fatalf("error code = %q, want %q: %s", body.Error.Code, tc.code, rec.Body)
		}
	}
	err = openapi3filter.ValidateResponse(context.Background(), &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in,
		Status:                 rec.Code,
		Header:                 rec.Header(),
		Body:                   io.NopCloser(bytes.NewReader(rec.Body.Bytes())),
		Options:                opts,
	})
	if err != nil {
		t.Errorf("the reply does not match the document: %v\nheaders %v\nbody %s", err, rec.Header(), rec.Body)
	}
}

// The schema of a stream, as OpenAI's document writes one, is that of each
// event's data: a stream is read event by event, and each event's data is
// checked against it (the end event carries nothing). A stream whose
// schema is a string is read as text.
func init() { openapi3filter.RegisterBodyDecoder("text/event-stream", decodeEventStream) }

func decodeEventStream(body io.Reader, _ http.Header, schema *openapi3.SchemaRef, _ openapi3filter.EncodingFn) (any, error) {
	raw, err := io.ReadAll(body)
	if err != nil {
		return nil, err
	}
	if schema.Value.Type.Is("string") {
		return string(raw), nil // a stream documented as text
	}
	var first any
	for _, block := range strings.Split(string(raw), "\n\n") {
		var name, data string
		for _, line := range strings.Split(block, "\n") {
			if v, ok := strings.CutPrefix(line, "event: "); ok {
				name = v
			}
			if v, ok := strings.CutPrefix(line, "data: "); ok {
				data = v
			}
		}
		if name == "" || name == "end" {
			continue
		}
		var v any
		if err := json.Unmarshal([]byte(data), &v); err != nil {
			return nil, fmt.Errorf("event %s: %w", name, err)
		}
		if err := schema.Value.VisitJSON(v); err != nil {
			return nil, fmt.Errorf("event %s: %w", name, err)
		}
		if first == nil {
			first = v
		}
	}
	if first == nil {
		return nil, errors.New("the stream holds no event")
	}
	return first, nil
}

// Real requests through the real handlers, over the test gateway, match the
// document: successes, kept replies, and the errors a client meets.
func TestOpenAPIMatchesReplies(t *testing.T) {
	_, router := loadContract(t)
	const article = `{"title": "Un titre", "text": "Premier paragraphe.\n\nSecond paragraphe."}`
	key := []string{"Authorization", "Bearer psl_newsroom"}
	with := func(pairs ...string) []string { return append(slices.Clone(key), pairs...) }
	deeplKey := []string{"Authorization", "DeepL-Auth-Key psl_newsroom"}
	deeplForm := func(k string) []string {
		return []string{"Authorization", "DeepL-Auth-Key " + k, "Content-Type", "application/x-www-form-urlencoded"}
	}

	open := newRouter(t, routerOptions{})
	cached := newRouter(t, routerOptions{})
	full := fullRouter(t)
	access := Access{Enabled: true, Limiter: quota.NewMemory(), Keys: []Key{
		keyOf("newsroom", "psl_newsroom", false, Limits{}),
		keyOf("ops", "psl_ops", true, Limits{}),
		keyOf("small", "psl_small", false, Limits{RequestsPerMinute: 1}),
		keyOf("pair", "psl_pair", false, Limits{RequestsPerMinute: 2}),
		keyOf("daily", "psl_daily", false, Limits{CharactersPerDay: 20}),
	}}
	guarded := routerWithAccess(t, access, func() error { return nil })
	refusing := routerWithAccess(t, access, func() error { return errors.New("bad YAML") })
	// A provider with a breaker, so that its health is in the list.
	guard := resilient.NewGuard("mark", resilient.Options{})
	guardedProviders := New(markService(t, func(o *gateway.Options) {
		mark, first := &o.Providers[0], &o.Providers[1]
		mark.Type, mark.Credentials, mark.Capabilities, mark.Health = "deepl", "present", gateway.Capabilities{Translate: true}, guard.Health
		first.Type, first.Credentials, first.Capabilities = "extractive", "not_needed", gateway.Capabilities{Summarize: true}
	}), Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	smallBatches := New(markService(t, nil), Options{MaxBatchArticles: 2, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	unready := newRouter(t, routerOptions{chain: []string{"gpt"}})
	failing := newRouter(t, routerOptions{translator: markTranslator{err: &providers.Error{Provider: "mark", Kind: providers.KindUnavailable, Status: 500}}})
	slow := newRouter(t, routerOptions{translator: markTranslator{delay: time.Second}, timeout: 50 * time.Millisecond})
	// One paragraph of partialBody fails the numbers check.
	dropping := newRouter(t, routerOptions{translator: digitDropper{segments: new(atomic.Int64)}})

	tests := []contractCase{
		{name: "translate", h: open, method: "POST", path: "/v1/translate", body: article, header: key, requestValid: true, status: 200, xCache: "MISS"},
		{name: "summarize", h: open, method: "POST", path: "/v1/summarize", body: article, header: key, requestValid: true, status: 200},
		{name: "articles", h: open, method: "POST", path: "/v1/articles", header: key, requestValid: true, status: 200,
			body: `{"text": "Premier paragraphe.\n\nSecond paragraphe.", "source_lang": "fr", "target_lang": "en", "summary_sentences": 1,
				"provider": "mark", "glossary": {"paragraphe": "paragraph"}}`},
		// The same article again: the kept reply, sent whole from the cache.
		{name: "articles kept", h: open, method: "POST", path: "/v1/articles", header: key, requestValid: true, status: 200, xCache: "HIT",
			body: `{"text": "Premier paragraphe.\n\nSecond paragraphe.", "source_lang": "fr", "target_lang": "en", "summary_sentences": 1,
				"provider": "mark", "glossary": {"paragraphe": "paragraph"}}`},
		// The stream of the same request, and of one refused once it began.
		{name: "articles stream", h: open, method: "POST", path: "/v1/articles", body: article, header: with("Accept", "text/event-stream"), requestValid: true, status: 200},
		{name: "articles stream error", h: open, method: "POST", path: "/v1/articles", body: `{"text": "abc", "provider": "nope"}`, header: with("Accept", "text/event-stream"), requestValid: true, status: 200},
		// Translated first, then summarized: a partial hit, on the ordinary path.
		{name: "translate to cache", h: cached, method: "POST", path: "/v1/translate", body: article, header: key, requestValid: true, status: 200},
		{name: "articles partial", h: cached, method: "POST", path: "/v1/articles", body: article, header: key, requestValid: true, status: 200, xCache: "PARTIAL"},
		{name: "articles not cached", h: cached, method: "POST", path: "/v1/articles", body: article, header: with("Cache-Control", "no-store"), requestValid: true, status: 200, xCache: "MISS"},
		{name: "english passed through", h: open, method: "POST", path: "/v1/translate", header: key, requestValid: true, status: 200,
			body: `{"text": "An English paragraph.", "source_lang": "en"}`},
		// One article fails alone, in its result.
		{name: "batch", h: open, method: "POST", path: "/v1/batch", header: key, requestValid: true, status: 200,
			body: batchBody("articles", article, `{"text": "  "}`, `{"text": "Un autre article.", "provider": "nope"}`, `{"txt": "faute"}`)},
		{name: "batch kept", h: open, method: "POST", path: "/v1/batch", header: key, requestValid: true, status: 200,
			body: batchBody("translate", article, article)},
		{name: "articles incomplete", h: dropping, method: "POST", path: "/v1/articles", body: partialBody, header: key, requestValid: true, status: 200},
		{name: "batch incomplete", h: dropping, method: "POST", path: "/v1/batch", header: key, requestValid: true, status: 200,
			body: batchBody("translate", partialBody)},
		{name: "strict", h: dropping, method: "POST", path: "/v1/translate", header: key, requestValid: true, status: 502, code: "output_check_failed",
			body: strings.Replace(partialBody, `{"title"`, `{"strict": true, "title"`, 1)},
		{name: "extract", h: open, method: "POST", path: "/v1/extract", body: article, header: with("X-Request-ID", "abc-123"), requestValid: true, status: 200},
		// A page's byline and date come apart from its paragraphs.
		{name: "extract page", h: open, method: "POST", path: "/v1/extract", header: key, requestValid: true, status: 200,
			body: `{"html": "<html><body><article><h1>Le budget de Nantes</h1><p>Orange avec Media Services, publié le lundi 03 février 2020 à 20h15</p>` +
				`<p>La majorité municipale a voté lundi soir un budget en baisse de 4 %, le premier depuis dix ans, pour faire face à l'envolée des prix de l'énergie.</p>` +
				`<p>L'opposition a dénoncé des coupes dans les subventions aux associations culturelles, dont certaines perdront jusqu'à 15 % de leur aide.</p></article></body></html>"}`},
		{name: "providers", h: guardedProviders, method: "GET", path: "/v1/providers", header: key, requestValid: true, status: 200},
		{name: "healthz", h: open, method: "GET", path: "/healthz", requestValid: true, status: 200},
		{name: "readyz", h: open, method: "GET", path: "/readyz", requestValid: true, status: 200},
		{name: "readyz unready", h: unready, method: "GET", path: "/readyz", requestValid: true, status: 503},
		{name: "metrics", h: full, method: "GET", path: "/metrics", requestValid: true, status: 200},
		{name: "openapi", h: guarded, method: "GET", path: "/openapi.json", requestValid: true, status: 200},
		{name: "web page", h: open, method: "GET", path: "/", requestValid: true, status: 200},
		{name: "web script", h: open, method: "GET", path: "/assets/app.js", requestValid: true, status: 200},
		{name: "web style", h: open, method: "GET", path: "/assets/app.css", requestValid: true, status: 200},
		{name: "reference", h: open, method: "GET", path: "/docs", requestValid: true, status: 200},
		{name: "reload", h: guarded, method: "POST", path: "/admin/reload", header: []string{"X-API-Key", "psl_ops"}, requestValid: true, status: 200},

		{name: "batch unknown task", h: open, method: "POST", path: "/v1/batch", body: batchBody("traduire", article), header: key, status: 400, code: "invalid_request"},
		{name: "batch without articles", h: open, method: "POST", path: "/v1/batch", body: batchBody("translate"), header: key, status: 400, code: "invalid_request"},
		{name: "batch invalid json", h: open, method: "POST", path: "/v1/batch", body: `{"task": `, header: key, status: 400, code: "invalid_json"},
		{name: "batch too many", h: smallBatches, method: "POST", path: "/v1/batch", body: batchBody("translate", article, article, article), header: key, requestValid: true, status: 413, code: "too_large"},
		{name: "batch over a minute's worth", h: guarded, method: "POST", path: "/v1/batch", body: batchBody("translate", article, article, article), header: []string{"X-API-Key", "psl_pair"}, requestValid: true, status: 413, code: "too_large"},
		{name: "invalid json", h: open, method: "POST", path: "/v1/translate", body: `{"text": "abc"`, header: key, status: 400, code: "invalid_json"},
		{name: "wrong type", h: open, method: "POST", path: "/v1/extract", body: `{"text": 42}`, header: key, status: 400, code: "invalid_json"},
		{name: "unknown field", h: open, method: "POST", path: "/v1/articles", body: `{"txt": "abc"}`, header: key, status: 400, code: "invalid_request"},
		{name: "summary too long", h: open, method: "POST", path: "/v1/summarize", body: `{"text": "abc", "summary_sentences": 11}`, header: key, status: 400, code: "invalid_request"},
		{name: "several inputs", h: open, method: "POST", path: "/v1/extract", body: `{"text": "abc", "html": "<p>abc</p>"}`, header: key, requestValid: true, status: 400, code: "invalid_request"},
		{name: "empty article", h: open, method: "POST", path: "/v1/translate", body: `{"text": "   "}`, header: key, requestValid: true, status: 400, code: "empty_article"},
		{name: "empty extract", h: open, method: "POST", path: "/v1/extract", body: `{}`, header: key, requestValid: true, status: 400, code: "empty_article"},
		{name: "unknown provider", h: open, method: "POST", path: "/v1/articles", body: `{"text": "abc", "provider": "nope"}`, header: key, requestValid: true, status: 400, code: "unknown_provider"},
		{name: "provider not allowed", h: open, method: "POST", path: "/v1/translate", body: `{"text": "abc", "provider": "first"}`, header: key, requestValid: true, status: 400, code: "provider_not_allowed"},
		{name: "url off", h: open, method: "POST", path: "/v1/extract", body: `{"url": "https://www.example.com/"}`, header: key, requestValid: true, status: 400, code: "url_not_allowed"},
		{name: "no article in the page", h: open, method: "POST", path: "/v1/articles", body: `{"html": "du texte sans balises"}`, header: key, requestValid: true, status: 422, code: "no_article"},
		{name: "other language", h: open, method: "POST", path: "/v1/translate", body: `{"text": "Hallo", "source_lang": "de"}`, header: key, status: 422, code: "unsupported_language"},
		{name: "too large", h: open, method: "POST", path: "/v1/translate", body: `{"text": "` + strings.Repeat("a", 5000) + `"}`, header: key, requestValid: true, status: 413, code: "too_large"},
		{name: "no key", h: guarded, method: "POST", path: "/v1/translate", body: article, status: 401, code: "unauthorized"},
		{name: "wrong key", h: guarded, method: "GET", path: "/v1/providers", header: []string{"X-API-Key", "psl_nope"}, requestValid: true, status: 401, code: "unauthorized"},
		{name: "reload without admin", h: guarded, method: "POST", path: "/admin/reload", header: key, requestValid: true, status: 403, code: "forbidden"},
		{name: "reload refused", h: refusing, method: "POST", path: "/admin/reload", header: []string{"X-API-Key", "psl_ops"}, requestValid: true, status: 400, code: "invalid_request"},
		{name: "limited once", h: guarded, method: "POST", path: "/v1/extract", body: article, header: []string{"X-API-Key", "psl_small"}, requestValid: true, status: 200},
		{name: "rate limited", h: guarded, method: "POST", path: "/v1/extract", body: article, header: []string{"X-API-Key", "psl_small"}, requestValid: true, status: 429, code: "rate_limited"},
		{name: "provider error", h: failing, method: "POST", path: "/v1/articles", body: article, header: key, requestValid: true, status: 502, code: "provider_error"},
		{name: "no provider", h: unready, method: "POST", path: "/v1/summarize", body: article, header: key, requestValid: true, status: 503, code: "no_provider"},
		{name: "provider timeout", h: slow, method: "POST", path: "/v1/translate", body: article, header: key, requestValid: true, status: 504, code: "provider_timeout"},

		{name: "deepl form", h: guarded, method: "POST", path: "/v2/translate", header: deeplForm("psl_newsroom"), requestValid: true, status: 200,
			body: "text=Premier+paragraphe.&text=Second.%0A%0ATroisi%C3%A8me.&target_lang=en-gb&source_lang=fr&show_billed_characters=1"},
		{name: "deepl json", h: open, method: "POST", path: "/v2/translate", header: deeplKey, requestValid: true, status: 200,
			body: `{"text": ["Premier paragraphe."], "target_lang": "EN-US", "tag_handling": "html", "preserve_formatting": true}`},
		{name: "deepl partial", h: dropping, method: "POST", path: "/v2/translate", header: deeplKey, requestValid: true, status: 200,
			body: `{"text": ["Premier paragraphe.", "Il y a 12 chats dans la rue."], "target_lang": "EN-GB"}`},
		{name: "deepl usage", h: guarded, method: "GET", path: "/v2/usage", header: deeplKey, requestValid: true, status: 200},
		{name: "deepl usage by POST", h: guarded, method: "POST", path: "/v2/usage", header: deeplKey, requestValid: true, status: 200},
		{name: "deepl languages", h: open, method: "GET", path: "/v2/languages?type=target", header: deeplKey, requestValid: true, status: 200},
		{name: "deepl no text", h: open, method: "POST", path: "/v2/translate", body: `{"target_lang": "EN-GB"}`, header: deeplKey, status: 400},
		{name: "deepl xml", h: open, method: "POST", path: "/v2/translate", body: `{"text": ["<x>a</x>"], "target_lang": "EN-GB", "tag_handling": "xml"}`, header: deeplKey, requestValid: true, status: 200},
		{name: "deepl unknown tag handling", h: open, method: "POST", path: "/v2/translate", body: `{"text": ["<x>a</x>"], "target_lang": "EN-GB", "tag_handling": "sgml"}`, header: deeplKey, status: 400},
		{name: "deepl wrong key", h: guarded, method: "GET", path: "/v2/usage", header: []string{"Authorization", "DeepL-Auth-Key psl_nope"}, requestValid: true, status: 403},
		{name: "deepl too large", h: open, method: "POST", path: "/v2/translate", body: `{"text": ["` + strings.Repeat("a", 5000) + `"], "target_lang": "EN-GB"}`, header: deeplKey, requestValid: true, status: 413},
		{name: "deepl rate limited", h: guarded, method: "POST", path: "/v2/usage", header: []string{"Authorization", "DeepL-Auth-Key psl_small"}, requestValid: true, status: 429},
		{name: "deepl within the day", h: guarded, method: "POST", path: "/v2/translate", body: `{"text": ["Bonjour."], "target_lang": "EN-GB"}`,
			header: []string{"Authorization", "DeepL-Auth-Key psl_daily"}, requestValid: true, status: 200},
		{name: "deepl quota exceeded", h: guarded, method: "POST", path: "/v2/translate", body: `{"text": ["Bonjour le monde."], "target_lang": "EN-GB"}`,
			header: []string{"Authorization", "DeepL-Auth-Key psl_daily"}, requestValid: true, status: 456},
		{name: "deepl provider error", h: failing, method: "POST", path: "/v2/translate", body: `{"text": ["Un."], "target_lang": "EN-GB"}`, header: deeplKey, requestValid: true, status: 500},
		{name: "deepl provider timeout", h: slow, method: "POST", path: "/v2/translate", body: `{"text": ["Un."], "target_lang": "EN-GB"}`, header: deeplKey, requestValid: true, status: 504},
	}
	for _, tc := range tests {
		// In order, not in parallel: some cases read what an earlier one
		// left in the cache or the limiter.
		t.Run(tc.name, func(t *testing.T) { checkContract(t, router, tc) })
	}
}

// The contract is served as JSON, without a key, as the embedded YAML says.
func TestOpenAPIServed(t *testing.T) {
	h := routerWithAccess(t, Access{Enabled: true, Keys: []Key{keyOf("newsroom", "psl_newsroom", false, Limits{})}}, nil)
	rec := do(t, h, "GET", "/openapi.json", "")
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /openapi.json = %d: %s", rec.Code, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	var served map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &served); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	if served["openapi"] != "3.0.3" {
		t.Errorf("openapi = %v", served["openapi"])
	}
	if _, ok := served["paths"].(map[string]any)["/v1/articles"]; !ok {
		t.Errorf("the served document lacks /v1/articles")
	}
}

// A mapping key that is not a string cannot become JSON: the conversion
// says so rather than serving something else.
func TestOpenAPIConversionRefusesNonStringKeys(t *testing.T) {
	if _, err := yamlToJSON([]byte("responses:\n  200: {description: ok}\n")); err == nil {
		t.Errorf("an unquoted status code was converted")
	}
	out, err := yamlToJSON([]byte("a: &x {b: '200'}\nc: *x\n"))
	if err != nil || string(out) != `{"a":{"b":"200"},"c":{"b":"200"}}` {
		t.Errorf("anchors: %s, %v", out, err)
	}
}
