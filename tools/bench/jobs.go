package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"passerelle/internal/testenv"
)

// The jobs phase: one job of many short articles on two gateways sharing
// one Redis, against a stand-in that answers each call in -job-delay and
// whose max_concurrency is split between the gateways. max_concurrency is a
// per-process bound (a semaphore in providers/resilient), so each gateway
// gets half of the total for the provider: together they never send it
// more than the total at once.
const (
	jobGateways = 2
	jobsTTL     = 24 * time.Hour // the gateways' jobs.ttl: the job's keys must expire within it
	jobsRSSCap  = 300e6
	jobsWallCap = 1.15
)

// jobArticle is the i-th article of the job: the seed's title and one of its
// paragraphs, both tagged with i and the run's stamp so that neither the
// article nor its paragraphs are in the cache.
func (b *bench) jobArticle(stamp string, i int) map[string]string {
	p := b.seed.Paragraphs[i%len(b.seed.Paragraphs)]
	tag := fmt.Sprintf("dépêche %s-%d", stamp, i)
	return map[string]string{"title": b.seed.Title + " (" + tag + ")", "text": p + " (" + tag + ")"}
}

// startJobGateway starts one of the jobs phase's gateways: Redis cache and
// jobs, the slow stand-in as the one translation provider with this
// gateway's share of its max_concurrency.
func (b *bench) startJobGateway(ctx context.Context, name string, concurrency, workers int) (*proc, string, error) {
	port, err := testenv.LoopbackPort()
	if err != nil {
		return nil, "", err
	}
	cfg := fmt.Sprintf(`server:
  addr: "127.0.0.1:%d"
cache:
  backend: redis
  redis: {url: %q}
translation: {provider: %s}
summarization: {provider: extractive}
providers:
  %s: {type: openai, base_url: %q, api_key: sk-bench, model: %s, timeout: 30s, max_concurrency: %d}
  extractive: {type: extractive}
auth:
  enabled: true
  keys:
    - {name: bench, sha256: %s}
jobs: {workers: %d, ttl: %s}
log: {level: info, format: json}
`, port, b.redisURL, slowProvider, slowProvider,
		fmt.Sprintf("%s/delay/%d/v1", b.standinURL, b.opts.jobDelay.Milliseconds()), standinModel, concurrency,
		b.keyHash, workers, jobsTTL)
	return b.launch(ctx, name, cfg, port)
}

// jobState is what GET /v1/jobs/{id} answers, the part read here.
type jobState struct {
	ID         string    `json:"id"`
	Status     string    `json:"status"`
	Total      int       `json:"total"`
	Done       int       `json:"done"`
	Failed     int       `json:"failed"`
	Reason     string    `json:"reason"`
	CreatedAt  time.Time `json:"created_at"`
	FinishedAt time.Time `json:"finished_at"`
}

func (b *bench) jobRequest(ctx context.Context, method, url string, body []byte) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	for k, v := range b.auth {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := newClient(1).Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	return resp.StatusCode, raw, err
}

// usedMemory is INFO memory's used_memory.
func usedMemory(ctx context.Context, rdb *redis.Client) (int64, error) {
	info, err := rdb.Info(ctx, "memory").Result()
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(line, "used_memory:"); ok {
			return strconv.ParseInt(v, 10, 64)
		}
	}
	return 0, fmt.Errorf("no used_memory in INFO memory")
}

