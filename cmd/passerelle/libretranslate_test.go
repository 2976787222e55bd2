package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"passerelle/internal/testenv"
)

// The LibreTranslate dialect against the real gateway, with real Apertium,
// real Redis and auth on, spoken by the clients people point at a
// LibreTranslate endpoint: the npm libretranslate and translate packages,
// and the requests of Weblate and Mastodon as their sources write them.

// libreGateway is a gateway with auth on, one key, Redis and Apertium.
type libreGateway struct {
	url, key string
}

func startLibreGateway(t *testing.T) libreGateway {
	t.Helper()
	key := fmt.Sprintf("psl_libre-%d", time.Now().UnixNano())
	cfg := fmt.Sprintf("cache: {backend: redis, redis: {url: %q, read_timeout: 3s, write_timeout: 3s}, operation_timeout: 5s}\n"+
		"auth:\n  enabled: true\n  keys:\n    - {name: libre, sha256: %s}\n", testenv.StartRedis(t).URL(), hashKey(key))
	gw := startGateway(t, map[string]string{"PASSERELLE_CONFIG": writeJobsConfig(t, cfg), "APERTIUM_URL": testenv.ApertiumURL(t)})
	return libreGateway{url: gw.url, key: key}
}

// libreReply is the reply of POST /translate, whatever its status.
type libreReply struct {
	status  int
	header  http.Header
	raw     []byte
	Text    json.RawMessage `json:"translatedText"`
	Error   string          `json:"error"`
	Details json.RawMessage `json:"detectedLanguage"`
}

func (r libreReply) text(t *testing.T) string {
	t.Helper()
	var s string
	if err := json.Unmarshal(r.Text, &s); err != nil {
		t.Fatalf("translatedText is not a string: %s", r.raw)
	}
	return s
}

func libreDo(t *testing.T, req *http.Request) libreReply {
	t.Helper()
	status, header, raw := roundTrip(t, req)
	r := libreReply{status: status, header: header, raw: raw}
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatalf("reply %d is not a JSON object: %s", status, raw)
	}
	return r
}

func libreJSON(t *testing.T, endpoint string, body any) libreReply {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, endpoint, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	return libreDo(t, req)
}

// englishOf checks that got is an English translation of a French text:
// it holds every word of want and none of the French words of notWant.
func englishOf(t *testing.T, got string, want []string, notWant ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("translation %q lacks %q", got, w)
		}
	}
	for _, w := range notWant {
		if strings.Contains(got, w) {
			t.Errorf("translation %q still holds the French %q", got, w)
		}
	}
}

const libreFrench = "Le gouvernement a présenté un projet de loi sur les retraites."

func TestLibreTranslateNpmClient(t *testing.T) {
	gw := startLibreGateway(t)
	clients := testenv.NodeClients(t, "testdata/clients")
	var out struct {
		TranslatedText *string `json:"translatedText"`
		Statuses       []int   `json:"statuses"`
	}
	run := func(key string) {
		t.Helper()
		printed := testenv.RunNode(t, clients, "libretranslate.mjs", time.Minute,
			"PASSERELLE_URL="+gw.url, "PASSERELLE_KEY="+key, "TEXT="+libreFrench)
		out.TranslatedText, out.Statuses = nil, nil
		if err := json.Unmarshal([]byte(printed), &out); err != nil {
			t.Fatalf("the script printed %q: %v", printed, err)
		}
	}

	run(gw.key)
	if out.TranslatedText == nil || fmt.Sprint(out.Statuses) != "[200 200]" {
		t.Fatalf("with the key: %+v, want a translation after GET /languages and POST /translate answered 200", out)
	}
	englishOf(t, *out.TranslatedText, []string{"presented", "law"}, "gouvernement", "retraites")

	// The client returns no translation, rather than failing, when the
	// key is refused: the 403 is what it was told.
	run("psl_not-a-key")
	if out.TranslatedText != nil || fmt.Sprint(out.Statuses) != "[200 403]" {
		t.Errorf("with a wrong key: %+v, want no translation and POST /translate answered 403", out)
	}
}

