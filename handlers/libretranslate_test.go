package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"passerelle/article/language"
	"passerelle/gateway"
	"passerelle/handlers/quota"
	"passerelle/providers"
)

const (
	frenchSentence  = "Le gouvernement a présenté mercredi un projet de loi sur les retraites."
	englishSentence = "The government presented a pension reform bill on Wednesday morning."
)

// libreRouter is the router of the dialect's tests: the mark translator,
// the language detector, the options given.
func libreRouter(t *testing.T, opts Options, edit func(*gateway.Options)) http.Handler {
	t.Helper()
	svc := markService(t, func(o *gateway.Options) {
		o.Detector = language.NewDetector(language.Options{})
		o.MaxCharacters = 2000
		if edit != nil {
			edit(o)
		}
	})
	opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	if opts.MaxBodyBytes == 0 {
		opts.MaxBodyBytes = 4096
	}
	return New(svc, opts)
}

// send posts body with its content type and the headers given.
func send(t *testing.T, h http.Handler, path, contentType, body string, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func sendJSONBody(t *testing.T, h http.Handler, path string, body any, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	return send(t, h, path, "application/json", string(b), header...)
}

func multipartBody(t *testing.T, fields map[string]string) (string, string) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for k, v := range fields {
		if err := w.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return w.FormDataContentType(), b.String()
}

// decodeReply decodes a reply into a map, failing the test on a status
// other than want.
func decodeReply(t *testing.T, rec *httptest.ResponseRecorder, want int) map[string]any {
	t.Helper()
	if rec.Code != want {
		t.Fatalf("status = %d, want %d: %s", rec.Code, want, rec.Body)
	}
	var out map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		t.Fatalf("reply is not a JSON object: %v: %s", err, rec.Body)
	}
	return out
}

func TestLibreTranslateOneText(t *testing.T) {
	h := libreRouter(t, Options{}, nil)
	form := url.Values{"q": {"Bonjour"}, "source": {"fr"}, "target": {"en"}}.Encode()
	ctype, multi := multipartBody(t, map[string]string{"q": "Bonjour", "source": "fr", "target": "en"})
	for _, tt := range []struct {
		name string
		rec  *httptest.ResponseRecorder
	}{
		{"json", sendJSONBody(t, h, "/translate", map[string]any{"q": "Bonjour", "source": "fr", "target": "en"})},
		{"json with a charset", send(t, h, "/translate", "application/json; charset=utf-8", `{"q": "Bonjour", "source": "fr", "target": "en"}`)},
		{"form", send(t, h, "/translate", "application/x-www-form-urlencoded", form)},
		{"multipart", send(t, h, "/translate", ctype, multi)},
		{"query string", send(t, h, "/translate?"+form, "", "")},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := decodeReply(t, tt.rec, http.StatusOK)
			want := map[string]any{"translatedText": "EN Bonjour", "detectedLanguage": map[string]any{"confidence": 100.0, "language": "fr"}}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("reply = %v, want %v", got, want)
			}
		})
	}
}

func TestLibreTranslateArrayKeepsOrderAndLength(t *testing.T) {
	h := libreRouter(t, Options{}, nil)
	q := []string{"Un.", "Deux.", "Trois.", "Un."}
	got := decodeReply(t, sendJSONBody(t, h, "/translate", map[string]any{"q": q, "source": "fr", "target": "en"}), http.StatusOK)
	texts, _ := got["translatedText"].([]any)
	if want := []any{"EN Un.", "EN Deux.", "EN Trois.", "EN Un."}; !reflect.DeepEqual(texts, want) {
		t.Errorf("translatedText = %v, want %v", got["translatedText"], want)
	}
	detected, _ := got["detectedLanguage"].([]any)
	if len(detected) != len(q) {
		t.Fatalf("detectedLanguage = %v, want %d entries", got["detectedLanguage"], len(q))
	}
	for _, d := range detected {
		if !reflect.DeepEqual(d, map[string]any{"confidence": 100.0, "language": "fr"}) {
			t.Errorf("detectedLanguage entry = %v, want fr at 100", d)
		}
	}
	// One text in an array is still an array.
	got = decodeReply(t, sendJSONBody(t, h, "/translate", map[string]any{"q": []string{"Un."}, "source": "fr", "target": "en"}), http.StatusOK)
	if !reflect.DeepEqual(got["translatedText"], []any{"EN Un."}) {
		t.Errorf("translatedText = %v, want [EN Un.]", got["translatedText"])
	}
}