// jobsPhase runs one job of -articles articles on two gateways and judges
// its wall time against the provider-bound ideal, each gateway's peak RSS,
// the calls paid, the stand-in's peak concurrency, and the Redis memory and
// TTLs the job leaves.
func (b *bench) jobsPhase(ctx context.Context) ([]row, error) {
	n, total := b.opts.jobArticles, b.opts.jobConcurrency
	share := total / jobGateways
	workers := b.opts.jobWorkers
	if workers <= 0 {
		workers = share
	}
	var gws []*proc
	var urls []string
	for i := range jobGateways {
		p, url, err := b.startJobGateway(ctx, fmt.Sprintf("jobs-%d", i+1), share, workers)
		if err != nil {
			return nil, err
		}
		gws, urls = append(gws, p), append(urls, url)
	}
	rdb := redis.NewClient(&redis.Options{Addr: b.redis.Addr()})
	defer rdb.Close()
	stamp := strconv.FormatInt(time.Now().UnixNano()%1e9, 36)
	arts := make([]map[string]string, n)
	for i := range arts {
		arts[i] = b.jobArticle(stamp, i)
	}
	body, _ := json.Marshal(map[string]any{"task": "translate", "articles": arts})
	memBefore, err := usedMemory(ctx, rdb)
	if err != nil {
		return nil, err
	}
	var samplers []*rssSampler
	for _, p := range gws {
		samplers = append(samplers, sampleRSS(p.pid(), 100*time.Millisecond))
	}
	redisPID, err := rdb.InfoMap(ctx, "server").Result()
	if err != nil {
		return nil, err
	}
	pid, err := strconv.Atoi(redisPID["Server"]["process_id"])
	if err != nil {
		return nil, fmt.Errorf("INFO server: no process_id: %w", err)
	}
	pids := []int{gws[0].pid(), gws[1].pid(), pid}
	cpu0, load0 := cpuTimes(pids), loadAverage()
	calls0 := b.standin.calls.Load()
	b.standin.peakInflight.Store(0)

	b.progress("jobs: one job of %d articles (%s) on %d gateways, %d workers and max_concurrency %d each; stand-in %s a call",
		n, mb(int64(len(body))), jobGateways, workers, share, b.opts.jobDelay)
	start := time.Now()
	st, raw, err := b.jobRequest(ctx, http.MethodPost, urls[0]+"/v1/jobs", body)
	if err != nil {
		return nil, err
	}
	if st != http.StatusAccepted {
		return nil, fmt.Errorf("POST /v1/jobs: %d %s", st, raw)
	}
	submitted := time.Since(start)
	var j jobState
	if err := json.Unmarshal(raw, &j); err != nil {
		return nil, err
	}
	ideal := time.Duration(n) * b.opts.jobDelay / time.Duration(total)
	deadline := start.Add(4*ideal + time.Minute)
	lastLog := time.Now()
	for {
		// Followed on the other gateway: either serves any job.
		st, raw, err := b.jobRequest(ctx, http.MethodGet, urls[1]+"/v1/jobs/"+j.ID, nil)
		if err != nil {
			return nil, err
		}
		if st != http.StatusOK {
			return nil, fmt.Errorf("GET /v1/jobs/%s: %d %s", j.ID, st, raw)
		}
		if err := json.Unmarshal(raw, &j); err != nil {
			return nil, err
		}
		if j.Status == "done" || j.Status == "failed" || j.Status == "cancelled" {
			break
		}
		if time.Since(lastLog) >= 10*time.Second {
			b.progress("jobs: %s, %d done, %d failed of %d after %s", j.Status, j.Done, j.Failed, j.Total, time.Since(start).Round(time.Second))
			lastLog = time.Now()
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("the job was not over after %s: %s", time.Since(start).Round(time.Second), raw)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	wall := time.Since(start)
	var peaks []int64
	for _, s := range samplers {
		peaks = append(peaks, s.end())
	}
	cpu := cpuTimes(pids)
	for i := range cpu {
		cpu[i] -= cpu0[i]
	}
	calls := b.standin.calls.Load() - calls0
	peakConc := b.standin.peakInflight.Load()
	memAfter, err := usedMemory(ctx, rdb)
	if err != nil {
		return nil, err
	}
	once, firstBad, err := b.resultsOnce(ctx, urls[1], j.ID, n)
	if err != nil {
		return nil, err
	}
	ttls, err := jobKeysTTL(ctx, rdb, j.ID)
	if err != nil {
		return nil, err
	}

	forever, err := keysWithoutTTL(ctx, rdb)
	if err != nil {
		return nil, err
	}

	rows := []row{
		judged("7", fmt.Sprintf("job of %d articles, 2 gateways, %s a call, max_concurrency %d (%d + %d)", n, b.opts.jobDelay, total, share, share),
			fmt.Sprintf("wall %s (submit %s; job created->finished %s); ideal %d x %s / %d = %s",
				dur(wall), dur(submitted), dur(j.FinishedAt.Sub(j.CreatedAt)), n, b.opts.jobDelay, total, dur(ideal)),
			ratio(wall.Seconds(), ideal.Seconds()), fmt.Sprintf("<= %.2f", jobsWallCap), wall.Seconds() <= jobsWallCap*ideal.Seconds()),
		judged("7", "job's articles: each one result, a success", fmt.Sprintf("status %s, %d done, %d failed; %d results%s", j.Status, j.Done, j.Failed, once, firstBad),
			"-", "all 200", j.Status == "done" && j.Done == n && once == n && firstBad == ""),
		judged("7", "stand-in calls per article", fmt.Sprintf("%d calls for %d articles", calls, n),
			ratio(float64(calls), float64(n)), "= 1.00", calls == int64(n)),
		judged("7", "peak calls in flight at the stand-in", fmt.Sprintf("%d (mean %.1f over the wall time)", peakConc, float64(calls)*b.opts.jobDelay.Seconds()/wall.Seconds()),
			ratio(float64(peakConc), float64(total)), fmt.Sprintf("<= %d", total), peakConc <= int64(total)),
	}
	perArticle := func(d time.Duration) string { return dur(d / time.Duration(n)) }
	cpuNote := fmt.Sprintf("gateway 1 %s + gateway 2 %s + Redis %s = %s per article of the job; machine load average %s before, %s at the end",
		perArticle(cpu[0]), perArticle(cpu[1]), perArticle(cpu[2]), perArticle(cpu[0]+cpu[1]+cpu[2]), load0, loadAverage())
	rows = append(rows, info("7", "CPU per article (user+system, from /proc)", cpuNote, "-"))
	for i, peak := range peaks {
		rows = append(rows, judged("7", fmt.Sprintf("RSS peak, gateway %d (%d workers)", i+1, workers), mb(peak),
			ratio(float64(peak), jobsRSSCap), "<= 300MB", peak <= jobsRSSCap))
	}
	rows = append(rows,
		info("7", "Redis used_memory per finished article", fmt.Sprintf("%s before, %s after: %.0f bytes per article (cache entries, kept replies and the job's keys); the job's keys %.0f bytes per article (MEMORY USAGE)",
			mb(memBefore), mb(memAfter), float64(memAfter-memBefore)/float64(n), float64(ttls.bytes)/float64(n)), "-"),
		judged("7", "the job's keys expire within jobs.ttl", ttls.String(), "-", "0 < TTL <= "+jobsTTL.String(),
			ttls.keys > 0 && ttls.keys == ttls.bounded),
		info("7", "keys of the whole Redis without a TTL after the job", forever, "-"),
	)
	return rows, nil
}

// resultsOnce reads the job's results and counts the articles with exactly
// one line, a success; firstBad quotes the first line that is not.
func (b *bench) resultsOnce(ctx context.Context, url, id string, n int) (int, string, error) {
	st, raw, err := b.jobRequest(ctx, http.MethodGet, url+"/v1/jobs/"+id+"/results", nil)
	if err != nil {
		return 0, "", err
	}
	if st != http.StatusOK {
		return 0, "", fmt.Errorf("GET results: %d %s", st, raw)
	}
	seen := make([]int, n)
	bad := ""
	for _, line := range bytes.Split(bytes.TrimSpace(raw), []byte("\n")) {
		var r struct {
			Index  int `json:"index"`
			Status int `json:"status"`
		}
		if err := json.Unmarshal(line, &r); err != nil || r.Index < 0 || r.Index >= n {
			return 0, "", fmt.Errorf("results line %.200q", line)
		}
		seen[r.Index]++
		if (r.Status != http.StatusOK || seen[r.Index] > 1) && bad == "" {
			bad = fmt.Sprintf("; first not once and 200: %.300s", line)
		}
	}
	once := 0
	for _, c := range seen {
		if c == 1 {
			once++
		}
	}
	return once, bad, nil
}

// keyTTLs sums up the TTLs of one job's keys.
type keyTTLs struct {
	keys, bounded int
	min, max      time.Duration
	bytes         int64
	unbounded     []string
}

func (t keyTTLs) String() string {
	s := fmt.Sprintf("%d keys, %d with 0 < TTL <= %s (TTLs %s to %s)", t.keys, t.bounded, jobsTTL, t.min.Round(time.Second), t.max.Round(time.Second))
	if len(t.unbounded) > 0 {
		s += "; not: " + strings.Join(t.unbounded, ", ")
	}
	return s
}

// jobKeysTTL finds the keys of job id (they share its hash tag) and reads
// their TTLs and memory.
func jobKeysTTL(ctx context.Context, rdb *redis.Client, id string) (keyTTLs, error) {
	var t keyTTLs
	iter := rdb.Scan(ctx, 0, "*{"+id+"}*", 1000).Iterator()
	for iter.Next(ctx) {
		key := iter.Val()
		ttl, err := rdb.TTL(ctx, key).Result()
		if err != nil {
			return t, err
		}
		size, err := rdb.MemoryUsage(ctx, key, 0).Result()
		if err != nil {
			return t, err
		}
		t.keys++
		t.bytes += size
		if t.min == 0 || ttl < t.min {
			t.min = ttl
		}
		t.max = max(t.max, ttl)
		if ttl > 0 && ttl <= jobsTTL {
			t.bounded++
		} else {
			t.unbounded = append(t.unbounded, fmt.Sprintf("%s (TTL %s)", key, ttl))
		}
	}
	return t, iter.Err()
}

// cpuTimes returns the CPU time of each process (0 for one gone).
func cpuTimes(pids []int) []time.Duration {
	out := make([]time.Duration, len(pids))
	for i, pid := range pids {
		out[i], _ = cpuTime(pid)
	}
	return out
}

// loadAverage is the machine's one-minute load average: other work on a
// shared machine shows there.
func loadAverage() string {
	raw, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	return strings.Fields(string(raw))[0]
}

// keysWithoutTTL scans every key of the run's Redis and names those that
// never expire.
func keysWithoutTTL(ctx context.Context, rdb *redis.Client) (string, error) {
	var all, forever []string
	iter := rdb.Scan(ctx, 0, "*", 1000).Iterator()
	for iter.Next(ctx) {
		all = append(all, iter.Val())
	}
	if err := iter.Err(); err != nil {
		return "", err
	}
	for start := 0; start < len(all); start += 1000 {
		p := rdb.Pipeline()
		var cmds []*redis.DurationCmd
		for _, key := range all[start:min(start+1000, len(all))] {
			cmds = append(cmds, p.TTL(ctx, key))
		}
		if _, err := p.Exec(ctx); err != nil {
			return "", err
		}
		for i, c := range cmds {
			if c.Val() == -1 {
				forever = append(forever, all[start+i])
			}
		}
	}
	note := fmt.Sprintf("%d of %d keys", len(forever), len(all))
	if len(forever) > 0 {
		note += ": " + strings.Join(forever[:min(3, len(forever))], ", ")
	}
	return note, nil
}
