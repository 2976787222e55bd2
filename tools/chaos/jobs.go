package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"passerelle/internal/testenv"
)

// The jobs phase's shape: a job of jobsArticles articles worked on by two
// replicas of jobsWorkers workers each, with a provider call of jobsDelay,
// and a second job of jobsCancelArticles cancelled mid-way. The faults come
// as the first job's done count passes a share of its articles.
const (
	jobsArticles       = 400
	jobsCancelArticles = 300
	jobsWorkers        = 4
	jobsDelay          = 250 * time.Millisecond
	jobsVisibility     = 3 * time.Second
	jobsDeadline       = 3 * time.Minute
	jobsUnseen         = 15 * time.Second // the job not found that long: lost
)

// jobsEvent is a fault of the jobs phase, done when the first job has done
// at least `at` articles.
type jobsEvent struct {
	at   int
	name string
}

func jobsEvents() []jobsEvent {
	return []jobsEvent{
		{jobsArticles * 15 / 100, "sigkill"},
		{jobsArticles * 25 / 100, "cancel"},
		{jobsArticles * 40 / 100, "redis-restart"},
		{jobsArticles * 60 / 100, "sigterm"},
	}
}

// jobsConfigYAML is the replicas' configuration: auth on, the Redis cache
// and jobs, one provider (no fallback, so every call is counted at one
// place), a short visibility timeout so that a killed replica's articles
// come back within the run.
func jobsConfigYAML(redisURL, providerURL, keyHash string, grace time.Duration) string {
	return fmt.Sprintf(`server:
  request_timeout: 20s
  shutdown_grace: %s
cache:
  backend: redis
  operation_timeout: 1s
  redis: {url: %q, dial_timeout: 500ms, read_timeout: 1s, write_timeout: 1s}
translation: {provider: primary}
summarization: {provider: extractive}
providers:
  primary:
    type: openai
    base_url: %q
    api_key: sk-chaos-primary
    model: chaos-model
    timeout: 5s
    max_concurrency: 32
  extractive: {type: extractive}
jobs: {workers: %d, visibility_timeout: %s}
auth:
  enabled: true
  keys:
    - {name: chaos, sha256: %s}
log: {level: info, format: json}
`, grace, redisURL, providerURL, jobsWorkers, jobsVisibility, keyHash)
}

// jobsClient speaks the jobs API with the run's key, to whichever replica
// answers.
type jobsClient struct {
	key  string
	http *http.Client
}

func (c jobsClient) do(ctx context.Context, method, url string, body []byte) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.key)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	return resp.StatusCode, raw, err
}

// jobState is the part of GET /v1/jobs/{id} the phase reads.
type jobState struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	Total  int    `json:"total"`
	Done   int    `json:"done"`
	Failed int    `json:"failed"`
}

// state asks each replica in turn for the job until one answers 200.
func (c jobsClient) state(ctx context.Context, urls []string, id string) (jobState, error) {
	var last error
	for _, u := range urls {
		st, raw, err := c.do(ctx, "GET", u+"/v1/jobs/"+id, nil)
		if err == nil && st == http.StatusOK {
			var j jobState
			err = json.Unmarshal(raw, &j)
			return j, err
		}
		if err == nil {
			err = fmt.Errorf("%s: %d %s", u, st, oneLine(string(raw)))
		}
		last = err
	}
	return jobState{}, last
}

// jobTag is what a number of the run's phrases belongs to.
type jobTag struct{ job, index int }

// numberRE finds the number each phrase carries.
var numberRE = regexp.MustCompile(`\d+`)

// jobsRun is what the phase saw.
type jobsRun struct {
	articles  [2][]*article
	tags      map[int]jobTag
	ids       [2]string
	kill      time.Time // SIGKILL of gateway-a
	redisDown time.Time
	redisUp   time.Time
	cancelled time.Time // when DELETE returned
	cancelAt  jobState  // the second job as DELETE answered it
	termExit  error     // gateway-b's exit after SIGTERM
	final     [2]jobState
	results   [2][]byte
	problems  []string
}