// englishOfFrench translates frenchSentence into englishSentence, and
// marks any other text as markTranslator does: the output checks, which
// run with a detector, find English where they look for it.
type englishOfFrench struct{}

func (englishOfFrench) Fingerprint() string { return "english" }

func (englishOfFrench) Translate(ctx context.Context, req providers.TranslateRequest) (providers.TranslateResult, error) {
	res, err := markTranslator{}.Translate(ctx, req)
	for i, s := range req.Segments {
		if s == frenchSentence {
			res.Translations[i] = englishSentence
		}
	}
	return res, err
}

func TestLibreTranslateAutoDetects(t *testing.T) {
	h := libreRouter(t, Options{}, func(o *gateway.Options) { o.Providers[0].Translator = englishOfFrench{} })
	got := decodeReply(t, sendJSONBody(t, h, "/translate", map[string]any{"q": frenchSentence, "source": "auto", "target": "en"}), http.StatusOK)
	if got["translatedText"] != englishSentence {
		t.Errorf("translatedText = %v", got["translatedText"])
	}
	d, _ := got["detectedLanguage"].(map[string]any)
	if d["language"] != "fr" || d["confidence"].(float64) <= 0 || d["confidence"].(float64) > 100 {
		t.Errorf("detectedLanguage = %v, want fr with a confidence in (0, 100]", got["detectedLanguage"])
	}

	// English is returned as it is, at no cost, and said to be English.
	got = decodeReply(t, sendJSONBody(t, h, "/translate", map[string]any{"q": englishSentence, "source": "auto", "target": "en"}), http.StatusOK)
	d, _ = got["detectedLanguage"].(map[string]any)
	if got["translatedText"] != englishSentence || d["language"] != "en" {
		t.Errorf("reply = %v, want the English as it was, detected en", got)
	}

	// Texts of an array are translated as one request, of one language:
	// a text too short to tell is said to be of it, with no confidence.
	got = decodeReply(t, sendJSONBody(t, h, "/translate", map[string]any{"q": []string{frenchSentence, "Oui."}, "source": "auto", "target": "en"}), http.StatusOK)
	detected, _ := got["detectedLanguage"].([]any)
	if len(detected) != 2 {
		t.Fatalf("detectedLanguage = %v, want 2 entries", got["detectedLanguage"])
	}
	first, second := detected[0].(map[string]any), detected[1].(map[string]any)
	if first["language"] != "fr" || first["confidence"].(float64) <= 0 || second["language"] != "fr" || second["confidence"] != 0.0 {
		t.Errorf("detectedLanguage = %v, want fr (confident) and fr (0)", detected)
	}
}

// formatProbe records the format each provider call was made in.
type formatProbe struct {
	mu      sync.Mutex
	formats []string
}

func (p *formatProbe) Fingerprint() string { return "probe" }

func (p *formatProbe) Translate(ctx context.Context, req providers.TranslateRequest) (providers.TranslateResult, error) {
	p.mu.Lock()
	p.formats = append(p.formats, req.Format)
	p.mu.Unlock()
	return markTranslator{}.Translate(ctx, req)
}

