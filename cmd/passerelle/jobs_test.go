package main

import (
	"bufio"
	"bytes"
	"context"
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

// jobsClient calls the jobs API of gw with key.
type jobsClient struct {
	t   *testing.T
	url string
	key string
}

func (c jobsClient) do(method, path string, body any, header ...string) (int, http.Header, []byte) {
	c.t.Helper()
	var r *bytes.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		r = bytes.NewReader(raw)
	} else {
		r = bytes.NewReader(nil)
	}
	req, _ := http.NewRequest(method, c.url+path, r)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+c.key)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return roundTrip(c.t, req)
}

type jobReply struct {
	ID       string `json:"id"`
	Status   string `json:"status"`
	Total    int    `json:"total"`
	Done     int    `json:"done"`
	Failed   int    `json:"failed"`
	Finished *time.Time
	Links    map[string]string `json:"links"`
}

func (c jobsClient) job(id string) jobReply {
	c.t.Helper()
	st, _, body := c.do("GET", "/v1/jobs/"+id, nil)
	if st != 200 {
		c.t.Fatalf("GET job: %d %s", st, body)
	}
	var j jobReply
	_ = json.Unmarshal(body, &j)
	return j
}

func (c jobsClient) wait(id string, within time.Duration) jobReply {
	c.t.Helper()
	deadline := time.Now().Add(within)
	for {
		j := c.job(id)
		if j.Status == "done" || j.Status == "failed" || j.Status == "cancelled" {
			return j
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("job still %s after %s: %+v", j.Status, within, j)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

type sseEvent struct{ event, id, data string }

// events reads the job's event stream to its end.
func (c jobsClient) events(id, lastEventID string) ([]sseEvent, http.Header) {
	c.t.Helper()
	req, _ := http.NewRequest("GET", c.url+"/v1/jobs/"+id+"/events", nil)
	req.Header.Set("Authorization", "Bearer "+c.key)
	if lastEventID != "" {
		req.Header.Set("Last-Event-ID", lastEventID)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	resp, err := http.DefaultClient.Do(req.WithContext(ctx))
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		c.t.Fatalf("events: %d", resp.StatusCode)
	}
	var out []sseEvent
	var cur sseEvent
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if cur.event != "" {
				out = append(out, cur)
			}
			cur = sseEvent{}
		case strings.HasPrefix(line, "event: "):
			cur.event = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "id: "):
			cur.id = strings.TrimPrefix(line, "id: ")
		case strings.HasPrefix(line, "data: "):
			cur.data = strings.TrimPrefix(line, "data: ")
		}
	}
	return out, resp.Header
}