func TestLibreTranslateTranslatePackage(t *testing.T) {
	gw := startLibreGateway(t)
	clients := testenv.NodeClients(t, "testdata/clients")
	var out struct {
		TranslatedText string `json:"translatedText"`
		Error          string `json:"error"`
	}
	printed := testenv.RunNode(t, clients, "translate.mjs", time.Minute,
		"PASSERELLE_URL="+gw.url, "PASSERELLE_KEY="+gw.key, "TEXT="+libreFrench)
	if err := json.Unmarshal([]byte(printed), &out); err != nil || out.Error != "" {
		t.Fatalf("the script printed %q (%v)", printed, err)
	}
	englishOf(t, out.TranslatedText, []string{"presented", "law"}, "gouvernement", "retraites")

	out.TranslatedText, out.Error = "", ""
	printed = testenv.RunNode(t, clients, "translate.mjs", time.Minute,
		"PASSERELLE_URL="+gw.url, "PASSERELLE_KEY=psl_not-a-key", "TEXT="+libreFrench)
	if err := json.Unmarshal([]byte(printed), &out); err != nil || out.TranslatedText != "" || !strings.Contains(out.Error, "not valid") {
		t.Errorf("with a wrong key the script printed %q, want the server's error", printed)
	}
}

// Weblate's LibreTranslate machine translation, as
// weblate/machinery/libretranslate.py writes it: the configured URL ends
// with a slash, the languages are read from "{url}languages" (only their
// codes), and each string is a form POST to "{url}translate" with api_key,
// q, source and target.
func TestWeblateRequests(t *testing.T) {
	gw := startLibreGateway(t)
	base := gw.url + "/"

	req, _ := http.NewRequest(http.MethodGet, base+"languages", nil)
	status, _, raw := roundTrip(t, req)
	var langs []struct {
		Code string `json:"code"`
	}
	if err := json.Unmarshal(raw, &langs); status != http.StatusOK || err != nil || len(langs) == 0 {
		t.Fatalf("GET languages = %d %s", status, raw)
	}
	codes := map[string]bool{}
	for _, l := range langs {
		codes[l.Code] = true
	}
	if !codes["fr"] || !codes["en"] {
		t.Errorf("languages = %s, want fr and en", raw)
	}

	form := url.Values{"api_key": {gw.key}, "q": {"Les députés ont voté le budget."}, "source": {"fr"}, "target": {"en"}}
	req, _ = http.NewRequest(http.MethodPost, base+"translate", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r := libreDo(t, req)
	if r.status != http.StatusOK {
		t.Fatalf("POST translate = %d %s", r.status, r.raw)
	}
	englishOf(t, r.text(t), []string{"deputies", "voted"}, "députés", "ont voté")
}

// mastodonStatus is a status as Mastodon renders it: paragraphs, a link
// with its attributes, a mention and a hashtag.
const mastodonStatus = `<p>Le gouvernement a présenté un projet de loi sur les retraites. ` +
	`<a href="https://example.org/loi" rel="nofollow noopener" target="_blank">Le texte</a></p>` +
	`<p><span class="h-card"><a href="https://example.org/@marie" class="u-url mention">@<span>marie</span></a></span> ` +
	`<a href="https://example.org/tags/retraites" class="mention hashtag" rel="tag">#<span>retraites</span></a></p>`

// Mastodon's translation service, as
// app/lib/translation_service/libre_translate.rb writes it: a JSON POST to
// "{LIBRE_TRANSLATE_ENDPOINT}/translate" with q the status's HTML, source
// (the status's language, or "auto"), target, format "html" and api_key; it
// reads translatedText, and takes 429 for "too many requests" and 403 for
// "quota exceeded".
func TestMastodonRequest(t *testing.T) {
	gw := startLibreGateway(t)
	body := mastodonBody(gw)
	first := libreJSON(t, gw.url+"/translate", body)
	if first.status != http.StatusOK {
		t.Fatalf("POST /translate = %d %s", first.status, first.raw)
	}
	got := first.text(t)
	englishOf(t, got, []string{"presented", "law"}, "gouvernement", "projet de loi")

	// Mastodon asks again when another user opens the status: the cache
	// answers.
	second := libreJSON(t, gw.url+"/translate", body)
	if second.status != http.StatusOK || first.header.Get("X-Cache") != "MISS" || second.header.Get("X-Cache") != "HIT" {
		t.Errorf("X-Cache = %q then %q (%d), want MISS then HIT", first.header.Get("X-Cache"), second.header.Get("X-Cache"), second.status)
	}
	if second.text(t) != got {
		t.Errorf("the hit differs:\n%s\n%s", got, second.text(t))
	}

	body["api_key"] = "psl_not-a-key"
	if r := libreJSON(t, gw.url+"/translate", body); r.status != http.StatusForbidden || r.Error == "" {
		t.Errorf("a wrong key = %d %s, want 403 {\"error\"}", r.status, r.raw)
	}
}

func mastodonBody(gw libreGateway) map[string]any {
	return map[string]any{"q": mastodonStatus, "source": "fr", "target": "en", "format": "html", "api_key": gw.key}
}

// Mastodon's status comes back with its markup as it was: every tag,
// attribute and link (the words inside them are translated, as any text).
func TestMastodonHTMLKeepsMarkup(t *testing.T) {
	gw := startLibreGateway(t)
	r := libreJSON(t, gw.url+"/translate", mastodonBody(gw))
	if r.status != http.StatusOK {
		t.Fatalf("POST /translate = %d %s", r.status, r.raw)
	}
	got := r.text(t)
	for _, markup := range []string{
		`<a href="https://example.org/loi" rel="nofollow noopener" target="_blank">`,
		`<span class="h-card"><a href="https://example.org/@marie" class="u-url mention">@<span>`,
		`<a href="https://example.org/tags/retraites" class="mention hashtag" rel="tag">#<span>`,
	} {
		if !strings.Contains(got, markup) {
			t.Errorf("the translation lost %s:\n%s", markup, got)
		}
	}
	for tag, n := range map[string]int{"<p>": 2, "</p>": 2, "</a>": 3, "<span": 3, "</span>": 3} {
		if c := strings.Count(got, tag); c != n {
			t.Errorf("%d %s in the translation, want %d:\n%s", c, tag, n, got)
		}
	}
}

// An array keeps its order and length through the real gateway, and an
// error is LibreTranslate's.
func TestLibreArraysAndErrors(t *testing.T) {
	gw := startLibreGateway(t)
	q := []string{"Les députés ont voté le budget.", "Le maire a démissionné.", "Les députés ont voté le budget."}
	r := libreJSON(t, gw.url+"/translate", map[string]any{"q": q, "source": "auto", "target": "en", "api_key": gw.key})
	if r.status != http.StatusOK {
		t.Fatalf("POST /translate = %d %s", r.status, r.raw)
	}
	var texts []string
	var detected []struct {
		Confidence float64 `json:"confidence"`
		Language   string  `json:"language"`
	}
	if json.Unmarshal(r.Text, &texts) != nil || json.Unmarshal(r.Details, &detected) != nil || len(texts) != 3 || len(detected) != 3 {
		t.Fatalf("reply = %s, want 3 translations and 3 detections", r.raw)
	}
	englishOf(t, texts[0], []string{"deputies", "voted"}, "députés")
	englishOf(t, texts[1], []string{"mayor"}, "maire")
	if texts[2] != texts[0] {
		t.Errorf("the same text twice: %q and %q", texts[0], texts[2])
	}
	for _, d := range detected {
		if d.Language != "fr" {
			t.Errorf("detectedLanguage = %s, want fr each", r.Details)
		}
	}

	for _, tt := range []struct {
		name   string
		body   map[string]any
		status int
	}{
		{"no q", map[string]any{"source": "fr", "target": "en", "api_key": gw.key}, http.StatusBadRequest},
		{"a target not served", map[string]any{"q": "Bonjour", "source": "fr", "target": "de", "api_key": gw.key}, http.StatusBadRequest},
		{"no key", map[string]any{"q": "Bonjour", "source": "fr", "target": "en"}, http.StatusBadRequest},
		{"a wrong key", map[string]any{"q": "Bonjour", "source": "fr", "target": "en", "api_key": "psl_nope"}, http.StatusForbidden},
	} {
		r := libreJSON(t, gw.url+"/translate", tt.body)
		var whole map[string]any
		_ = json.Unmarshal(r.raw, &whole)
		if r.status != tt.status || r.Error == "" || len(whole) != 1 {
			t.Errorf("%s: %d %s, want %d {\"error\": ...} alone", tt.name, r.status, r.raw, tt.status)
		}
	}
}