func TestLibreTranslateHTMLFormatReachesTheProvider(t *testing.T) {
	probe := &formatProbe{}
	h := libreRouter(t, Options{}, func(o *gateway.Options) {
		o.Providers = append(o.Providers, gateway.Provider{Name: "probe", Translator: probe})
		o.Translation = gateway.Route{Chain: []string{"probe"}}
	})
	rec := sendJSONBody(t, h, "/translate", map[string]any{"q": `<p>Le <a href="/x">maire</a></p>`, "source": "fr", "target": "en", "format": "html"})
	decodeReply(t, rec, http.StatusOK)
	probe.mu.Lock()
	defer probe.mu.Unlock()
	if !reflect.DeepEqual(probe.formats, []string{providers.FormatHTML}) {
		t.Errorf("provider calls in formats %q, want one in html", probe.formats)
	}
}

func TestLibreTranslateSecondRequestIsACacheHit(t *testing.T) {
	h := libreRouter(t, Options{}, nil)
	body := map[string]any{"q": []string{"Premier.", "Second."}, "source": "fr", "target": "en"}
	first := sendJSONBody(t, h, "/translate", body)
	second := sendJSONBody(t, h, "/translate", body)
	if first.Header().Get("X-Cache") != "MISS" || second.Header().Get("X-Cache") != "HIT" {
		t.Errorf("X-Cache = %q then %q, want MISS then HIT", first.Header().Get("X-Cache"), second.Header().Get("X-Cache"))
	}
	if first.Body.String() != second.Body.String() {
		t.Errorf("the hit differs: %s, then %s", first.Body, second.Body)
	}
}

// libreErrorOf checks that rec is a dialect error, {"error": "..."} and
// nothing else, with status want, and returns its message.
func libreErrorOf(t *testing.T, rec *httptest.ResponseRecorder, want int) string {
	t.Helper()
	got := decodeReply(t, rec, want)
	msg, ok := got["error"].(string)
	if !ok || msg == "" || len(got) != 1 {
		t.Fatalf("error reply = %s, want {\"error\": \"...\"} alone", rec.Body)
	}
	return msg
}

func TestLibreErrors(t *testing.T) {
	failing := func(o *gateway.Options) {
		o.Providers[0].Translator = markTranslator{err: &providers.Error{Provider: "mark", Kind: providers.KindUnavailable, Status: 500}}
	}
	ok := map[string]any{"q": "Bonjour", "source": "fr", "target": "en"}
	with := func(k string, v any) map[string]any {
		m := map[string]any{}
		for kk, vv := range ok {
			m[kk] = vv
		}
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
		return m
	}
	tests := []struct {
		name    string
		edit    func(*gateway.Options)
		ctype   string
		body    any // a string is sent as it is
		status  int
		message string // a part of it
	}{
		{name: "no q", body: with("q", nil), status: 400, message: "missing q parameter"},
		{name: "empty q", body: with("q", ""), status: 400, message: "missing q parameter"},
		{name: "empty array", body: with("q", []string{}), status: 400, message: "missing q parameter"},
		{name: "q of numbers", body: with("q", []int{1}), status: 400, message: "q must be a string or an array of strings"},
		{name: "a null in q", body: with("q", []any{"Un.", nil}), status: 400, message: "q must be a string or an array of strings"},
		{name: "no source", body: with("source", nil), status: 400, message: "missing source parameter"},
		{name: "no target", body: with("target", nil), status: 400, message: "missing target parameter"},
		{name: "a target not served", body: with("target", "de"), status: 400, message: "not supported"},
		{name: "a source not served", body: with("source", "de"), status: 400, message: "not supported"},
		{name: "a format not served", body: with("format", "markdown"), status: 400, message: "format"},
		{name: "an empty source", body: with("source", ""), status: 400, message: "missing source parameter"},
		{name: "German with auto", body: map[string]any{"q": "Die Regierung hat am Mittwoch einen Gesetzentwurf zur Rentenreform vorgestellt.", "source": "auto", "target": "en"},
			status: 400, message: "German"},
		{name: "too many characters", body: with("q", strings.Repeat("mot ", 600)), status: 400, message: "characters"},
		{name: "a body over the limit", body: with("q", strings.Repeat("mot ", 1100)), status: 400, message: "over 4096 bytes"},
		{name: "malformed JSON", ctype: "application/json", body: `{"q": "Bonjour"`, status: 400, message: "malformed JSON"},
		{name: "a JSON array", ctype: "application/json", body: `["Bonjour"]`, status: 400, message: "Invalid JSON format"},
		{name: "a form without q", ctype: "application/x-www-form-urlencoded", body: "source=fr&target=en", status: 400, message: "missing q"},
		{name: "a body of no known type", ctype: "text/plain", body: "Bonjour", status: 400, message: "missing q"},
		{name: "provider failure", edit: failing, body: ok, status: 500, message: "mark"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := libreRouter(t, Options{}, tt.edit)
			var rec *httptest.ResponseRecorder
			if s, ok := tt.body.(string); ok {
				rec = send(t, h, "/translate", tt.ctype, s)
			} else {
				rec = sendJSONBody(t, h, "/translate", tt.body)
			}
			if msg := libreErrorOf(t, rec, tt.status); !strings.Contains(msg, tt.message) {
				t.Errorf("error = %q, want it to hold %q", msg, tt.message)
			}
		})
	}
}

