package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"passerelle/internal/testenv"
)

// planted are secrets put in every place a deployment keeps one: API keys,
// extra headers, the user info and query of URLs, from the environment and
// from the file. None may appear in a log line or an error.
var planted = map[string]string{
	"openai key (env)":             "sk-planted-openai-key-7f3a",
	"base_url user":                "planted-base-user-91c2",
	"base_url password":            "planted-base-pass-5e8d",
	"proxy key":                    "sk-planted-proxy-key-2b6e",
	"proxy base_url query key":     "planted-query-key-c4d1",
	"api-key header":               "planted-header-apikey-8a0f",
	"proxy token header":           "planted-header-token-3d9b",
	"libretranslate url user":      "planted-lt-user-6f1e",
	"libretranslate url password":  "planted-lt-pass-0a7c",
	"libretranslate url query key": "planted-lt-query-e2b8",
	"libretranslate key":           "planted-lt-key-5c3d",
	"apertium url password (env)":  "planted-apy-pass-9d4a",
	"redis url user (env)":         "planted-redis-user-1b7f",
	"redis url password (env)":     "planted-redis-pass-4e2c",
	"otlp user (env)":              "planted-otel-user-8c5a",
	"otlp password (env)":          "planted-otel-pass-3f0b",
	"otlp query token (env)":       "planted-otel-token-7e1d",
	"client key":                   "psl_planted-client-key-0c9e",
	"wrong client key":             "psl_planted-wrong-key-6a2f",
	"fetched url token":            "planted-fetch-token-2d8b",
	"deepl key (reload)":           "planted-deepl-key-4b1a:fx",
	"deepl base_url password":      "planted-deepl-pass-9f3e",
	"malformed redis password":     "planted-bad-redis-pass-5a6b",
}

