package handlers

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"passerelle/gateway"
	"passerelle/handlers/quota"
	"passerelle/internal/admission"
	"passerelle/providers"
)

type deeplReply struct {
	Translations []struct {
		DetectedSourceLanguage string `json:"detected_source_language"`
		Text                   string `json:"text"`
		BilledCharacters       *int   `json:"billed_characters"`
	} `json:"translations"`
	Warnings []deeplWarning `json:"warnings"`
}

// doForm sends a form body, as DeepL's clients do.
func doForm(t *testing.T, h http.Handler, path string, form url.Values, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func decodeDeepL(t *testing.T, rec *httptest.ResponseRecorder) deeplReply {
	t.Helper()
	if rec.Code != http.StatusOK {
		t.Fatalf("status = %d: %s", rec.Code, rec.Body)
	}
	var r deeplReply
	if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil {
		t.Fatalf("not JSON: %v: %s", err, rec.Body)
	}
	return r
}

// A form with text repeated, languages in lower case: one translation per
// text, in order, each line on its own and every line break and blank line
// where it was; billed_characters only when asked for.
func TestDeepLTranslateForm(t *testing.T) {
	h := newRouter(t, routerOptions{})
	form := url.Values{"text": {"Bonjour.", "  Premier.\n\nSecond.\r\n", "   "}, "source_lang": {"fr"}, "target_lang": {"en-gb"}}
	r := decodeDeepL(t, doForm(t, h, "/v2/translate", form))
	want := []string{"EN Bonjour.", "  EN Premier.\n\nEN Second.\r\n", "   "}
	if len(r.Translations) != len(want) {
		t.Fatalf("%d translations, want %d: %+v", len(r.Translations), len(want), r)
	}
	for i, tr := range r.Translations {
		if tr.Text != want[i] || tr.DetectedSourceLanguage != "FR" || tr.BilledCharacters != nil {
			t.Errorf("translation %d = %+v, want %q from FR without billed_characters", i, tr, want[i])
		}
	}

	form.Set("show_billed_characters", "1")
	form.Set("target_lang", "EN-US")
	r = decodeDeepL(t, doForm(t, h, "/v2/translate", form))
	for i, billed := range []int{8, 15, 0} {
		if got := r.Translations[i].BilledCharacters; got == nil || *got != billed {
			t.Errorf("translation %d billed %v, want %d", i, got, billed)
		}
	}
}

// A JSON body: text an array, booleans as JSON, no source language (the
// gateway's detection; without a detector, French).
func TestDeepLTranslateJSON(t *testing.T) {
	h := newRouter(t, routerOptions{})
	body := `{"text": ["Un.", "Deux."], "target_lang": "EN", "show_billed_characters": true, "preserve_formatting": false,
		"formality": "prefer_less", "context": "Un article.", "glossary_id": "def3a26b", "model_type": "quality_optimized", "split_sentences": "nonewlines"}`
	r := decodeDeepL(t, do(t, h, "POST", "/v2/translate", body))
	if len(r.Translations) != 2 || r.Translations[0].Text != "EN Un." || r.Translations[1].Text != "EN Deux." {
		t.Fatalf("translations = %+v", r.Translations)
	}
	if r.Translations[0].DetectedSourceLanguage != "FR" || *r.Translations[1].BilledCharacters != 5 {
		t.Errorf("translation = %+v, want from FR, 5 billed", r.Translations[1])
	}
	// Markup comes back as it is, not escaped for a web page.
	rec := do(t, h, "POST", "/v2/translate", `{"text": ["<p>Un & deux</p>"], "target_lang": "EN-GB", "tag_handling": "html"}`)
	if !strings.Contains(rec.Body.String(), `"text":"EN <p>Un & deux</p>"`) {
		t.Errorf("html reply = %s", rec.Body)
	}
	// A single text as a string, as some clients send it.
	r = decodeDeepL(t, do(t, h, "POST", "/v2/translate", `{"text": "Trois.", "target_lang": "en-us"}`))
	if len(r.Translations) != 1 || r.Translations[0].Text != "EN Trois." {
		t.Errorf("translations = %+v", r.Translations)
	}
}

// formatRecorder translates like markTranslator and records the format
// and the segments each call was given.
type formatRecorder struct {
	mu       sync.Mutex
	formats  []string
	segments [][]string
}

func (f *formatRecorder) Fingerprint() string { return "recorder" }

func (f *formatRecorder) Translate(ctx context.Context, req providers.TranslateRequest) (providers.TranslateResult, error) {
	f.mu.Lock()
	f.formats = append(f.formats, req.Format)
	f.segments = append(f.segments, req.Segments)
	f.mu.Unlock()
	return markTranslator{}.Translate(ctx, req)
}

// tag_handling=html sends each text whole, as HTML, line breaks and all;
// split_sentences=0 and nonewlines send a text of several lines whole; 1,
// the default for text, sends each line.
func TestDeepLFormatsAndSplitting(t *testing.T) {
	rec := &formatRecorder{}
	h := newRouter(t, routerOptions{translator: rec})
	send := func(form url.Values) []string {
		t.Helper()
		before := len(rec.segments)
		decodeDeepL(t, doForm(t, h, "/v2/translate", form))
		if len(rec.segments) != before+1 {
			t.Fatalf("%d provider calls, want 1", len(rec.segments)-before)
		}
		return rec.segments[before]
	}
	html := "<p>Le <b>chat</b>\ndort.</p>"
	if got := send(url.Values{"text": {html}, "target_lang": {"EN-GB"}, "tag_handling": {"html"}}); len(got) != 1 || got[0] != html {
		t.Errorf("html sent as %q", got)
	}
	if rec.formats[len(rec.formats)-1] != providers.FormatHTML {
		t.Errorf("format = %q, want html", rec.formats[len(rec.formats)-1])
	}
	for _, split := range []string{"0", "nonewlines"} {
		text := "Une phrase\ncoupée en deux " + split + "."
		if got := send(url.Values{"text": {text}, "target_lang": {"EN-GB"}, "split_sentences": {split}}); len(got) != 1 || got[0] != text {
			t.Errorf("split_sentences=%s sent %q", split, got)
		}
	}
	if got := send(url.Values{"text": {"Ligne une.\nLigne deux."}, "target_lang": {"EN-GB"}, "split_sentences": {"1"}}); len(got) != 2 {
		t.Errorf("split_sentences=1 sent %q, want two lines", got)
	}
	if rec.formats[len(rec.formats)-1] != providers.FormatText {
		t.Errorf("format = %q, want text", rec.formats[len(rec.formats)-1])
	}
}

// lowering "translates" by writing each segment in lower case, tags
// included: what an HTML check lets through and XML does not.
type lowering struct{}

func (lowering) Fingerprint() string { return "lowering" }

func (lowering) Translate(_ context.Context, req providers.TranslateRequest) (providers.TranslateResult, error) {
	out := make([]string, len(req.Segments))
	for i, s := range req.Segments {
		out[i] = strings.ToLower(s)
	}
	return providers.TranslateResult{Translations: out, Model: "lowering-1"}, nil
}

// tag_handling=xml goes as HTML, each text whole, and comes back with its
// markup byte for byte; a translation whose markup changed (a tag's case)
// is replaced by the text as sent, with a warning.
func TestDeepLXML(t *testing.T) {
	xml := `<Para id="p1">Le <Term ref="T1">chat</Term> dort.<br/><!-- note --></Para>`
	rec := &formatRecorder{}
	r := decodeDeepL(t, doForm(t, newRouter(t, routerOptions{translator: rec}), "/v2/translate",
		url.Values{"text": {xml}, "target_lang": {"EN-GB"}, "tag_handling": {"xml"}}))
	if len(r.Translations) != 1 || r.Translations[0].Text != "EN "+xml || markupWarnings(r) != 0 {
		t.Errorf("reply = %+v", r)
	}
	if len(rec.formats) != 1 || rec.formats[0] != providers.FormatHTML || rec.segments[0][0] != xml {
		t.Errorf("sent %q as %q, want the text whole as html", rec.segments, rec.formats)
	}

	r = decodeDeepL(t, doForm(t, newRouter(t, routerOptions{translator: lowering{}}), "/v2/translate",
		url.Values{"text": {xml, "Un <b>chat</b>."}, "target_lang": {"EN-GB"}, "tag_handling": {"xml"}}))
	if len(r.Translations) != 2 || r.Translations[0].Text != xml || r.Translations[1].Text != "un <b>chat</b>." {
		t.Errorf("translations = %+v; want the first as sent, the second lowered", r.Translations)
	}
	if markupWarnings(r) != 1 || r.Warnings[len(r.Warnings)-1].Text != 0 {
		t.Errorf("warnings = %+v, want one of the markup, for text 0", r.Warnings)
	}
}

// markupWarnings counts the warnings of r about markup.
func markupWarnings(r deeplReply) int {
	n := 0
	for _, w := range r.Warnings {
		if w.Check == "markup" {
			n++
		}
	}
	return n
}

// The same request twice: the second from the cache, as on /v1.
func TestDeepLTranslateUsesTheCache(t *testing.T) {
	h := newRouter(t, routerOptions{})
	form := url.Values{"text": {"Le cache."}, "target_lang": {"EN-GB"}}
	if rec := doForm(t, h, "/v2/translate", form); rec.Header().Get("X-Cache") != "MISS" {
		t.Errorf("first X-Cache = %q, want MISS", rec.Header().Get("X-Cache"))
	}
	if rec := doForm(t, h, "/v2/translate", form); rec.Header().Get("X-Cache") != "HIT" {
		t.Errorf("second X-Cache = %q, want HIT", rec.Header().Get("X-Cache"))
	}
}

// A text no provider translated is a partial result: the reply is 200 with
// the others translated, and a warning names the text.
func TestDeepLPartialResult(t *testing.T) {
	h := newRouter(t, routerOptions{translator: digitDropper{segments: new(atomic.Int64)}})
	r := decodeDeepL(t, doForm(t, h, "/v2/translate", url.Values{"text": {"Premier paragraphe.", "Il y a 12 chats."}, "target_lang": {"EN-GB"}}))
	if r.Translations[0].Text != "EN Premier paragraphe." {
		t.Errorf("first = %q", r.Translations[0].Text)
	}
	var failed []int
	for _, w := range r.Warnings {
		if w.Code == gateway.CodeOutputCheck {
			failed = append(failed, w.Text)
		}
	}
	if len(failed) != 1 || failed[0] != 1 {
		t.Errorf("warnings = %+v, want one output check, on text 1", r.Warnings)
	}
}

func deeplAccess() Access {
	return Access{Enabled: true, Limiter: quota.NewMemory(), Keys: []Key{
		keyOf("newsroom", "psl_newsroom", false, Limits{}),
		keyOf("small", "psl_small", false, Limits{CharactersPerDay: 30}),
		keyOf("slow", "psl_slow", false, Limits{RequestsPerMinute: 1}),
	}}
}

// Errors are DeepL's: its statuses, and {"message": ...}.
func TestDeepLErrors(t *testing.T) {
	guarded := routerWithAccess(t, deeplAccess(), nil)
	open := newRouter(t, routerOptions{})
	failing := newRouter(t, routerOptions{translator: markTranslator{err: &providers.Error{Provider: "mark", Kind: providers.KindUnavailable, Status: 500}}})
	slow := newRouter(t, routerOptions{translator: markTranslator{delay: time.Second}, timeout: 50 * time.Millisecond})
	unready := newRouter(t, routerOptions{chain: []string{"gpt"}})
	key := func(k string) []string { return []string{"Authorization", "DeepL-Auth-Key " + k} }
	ok := url.Values{"text": {"Bonjour."}, "target_lang": {"EN-GB"}}
	with := func(name, value string) url.Values {
		v := url.Values{}
		for k, vs := range ok {
			v[k] = vs
		}
		v.Set(name, value)
		return v
	}
	legacy := "Legacy authentication method '%s' is no longer supported. Please update to header-based authentication."
	tests := []struct {
		name    string
		h       http.Handler
		path    string
		form    url.Values
		json    string
		header  []string
		status  int
		message string
	}{
		{name: "no text", h: open, form: url.Values{"target_lang": {"EN-GB"}}, status: 400, message: "Parameter 'text' not specified."},
		{name: "no target", h: open, form: url.Values{"text": {"Bonjour."}}, status: 400, message: "Parameter 'target_lang' not specified."},
		{name: "German target", h: open, form: with("target_lang", "DE"), status: 400, message: "Value for 'target_lang' not supported"},
		{name: "German source", h: open, form: with("source_lang", "de"), status: 400, message: "Value for 'source_lang' not supported"},
		{name: "unknown tag handling", h: open, form: with("tag_handling", "sgml"), status: 400, message: "Value for 'tag_handling' not supported."},
		{name: "bad split", h: open, form: with("split_sentences", "2"), status: 400, message: "Value for 'split_sentences' not supported."},
		{name: "bad boolean", h: open, form: with("preserve_formatting", "yes"), status: 400, message: "Value for 'preserve_formatting' not supported."},
		{name: "formality", h: open, form: with("formality", "more"), status: 400, message: "'formality' is not supported for given 'target_lang'."},
		{name: "bad model", h: open, form: with("model_type", "fast"), status: 400, message: "Value for 'model_type' not supported."},
		{name: "invalid JSON", h: open, json: `{"text": [`, status: 400, message: "the request body is not a JSON object"},
		{name: "text not strings", h: open, json: `{"text": [1, 2], "target_lang": "EN-GB"}`, status: 400, message: "Value for 'text' not supported."},
		{name: "too large", h: open, form: with("text", strings.Repeat("a", 5000)), status: 413, message: "over 4096 bytes"},
		{name: "languages type", h: open, path: "/v2/languages?type=both", status: 400, message: "Value for 'type' not supported."},
		{name: "auth_key query", h: guarded, path: "/v2/translate?auth_key=psl_newsroom", form: ok, status: 403, message: strings.Replace(legacy, "%s", "query parameter", 1)},
		{name: "auth_key query, usage", h: open, path: "/v2/usage?auth_key=psl_newsroom", status: 403, message: strings.Replace(legacy, "%s", "query parameter", 1)},
		{name: "auth_key form", h: guarded, form: with("auth_key", "psl_newsroom"), status: 403, message: strings.Replace(legacy, "%s", "form body", 1)},
		{name: "auth_key JSON", h: guarded, json: `{"auth_key": "psl_newsroom", "text": ["a"], "target_lang": "EN-GB"}`, status: 403, message: strings.Replace(legacy, "%s", "JSON body", 1)},
		{name: "auth_key form beside a key", h: guarded, form: with("auth_key", "psl_newsroom"), header: key("psl_newsroom"), status: 403, message: strings.Replace(legacy, "%s", "form body", 1)},
		{name: "auth_key form, auth off", h: open, form: with("auth_key", "psl_newsroom"), status: 403, message: strings.Replace(legacy, "%s", "form body", 1)},
		{name: "no key", h: guarded, form: ok, status: 403, message: `an API key is required: send it as "Authorization: DeepL-Auth-Key KEY"`},
		{name: "Bearer is not DeepL's", h: guarded, form: ok, header: []string{"Authorization", "Bearer psl_newsroom"}, status: 403, message: "DeepL-Auth-Key"},
		{name: "wrong key", h: guarded, form: ok, header: key("psl_nope"), status: 403, message: "the API key is not valid"},
		{name: "over the characters of a day", h: guarded, form: with("text", strings.Repeat("a", 31)), header: key("psl_small"), status: 413, message: "over the 30 a day"},
		{name: "provider error", h: failing, form: ok, status: 500},
		{name: "provider timeout", h: slow, form: ok, status: 504},
		{name: "no provider", h: unready, form: ok, status: 504},
		{name: "a DeepL path Passerelle lacks", h: open, path: "/v2/glossaries", status: 404, message: "no such endpoint: GET /v2/glossaries"},
		{name: "a DeepL method Passerelle lacks", h: open, path: "/v2/translate?text=Bonjour&target_lang=EN-GB", status: 400, message: "method GET is not allowed on /v2/translate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := tt.path
			if path == "" {
				path = "/v2/translate"
			}
			var rec *httptest.ResponseRecorder
			switch {
			case tt.json != "":
				rec = do(t, tt.h, "POST", path, tt.json, tt.header...)
			case tt.form != nil:
				rec = doForm(t, tt.h, path, tt.form, tt.header...)
			default:
				rec = do(t, tt.h, "GET", path, "", tt.header...)
			}
			checkDeepLError(t, rec, tt.status, tt.message)
		})
	}
}