// runJobs runs the jobs phase and prints its table and verdict.
func runJobs(ctx context.Context, o options, out io.Writer) (failed bool, err error) {
	bin, dir, err := workspace(o.bin, "passerelle-chaos-jobs-")
	if err != nil {
		return false, err
	}
	defer leaveWorkspace(out, dir, o.keep, &failed, &err)
	key, keyHash, err := newAPIKey()
	if err != nil {
		return false, err
	}
	book := newPhrasebook()
	provider, err := startStandin("primary", book)
	if err != nil {
		return false, err
	}
	defer provider.close()
	provider.setDelay(jobsDelay)

	port, err := testenv.LoopbackPort()
	if err != nil {
		return false, err
	}
	redis := &testenv.Redis{Port: port, Log: filepath.Join(dir, "redis.log"), AOFDir: filepath.Join(dir, "redis-data")}
	if err := redis.Start(ctx); err != nil {
		return false, err
	}
	defer redis.Kill()

	cfgPath := filepath.Join(dir, "passerelle.yaml")
	if err := os.WriteFile(cfgPath, []byte(jobsConfigYAML(redis.URL(), provider.url, keyHash, o.grace)), 0o600); err != nil {
		return false, err
	}
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "PASSERELLE_CONFIG=" + cfgPath}
	var gateways []*gatewayProcess
	defer func() {
		for _, g := range gateways {
			if g.cmd != nil {
				_ = g.terminate()
				_ = g.wait(15 * time.Second)
			}
		}
	}()
	startGateway := func(name string) (*gatewayProcess, error) {
		port, err := testenv.LoopbackPort()
		if err != nil {
			return nil, err
		}
		g := &gatewayProcess{name: name, bin: bin, port: port, env: env, logDir: dir}
		gateways = append(gateways, g)
		return g, g.start(ctx)
	}
	a, err := startGateway("gateway-a")
	if err != nil {
		return false, err
	}
	b, err := startGateway("gateway-b")
	if err != nil {
		return false, err
	}
	began := time.Now()
	fmt.Fprintf(out, "\nchaos jobs: %s and %s (%s) sharing redis-server 127.0.0.1:%d (AOF on); provider %s answering in %v; %d workers a replica\n",
		a.url(), b.url(), o.bin, redis.Port, provider.url, jobsDelay, jobsWorkers)

	run := &jobsRun{tags: map[int]jobTag{}}
	rng := rand.New(rand.NewPCG(o.seed, 15))
	n := 0
	next := func() int { n++; return 100000 + n }
	client := jobsClient{key: key, http: &http.Client{Timeout: 30 * time.Second}}
	for j, count := range []int{jobsArticles, jobsCancelArticles} {
		var bodies []map[string]any
		for i := range count {
			art := newArticle(rng.IntN, next, 2)
			run.articles[j] = append(run.articles[j], art)
			bodies = append(bodies, art.body())
			for _, s := range append([]string{art.titleFR}, art.parasFR...) {
				num, _ := strconv.Atoi(numberRE.FindString(s))
				run.tags[num] = jobTag{job: j, index: i}
			}
		}
		st, raw, err := client.do(ctx, "POST", a.url()+"/v1/jobs", jsonBody(map[string]any{"task": "translate", "articles": bodies}))
		if err != nil || st != http.StatusAccepted {
			return false, fmt.Errorf("POST /v1/jobs: %d %s %v", st, oneLine(string(raw)), err)
		}
		var js jobState
		_ = json.Unmarshal(raw, &js)
		run.ids[j] = js.ID
		fmt.Fprintf(out, "%6.1fs  job %d: %s, %d articles, submitted to %s\n", time.Since(began).Seconds(), j+1, js.ID, count, a.name)
	}

	live := []string{a.url(), b.url()}
	events := jobsEvents()
	deadline, seen := time.Now().Add(jobsDeadline), time.Now()
	for {
		if err := sleepUntil(ctx, time.Now().Add(100*time.Millisecond)); err != nil {
			return false, err
		}
		if time.Now().After(deadline) {
			run.problems = append(run.problems, fmt.Sprintf("job 1 not over after %v", jobsDeadline))
			break
		}
		j, err := client.state(ctx, live, run.ids[0])
		if err != nil {
			// Redis restarting, a replica stopping: asked again, for a while.
			if lastSeen := time.Since(seen); lastSeen > jobsUnseen {
				run.problems = append(run.problems, fmt.Sprintf("job 1 not found for %v: %v", jobsUnseen, err))
				break
			}
			continue
		}
		seen = time.Now()
		if len(events) > 0 && j.Done+j.Failed >= events[0].at {
			ev := events[0]
			events = events[1:]
			now := func() float64 { return time.Since(began).Seconds() }
			switch ev.name {
			case "sigkill":
				run.kill = time.Now()
				_ = a.cmd.Process.Kill()
				_ = a.wait(5 * time.Second)
				fmt.Fprintf(out, "%6.1fs    job 1 at %d/%d: gateway-a SIGKILLed\n", now(), j.Done+j.Failed, j.Total)
				c, err := startGateway("gateway-c")
				if err != nil {
					return false, err
				}
				live = []string{b.url(), c.url()}
				fmt.Fprintf(out, "%6.1fs    gateway-c started on %s\n", now(), c.url())
			case "redis-restart":
				run.redisDown = time.Now()
				redis.Kill()
				if err := redis.Start(ctx); err != nil {
					return false, fmt.Errorf("redis again: %w", err)
				}
				run.redisUp = time.Now()
				fmt.Fprintf(out, "%6.1fs    job 1 at %d/%d: redis-server SIGKILLed and started again on its AOF (down %v)\n",
					now(), j.Done+j.Failed, j.Total, run.redisUp.Sub(run.redisDown).Round(time.Millisecond))
			case "cancel":
				st, raw, err := client.do(ctx, "DELETE", live[0]+"/v1/jobs/"+run.ids[1], nil)
				run.cancelled = time.Now()
				if err != nil || st != http.StatusOK {
					run.problems = append(run.problems, fmt.Sprintf("DELETE job 2: %d %s %v", st, oneLine(string(raw)), err))
				}
				_ = json.Unmarshal(raw, &run.cancelAt)
				fmt.Fprintf(out, "%6.1fs    job 1 at %d/%d: job 2 cancelled at %d/%d (%s)\n", now(), j.Done+j.Failed, j.Total,
					run.cancelAt.Done+run.cancelAt.Failed, run.cancelAt.Total, run.cancelAt.Status)
			case "sigterm":
				_ = b.terminate()
				t0 := time.Now()
				run.termExit = b.wait(o.grace + 10*time.Second)
				live = live[1:]
				fmt.Fprintf(out, "%6.1fs    job 1 at %d/%d: gateway-b SIGTERMed, exited (%s) %.1fs later\n", now(), j.Done+j.Failed, j.Total,
					exitText(run.termExit), time.Since(t0).Seconds())
			}
		}
		if j.Status == "done" || j.Status == "failed" || j.Status == "cancelled" {
			break
		}
	}
	fmt.Fprintf(out, "%6.1fs  job 1 over\n", time.Since(began).Seconds())
	for j := range run.ids {
		if run.final[j], err = client.state(ctx, live, run.ids[j]); err != nil {
			run.problems = append(run.problems, fmt.Sprintf("job %d: %v", j+1, err))
		}
		st, raw, err := client.do(ctx, "GET", live[0]+"/v1/jobs/"+run.ids[j]+"/results", nil)
		if err != nil || st != http.StatusOK {
			run.problems = append(run.problems, fmt.Sprintf("results of job %d: %d %s %v", j+1, st, oneLine(string(raw)), err))
			continue
		}
		run.results[j] = raw
	}
	for _, g := range gateways {
		if g.cmd != nil && g.terminate() == nil {
			if err := g.wait(15 * time.Second); err != nil {
				run.problems = append(run.problems, fmt.Sprintf("%s at the end: %v", g.name, err))
			}
		}
	}
	calls, unknown := provider.callLog()
	return run.report(out, calls, unknown), nil
}

