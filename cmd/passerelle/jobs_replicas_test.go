package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"passerelle/internal/testenv"
)

// replicasConfig is the configuration of gateways sharing redis and the
// stand-in upstream, with workers workers each.
func replicasConfig(upstream *englishUpstream, redisURL string, workers int) string {
	return fmt.Sprintf(`translation: {provider: llm}
summarization: {provider: extractive}
providers:
  llm: {type: openai, base_url: %q, api_key: sk-test, model: test-model, timeout: 5s}
  extractive: {type: extractive}
cache: {backend: redis, redis: {url: %q, read_timeout: 3s, write_timeout: 3s}, operation_timeout: 5s}
jobs: {workers: %d, visibility_timeout: 2s}
`, upstream.url(), redisURL, workers)
}

func submitJob(t *testing.T, c jobsClient, n int) string {
	t.Helper()
	var arts []map[string]string
	stamp := time.Now().UnixNano()
	for i := range n {
		arts = append(arts, map[string]string{"text": fmt.Sprintf("Article %d-%d : le sommet a eu lieu hier soir à Vladivostok.", stamp, i)})
	}
	st, _, body := c.do("POST", "/v1/jobs", map[string]any{"task": "translate", "articles": arts})
	if st != 202 {
		t.Fatalf("POST /v1/jobs: %d %s", st, body)
	}
	var j jobReply
	_ = json.Unmarshal(body, &j)
	return j.ID
}

// resultsOnce checks that each of the n articles of job id has exactly one
// result, a success.
func resultsOnce(t *testing.T, c jobsClient, id string, n int) {
	t.Helper()
	st, _, body := c.do("GET", "/v1/jobs/"+id+"/results", nil)
	if st != 200 {
		t.Fatalf("results: %d %s", st, body)
	}
	lines := strings.Split(strings.TrimSpace(string(body)), "\n")
	seen := map[int]bool{}
	for _, l := range lines {
		var r struct {
			Index  int `json:"index"`
			Status int `json:"status"`
		}
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		if seen[r.Index] {
			t.Fatalf("article %d has two results", r.Index)
		}
		if r.Status != 200 {
			t.Fatalf("article %d failed: %s", r.Index, l)
		}
		seen[r.Index] = true
	}
	if len(seen) != n {
		t.Fatalf("%d results for %d articles", len(seen), n)
	}
}

func waitDone(t *testing.T, c jobsClient, id string, atLeast int) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if j := c.job(id); j.Done >= atLeast {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("fewer than %d articles done after 30s", atLeast)
		}
	}
}

// A job on two replicas, one SIGKILLed mid-job and a new one started: the
// job finishes, every article has exactly one result, and the provider is
// called for no more than the articles and those in flight at the kill.
func TestJobSurvivesAKilledReplica(t *testing.T) {
	upstream := newEnglishUpstream(t, 150*time.Millisecond)
	redisURL := testenv.StartRedis(t).URL()
	cfg := replicasConfig(upstream, redisURL, 2)
	a, b := startBinaryWithConfig(t, cfg), startBinaryWithConfig(t, cfg)
	const n = 40
	id := submitJob(t, jobsClient{t, a.url, ""}, n)
	cb := jobsClient{t, b.url, ""}
	waitDone(t, cb, id, 8)
	if err := a.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-a.exited
	startBinaryWithConfig(t, cfg)
	final := cb.wait(id, 60*time.Second)
	if final.Status != "done" || final.Done != n {
		t.Fatalf("after the kill: %+v", final)
	}
	resultsOnce(t, cb, id, n)
	// The killed replica's 2 workers held at most 2 articles.
	if calls := upstream.calls.Load(); calls > n+2 {
		t.Fatalf("%d provider calls for %d articles and at most 2 in flight at the kill", calls, n)
	}
}

// SIGTERM on a replica: its workers take nothing more and finish what they
// hold; the other replica does the rest; nothing is lost or done twice.
func TestJobSurvivesASIGTERMedReplica(t *testing.T) {
	upstream := newEnglishUpstream(t, 300*time.Millisecond)
	redisURL := testenv.StartRedis(t).URL()
	cfg := replicasConfig(upstream, redisURL, 2)
	a, b := startBinaryWithConfig(t, cfg), startBinaryWithConfig(t, cfg)
	const n = 20
	id := submitJob(t, jobsClient{t, a.url, ""}, n)
	cb := jobsClient{t, b.url, ""}
	waitDone(t, cb, id, 4)
	if err := a.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	a.exitedBy(t, 20*time.Second)
	final := cb.wait(id, 60*time.Second)
	if final.Status != "done" || final.Done != n {
		t.Fatalf("after SIGTERM: %+v", final)
	}
	resultsOnce(t, cb, id, n)
	if calls := upstream.calls.Load(); calls != n {
		t.Fatalf("%d provider calls for %d articles: an article held at SIGTERM was done twice or lost", calls, n)
	}
}
