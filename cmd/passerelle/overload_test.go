package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// slowUpstream is a chatUpstream that answers after delay, as a healthy but
// slow LLM does, or not at all while hang is set.
type slowUpstream struct {
	*chatUpstream
	srv   *httptest.Server
	delay time.Duration
	hang  atomic.Bool
	stop  chan struct{} // closed at the end, to free hanging handlers
}

func newSlowUpstream(t *testing.T, delay time.Duration) *slowUpstream {
	t.Helper()
	u := &slowUpstream{chatUpstream: newChatUpstream(t, "gpt"), delay: delay, stop: make(chan struct{})}
	u.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		wait := u.delay
		if u.hang.Load() {
			wait = time.Hour
		}
		select {
		case <-time.After(wait):
		case <-r.Context().Done():
			return
		case <-u.stop:
			return
		}
		u.serve(w, r)
	}))
	t.Cleanup(func() { close(u.stop); u.srv.Close() })
	return u
}

// url is the base URL of the slow server, not of the chatUpstream it wraps.
func (u *slowUpstream) url() string { return u.srv.URL + "/v1" }

// startSlowGateway serves translations by one provider behind
// max_concurrency 1, with a 3s request deadline.
func startSlowGateway(t *testing.T, upstreamURL string) *gatewayProcess {
	t.Helper()
	cfgPath := filepath.Join(t.TempDir(), "passerelle.yaml")
	cfg := fmt.Sprintf(`server: {request_timeout: 3s, write_timeout: 10s}
translation: {provider: gpt}
summarization: {provider: extractive}
providers:
  gpt:
    type: openai
    base_url: %q
    api_key: sk-test
    model: test-model
    timeout: 2500ms
    max_concurrency: 1
    retry: {max_attempts: 1}
    breaker: {failures: 2, cooldown: 1m}
  extractive: {type: extractive}
`, upstreamURL)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return startGateway(t, map[string]string{"PASSERELLE_CONFIG": cfgPath})
}

type timedReply struct {
	status  int
	code    string
	message string
	took    time.Duration
}

func translateOnce(t *testing.T, url, text string) timedReply {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"text": text})
	client := &http.Client{Timeout: 20 * time.Second}
	began := time.Now()
	resp, err := client.Post(url+"/v1/translate", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Errorf("POST /v1/translate: %v", err)
		return timedReply{}
	}
	defer resp.Body.Close()
	var reply struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&reply)
	return timedReply{status: resp.StatusCode, code: reply.Error.Code, message: reply.Error.Message, took: time.Since(began)}
}

// TestTheGatewaysOwnQueueNeverOpensTheBreaker sends a stream of requests,
// one every 250ms, to a healthy provider that answers in about a second
// behind max_concurrency 1 and a 3s request deadline: more than it can
// serve. Those served are served, the others are refused quickly with 503
// overloaded, and the provider's breaker stays closed. A provider that
// really fails still opens it.
func TestTheGatewaysOwnQueueNeverOpensTheBreaker(t *testing.T) {
	if testing.Short() {
		t.Skip("load test")
	}
	up := newSlowUpstream(t, time.Second)
	gw := startSlowGateway(t, up.url())

	// One call first, so that the gateway knows how long a call takes.
	if r := translateOnce(t, gw.url, "Premier article : le texte de départ."); r.status != http.StatusOK {
		t.Fatalf("first request = %d %s: %s", r.status, r.code, r.message)
	}
	var mu sync.Mutex
	var replies []timedReply
	var wg sync.WaitGroup
	for i := 0; i < 24; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := translateOnce(t, gw.url, fmt.Sprintf("Article %d : le texte numéro %d de la série.", i, i))
			mu.Lock()
			replies = append(replies, r)
			mu.Unlock()
		}()
		time.Sleep(250 * time.Millisecond)
	}
	wg.Wait()

	byStatus := map[int]int{}
	for _, r := range replies {
		byStatus[r.status]++
		switch r.status {
		case http.StatusOK:
		case http.StatusServiceUnavailable:
			if r.code != "overloaded" {
				t.Errorf("503 with code %q (%s), want overloaded", r.code, r.message)
			}
			// Refused at once, or after waiting at most the deadline less a
			// typical call: never held until the deadline.
			if r.took > 2500*time.Millisecond {
				t.Errorf("an overloaded reply took %v, want it well before the 3s deadline", r.took)
			}
		case http.StatusGatewayTimeout:
			// A call cut by the request's deadline: the client is told, the
			// provider is not blamed.
		default:
			t.Errorf("reply %d %s: %s", r.status, r.code, r.message)
		}
	}
	h := healthOf(t, gw.url, "gpt")
	t.Logf("24 requests every 250ms to a 1s provider behind max_concurrency 1: %v; health %+v", byStatus, h.Health)
	if byStatus[http.StatusOK] < 3 || byStatus[http.StatusServiceUnavailable] == 0 {
		t.Errorf("replies %v: want several served and the rest refused as overloaded", byStatus)
	}
	if h.Health.Breaker != "closed" || h.Health.ErrorRate != 0 {
		t.Errorf("breaker %s, error rate %v: the gateway's own queue was blamed on the provider", h.Health.Breaker, h.Health.ErrorRate)
	}

	// A provider that hangs is cut by its own timeout (2.5s, inside the
	// request's 3s): that is its failure, and two of them open the breaker.
	up.hang.Store(true)
	for i := 0; i < 2; i++ {
		if r := translateOnce(t, gw.url, fmt.Sprintf("Article suspendu %d : le texte.", i)); r.status != http.StatusGatewayTimeout {
			t.Errorf("hanging provider: reply %d %s (%s), want 504", r.status, r.code, r.message)
		}
	}
	if h := healthOf(t, gw.url, "gpt"); h.Health.Breaker != "open" {
		t.Errorf("breaker %s after two timeouts of the provider itself, want open", h.Health.Breaker)
	}
	up.hang.Store(false)
	if r := translateOnce(t, gw.url, "Article après la panne : le texte."); r.status != http.StatusBadGateway {
		t.Errorf("with the breaker open: reply %d %s (%s), want 502", r.status, r.code, r.message)
	}
}

// TestFailingProviderStillOpensTheBreaker: errors of the provider itself
// (500s) open the breaker, queue or not.
func TestFailingProviderStillOpensTheBreaker(t *testing.T) {
	up := newSlowUpstream(t, 0)
	up.setPolicy(func(int64) fault { return faultServer })
	gw := startSlowGateway(t, up.url())
	for i := 0; i < 2; i++ {
		if r := translateOnce(t, gw.url, fmt.Sprintf("Article en panne %d : le texte.", i)); r.status != http.StatusBadGateway {
			t.Errorf("failing provider: reply %d %s (%s), want 502", r.status, r.code, r.message)
		}
	}
	if h := healthOf(t, gw.url, "gpt"); h.Health.Breaker != "open" {
		t.Errorf("breaker %s after two 500s, want open", h.Health.Breaker)
	}
}