func TestLibreStatusesCoverEveryErrorCode(t *testing.T) {
	allowed := map[int]bool{400: true, 403: true, 429: true, 500: true}
	for code := range errorTable {
		status, ok := libreStatuses[code]
		if !ok {
			t.Errorf("error code %q has no LibreTranslate status", code)
			continue
		}
		if !allowed[status] {
			t.Errorf("error code %q answers %d, not one of LibreTranslate's", code, status)
		}
		// A refusal that passes by itself is a slow down; a client's
		// mistake is never a server's failure, nor the reverse.
		v1 := errorTable[code].status
		switch {
		case v1 == http.StatusTooManyRequests && status != 429:
			t.Errorf("%q: /v1's 429 answers %d", code, status)
		case v1 >= 500 && v1 != http.StatusServiceUnavailable && status != 500:
			t.Errorf("%q: /v1's %d answers %d", code, v1, status)
		case v1 < 500 && status == 500:
			t.Errorf("%q: /v1's %d answers 500", code, v1)
		}
	}
	for code := range libreStatuses {
		if _, ok := errorTable[code]; !ok {
			t.Errorf("%q is mapped but no error has that code", code)
		}
	}
}

func TestLibreKeys(t *testing.T) {
	access := Access{Enabled: true, Keys: []Key{keyOf("weblate", "psl_weblate", false, Limits{})}}
	h := libreRouter(t, Options{Access: access}, nil)
	form := func(key string) string {
		return url.Values{"q": {"Bonjour"}, "source": {"fr"}, "target": {"en"}, "api_key": {key}}.Encode()
	}
	for _, tt := range []struct {
		name   string
		rec    *httptest.ResponseRecorder
		status int
	}{
		{"api_key in JSON", sendJSONBody(t, h, "/translate", map[string]any{"q": "Bonjour", "source": "fr", "target": "en", "api_key": "psl_weblate"}), 200},
		{"apiKey in JSON", sendJSONBody(t, h, "/translate", map[string]any{"q": "Bonjour", "source": "fr", "target": "en", "apiKey": "psl_weblate"}), 200},
		{"api_key in a form", send(t, h, "/translate", "application/x-www-form-urlencoded", form("psl_weblate")), 200},
		{"X-API-Key", sendJSONBody(t, h, "/translate", map[string]any{"q": "Bonjour", "source": "fr", "target": "en"}, "X-API-Key", "psl_weblate"), 200},
		{"Bearer", sendJSONBody(t, h, "/translate", map[string]any{"q": "Bonjour", "source": "fr", "target": "en"}, "Authorization", "Bearer psl_weblate"), 200},
		{"a wrong key", sendJSONBody(t, h, "/translate", map[string]any{"q": "Bonjour", "source": "fr", "target": "en", "api_key": "psl_nope"}), 403},
		{"a wrong key in a form", send(t, h, "/translate", "application/x-www-form-urlencoded", form("psl_nope")), 403},
		{"the body's key before the header's", sendJSONBody(t, h, "/translate", map[string]any{"q": "Bonjour", "source": "fr", "target": "en", "api_key": "psl_nope"}, "X-API-Key", "psl_weblate"), 403},
		{"no key", sendJSONBody(t, h, "/translate", map[string]any{"q": "Bonjour", "source": "fr", "target": "en"}), 400},
		{"detect needs a key", sendJSONBody(t, h, "/detect", map[string]any{"q": "Bonjour"}), 400},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if tt.status == 200 {
				decodeReply(t, tt.rec, 200)
				return
			}
			msg := libreErrorOf(t, tt.rec, tt.status)
			if strings.Contains(msg, "psl_") {
				t.Errorf("the error repeats a key: %s", msg)
			}
			if tt.status == 400 && !strings.Contains(msg, "api_key") {
				t.Errorf("error = %q, want it to say how to send the key", msg)
			}
		})
	}
	for _, path := range []string{"/languages", "/frontend/settings"} {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 200 {
			t.Errorf("GET %s without a key = %d, want 200 as LibreTranslate", path, rec.Code)
		}
	}
}