func writeJobsConfig(t *testing.T, cfg string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "passerelle.yaml")
	if err := os.WriteFile(p, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// A job through the HTTP API, over real Apertium, on each backend: its
// articles translated, its results paged, its events resumed, and another
// key kept out.
func TestJobEndToEnd(t *testing.T) {
	apertium := testenv.ApertiumURL(t)
	for _, backend := range []string{"memory", "redis"} {
		t.Run(backend, func(t *testing.T) {
			alice, bob := fmt.Sprintf("psl_alice-%d", time.Now().UnixNano()), fmt.Sprintf("psl_bob-%d", time.Now().UnixNano())
			cache := "cache: {backend: memory}"
			if backend == "redis" {
				cache = fmt.Sprintf("cache: {backend: redis, redis: {url: %q, read_timeout: 3s, write_timeout: 3s}, operation_timeout: 5s}", testenv.StartRedis(t).URL())
			}
			cfg := fmt.Sprintf("%s\nauth:\n  enabled: true\n  keys:\n    - {name: alice, sha256: %s}\n    - {name: bob, sha256: %s}\njobs: {workers: 2}\n",
				cache, hashKey(alice), hashKey(bob))
			gw := startGateway(t, map[string]string{"PASSERELLE_CONFIG": writeJobsConfig(t, cfg), "APERTIUM_URL": apertium})
			a, b := jobsClient{t, gw.url, alice}, jobsClient{t, gw.url, bob}
			stamp := time.Now().UnixNano()
			texts := []string{
				fmt.Sprintf("Le président a rencontré les ministres %d.\n\nLa réunion a duré trois heures.", stamp),
				fmt.Sprintf("Le gouvernement a annoncé une nouvelle loi %d.", stamp),
				fmt.Sprintf("La ville prépare les élections municipales %d.", stamp),
			}
			arts := []map[string]string{{"text": texts[0]}, {"text": texts[1], "title": "Une loi"}, {"text": texts[2]}}
			st, header, body := a.do("POST", "/v1/jobs", map[string]any{"task": "translate", "articles": arts})
			if st != http.StatusAccepted {
				t.Fatalf("POST /v1/jobs: %d %s", st, body)
			}
			var j jobReply
			_ = json.Unmarshal(body, &j)
			if j.Status != "queued" || j.Total != 3 || header.Get("Location") != "/v1/jobs/"+j.ID || j.Links["results"] != "/v1/jobs/"+j.ID+"/results" {
				t.Fatalf("202: %s, Location %q", body, header.Get("Location"))
			}
			if st, _, body := b.do("GET", "/v1/jobs/"+j.ID, nil); st != 404 || !strings.Contains(string(body), `"not_found"`) {
				t.Fatalf("another key: %d %s", st, body)
			}
			if st, _, _ := b.do("GET", "/v1/jobs/"+j.ID+"/results", nil); st != 404 {
				t.Fatalf("another key's results: %d", st)
			}
			if st, _, _ := b.do("DELETE", "/v1/jobs/"+j.ID, nil); st != 404 {
				t.Fatalf("another key cancels: %d", st)
			}

			evs, h := a.events(j.ID, "")
			if h.Get("X-Accel-Buffering") != "no" || !strings.HasPrefix(h.Get("Content-Type"), "text/event-stream") {
				t.Fatalf("event headers: %v", h)
			}
			var articleIDs []string
			for _, ev := range evs {
				if ev.event == "article" {
					articleIDs = append(articleIDs, ev.id)
				}
			}
			last := evs[len(evs)-1]
			if len(articleIDs) != 3 || last.event != "end" || !strings.Contains(last.data, `"status":"done"`) {
				t.Fatalf("events: %+v", evs)
			}
			// Resume after the first article: the two others and the end,
			// not the first again.
			rest, _ := a.events(j.ID, articleIDs[0])
			var again int
			for _, ev := range rest {
				if ev.event == "article" {
					again++
					if ev.id == articleIDs[0] {
						t.Fatalf("resumed stream repeats %s", ev.id)
					}
				}
			}
			if again != 2 || rest[len(rest)-1].event != "end" {
				t.Fatalf("resumed: %+v", rest)
			}

			done := a.job(j.ID)
			if done.Status != "done" || done.Done != 3 || done.Failed != 0 {
				t.Fatalf("job: %+v", done)
			}
			st, h, body = a.do("GET", "/v1/jobs/"+j.ID+"/results", nil)
			if st != 200 || h.Get("Content-Type") != "application/x-ndjson" {
				t.Fatalf("results: %d %v", st, h)
			}
			lines := strings.Split(strings.TrimSpace(string(body)), "\n")
			seen := map[int]bool{}
			for _, l := range lines {
				var r struct {
					Index  int `json:"index"`
					Status int `json:"status"`
					Result struct {
						Translation struct{ Text string } `json:"translation"`
						Provider    map[string]string     `json:"provider"`
					} `json:"result"`
				}
				if err := json.Unmarshal([]byte(l), &r); err != nil {
					t.Fatalf("line %q: %v", l, err)
				}
				seen[r.Index] = true
				en := strings.ToLower(r.Result.Translation.Text)
				if r.Status != 200 || r.Result.Provider["translation"] != "apertium" || !strings.Contains(en, "the") || !strings.Contains(en, fmt.Sprint(stamp)) {
					t.Fatalf("line %s", l)
				}
			}
			if len(lines) != 3 || len(seen) != 3 {
				t.Fatalf("%d lines for 3 articles: %s", len(lines), body)
			}
			_, _, page := a.do("GET", "/v1/jobs/"+j.ID+"/results?after=2", nil)
			if got := strings.TrimSpace(string(page)); got != lines[2] {
				t.Fatalf("after=2: %q, want the third line", got)
			}
			if st, _, _ := a.do("GET", "/v1/jobs/"+j.ID+"/results?after=-1", nil); st != 400 {
				t.Fatalf("after=-1: %d", st)
			}
			if st, _, body := a.do("DELETE", "/v1/jobs/"+j.ID, nil); st != 409 || !strings.Contains(string(body), "job_finished") {
				t.Fatalf("cancel a finished job: %d %s", st, body)
			}
			// The same article alone is now a cache hit: paid once.
			reply, xcache := postArticleKey(t, gw.url, alice, texts[1])
			if xcache != "HIT" {
				t.Fatalf("the article of a finished job, asked alone: X-Cache %q (%+v)", xcache, reply)
			}
			// The operator sees the workers' articles in the metrics.
			if m := get(t, gw.url+"/metrics"); !strings.Contains(m, `passerelle_job_articles_total{outcome="done"} 3`) ||
				!strings.Contains(m, "passerelle_job_article_duration_seconds_count 3") || !strings.Contains(m, "passerelle_job_workers_busy 0") {
				t.Fatalf("/metrics lacks the job articles (3 done, none busy):\n%s", grepLines(m, "passerelle_job_"))
			}
			ready := get(t, gw.url+"/readyz")
			if backend == "memory" && !strings.Contains(ready, "do not survive a restart") {
				t.Fatalf("/readyz with the memory cache: %s", ready)
			}
			if backend == "redis" && !strings.Contains(ready, "kept in Redis") {
				t.Fatalf("/readyz with Redis: %s", ready)
			}
		})
	}
}

func postArticleKey(t *testing.T, url, key, text string) (string, string) {
	t.Helper()
	raw, _ := json.Marshal(map[string]string{"text": text})
	req, _ := http.NewRequest("POST", url+"/v1/translate", bytes.NewReader(raw))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+key)
	st, h, body := roundTrip(t, req)
	if st != 200 {
		t.Fatalf("translate: %d %s", st, body)
	}
	return string(body), h.Get("X-Cache")
}

