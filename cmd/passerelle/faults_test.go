package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"passerelle/internal/testenv"
)

// fault is how the fake upstream answers one call.
type fault string

const (
	faultNone      fault = ""
	faultRateLimit fault = "429"  // 429 with Retry-After: 1
	faultServer    fault = "500"  // 500 server_error
	faultAuth      fault = "401"  // 401 invalid_api_key: not retryable
	faultHang      fault = "hang" // no answer before the client's timeout
)

// chatUpstream is an OpenAI-compatible chat completions server that
// translates by marking each segment with its name, and injects the faults
// its policy chooses. It counts calls per segment so that a test can tell
// retries apart.
type chatUpstream struct {
	name   string
	srv    *httptest.Server
	policy atomic.Pointer[func(call int64) fault]

	calls   atomic.Int64
	mu      sync.Mutex
	bySeg   map[string]int
	byFault map[fault]int
	release chan struct{} // closed at the end, to free hanging handlers
}

func newChatUpstream(t *testing.T, name string) *chatUpstream {
	t.Helper()
	u := &chatUpstream{name: name, bySeg: map[string]int{}, byFault: map[fault]int{}, release: make(chan struct{})}
	u.setPolicy(func(int64) fault { return faultNone })
	u.srv = httptest.NewServer(http.HandlerFunc(u.serve))
	t.Cleanup(func() { close(u.release); u.srv.Close() })
	return u
}

func (u *chatUpstream) setPolicy(p func(call int64) fault) { u.policy.Store(&p) }

func (u *chatUpstream) url() string { return u.srv.URL + "/v1" }

func (u *chatUpstream) serve(w http.ResponseWriter, r *http.Request) {
	model, segments, ok := readSegments(w, r)
	if !ok {
		return
	}
	call := u.calls.Add(1)
	f := (*u.policy.Load())(call)
	u.mu.Lock()
	for _, s := range segments {
		u.bySeg[s]++
	}
	u.byFault[f]++
	u.mu.Unlock()

	switch f {
	case faultRateLimit:
		w.Header().Set("Retry-After", "1")
		testenv.WriteOpenAIError(w, http.StatusTooManyRequests, "requests", "rate_limit_exceeded", "Rate limit reached for requests")
		return
	case faultServer:
		testenv.WriteOpenAIError(w, http.StatusInternalServerError, "server_error", "", "The server had an error while processing your request.")
		return
	case faultAuth:
		testenv.WriteOpenAIError(w, http.StatusUnauthorized, "invalid_request_error", "invalid_api_key", "Incorrect API key provided.")
		return
	case faultHang:
		select {
		case <-r.Context().Done():
		case <-u.release:
		}
		return
	}
	out := make([]string, len(segments))
	for i, s := range segments {
		out[i] = u.name + ": " + s
	}
	writeTranslations(w, model, out)
}

func (u *chatUpstream) callsFor(segment string) int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.bySeg[segment]
}

func (u *chatUpstream) faults() map[fault]int {
	u.mu.Lock()
	defer u.mu.Unlock()
	out := map[fault]int{}
	for k, v := range u.byFault {
		out[k] = v
	}
	return out
}

func writeConfig(t *testing.T, path, primary string, urls map[string]string) {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "translation: {provider: %s, fallbacks: [%s]}\n", primary, otherOf(primary))
	b.WriteString("summarization: {provider: extractive}\nproviders:\n")
	for _, name := range []string{"primary", "backup"} {
		fmt.Fprintf(&b, "  %s:\n    type: openai\n    base_url: %q\n    api_key: sk-test-%s\n    model: test-model\n", name, urls[name], name)
		b.WriteString("    timeout: 300ms\n    max_concurrency: 16\n")
		b.WriteString("    retry: {max_attempts: 3, budget: 5s, max_retry_after: 2s}\n")
		b.WriteString("    breaker: {failures: 5, cooldown: 500ms}\n")
	}
	b.WriteString("  extractive: {type: extractive}\n")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
}

func otherOf(name string) string {
	if name == "primary" {
		return "backup"
	}
	return "primary"
}

type loadResult struct {
	sent, ok int
	failures map[int]int // by status
	servedBy map[string]int
}

// drive sends n distinct articles to /v1/translate, concurrency at a time,
// and counts the answers. Every article is new, so none is a cache hit.
func drive(t *testing.T, url, prefix string, n, concurrency int) loadResult {
	t.Helper()
	res := loadResult{failures: map[int]int{}, servedBy: map[string]int{}}
	var mu sync.Mutex
	jobs := make(chan int)
	var wg sync.WaitGroup
	client := &http.Client{Timeout: 30 * time.Second}
	for w := 0; w < concurrency; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				body, _ := json.Marshal(map[string]string{"text": fmt.Sprintf("%s article %d : le texte numéro %d.", prefix, i, i)})
				resp, err := client.Post(url+"/v1/translate", "application/json", bytes.NewReader(body))
				status := 0
				var reply struct {
					Provider struct {
						Translation string `json:"translation"`
					} `json:"provider"`
				}
				if err == nil {
					status = resp.StatusCode
					_ = json.NewDecoder(resp.Body).Decode(&reply)
					resp.Body.Close()
				}
				mu.Lock()
				res.sent++
				if status == http.StatusOK {
					res.ok++
					res.servedBy[reply.Provider.Translation]++
				} else {
					res.failures[status]++
				}
				mu.Unlock()
			}
		}()
	}
	for i := 0; i < n; i++ {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	return res
}