func TestLibreLimitsSlowDown(t *testing.T) {
	access := Access{Enabled: true, Limiter: quota.NewMemory(), Keys: []Key{
		keyOf("mastodon", "psl_mastodon", false, Limits{RequestsPerMinute: 1}),
		keyOf("misskey", "psl_misskey", false, Limits{CharactersPerDay: 30}),
	}}
	h := libreRouter(t, Options{Access: access}, nil)
	body := func(key, q string) map[string]any {
		return map[string]any{"q": q, "source": "fr", "target": "en", "api_key": key}
	}
	decodeReply(t, sendJSONBody(t, h, "/translate", body("psl_mastodon", "Un.")), 200)
	rec := sendJSONBody(t, h, "/translate", body("psl_mastodon", "Deux."))
	if msg := libreErrorOf(t, rec, 429); !strings.HasPrefix(msg, "Slowdown: ") {
		t.Errorf("error = %q, want LibreTranslate's Slowdown:", msg)
	}
	if rec.Header().Get("Retry-After") == "" {
		t.Errorf("429 without Retry-After")
	}

	// The characters of a day: spent, then refused.
	decodeReply(t, sendJSONBody(t, h, "/translate", body("psl_misskey", "Vingt-cinq caractères ici")), 200)
	libreErrorOf(t, sendJSONBody(t, h, "/translate", body("psl_misskey", "Encore dix")), 429)
	// More than a day's worth at once never passes: a bad request.
	libreErrorOf(t, sendJSONBody(t, h, "/translate", body("psl_misskey", strings.Repeat("a", 31))), 400)
}

func TestLibreDetect(t *testing.T) {
	h := libreRouter(t, Options{}, nil)
	var got []libreDetection
	rec := sendJSONBody(t, h, "/detect", map[string]any{"q": frenchSentence})
	if rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), &got) != nil {
		t.Fatalf("detect = %d %s", rec.Code, rec.Body)
	}
	if len(got) != 1 || got[0].Language != "fr" || got[0].Confidence <= 0 || got[0].Confidence > 100 {
		t.Errorf("detect = %+v, want fr with a confidence in (0, 100]", got)
	}
	rec = send(t, h, "/detect", "application/x-www-form-urlencoded", url.Values{"q": {englishSentence}}.Encode())
	if rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), &got) != nil || len(got) != 1 || got[0].Language != "en" {
		t.Errorf("detect of English = %d %s", rec.Code, rec.Body)
	}
	// Too short to tell: no language rather than a guess.
	rec = sendJSONBody(t, h, "/detect", map[string]any{"q": "Oui"})
	if rec.Code != 200 || strings.TrimSpace(rec.Body.String()) != "[]" {
		t.Errorf("detect of a word = %d %s, want []", rec.Code, rec.Body)
	}
	libreErrorOf(t, sendJSONBody(t, h, "/detect", map[string]any{}), 400)
}