// Cancelling a job sends nothing more upstream: the provider sees only the
// articles in flight at the cancel.
func TestJobCancelSendsNothingMore(t *testing.T) {
	for _, backend := range []string{"memory", "redis"} {
		t.Run(backend, func(t *testing.T) {
			upstream := newEnglishUpstream(t, 300*time.Millisecond)
			cache := "cache: {backend: memory}"
			if backend == "redis" {
				cache = fmt.Sprintf("cache: {backend: redis, redis: {url: %q, read_timeout: 3s, write_timeout: 3s}, operation_timeout: 5s}", testenv.StartRedis(t).URL())
			}
			cfg := fmt.Sprintf(`translation: {provider: llm}
summarization: {provider: extractive}
providers:
  llm: {type: openai, base_url: %q, api_key: sk-test, model: test-model, timeout: 5s}
  extractive: {type: extractive}
%s
jobs: {workers: 2}
`, upstream.url(), cache)
			gw := startGateway(t, map[string]string{"PASSERELLE_CONFIG": writeJobsConfig(t, cfg)})
			c := jobsClient{t, gw.url, ""}
			var arts []map[string]string
			for i := range 30 {
				arts = append(arts, map[string]string{"text": fmt.Sprintf("Article %d-%d : le sommet a eu lieu hier soir.", time.Now().UnixNano(), i)})
			}
			st, _, body := c.do("POST", "/v1/jobs", map[string]any{"task": "translate", "articles": arts})
			if st != 202 {
				t.Fatalf("%d %s", st, body)
			}
			var j jobReply
			_ = json.Unmarshal(body, &j)
			deadline := time.Now().Add(10 * time.Second)
			for upstream.calls.Load() < 2 && time.Now().Before(deadline) {
				time.Sleep(10 * time.Millisecond)
			}
			st, _, body = c.do("DELETE", "/v1/jobs/"+j.ID, nil)
			if st != 200 || !strings.Contains(string(body), `"cancelled"`) {
				t.Fatalf("cancel: %d %s", st, body)
			}
			atCancel := upstream.calls.Load()
			time.Sleep(1500 * time.Millisecond)
			after := upstream.calls.Load()
			// Two workers: at most the two articles they held.
			if after > atCancel+2 || after > 6 {
				t.Fatalf("%d provider calls at the cancel, %d a while after: articles were started after it", atCancel, after)
			}
			final := c.job(j.ID)
			if final.Status != "cancelled" || final.Done+final.Failed > int(after) {
				t.Fatalf("after the cancel: %+v", final)
			}
		})
	}
}