func checkDeepLError(t *testing.T, rec *httptest.ResponseRecorder, status int, message string) {
	t.Helper()
	if rec.Code != status {
		t.Errorf("status = %d, want %d: %s", rec.Code, status, rec.Body)
	}
	var body map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatalf("not JSON: %v: %s", err, rec.Body)
	}
	got, _ := body["message"].(string)
	if len(body) != 1 || got == "" || !strings.Contains(got, message) {
		t.Errorf("body = %s, want only a message holding %q", rec.Body, message)
	}
}

// The requests of a minute spent: 429; the characters of a day: 456, as
// DeepL tells them apart.
func TestDeepLLimits(t *testing.T) {
	h := routerWithAccess(t, deeplAccess(), nil)
	form := url.Values{"text": {"Vingt caractères ici"}, "target_lang": {"EN-GB"}}
	small := []string{"Authorization", "DeepL-Auth-Key psl_small"}
	decodeDeepL(t, doForm(t, h, "/v2/translate", form, small...))
	checkDeepLError(t, doForm(t, h, "/v2/translate", form, small...), 456, "characters a day")

	slow := []string{"Authorization", "DeepL-Auth-Key psl_slow"}
	decodeDeepL(t, doForm(t, h, "/v2/translate", form, slow...))
	rec := doForm(t, h, "/v2/translate", form, slow...)
	checkDeepLError(t, rec, 429, "requests a minute")
	if rec.Header().Get("Retry-After") == "" {
		t.Errorf("429 without Retry-After")
	}
}