// jobCalls are the provider calls of one job.
type jobCalls struct {
	calls        int      // calls received
	afterCancel  int      // calls received after DELETE returned
	late         []string // those calls: article, and how long after DELETE
	atKill       int      // calls in flight at the SIGKILL
	acrossRedis  int      // calls in flight while Redis was down
	articlesPaid int      // articles with at least one call
	twice        int      // articles with more than one call
}

// tally counts the calls of each job, by the numbers of their segments.
func (r *jobsRun) tally(calls []providerCall) (out [2]jobCalls, untagged int) {
	per := [2]map[int]int{{}, {}}
	for _, c := range calls {
		tag, ok := jobTag{}, false
		for _, s := range c.segments {
			num, err := strconv.Atoi(numberRE.FindString(s))
			if t, found := r.tags[num]; err == nil && found {
				tag, ok = t, true
				break
			}
		}
		if !ok {
			untagged++
			continue
		}
		jc := &out[tag.job]
		jc.calls++
		per[tag.job][tag.index]++
		if !r.cancelled.IsZero() && c.start.After(r.cancelled) {
			jc.afterCancel++
			jc.late = append(jc.late, fmt.Sprintf("article %d at +%v", tag.index, c.start.Sub(r.cancelled).Round(time.Millisecond)))
		}
		if !r.kill.IsZero() && !c.start.After(r.kill) && !c.end.Before(r.kill) {
			jc.atKill++
		}
		if !r.redisDown.IsZero() && !c.start.After(r.redisDown) && !c.end.Before(r.redisDown) {
			jc.acrossRedis++
		}
	}
	for j := range per {
		out[j].articlesPaid = len(per[j])
		for _, k := range per[j] {
			if k > 1 {
				out[j].twice++
			}
		}
	}
	return out, untagged
}