type providerHealth struct {
	Name   string `json:"name"`
	Health struct {
		Breaker     string  `json:"breaker"`
		ErrorRate   float64 `json:"recent_error_rate"`
		Rejected    uint64  `json:"rejected_by_breaker"`
		Transitions uint64  `json:"breaker_transitions"`
	} `json:"health"`
}

func healthOf(t *testing.T, url, name string) providerHealth {
	t.Helper()
	resp, err := http.Get(url + "/v1/providers")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Providers []providerHealth `json:"providers"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	for _, p := range body.Providers {
		if p.Name == name {
			return p
		}
	}
	t.Fatalf("provider %s not listed", name)
	return providerHealth{}
}

// TestFaultsAreInvisibleWhileAFallbackAnswers drives the real gateway while
// its primary provider rate-limits, fails, hangs and refuses its key for a
// share of calls, then goes down, then recovers.
func TestFaultsAreInvisibleWhileAFallbackAnswers(t *testing.T) {
	if testing.Short() {
		t.Skip("load test")
	}
	primary, backup := newChatUpstream(t, "primary"), newChatUpstream(t, "backup")
	cfgPath := filepath.Join(t.TempDir(), "passerelle.yaml")
	writeConfig(t, cfgPath, "primary", map[string]string{"primary": primary.url(), "backup": backup.url()})
	gw := startGateway(t, map[string]string{"PASSERELLE_CONFIG": cfgPath})

	// Phase 1: 35% of the primary's calls fail, in each way, spread out so
	// that the breaker stays closed and the retry loop does the work.
	primary.setPolicy(func(call int64) fault {
		switch call % 20 {
		case 1, 7:
			return faultRateLimit
		case 4, 10, 19:
			return faultServer
		case 13:
			return faultHang
		case 16:
			return faultAuth
		}
		return faultNone
	})
	mixed := drive(t, gw.url, "mixed", 200, 8)
	t.Logf("mixed faults: sent %d, ok %d, failed %v, served by %v; primary calls %d %v, backup calls %d",
		mixed.sent, mixed.ok, mixed.failures, mixed.servedBy, primary.calls.Load(), primary.faults(), backup.calls.Load())
	if mixed.ok != mixed.sent {
		t.Errorf("clients saw %d failures (%v), want 0 while the backup answers", mixed.sent-mixed.ok, mixed.failures)
	}
	// Retries recover the transient faults: the primary serves most, the
	// backup the articles whose key was refused or whose retries ran out.
	if mixed.servedBy["primary"] < mixed.sent/2 || mixed.servedBy["backup"] == 0 {
		t.Errorf("served by %v: want most by the primary (after retries), some by the backup", mixed.servedBy)
	}

	// A refused key is not retried: each article the primary refused with
	// 401 reached it exactly once and was then served by the backup.
	primary.setPolicy(func(int64) fault { return faultAuth })
	auth := drive(t, gw.url, "auth", 4, 1)
	for i := 0; i < 4; i++ {
		seg := fmt.Sprintf("auth article %d : le texte numéro %d.", i, i)
		if got := primary.callsFor(seg); got > 1 {
			t.Errorf("a 401 was retried: %q reached the primary %d times", seg, got)
		}
	}
	if auth.ok != auth.sent {
		t.Errorf("401 phase: %d failures", auth.sent-auth.ok)
	}

	// Phase 2: the primary is down. The breaker opens and the route goes
	// straight to the backup.
	primary.setPolicy(func(int64) fault { return faultServer })
	down := drive(t, gw.url, "down", 100, 4)
	h := healthOf(t, gw.url, "primary")
	callsWhileDown := primary.faults()[faultServer]
	t.Logf("primary down: sent %d, ok %d, failed %v; breaker %s, rejected %d, transitions %d",
		down.sent, down.ok, down.failures, h.Health.Breaker, h.Health.Rejected, h.Health.Transitions)
	if down.ok != down.sent {
		t.Errorf("clients saw %d failures with the primary down", down.sent-down.ok)
	}
	if h.Health.Rejected == 0 {
		t.Errorf("the breaker never rejected a call: health %+v", h.Health)
	}

	// Phase 3: the primary recovers; after the cooldown a probe closes the
	// breaker and traffic returns to it.
	primary.setPolicy(func(int64) fault { return faultNone })
	deadline := time.Now().Add(10 * time.Second)
	var back loadResult
	for time.Now().Before(deadline) {
		back = drive(t, gw.url, fmt.Sprintf("back-%d", time.Now().UnixNano()), 10, 2)
		if back.servedBy["primary"] > 0 && healthOf(t, gw.url, "primary").Health.Breaker == "closed" {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	h = healthOf(t, gw.url, "primary")
	t.Logf("primary back: breaker %s after %d transitions; %d server errors seen while down",
		h.Health.Breaker, h.Health.Transitions, callsWhileDown)
	if h.Health.Breaker != "closed" || h.Health.Transitions < 3 {
		t.Errorf("breaker %s after %d transitions, want closed after open, half-open, closed", h.Health.Breaker, h.Health.Transitions)
	}
	if back.failures[0]+back.failures[502]+back.failures[504] > 0 {
		t.Errorf("failures after recovery: %v", back.failures)
	}
}

// TestReloadUnderLoad switches the translation route with SIGHUP while
// requests flow: none may fail, and the new route serves afterwards.
func TestReloadUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("load test")
	}
	primary, backup := newChatUpstream(t, "primary"), newChatUpstream(t, "backup")
	urls := map[string]string{"primary": primary.url(), "backup": backup.url()}
	cfgPath := filepath.Join(t.TempDir(), "passerelle.yaml")
	writeConfig(t, cfgPath, "primary", urls)
	gw := startGateway(t, map[string]string{"PASSERELLE_CONFIG": cfgPath})

	done := make(chan loadResult)
	go func() { done <- drive(t, gw.url, "reload", 300, 8) }()
	time.Sleep(50 * time.Millisecond)
	writeConfig(t, cfgPath, "backup", urls)
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	// An invalid file is refused and the running configuration stays.
	time.Sleep(50 * time.Millisecond)
	if err := os.WriteFile(cfgPath, []byte("translation: {provider: nowhere}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	res := <-done
	t.Logf("reload under load: sent %d, ok %d, failed %v, served by %v", res.sent, res.ok, res.failures, res.servedBy)
	if res.ok != res.sent {
		t.Errorf("%d requests failed during the reload: %v", res.sent-res.ok, res.failures)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(gw.logs.String(), "configuration reload refused") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.Contains(gw.logs.String(), "configuration reload refused") {
		t.Errorf("the invalid configuration was not reported")
	}
	after := drive(t, gw.url, "after", 5, 1)
	if after.servedBy["backup"] != 5 {
		t.Errorf("after the reload, served by %v; want the backup (the invalid file must not have replaced it)", after.servedBy)
	}
}

// TestQuotaExceededFallsBackWithoutRetry puts DeepL first: when it answers
// 456 (quota exceeded), each article reaches it once and is served by the
// fallback.
func TestQuotaExceededFallsBackWithoutRetry(t *testing.T) {
	var deeplCalls atomic.Int64
	var quotaLeft atomic.Int64
	quotaLeft.Store(3)
	deeplFake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v2/translate" || !strings.HasPrefix(r.Header.Get("Authorization"), "DeepL-Auth-Key ") {
			http.Error(w, `{"message":"Forbidden"}`, http.StatusForbidden)
			return
		}
		deeplCalls.Add(1)
		var req struct {
			Text []string `json:"text"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, `{"message":"Bad request"}`, http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		if quotaLeft.Add(-1) < 0 {
			w.WriteHeader(456)
			_, _ = w.Write([]byte(`{"message":"Quota exceeded. The character limit has been reached."}`))
			return
		}
		out := make([]map[string]any, len(req.Text))
		for i, s := range req.Text {
			out[i] = map[string]any{"detected_source_language": "FR", "text": "deepl: " + s, "billed_characters": len([]rune(s))}
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"translations": out})
	}))
	t.Cleanup(deeplFake.Close)
	backup := newChatUpstream(t, "backup")

	cfgPath := filepath.Join(t.TempDir(), "passerelle.yaml")
	cfg := fmt.Sprintf(`translation: {provider: deepl, fallbacks: [backup]}
summarization: {provider: extractive}
providers:
  deepl: {type: deepl, api_key: "test-key:fx", base_url: %q, timeout: 2s}
  backup: {type: openai, base_url: %q, api_key: sk-test, model: test-model, timeout: 2s}
  extractive: {type: extractive}
`, deeplFake.URL, backup.url())
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	gw := startGateway(t, map[string]string{"PASSERELLE_CONFIG": cfgPath})
	res := drive(t, gw.url, "quota", 10, 1)
	t.Logf("quota exceeded: sent %d, ok %d, served by %v, DeepL calls %d", res.sent, res.ok, res.servedBy, deeplCalls.Load())
	if res.ok != res.sent {
		t.Errorf("%d requests failed: %v", res.sent-res.ok, res.failures)
	}
	if res.servedBy["deepl"] != 3 || res.servedBy["backup"] != 7 {
		t.Errorf("served by %v, want 3 by deepl then 7 by the backup", res.servedBy)
	}
	// 3 successes, then one call per article until the breaker opens after
	// 5 refusals: a 456 is never retried.
	if got := deeplCalls.Load(); got != 8 {
		t.Errorf("DeepL calls = %d, want 8 (3 served, 5 refused once each, then the breaker)", got)
	}
}
