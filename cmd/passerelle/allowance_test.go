package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"passerelle/internal/testenv"
)

// frenchPage is a news page whose article differs by n, so that no page is
// served from the cache of another.
func frenchPage(nonce string, n int) string {
	return fmt.Sprintf(`<!doctype html><html lang="fr"><head><title>Sommet numéro %[2]d</title></head><body>
<nav><a href="/">Accueil</a> <a href="/monde">Monde</a></nav>
<article>
<h1>Le sommet numéro %[2]d à Vladivostok (%[1]s)</h1>
<p>Le sommet inédit entre les deux dirigeants s'est achevé jeudi à Vladivostok, ville portuaire de l'Extrême-Orient russe, après la rencontre numéro %[2]d.</p>
<p>Les deux présidents ont discuté pendant plusieurs heures de la situation dans la péninsule coréenne et des sanctions internationales.</p>
<p>Aucun communiqué ni aucun accord ne sont prévus à l'issue de cette rencontre, selon le Kremlin et les médias officiels du pays.</p>
</article>
<footer>© Le Journal – Tous droits réservés</footer>
</body></html>`, nonce, n)
}

// post sends body to path with the API key and returns the status, headers
// and body of the reply.
func post(t *testing.T, url, path, key, body string) (int, http.Header, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-API-Key", key)
	return roundTrip(t, req)
}

// lettersOnly writes n in letters: a nonce that adds no number to an
// article, which the output checks would look for in its translation.
func lettersOnly(n int64) string {
	var b strings.Builder
	for ; n > 0; n /= 26 {
		b.WriteByte(byte('a' + n%26))
	}
	return b.String()
}

func jsonString(s string) string {
	raw, _ := json.Marshal(s)
	return string(raw)
}

// TestAllowanceCountsEveryInputForm runs the gateway with auth on and a
// small daily allowance, limits kept in Redis: an article sent as a page or
// by URL is charged the characters extracted from it, before the provider
// is called, and once the allowance is spent no form of input reaches the
// provider. A batch spends a request of the per-minute limit only for the
// articles that are valid.
func TestAllowanceCountsEveryInputForm(t *testing.T) {
	nonce := lettersOnly(time.Now().UnixNano())
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/article/"))
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(frenchPage(nonce, n)))
	}))
	defer site.Close()
	upstream := newEnglishUpstream(t, 0)

	const allowance = 600
	hash := func(key string) string { sum := sha256.Sum256([]byte(key)); return hex.EncodeToString(sum[:]) }
	// The limits live in a Redis shared with earlier runs: the key names
	// are new each run.
	cfg := fmt.Sprintf(`translation: {provider: primary}
summarization: {provider: extractive}
providers:
  primary: {type: openai, base_url: %q, api_key: sk-test, model: test-model, timeout: 5s}
  extractive: {type: extractive}
fetch: {allow_hosts: [%q]}
auth:
  enabled: true
  keys:
    - {name: chars-%[3]s, sha256: %[4]s, limits: {characters_per_day: %[5]d}}
    - {name: requests-%[3]s, sha256: %[6]s, limits: {requests_per_minute: 3}}
`, upstream.url(), strings.TrimPrefix(site.URL, "http://"), nonce, hash("psl_chars"), allowance, hash("psl_requests"))
	cfgPath := filepath.Join(t.TempDir(), "passerelle.yaml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	gw := startGateway(t, map[string]string{"PASSERELLE_CONFIG": cfgPath, "REDIS_URL": testenv.RedisURL(t)})

	// What the gateway would translate of a page, as /v1/extract counts it.
	extracted := func(n int) int {
		t.Helper()
		status, _, body := post(t, gw.url, "/v1/extract", "psl_chars", `{"html": `+jsonString(frenchPage(nonce, n))+`}`)
		var e struct {
			Characters int `json:"characters"`
		}
		if err := json.Unmarshal(body, &e); status != http.StatusOK || err != nil || e.Characters == 0 {
			t.Fatalf("extract = %d %s", status, body)
		}
		return e.Characters
	}
	first := extracted(1)
	if 2*first <= allowance || first > allowance {
		t.Fatalf("a page has %d characters: the test needs one to fit in %d and two not to", first, allowance)
	}

	status, header, body := post(t, gw.url, "/v1/translate", "psl_chars", `{"html": `+jsonString(frenchPage(nonce, 1))+`}`)
	if status != http.StatusOK {
		t.Fatalf("first page = %d %s", status, body)
	}
	if got, want := header.Get("RateLimit-Remaining"), strconv.Itoa(allowance-first); got != want {
		t.Errorf("after a page of %d characters, RateLimit-Remaining = %s, want %s", first, got, want)
	}
	paid := upstream.calls.Load()
	if paid == 0 {
		t.Fatal("the provider was not called for the first page")
	}

	for _, tt := range []struct{ form, path, body string }{
		{"html", "/v1/articles", `{"html": ` + jsonString(frenchPage(nonce, 2)) + `}`},
		{"url", "/v1/articles", `{"url": ` + jsonString(site.URL+"/article/3") + `}`},
		// The first request again, answered from its kept reply: charged
		// the same characters.
		{"kept reply", "/v1/translate", `{"html": ` + jsonString(frenchPage(nonce, 1)) + `}`},
		// The first page's translation is cached: by URL, it is still
		// charged what it holds.
		{"cached page by url", "/v1/translate", `{"url": ` + jsonString(site.URL+"/article/1") + `}`},
	} {
		status, header, body := post(t, gw.url, tt.path, "psl_chars", tt.body)
		if status != http.StatusTooManyRequests || !strings.Contains(string(body), "rate_limited") {
			t.Errorf("%s with the allowance spent = %d %s, want 429 rate_limited", tt.form, status, body)
		}
		if header.Get("Retry-After") == "" || header.Get("RateLimit-Limit") != strconv.Itoa(allowance) {
			t.Errorf("%s: Retry-After %q, RateLimit-Limit %q; want both", tt.form, header.Get("Retry-After"), header.Get("RateLimit-Limit"))
		}
	}
	if got := upstream.calls.Load(); got != paid {
		t.Errorf("the provider was called %d times after the allowance was spent", got-paid)
	}

	// Three requests a minute: a batch of two invalid and two valid
	// articles spends two (the batch's own and one more), leaving one.
	batch := `{"task": "translate", "articles": [{"txt": "faute"}, {"text": "  "}, {"text": "Premier article ` + nonce + `."}, {"text": "Second article ` + nonce + `."}]}`
	status, header, body = post(t, gw.url, "/v1/batch", "psl_requests", batch)
	if status != http.StatusOK {
		t.Fatalf("batch = %d %s", status, body)
	}
	if got := header.Get("RateLimit-Remaining"); got != "1" {
		t.Errorf("after a batch of two valid articles, RateLimit-Remaining = %s of 3, want 1", got)
	}
}