// /v2/usage reports what the key spent of its characters a day, without
// spending any; a key without the limit reports DeepL's unlimited.
func TestDeepLUsage(t *testing.T) {
	h := routerWithAccess(t, deeplAccess(), nil)
	small := []string{"Authorization", "DeepL-Auth-Key psl_small"}
	usage := func(method string, header []string) deeplUsageReply {
		t.Helper()
		rec := do(t, h, method, "/v2/usage", "", header...)
		if rec.Code != http.StatusOK {
			t.Fatalf("%s /v2/usage = %d: %s", method, rec.Code, rec.Body)
		}
		var u deeplUsageReply
		if err := json.Unmarshal(rec.Body.Bytes(), &u); err != nil {
			t.Fatal(err)
		}
		return u
	}
	if u := usage("GET", small); u != (deeplUsageReply{CharacterCount: 0, CharacterLimit: 30}) {
		t.Errorf("before = %+v, want 0 of 30", u)
	}
	decodeDeepL(t, doForm(t, h, "/v2/translate", url.Values{"text": {"Douze lettres", "Deux"}, "target_lang": {"EN-GB"}}, small...))
	for _, method := range []string{"GET", "POST", "GET"} {
		if u := usage(method, small); u != (deeplUsageReply{CharacterCount: 17, CharacterLimit: 30}) {
			t.Errorf("%s after = %+v, want 17 of 30", method, u)
		}
	}
	if u := usage("GET", []string{"Authorization", "DeepL-Auth-Key psl_newsroom"}); u != (deeplUsageReply{CharacterLimit: deeplUnlimited}) {
		t.Errorf("unlimited = %+v", u)
	}
	checkDeepLError(t, do(t, h, "GET", "/v2/usage", ""), 403, "DeepL-Auth-Key")
}