// A key whose characters a day run out pauses its job, with the reason,
// rather than failing its articles; nothing is lost.
func TestJobPausesWhenTheAllowanceIsSpent(t *testing.T) {
	key := fmt.Sprintf("psl_night-%d", time.Now().UnixNano())
	cfg := fmt.Sprintf(`cache: {backend: memory}
auth:
  enabled: true
  keys:
    - {name: night-%d, sha256: %s, limits: {characters_per_day: 120}}
jobs: {workers: 1}
`, time.Now().UnixNano(), hashKey(key))
	gw := startGateway(t, map[string]string{"PASSERELLE_CONFIG": writeJobsConfig(t, cfg), "APERTIUM_URL": testenv.ApertiumURL(t)})
	c := jobsClient{t, gw.url, key}
	var arts []map[string]string
	for i := range 4 {
		arts = append(arts, map[string]string{"text": fmt.Sprintf("Le conseil municipal a voté le budget numéro %d hier soir.", i)})
	}
	st, _, body := c.do("POST", "/v1/jobs", map[string]any{"task": "translate", "articles": arts})
	if st != 202 {
		t.Fatalf("%d %s", st, body)
	}
	var j jobReply
	_ = json.Unmarshal(body, &j)
	deadline := time.Now().Add(20 * time.Second)
	for {
		_, _, raw := c.do("GET", "/v1/jobs/"+j.ID, nil)
		var cur struct {
			Status   string `json:"status"`
			Reason   string `json:"reason"`
			ResumeAt string `json:"resume_at"`
			Done     int    `json:"done"`
			Failed   int    `json:"failed"`
		}
		_ = json.Unmarshal(raw, &cur)
		if cur.Status == "paused" {
			if !strings.Contains(cur.Reason, "120 characters a day") || cur.ResumeAt == "" || cur.Failed != 0 || cur.Done == 0 || cur.Done == 4 {
				t.Fatalf("paused: %s", raw)
			}
			break
		}
		if cur.Status != "queued" && cur.Status != "running" || time.Now().After(deadline) {
			t.Fatalf("want paused: %s", raw)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// With the memory cache and no worker, no process could ever work on a
// job: the jobs API is not served rather than accept jobs that never run.
func TestNoJobsWithoutWorkersInProcess(t *testing.T) {
	gw := startGateway(t, map[string]string{"PASSERELLE_CONFIG": writeJobsConfig(t, "cache: {backend: memory}\njobs: {workers: 0}\n"), "APERTIUM_URL": "http://127.0.0.1:1"})
	st, _, body := jobsClient{t, gw.url, ""}.do("POST", "/v1/jobs", map[string]any{"task": "translate", "articles": []map[string]string{{"text": "Un."}}})
	if st != 404 {
		t.Fatalf("POST /v1/jobs with no worker in process: %d %s", st, body)
	}
}

// grepLines returns the lines of text that contain sub.
func grepLines(text, sub string) string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
