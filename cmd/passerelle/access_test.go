package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptrace"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"passerelle/internal/testenv"
)

// waitLog waits until the logs hold want n times.
func (g *gatewayBinary) waitLog(t *testing.T, want string, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if strings.Count(g.logs.String(), want) >= n {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("the logs never held %q %d times:\n%s", want, n, g.logs)
}

// call sends one request through client and returns the reply's status,
// headers and body, and whether it went over a connection already used.
func call(t *testing.T, client *http.Client, method, url, key string, header ...string) (int, http.Header, string, bool) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	reused := false
	req = req.WithContext(httptrace.WithClientTrace(req.Context(), &httptrace.ClientTrace{
		GotConn: func(info httptrace.GotConnInfo) { reused = info.Reused },
	}))
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(resp.Body)
	return resp.StatusCode, resp.Header, b.String(), reused
}

// preflight reports whether the gateway lets a browser page at origin call
// POST /v1/translate.
func preflight(t *testing.T, url, origin string) bool {
	t.Helper()
	status, h, _, _ := call(t, http.DefaultClient, http.MethodOptions, url+"/v1/translate", "",
		"Origin", origin, "Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "authorization,content-type")
	return status < 300 && h.Get("Access-Control-Allow-Origin") == origin
}

// TestReloadRevokesKeysAndAppliesLimitsAndCORS changes the auth and CORS
// of a running gateway process twice, by SIGHUP and by POST /admin/reload:
// a removed key is refused from its next request on (on a connection kept
// open too), changed limits apply, the preflight follows the origins, an
// unchanged key keeps what it had spent, and the log names the changes
// without a hash.
func TestReloadRevokesKeysAndAppliesLimitsAndCORS(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	for _, backend := range []string{"redis", "memory"} {
		t.Run(backend, func(t *testing.T) {
			keys := map[string]string{}
			for _, name := range []string{"ops", "newsroom", "intern", "keeper"} {
				keys[name] = fmt.Sprintf("psl_%s-%d", name, time.Now().UnixNano())
			}
			cfgPath := filepath.Join(t.TempDir(), "passerelle.yaml")
			cache := "cache: {backend: memory}"
			if backend == "redis" {
				cache = fmt.Sprintf("cache: {backend: redis, redis: {url: %q}}", testenv.StartRedis(t).URL())
			}
			// write puts a configuration in the file: the keys named, each
			// with its limit, and the CORS origins.
			write := func(limits map[string]int, origins ...string) {
				t.Helper()
				var b strings.Builder
				fmt.Fprintf(&b, "%s\nauth:\n  enabled: true\n  keys:\n", cache)
				fmt.Fprintf(&b, "    - {name: ops, sha256: %s, admin: true}\n", hashKey(keys["ops"]))
				for _, name := range []string{"newsroom", "intern", "keeper"} {
					if rpm, ok := limits[name]; ok {
						fmt.Fprintf(&b, "    - {name: %s, sha256: %s, limits: {requests_per_minute: %d}}\n", name, hashKey(keys[name]), rpm)
					}
				}
				quoted := make([]string, len(origins))
				for i, o := range origins {
					quoted[i] = fmt.Sprintf("%q", o)
				}
				fmt.Fprintf(&b, "cors: {allowed_origins: [%s]}\n", strings.Join(quoted, ", "))
				if err := os.WriteFile(cfgPath, []byte(b.String()), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			write(map[string]int{"newsroom": 100, "intern": 100, "keeper": 3}, "https://a.example")
			gw := startBinary(t, []string{"PASSERELLE_CONFIG=" + cfgPath, "APERTIUM_URL=http://127.0.0.1:1", "REDIS_URL="})
			providers := gw.url + "/v1/providers"
			kept := &http.Client{Transport: &http.Transport{}}
			defer kept.CloseIdleConnections()

			if st, _, body, _ := call(t, kept, "GET", providers, keys["newsroom"]); st != 200 {
				t.Fatalf("newsroom before the reload: %d %s", st, body)
			}
			for i := 0; i < 2; i++ {
				if st, _, body, _ := call(t, http.DefaultClient, "GET", providers, keys["keeper"]); st != 200 {
					t.Fatalf("keeper, request %d: %d %s", i, st, body)
				}
			}
			if !preflight(t, gw.url, "https://a.example") || preflight(t, gw.url, "https://b.example") {
				t.Fatalf("before the reload, the preflight does not follow cors.allowed_origins [https://a.example]")
			}

			// SIGHUP: newsroom removed, intern down to 2 a minute, CORS
			// from a.example to b.example.
			write(map[string]int{"intern": 2, "keeper": 3}, "https://b.example")
			if err := gw.cmd.Process.Signal(syscall.SIGHUP); err != nil {
				t.Fatal(err)
			}
			gw.waitLog(t, "configuration reloaded", 1)
			st, _, body, reused := call(t, kept, "GET", providers, keys["newsroom"])
			if st != http.StatusUnauthorized || !strings.Contains(body, `"unauthorized"`) {
				t.Errorf("a removed key after SIGHUP: %d %s, want 401 unauthorized", st, body)
			}
			if !reused {
				t.Errorf("the request after the reload did not go over the kept connection: the test proves less than it says")
			}
			refusedAt := 0
			for i := 1; i <= 3 && refusedAt == 0; i++ {
				st, h, body, _ := call(t, http.DefaultClient, "GET", providers, keys["intern"])
				switch {
				case st == http.StatusTooManyRequests:
					refusedAt = i
				case st != 200:
					t.Fatalf("intern, request %d: %d %s", i, st, body)
				case h.Get("RateLimit-Limit") != "2":
					t.Errorf("intern after the reload: RateLimit-Limit %q, want 2", h.Get("RateLimit-Limit"))
				}
			}
			if refusedAt == 0 {
				t.Errorf("intern, lowered to 2 requests a minute, got 3 in a row: the new limit is not applied")
			}
			// keeper spent 2 of its 3 before the reload, which did not
			// change it: one more, then refused.
			if st, _, body, _ := call(t, http.DefaultClient, "GET", providers, keys["keeper"]); st != 200 {
				t.Errorf("keeper's 3rd request: %d %s, want 200", st, body)
			}
			if st, _, _, _ := call(t, http.DefaultClient, "GET", providers, keys["keeper"]); st != http.StatusTooManyRequests {
				t.Errorf("keeper's 4th request of 3 a minute: %d, want 429: the reload lost what it had spent", st)
			}
			if preflight(t, gw.url, "https://a.example") || !preflight(t, gw.url, "https://b.example") {
				t.Errorf("after SIGHUP, the preflight does not follow cors.allowed_origins [https://b.example]")
			}

			// POST /admin/reload: newsroom back, intern removed, no CORS.
			write(map[string]int{"newsroom": 100, "keeper": 3})
			if st, _, body, _ := call(t, http.DefaultClient, "POST", gw.url+"/admin/reload", keys["ops"]); st != 200 {
				t.Fatalf("POST /admin/reload: %d %s", st, body)
			}
			gw.waitLog(t, "configuration reloaded", 2)
			if st, _, body, _ := call(t, http.DefaultClient, "GET", providers, keys["intern"]); st != http.StatusUnauthorized {
				t.Errorf("a removed key after POST /admin/reload: %d %s, want 401", st, body)
			}
			if st, _, body, _ := call(t, kept, "GET", providers, keys["newsroom"]); st != 200 {
				t.Errorf("a key added back: %d %s, want 200", st, body)
			}
			if preflight(t, gw.url, "https://b.example") {
				t.Errorf("after the origins were removed, the preflight still allows https://b.example")
			}

			var lines []string
			for _, line := range strings.Split(gw.logs.String(), "\n") {
				if strings.Contains(line, "access rules reloaded") {
					lines = append(lines, line)
				}
			}
			if len(lines) != 2 {
				t.Fatalf("%d log lines on the access rules, want one per reload:\n%s", len(lines), gw.logs)
			}
			for i, want := range [][]string{
				{`"keys_removed":["newsroom"]`, `"limits_changed":["intern"]`, `"cors_origins_added":["https://b.example"]`, `"cors_origins_removed":["https://a.example"]`},
				{`"keys_added":["newsroom"]`, `"keys_removed":["intern"]`, `"cors_origins_removed":["https://b.example"]`},
			} {
				for _, w := range want {
					if !strings.Contains(lines[i], w) {
						t.Errorf("reload %d: the log line lacks %s:\n%s", i+1, w, lines[i])
					}
				}
				if strings.Contains(lines[i], "keeper") || strings.Contains(lines[i], "ops") {
					t.Errorf("reload %d: the log line names a key that did not change:\n%s", i+1, lines[i])
				}
			}
			for _, line := range strings.Split(gw.logs.String(), "\n") {
				if strings.Contains(line, `"msg":"configuration"`) {
					continue // the start-up configuration, where the file's hashes are shown as written
				}
				for name, key := range keys {
					if strings.Contains(line, hashKey(key)) || strings.Contains(line, key) {
						t.Errorf("a log line holds the key or the hash of %s:\n%s", name, line)
					}
				}
			}
		})
	}
}

// TestLimitsDuringRedisOutage stops the Redis that holds the limits under a
// running gateway. With auth.limits_on_outage: refuse, limited requests get
// 503 quota_unavailable with Retry-After until Redis returns; with local,
// the process goes on from what the key had left, not from a full
// allowance.
func TestLimitsDuringRedisOutage(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	key := fmt.Sprintf("psl_outage-%d", time.Now().UnixNano())
	start := func(t *testing.T, mode string) (*gatewayBinary, *testenv.RedisServer) {
		t.Helper()
		redis := testenv.StartRedis(t)
		cfgPath := filepath.Join(t.TempDir(), "passerelle.yaml")
		cfg := fmt.Sprintf(`cache: {backend: redis, redis: {url: %q}}
auth:
  enabled: true
  limits_on_outage: %s
  keys: [{name: pipeline, sha256: %s, limits: {requests_per_minute: 5}}]
`, redis.URL(), mode, hashKey(key))
		if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
			t.Fatal(err)
		}
		return startBinary(t, []string{"PASSERELLE_CONFIG=" + cfgPath, "APERTIUM_URL=http://127.0.0.1:1", "REDIS_URL="}), redis
	}

	t.Run("refuse", func(t *testing.T) {
		gw, redis := start(t, "refuse")
		providers := gw.url + "/v1/providers"
		if st, _, body, _ := call(t, http.DefaultClient, "GET", providers, key); st != 200 {
			t.Fatalf("with Redis up: %d %s", st, body)
		}
		redis.Stop()
		for i := 0; i < 3; i++ {
			st, h, body, _ := call(t, http.DefaultClient, "GET", providers, key)
			if st != http.StatusServiceUnavailable || !strings.Contains(body, `"quota_unavailable"`) || h.Get("Retry-After") == "" {
				t.Errorf("with Redis down, request %d: %d Retry-After %q %s; want 503 quota_unavailable with Retry-After", i, st, h.Get("Retry-After"), body)
			}
		}
		if st, _, _, _ := call(t, http.DefaultClient, "GET", gw.url+"/healthz", ""); st != 200 {
			t.Errorf("/healthz with Redis down: %d, want 200", st)
		}
		redis.Start()
		recovered := false
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline) && !recovered; {
			st, _, _, _ := call(t, http.DefaultClient, "GET", providers, key)
			recovered = st == 200
			if !recovered {
				time.Sleep(200 * time.Millisecond)
			}
		}
		if !recovered {
			t.Errorf("Redis is back, but the key is still refused after 10s")
		}
		gw.waitLog(t, "shared rate limits reachable again", 1)
		if n := strings.Count(gw.logs.String(), "shared rate limits unavailable"); n != 1 {
			t.Errorf("the outage was logged %d times, want once", n)
		}
	})

	t.Run("local", func(t *testing.T) {
		gw, redis := start(t, "local")
		providers := gw.url + "/v1/providers"
		for i := 0; i < 3; i++ {
			if st, _, body, _ := call(t, http.DefaultClient, "GET", providers, key); st != 200 {
				t.Fatalf("with Redis up, request %d: %d %s", i, st, body)
			}
		}
		lastShared := time.Now()
		redis.Stop()
		passed := 0
		for i := 0; i < 6; i++ {
			if st, _, _, _ := call(t, http.DefaultClient, "GET", providers, key); st == 200 {
				passed++
			}
		}
		// 2 left of 5, plus one for each 12 s the test took, at 5 a minute.
		want := 2 + int(time.Since(lastShared)/(12*time.Second))
		if passed != want {
			t.Errorf("with Redis down, %d of 6 requests passed; want the %d the key had left", passed, want)
		}
	})
}

// TestRefreshIsARightOfKeys: a key without the refresh right reads through
// the cache despite Cache-Control: no-cache, in a batch too, and the
// provider is not called; a key with it (or an admin key) has the entries
// made again.
func TestRefreshIsARightOfKeys(t *testing.T) {
	upstream := newChatUpstream(t, "llm")
	keys := map[string]string{}
	for _, name := range []string{"reader", "editor", "ops"} {
		keys[name] = fmt.Sprintf("psl_%s-%d", name, time.Now().UnixNano())
	}
	cfgPath := filepath.Join(t.TempDir(), "passerelle.yaml")
	cfg := fmt.Sprintf(`translation: {provider: llm}
summarization: {provider: extractive}
providers:
  llm: {type: openai, base_url: %q, api_key: sk-test, model: test-model, timeout: 5s}
  extractive: {type: extractive}
cache: {backend: redis, redis: {url: %q, read_timeout: 3s, write_timeout: 3s}, operation_timeout: 5s}
auth:
  enabled: true
  keys:
    - {name: reader, sha256: %s}
    - {name: editor, sha256: %s, refresh: true}
    - {name: ops, sha256: %s, admin: true}
`, upstream.url(), testenv.RedisURL(t), hashKey(keys["reader"]), hashKey(keys["editor"]), hashKey(keys["ops"]))
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	gw := startGateway(t, map[string]string{"PASSERELLE_CONFIG": cfgPath})
	text := fmt.Sprintf("Article %d : le sommet.", time.Now().UnixNano())
	post := func(path, key string, body any, cacheControl string) (int, string, string) {
		t.Helper()
		raw, _ := json.Marshal(body)
		req, _ := http.NewRequest("POST", gw.url+path, bytes.NewReader(raw))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+key)
		if cacheControl != "" {
			req.Header.Set("Cache-Control", cacheControl)
		}
		status, header, reply := roundTrip(t, req)
		return status, header.Get("X-Cache"), string(reply)
	}
	article := map[string]string{"text": text}

	if st, xc, body := post("/v1/translate", keys["reader"], article, ""); st != 200 || xc != "MISS" {
		t.Fatalf("first: %d %s %s", st, xc, body)
	}
	if st, xc, body := post("/v1/translate", keys["reader"], article, ""); st != 200 || xc != "HIT" {
		t.Fatalf("second: %d %s %s, want a hit", st, xc, body)
	}
	calls := upstream.calls.Load()
	if st, xc, body := post("/v1/translate", keys["reader"], article, "no-cache"); st != 200 || xc != "HIT" {
		t.Errorf("no-cache from a key without the refresh right: %d X-Cache %q %s; want a hit", st, xc, body)
	}
	st, _, body := post("/v1/batch", keys["reader"], map[string]any{"task": "translate", "articles": []any{article}}, "no-cache")
	if st != 200 || !strings.Contains(body, `"status":"hit"`) {
		t.Errorf("a batch with no-cache from a key without the refresh right: %d %s; want its article a hit", st, body)
	}
	if got := upstream.calls.Load(); got != calls {
		t.Errorf("no-cache from a key without the refresh right called the provider %d times, want 0", got-calls)
	}
	for _, name := range []string{"editor", "ops"} {
		calls := upstream.calls.Load()
		if st, xc, body := post("/v1/translate", keys[name], article, "no-cache"); st != 200 || xc != "MISS" {
			t.Errorf("no-cache from %s: %d X-Cache %q %s; want the entries made again (MISS)", name, st, xc, body)
		}
		if got := upstream.calls.Load(); got != calls+1 {
			t.Errorf("no-cache from %s called the provider %d times, want 1", name, got-calls)
		}
	}
}