func TestDeepLLanguages(t *testing.T) {
	h := newRouter(t, routerOptions{})
	for path, want := range map[string]string{
		"/v2/languages":             `[{"language":"FR","name":"French"}]`,
		"/v2/languages?type=source": `[{"language":"FR","name":"French"}]`,
		"/v2/languages?type=target": `[{"language":"EN-GB","name":"English (British)","supports_formality":false},{"language":"EN-US","name":"English (American)","supports_formality":false}]`,
	} {
		rec := do(t, h, "GET", path, "")
		if rec.Code != http.StatusOK || rec.Body.String() != want {
			t.Errorf("%s = %d %s, want %s", path, rec.Code, rec.Body, want)
		}
	}
}

// Every code Passerelle answers with has a DeepL status, among those DeepL
// documents for /v2/translate; the client's errors stay the client's.
func TestDeepLStatusesCoverEveryCode(t *testing.T) {
	documented := map[int]bool{400: true, 403: true, 404: true, 413: true, 429: true, deeplStatusQuotaExceeded: true, 500: true, 504: true}
	for code, class := range errorTable {
		status, ok := deeplStatuses[code]
		switch {
		case !ok:
			t.Errorf("%q has no DeepL status", code)
		case !documented[status]:
			t.Errorf("%q answers %d, which DeepL does not", code, status)
		case class.status < 500 && status >= 500:
			t.Errorf("%q is the client's (%d) but answers DeepL's %d", code, class.status, status)
		}
	}
	for code := range deeplStatuses {
		if _, ok := errorTable[code]; !ok {
			t.Errorf("%q has a DeepL status but is no code of the table", code)
		}
	}
}

// The shared middleware's refusals are written in DeepL's way too: a
// gateway without room for the body is a 429 to wait on, with its
// Retry-After.
func TestDeepLWritesTheSharedRefusals(t *testing.T) {
	h := New(markService(t, nil), Options{Budget: admission.NewBudget(10), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	rec := doForm(t, h, "/v2/translate", url.Values{"text": {"Un texte trop long pour la place."}, "target_lang": {"EN-GB"}})
	checkDeepLError(t, rec, 429, "working at capacity")
	if rec.Header().Get("Retry-After") == "" {
		t.Errorf("429 without Retry-After")
	}
}