// TestNoSecretInAnyLogOrError runs the real gateway with planted secrets in
// every place that holds one, and drives it through start-up, requests whose
// providers fail (with errors that quote their URL, and error bodies that
// echo the request's credentials), a reload, a refused reload and a refused
// start; then looks for each secret in everything it wrote.
func TestNoSecretInAnyLogOrError(t *testing.T) {
	closed := fmt.Sprintf("127.0.0.1:%d", testenv.FreePort(t)) // nothing listens there
	redisURL, err := url.Parse(testenv.RedisURL(t))
	if err != nil {
		t.Fatal(err)
	}
	// A proxy in front of an OpenAI-compatible server that refuses the
	// credentials and echoes them back, as some proxies do.
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		testenv.WriteOpenAIError(w, http.StatusUnauthorized, "invalid_request_error", "invalid_api_key",
			fmt.Sprintf("Incorrect API key provided: %s; api-key %s; token %s; at %s",
				r.Header.Get("Authorization"), r.Header.Get("Api-Key"), r.Header.Get("X-Proxy-Token"), r.URL.RequestURI()))
	}))
	t.Cleanup(echo.Close)

	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "passerelle.yaml")
	writeSecretConfig(t, cfgPath, closed, echo.URL, "")
	env := map[string]string{
		"PASSERELLE_CONFIG":           cfgPath,
		"OPENAI_API_KEY":              planted["openai key (env)"],
		"PROXY_KEY":                   planted["proxy key"],
		"APERTIUM_URL":                "http://apy:" + planted["apertium url password (env)"] + "@" + closed,
		"REDIS_URL":                   fmt.Sprintf("redis://%s:%s@%s/0", planted["redis url user (env)"], planted["redis url password (env)"], redisURL.Host),
		"OTEL_EXPORTER_OTLP_ENDPOINT": fmt.Sprintf("http://%s:%s@%s/v1/traces?token=%s", planted["otlp user (env)"], planted["otlp password (env)"], closed, planted["otlp query token (env)"]),
	}
	// The OpenTelemetry SDK reports export failures through the standard
	// logger: those lines are looked at too.
	var stdlog syncBuffer
	log.SetOutput(&stdlog)
	t.Cleanup(func() { log.SetOutput(os.Stderr) })

	gw := startGateway(t, env)
	var replies strings.Builder
	call := func(method, path, key, body string) int {
		t.Helper()
		req, _ := http.NewRequest(method, gw.url+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if key != "" {
			req.Header.Set("Authorization", "Bearer "+key)
		}
		resp, err := (&http.Client{Timeout: 20 * time.Second}).Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		fmt.Fprintf(&replies, "%s %s: %d %s\n", method, path, resp.StatusCode, raw)
		return resp.StatusCode
	}
	key := planted["client key"]
	article, _ := json.Marshal(map[string]string{"text": "Le président a parlé devant les députés. Il a annoncé une réforme."})
	if got := call("POST", "/v1/translate", key, string(article)); got < 500 {
		t.Errorf("translate with every provider failing = %d, want a 5xx", got)
	}
	call("POST", "/v1/translate", planted["wrong client key"], string(article))
	fetchURL := fmt.Sprintf(`{"url": "http://%s/article?token=%s"}`, closed, planted["fetched url token"])
	call("POST", "/v1/translate", key, fetchURL)
	call("GET", "/readyz", "", "")
	call("GET", "/v1/providers", key, "")

	// A reload that works, then one refused: a DeepL base URL with
	// credentials is not accepted, and the refusal names the URL.
	if got := call("POST", "/admin/reload", key, ""); got != http.StatusOK {
		t.Errorf("reload = %d, want 200", got)
	}
	writeSecretConfig(t, cfgPath, closed, echo.URL, fmt.Sprintf(
		"  deepl: {type: deepl, api_key: %q, base_url: \"https://deepl-user:%s@api.deepl.com\"}\n",
		planted["deepl key (reload)"], planted["deepl base_url password"]))
	if got := call("POST", "/admin/reload", key, ""); got == http.StatusOK {
		t.Errorf("reload with a DeepL base URL holding credentials = 200, want it refused")
	}
	if err := gw.stop(); err != nil {
		t.Errorf("stop: %v", err)
	}

	// A REDIS_URL that does not parse: the start is refused, and the error
	// says why without the password.
	writeSecretConfig(t, cfgPath, closed, echo.URL, "")
	env["REDIS_URL"] = fmt.Sprintf("redis://admin:%s@%s:port/0", planted["malformed redis password"], redisURL.Hostname())
	var refusedLogs syncBuffer
	runErr := run(context.Background(), func(k string) string { return env[k] }, &refusedLogs, nil)
	if runErr == nil {
		t.Fatal("the gateway started with a REDIS_URL that does not parse")
	}
	if !strings.Contains(runErr.Error(), "redis url") {
		t.Errorf("start refused with %q, want it to name the redis url", runErr)
	}

	everything := map[string]string{
		"the gateway's log":           gw.logs.String(),
		"the refused start's log":     refusedLogs.String(),
		"the refused start's error":   runErr.Error(),
		"the standard logger":         stdlog.String(),
		"the replies (for reference)": replies.String(),
	}
	for where, text := range everything {
		for what, secret := range planted {
			if strings.Contains(text, secret) {
				t.Errorf("%s shows the %s %q", where, what, secret)
			}
		}
	}
	// The log did see what the secrets were planted in: the test exercised
	// the paths it claims to.
	log := gw.logs.String()
	for _, want := range []string{`"msg":"configuration"`, "translation provider failed", "configuration reload refused", "connection refused", "fetch_failed"} {
		if !strings.Contains(log, want) {
			t.Errorf("the log lacks %q: the test did not exercise that path", want)
		}
	}
	if t.Failed() {
		t.Logf("log:\n%s\nrefused start: %v\n%s\nstandard logger:\n%s\nreplies:\n%s", log, runErr, refusedLogs.String(), stdlog.String(), replies.String())
	}
}

// writeSecretConfig writes a configuration holding planted secrets in every
// provider field that can hold one; extra is appended under providers.
func writeSecretConfig(t *testing.T, path, closed, echoURL, extra string) {
	t.Helper()
	// The fetcher may reach the closed port on loopback, so that a fetch
	// fails with an error quoting the URL.
	cfg := fmt.Sprintf(`fetch: {allow_hosts: ["127.0.0.1"]}
auth:
  enabled: true
  keys:
    - {name: ops, sha256: %s, admin: true}
translation: {provider: openai, fallbacks: [proxied, lt, apertium]}
summarization: {provider: extractive}
providers:
  openai:
    type: openai
    base_url: "http://%s:%s@%s/v1"
    model: test-model
    timeout: 2s
    retry: {max_attempts: 1}
  proxied:
    type: openai
    base_url: "%s/v1?key=%s"
    api_key: ${PROXY_KEY}
    model: test-model
    timeout: 2s
    headers: {api-key: %s, X-Proxy-Token: %s}
    retry: {max_attempts: 1}
  lt:
    type: libretranslate
    url: "http://%s:%s@%s/?api_key=%s"
    api_key: %s
    timeout: 2s
    retry: {max_attempts: 1}
  extractive: {type: extractive}
%s`, hashKey(planted["client key"]),
		planted["base_url user"], planted["base_url password"], closed,
		echoURL, planted["proxy base_url query key"], planted["api-key header"], planted["proxy token header"],
		planted["libretranslate url user"], planted["libretranslate url password"], closed, planted["libretranslate url query key"], planted["libretranslate key"],
		extra)
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
}