// resultLines reads the NDJSON results of a job: per index, how many lines
// and how many of them are the article's own translation.
func resultLines(raw []byte, articles []*article) (lines int, perIndex map[int]int, translated int, other map[string]int) {
	perIndex, other = map[int]int{}, map[string]int{}
	for _, l := range bytes.Split(bytes.TrimSpace(raw), []byte("\n")) {
		if len(l) == 0 {
			continue
		}
		lines++
		var r articleOutcome
		if err := json.Unmarshal(l, &r); err != nil {
			other["not JSON"]++
			continue
		}
		perIndex[r.Index]++
		switch {
		case r.Index >= 0 && r.Index < len(articles) && r.translates(articles[r.Index]):
			translated++
		case r.Error != nil:
			other[fmt.Sprintf("%d %s", r.Status, r.Error.Code)]++
		default:
			other[fmt.Sprintf("%d without the article's translation", r.Status)]++
		}
	}
	return lines, perIndex, translated, other
}

// report prints the table and the verdict of the jobs phase; it returns
// whether the phase failed.
func (r *jobsRun) report(w io.Writer, calls []providerCall, unknown int) (failed bool) {
	counts, untagged := r.tally(calls)
	problems := append([]string(nil), r.problems...)

	fmt.Fprintf(w, "\n%-6s %-10s %8s %6s %6s %8s %8s %8s %8s %8s %8s %8s\n",
		"job", "status", "articles", "done", "failed", "results", "calls", "bound", "twice", "@kill", "@redis", "+cancel")
	for j := range r.ids {
		lines, perIndex, translated, other := resultLines(r.results[j], r.articles[j])
		bound, afterCancel := "-", fmt.Sprint(counts[j].afterCancel)
		if j == 0 {
			bound, afterCancel = fmt.Sprint(len(r.articles[0])+counts[0].atKill+counts[0].acrossRedis), "-"
		}
		fmt.Fprintf(w, "%-6s %-10s %8d %6d %6d %8d %8d %8s %8d %8d %8d %8s\n", fmt.Sprint(j+1), r.final[j].Status, len(r.articles[j]),
			r.final[j].Done, r.final[j].Failed, lines, counts[j].calls, bound, counts[j].twice, counts[j].atKill, counts[j].acrossRedis, afterCancel)
		twice := 0
		for _, k := range perIndex {
			if k > 1 {
				twice++
			}
		}
		switch j {
		case 0:
			if r.final[0].Status != "done" {
				problems = append(problems, fmt.Sprintf("job 1 ended %q, not done", r.final[0].Status))
			}
			if lines != len(r.articles[0]) || len(perIndex) != len(r.articles[0]) || twice > 0 {
				problems = append(problems, fmt.Sprintf("job 1: %d result lines for %d articles, %d indexes, %d with more than one line",
					lines, len(r.articles[0]), len(perIndex), twice))
			}
			if translated != len(r.articles[0]) {
				problems = append(problems, fmt.Sprintf("job 1: %d results are the article's translation, of %d (%s)", translated, len(r.articles[0]), sortedCounts(other)))
			}
			if counts[0].calls > len(r.articles[0])+counts[0].atKill+counts[0].acrossRedis {
				problems = append(problems, fmt.Sprintf("job 1: %d provider calls, over the bound of %d articles + %d in flight at the SIGKILL of gateway-a + %d at that of Redis",
					counts[0].calls, len(r.articles[0]), counts[0].atKill, counts[0].acrossRedis))
			}
		case 1:
			if r.final[1].Status != "cancelled" {
				problems = append(problems, fmt.Sprintf("job 2 ended %q, not cancelled", r.final[1].Status))
			}
			if counts[1].afterCancel > 0 {
				problems = append(problems, fmt.Sprintf("job 2: %d provider calls began after DELETE had returned (%s)", counts[1].afterCancel, strings.Join(counts[1].late, ", ")))
			}
			if twice > 0 {
				problems = append(problems, fmt.Sprintf("job 2: %d articles with more than one result line", twice))
			}
			if r.cancelAt.Done+r.cancelAt.Failed == 0 || r.cancelAt.Done+r.cancelAt.Failed >= len(r.articles[1]) {
				problems = append(problems, fmt.Sprintf("job 2 was cancelled at %d/%d: not mid-way, the check proves nothing",
					r.cancelAt.Done+r.cancelAt.Failed, len(r.articles[1])))
			}
		}
	}
	fmt.Fprintf(w, "calls: provider calls received for the job's articles; bound: articles + calls in flight at the SIGKILL of gateway-a (@kill)\n")
	fmt.Fprintf(w, "+ calls in flight at the SIGKILL of Redis (@redis); twice: articles paid more than once;\n")
	fmt.Fprintf(w, "+cancel: calls that began after DELETE returned. Job 2 had %d results when cancelled, %d articles paid in all.\n",
		r.cancelAt.Done+r.cancelAt.Failed, counts[1].articlesPaid)
	if r.termExit != nil {
		problems = append(problems, fmt.Sprintf("gateway-b after SIGTERM: %v", r.termExit))
	}
	if unknown > 0 || untagged > 0 {
		problems = append(problems, fmt.Sprintf("%d segments no phrase matched, %d calls of no job of the run", unknown, untagged))
	}
	for _, p := range problems {
		fmt.Fprintf(w, "FAIL: %s\n", p)
	}
	if len(problems) > 0 {
		fmt.Fprintln(w, "jobs: FAIL")
		return true
	}
	fmt.Fprintln(w, "jobs: PASS")
	return false
}
