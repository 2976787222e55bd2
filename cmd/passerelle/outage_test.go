package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"passerelle/internal/testenv"
)

func postWithKey(t *testing.T, url, key, text string) (int, string, string) {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"text": text})
	req, _ := http.NewRequest("POST", url+"/v1/translate", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	status, header, reply := roundTrip(t, req)
	return status, header.Get("X-Cache"), string(reply)
}

func readiness(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Status string `json:"status"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode, body.Status
}

// TestRedisOutageIsSurvived stops Redis under a running gateway: requests
// keep succeeding through the provider, /readyz says degraded, and caching
// resumes by itself when Redis returns. The logs of the whole run must not
// hold any configured secret.
func TestRedisOutageIsSurvived(t *testing.T) {
	upstream := newChatUpstream(t, "llm")
	redis := testenv.StartRedis(t)
	const providerKey = "sk-provider-secret-4242"
	const clientKey = "psl_client-secret-2424"
	cfgPath := filepath.Join(t.TempDir(), "passerelle.yaml")
	cfg := fmt.Sprintf(`translation: {provider: llm}
summarization: {provider: extractive}
providers:
  llm: {type: openai, base_url: %q, api_key: %q, model: test-model, timeout: 2s}
  extractive: {type: extractive}
cache:
  backend: redis
  redis: {url: %q}
auth:
  enabled: true
  keys: [{name: newsroom, sha256: %s}]
log: {level: debug}
`, upstream.url(), providerKey, strings.Replace(redis.URL(), "redis://", "redis://:"+"redis-pass-777@", 1), hashKey(clientKey))
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	// The Redis of this test has no password: give it one, so the URL
	// carries a secret the logs must not show.
	out, err := testenv.RedisCLI(redis.Port, "CONFIG", "SET", "requirepass", "redis-pass-777")
	if err != nil {
		t.Fatalf("set a Redis password: %v %s", err, out)
	}
	gw := startGateway(t, map[string]string{"PASSERELLE_CONFIG": cfgPath})

	text := fmt.Sprintf("Article %d : le sommet.", time.Now().UnixNano())
	if st, xc, body := postWithKey(t, gw.url, clientKey, text); st != 200 || xc != "MISS" {
		t.Fatalf("first: %d %s %s", st, xc, body)
	}
	if st, xc, _ := postWithKey(t, gw.url, clientKey, text); st != 200 || xc != "HIT" {
		t.Fatalf("second: %d %s, want a hit", st, xc)
	}

	redis.Stop()
	other := text + " Suite."
	for i := 0; i < 3; i++ {
		if st, xc, body := postWithKey(t, gw.url, clientKey, other); st != 200 || xc != "MISS" {
			t.Errorf("with Redis down, request %d: %d %s %s; want served by the provider", i, st, xc, body)
		}
	}
	if code, state := readiness(t, gw.url); code != 200 || state != "degraded" {
		t.Errorf("/readyz with Redis down = %d %q, want 200 degraded", code, state)
	}

	redis.Start()
	if _, err := testenv.RedisCLI(redis.Port, "CONFIG", "SET", "requirepass", "redis-pass-777"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if _, state := readiness(t, gw.url); state == "ready" {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	postWithKey(t, gw.url, clientKey, other) // written again now that Redis is back
	if st, xc, _ := postWithKey(t, gw.url, clientKey, other); st != 200 || xc != "HIT" {
		t.Errorf("after Redis returned: %d %s, want caching resumed (HIT)", st, xc)
	}
	if st, _, _ := postWithKey(t, gw.url, "psl_wrong-key-1", text); st != 401 {
		t.Errorf("a wrong key got %d, want 401", st)
	}

	if err := gw.stop(); err != nil {
		t.Fatal(err)
	}
	logs := gw.logs.String()
	for _, secret := range []string{providerKey, clientKey, "redis-pass-777", "psl_wrong-key-1"} {
		if strings.Contains(logs, secret) {
			t.Errorf("the logs hold the secret %q", secret)
		}
	}
	if !strings.Contains(logs, "cache read failed") {
		t.Errorf("the Redis outage was not logged")
	}
}
