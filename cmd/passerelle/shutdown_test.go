package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"
)

// reply is what a client got: its status, body and when it came, or the
// error that took its place.
type reply struct {
	status     int
	retryAfter string
	body       []byte
	err        error
	at         time.Time
}

// send posts body to path in the background.
func send(url, path, body string) <-chan reply {
	out := make(chan reply, 1)
	go func() {
		resp, err := http.Post(url+path, "application/json", strings.NewReader(body))
		if err != nil {
			out <- reply{err: err, at: time.Now()}
			return
		}
		defer resp.Body.Close()
		r := reply{status: resp.StatusCode, retryAfter: resp.Header.Get("Retry-After")}
		r.body, r.err = io.ReadAll(resp.Body)
		r.at = time.Now()
		out <- r
	}()
	return out
}

type shutdownBatch struct {
	Results []struct {
		Status int `json:"status"`
		Error  *struct {
			Code string `json:"code"`
		} `json:"error"`
	} `json:"results"`
	Succeeded int `json:"succeeded"`
	Failed    int `json:"failed"`
}

// slowConfig routes translation to a stand-in of upstream's address.
func slowConfig(upstream *englishUpstream) string {
	// One failure would open the breaker: a cut call must not count as one.
	return fmt.Sprintf(`translation: {provider: slow}
summarization: {provider: extractive}
providers:
  slow: {type: openai, base_url: %q, api_key: sk-test, model: test-model, timeout: 60s, breaker: {failures: 1, cooldown: 60s}}
  extractive: {type: extractive}
server: {shutdown_grace: 3s, batch_concurrency: 2}
`, upstream.url())
}

func batchOf(n int, nonce string) string {
	articles := make([]string, n)
	for i := range articles {
		articles[i] = fmt.Sprintf(`{"text": "Article %d du lot %s : le sommet s'est achevé jeudi à Vladivostok."}`, i, nonce)
	}
	return `{"task": "translate", "articles": [` + strings.Join(articles, ", ") + `]}`
}

// TestShutdownAnswersALongBatch stops the gateway while a batch longer than
// the shutdown grace is under way: the articles in flight finish, the
// others are not started, and the client gets, before the process exits, a
// 200 with every finished article and 503 shutting_down for the rest.
func TestShutdownAnswersALongBatch(t *testing.T) {
	upstream := newEnglishUpstream(t, time.Second)
	g := startBinaryWithConfig(t, slowConfig(upstream))
	const articles = 10 // 5 s at 2 at a time: longer than the 3 s grace
	pending := send(g.url, "/v1/batch", batchOf(articles, lettersOnly(time.Now().UnixNano())))
	// SIGTERM once the first two articles are done and two more started
	// (the next two start a second later).
	for deadline := time.Now().Add(10 * time.Second); upstream.calls.Load() < 4; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the batch did not reach its fourth article:\n%s", g.logs)
		}
	}
	sent := time.Now()
	if err := g.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	r := <-pending
	exited := g.exitedBy(t, 10*time.Second)
	if r.err != nil || r.status != http.StatusOK {
		t.Fatalf("batch cut by shutdown = %d, %v: %s\n%s", r.status, r.err, r.body, g.logs)
	}
	if r.at.After(exited) {
		t.Errorf("the reply came after the process exited")
	}
	var got shutdownBatch
	if err := json.Unmarshal(r.body, &got); err != nil {
		t.Fatalf("reply is not JSON: %v: %s", err, r.body)
	}
	if len(got.Results) != articles || got.Succeeded != 4 || got.Failed != articles-4 {
		t.Errorf("%d results, %d succeeded, %d failed; want %d with the 4 started before SIGTERM translated and the rest refused: %s",
			len(got.Results), got.Succeeded, got.Failed, articles, r.body)
	}
	for i, res := range got.Results {
		if res.Status != http.StatusOK && (res.Status != http.StatusServiceUnavailable || res.Error == nil || res.Error.Code != "shutting_down") {
			t.Errorf("article %d: status %d, error %+v; want 200 or 503 shutting_down", i, res.Status, res.Error)
		}
	}
	// The articles in flight finish; none is started after SIGTERM.
	if calls := upstream.calls.Load(); calls != 4 {
		t.Errorf("the provider was called %d times; want the 4 articles started before SIGTERM", calls)
	}
	t.Logf("batch answered %s after SIGTERM; process exited %s after it", r.at.Sub(sent).Round(time.Millisecond), exited.Sub(r.at).Round(time.Millisecond))
}

// TestShutdownCutsWorkLongerThanTheGrace stops the gateway while requests
// wait on a provider slower than the grace: a little before the grace ends
// they are cut, and each client gets 503 shutting_down (a batch, 200 with
// it for every article), never an empty reply; the cut calls do not count
// against the provider's breaker.
func TestShutdownCutsWorkLongerThanTheGrace(t *testing.T) {
	upstream := newEnglishUpstream(t, 30*time.Second)
	g := startBinaryWithConfig(t, slowConfig(upstream))
	nonce := lettersOnly(time.Now().UnixNano())
	single := send(g.url, "/v1/translate", `{"text": "Un article seul `+nonce+` : le sommet s'est achevé jeudi."}`)
	batch := send(g.url, "/v1/batch", batchOf(3, nonce))
	for deadline := time.Now().Add(10 * time.Second); upstream.calls.Load() < 3; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the requests did not reach the provider:\n%s", g.logs)
		}
	}
	sent := time.Now()
	if err := g.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	s, b := <-single, <-batch
	exited := g.exitedBy(t, 10*time.Second)
	if s.err != nil || s.status != http.StatusServiceUnavailable || !strings.Contains(string(s.body), `"shutting_down"`) || s.retryAfter == "" {
		t.Errorf("single request cut by shutdown = %d (Retry-After %q), %v: %s; want 503 shutting_down with Retry-After", s.status, s.retryAfter, s.err, s.body)
	}
	if b.err != nil || b.status != http.StatusOK {
		t.Fatalf("batch cut by shutdown = %d, %v: %s", b.status, b.err, b.body)
	}
	var got shutdownBatch
	if err := json.Unmarshal(b.body, &got); err != nil {
		t.Fatalf("reply is not JSON: %v: %s", err, b.body)
	}
	if len(got.Results) != 3 || got.Failed != 3 {
		t.Errorf("batch: %s; want 3 articles refused", b.body)
	}
	for i, res := range got.Results {
		if res.Status != http.StatusServiceUnavailable || res.Error == nil || res.Error.Code != "shutting_down" {
			t.Errorf("article %d: status %d, error %+v; want 503 shutting_down", i, res.Status, res.Error)
		}
	}
	if s.at.After(exited) || b.at.After(exited) {
		t.Errorf("a reply came after the process exited")
	}
	if since := s.at.Sub(sent); since < 1500*time.Millisecond || since > 3*time.Second {
		t.Errorf("the single request was answered %s after SIGTERM; want shortly before the 3s grace ends", since)
	}
	if logs := g.logs.String(); strings.Contains(logs, "circuit breaker") {
		t.Errorf("the cut calls moved the provider's breaker:\n%s", logs)
	}
}