func TestLibreLanguagesAndSettings(t *testing.T) {
	h := libreRouter(t, Options{}, nil)
	rec := do(t, h, http.MethodGet, "/languages", "")
	var langs []libreLanguage
	if rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), &langs) != nil {
		t.Fatalf("languages = %d %s", rec.Code, rec.Body)
	}
	targets := map[string][]string{}
	for _, l := range langs {
		if l.Name == "" {
			t.Errorf("language %q has no name", l.Code)
		}
		targets[l.Code] = l.Targets
	}
	if want := map[string][]string{"fr": {"en"}, "en": {"en"}}; !reflect.DeepEqual(targets, want) {
		t.Errorf("languages = %v, want %v", targets, want)
	}

	rec = do(t, h, http.MethodGet, "/frontend/settings", "")
	got := decodeReply(t, rec, 200)
	lang, _ := got["language"].(map[string]any)
	source, _ := lang["source"].(map[string]any)
	target, _ := lang["target"].(map[string]any)
	if got["charLimit"] != 2000.0 || got["keyRequired"] != false || got["apiKeys"] != false || got["suggestions"] != false ||
		got["filesTranslation"] != false || source["code"] != "auto" || target["code"] != "en" {
		t.Errorf("settings = %s", rec.Body)
	}

	keyed := libreRouter(t, Options{Access: Access{Enabled: true, Keys: []Key{keyOf("a", "psl_a", false, Limits{})}}}, nil)
	got = decodeReply(t, do(t, keyed, http.MethodGet, "/frontend/settings", ""), 200)
	if got["keyRequired"] != true || got["apiKeys"] != true {
		t.Errorf("settings with auth on = %v, want keyRequired and apiKeys", got)
	}
}

// libreTag is the document's tag of the dialect's operations.
const libreTag = "libretranslate"

// The dialect's operations answer their errors with LibreTranslate's body,
// under LibreTranslate's statuses only.
func TestOpenAPILibreErrorsAreLibreTranslates(t *testing.T) {
	doc, _ := loadContract(t)
	libreError := doc.Components.Schemas["LibreError"]
	if libreError == nil {
		t.Fatal("the document has no LibreError schema")
	}
	seen := 0
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			if !slices.Contains(op.Tags, libreTag) {
				continue
			}
			seen++
			for status, ref := range op.Responses.Map() {
				if status == "200" {
					continue
				}
				if !slices.Contains([]string{"400", "403", "429", "500", "4XX"}, status) {
					t.Errorf("%s %s: status %s is not one of LibreTranslate's", method, path, status)
				}
				media := ref.Value.Content.Get("application/json")
				if media == nil || media.Schema == nil || media.Schema.Value != libreError.Value {
					t.Errorf("%s %s: the %s reply is not a LibreError", method, path, status)
				}
			}
		}
	}
	if seen != 4 {
		t.Errorf("%d operations tagged %s, want 4", seen, libreTag)
	}
}

// Real requests of the dialect through the real handlers match the
// document.
func TestOpenAPIMatchesLibreReplies(t *testing.T) {
	_, router := loadContract(t)
	open := libreRouter(t, Options{}, nil)
	failing := libreRouter(t, Options{}, func(o *gateway.Options) {
		o.Providers[0].Translator = markTranslator{err: &providers.Error{Provider: "mark", Kind: providers.KindUnavailable, Status: 500}}
	})
	guarded := libreRouter(t, Options{Access: Access{Enabled: true, Limiter: quota.NewMemory(), Keys: []Key{
		keyOf("small", "psl_small", false, Limits{RequestsPerMinute: 1}),
	}}}, nil)
	for _, tc := range []contractCase{
		{name: "one text", h: open, method: "POST", path: "/translate", body: `{"q": "Bonjour", "source": "fr", "target": "en"}`, requestValid: true, status: 200, xCache: "MISS"},
		{name: "one text again", h: open, method: "POST", path: "/translate", body: `{"q": "Bonjour", "source": "fr", "target": "en"}`, requestValid: true, status: 200, xCache: "HIT"},
		{name: "texts", h: open, method: "POST", path: "/translate", body: `{"q": ["Un.", "Deux."], "source": "auto", "target": "en", "format": "html"}`, requestValid: true, status: 200},
		{name: "detect", h: open, method: "POST", path: "/detect", body: `{"q": "` + frenchSentence + `"}`, requestValid: true, status: 200},
		{name: "detect unsure", h: open, method: "POST", path: "/detect", body: `{"q": "Oui"}`, requestValid: true, status: 200},
		{name: "languages", h: open, method: "GET", path: "/languages", requestValid: true, status: 200},
		{name: "settings", h: guarded, method: "GET", path: "/frontend/settings", requestValid: true, status: 200},
		{name: "no q", h: open, method: "POST", path: "/translate", body: `{"source": "fr", "target": "en"}`, status: 400},
		{name: "a target not served", h: open, method: "POST", path: "/translate", body: `{"q": "Bonjour", "source": "fr", "target": "de"}`, requestValid: true, status: 400},
		{name: "no key", h: guarded, method: "POST", path: "/translate", body: `{"q": "Bonjour", "source": "fr", "target": "en"}`, requestValid: true, status: 400},
		{name: "wrong key", h: guarded, method: "POST", path: "/translate", body: `{"q": "Bonjour", "source": "fr", "target": "en", "api_key": "psl_nope"}`, requestValid: true, status: 403},
		{name: "once", h: guarded, method: "POST", path: "/translate", body: `{"q": "Bonjour", "source": "fr", "target": "en", "api_key": "psl_small"}`, requestValid: true, status: 200},
		{name: "slow down", h: guarded, method: "POST", path: "/translate", body: `{"q": "Bonjour", "source": "fr", "target": "en", "api_key": "psl_small"}`, requestValid: true, status: 429},
		{name: "provider failure", h: failing, method: "POST", path: "/translate", body: `{"q": "Bonjour", "source": "fr", "target": "en"}`, requestValid: true, status: 500},
	} {
		t.Run(tc.name, func(t *testing.T) { checkContract(t, router, tc) })
	}
}

// A text whose translation failed a check comes back in its place, the
// others translated, and a warning names it by its index in q.
func TestLibreTranslatePartialResult(t *testing.T) {
	h := libreRouter(t, Options{}, func(o *gateway.Options) {
		o.Providers[0].Translator = digitDropper{segments: new(atomic.Int64)}
	})
	rec := sendJSONBody(t, h, "/translate", map[string]any{"q": []string{"Premier paragraphe.", "Il y a 12 chats dans la rue."}, "source": "fr", "target": "en"})
	var got libreTranslationReply
	if rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), &got) != nil {
		t.Fatalf("reply = %d %s", rec.Code, rec.Body)
	}
	if len(got.TranslatedText) != 2 || got.TranslatedText[0] != "EN Premier paragraphe." {
		t.Errorf("translatedText = %q", got.TranslatedText)
	}
	failed := failures(got.Warnings)
	if len(failed) != 1 || failed[0].Paragraph != 1 || failed[0].Code != "output_check_failed" {
		t.Errorf("warnings = %+v, want one output_check_failed at 1", got.Warnings)
	}
	if rec.Header().Get("X-Cache") == "HIT" {
		t.Errorf("an incomplete translation answered from the cache")
	}
}

type libreTranslationReply struct {
	TranslatedText []string      `json:"translatedText"`
	Warnings       []warningBody `json:"warnings"`
}
