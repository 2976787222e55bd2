package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"passerelle/internal/testenv"
)

// The flood runs one fresh gateway process per scenario, in its default
// configuration apart from what the run needs: the run's Redis, one
// OpenAI-compatible stand-in that answers every call after providerDelay (a
// slow provider keeps batches in flight), and the run's page server allowed
// for "url" input. Each scenario floods it as a hostile client would while
// its memory is sampled (VmRSS and VmHWM from /proc, every 100ms) and its
// /healthz probed (every 200ms, on a new connection each time, as an
// orchestrator does). Every API request must end with 200 or with 503
// overloaded and Retry-After; the peak RSS must stay under 1 GiB; every probe
// must answer 200 in under 1s.

// providerDelay is how long the flood's stand-in takes for every call.
const providerDelay = 2500 * time.Millisecond

// floodRequestTimeout is the gateways' server.request_timeout in the batch
// scenarios: a batch then ends within seconds (the articles not started
// fail alone, in a 200 reply), so that the run ends within minutes, while
// every batch is read and in flight together at the start.
const floodRequestTimeout = 20 * time.Second

// floodScenario is one attack on a fresh gateway.
type floodScenario struct {
	name           string
	what           string        // one line for the report
	requestTimeout time.Duration // server.request_timeout; 0 keeps the default
	nofile         int           // descriptor limit of the gateway process; 0 keeps the run's
	load           func(ctx context.Context, f *flood, g *gatewayProcess, s *scenarioStats)
}

// flood is the set-up shared by the scenarios.
type flood struct {
	bin      string
	dir      string
	redisURL string
	provider *standin
	pages    *pageServer
	guard    int64 // RSS at which a gateway is killed
	length   time.Duration
	seed     uint64
	number   atomic.Int64 // numbers of the phrases, each used once
	out      io.Writer
	began    time.Time
}

func (f *flood) next() int { return int(f.number.Add(1)) }

// floodConfigYAML is a flood gateway's configuration: the defaults, the
// run's Redis and provider stand-in, and the page server allowed.
func floodConfigYAML(redisURL, providerURL, pageHost string, requestTimeout time.Duration) string {
	server := ""
	if requestTimeout > 0 {
		server = fmt.Sprintf("server:\n  request_timeout: %s\n", requestTimeout)
	}
	return fmt.Sprintf(`%scache:
  backend: redis
  redis: {url: %q}
translation: {provider: slow}
summarization: {provider: extractive}
providers:
  slow: {type: openai, base_url: %q, api_key: sk-chaos-slow, model: chaos-model}
  extractive: {type: extractive}
fetch:
  allow_hosts: [%q]
log: {level: info, format: json}
`, server, redisURL, providerURL, pageHost)
}

// startGateway starts a fresh gateway for a scenario.
func (f *flood) startGateway(ctx context.Context, name string, requestTimeout time.Duration, nofile int) (*gatewayProcess, error) {
	cfgPath := filepath.Join(f.dir, name+".yaml")
	if err := os.WriteFile(cfgPath, []byte(floodConfigYAML(f.redisURL, f.provider.url, f.pages.host, requestTimeout)), 0o600); err != nil {
		return nil, err
	}
	port, err := testenv.LoopbackPort()
	if err != nil {
		return nil, err
	}
	g := &gatewayProcess{name: name, bin: f.bin, port: port, logDir: f.dir,
		env: []string{"PATH=" + os.Getenv("PATH"), "HOME=" + f.dir, "PASSERELLE_CONFIG=" + cfgPath}}
	if nofile > 0 {
		// prlimit sets the limit, then execs the gateway in the same process.
		g.prefix = []string{"prlimit", fmt.Sprintf("--nofile=%d:%d", nofile, nofile), "--"}
	}
	return g, g.start(ctx)
}

// runScenario runs one scenario on a fresh gateway and returns its figures.
func (f *flood) runScenario(ctx context.Context, sc floodScenario) (*scenarioStats, error) {
	fmt.Fprintf(f.out, "%6.1fs  flood %s: %s\n", time.Since(f.began).Seconds(), sc.name, sc.what)
	g, err := f.startGateway(ctx, sc.name, sc.requestTimeout, sc.nofile)
	if err != nil {
		return nil, err
	}
	stats := newScenarioStats(sc.name)
	proc := g.cmd.Process
	watch := newMemoryWatch(proc.Pid, f.guard, func() { _ = proc.Kill() })
	probe := &healthProbe{url: g.url() + "/healthz", failed: map[string]int{}}
	watchCtx, stopWatching := context.WithCancel(ctx)
	var watchers sync.WaitGroup
	watchers.Add(2)
	go func() { defer watchers.Done(); watch.run(watchCtx, 100*time.Millisecond) }()
	go func() { defer watchers.Done(); probe.run(watchCtx, 200*time.Millisecond, watch.dead) }()

	// The load stops starting requests when the guard kills the gateway.
	loadCtx, stopLoad := context.WithCancel(ctx)
	go func() {
		select {
		case <-watch.dead:
			stopLoad()
		case <-loadCtx.Done():
		}
	}()
	start := time.Now()
	sc.load(loadCtx, f, g, stats)
	stopLoad()
	stats.elapsed = time.Since(start)
	watch.sample(fmt.Sprintf("/proc/%d/status", proc.Pid)) // the high-water mark at the end
	stopWatching()
	watchers.Wait()

	stats.peak = watch.peak()
	var killedAt time.Time
	stats.guardKill, killedAt, stats.killRSS = watch.guardKill()
	stats.killAfter = killedAt.Sub(start)
	stats.health, stats.healthBad = probe.snapshot()
	switch {
	case stats.guardKill:
		_ = g.wait(5 * time.Second)
	case hasExited(g):
		stats.died = true
		stats.notes = append(stats.notes, fmt.Sprintf("the gateway exited by itself during the scenario: %s", exitText(g.exitErr)))
		_ = g.wait(time.Second)
	default:
		if err := g.terminate(); err == nil {
			if err := g.wait(40 * time.Second); err != nil {
				stats.notes = append(stats.notes, fmt.Sprintf("after SIGTERM: %v", err))
			}
		}
	}
	if n := countLogLines(filepath.Join(f.dir, sc.name+".1.log"), "too many open files"); n > 0 {
		stats.notes = append(stats.notes, fmt.Sprintf("the gateway logged %d times that it ran out of file descriptors", n))
	}
	f.printScenario(stats)
	return stats, nil
}

// hasExited reports whether the gateway's process has ended.
func hasExited(g *gatewayProcess) bool {
	select {
	case <-g.exited:
		return true
	default:
		return false
	}
}

// printScenario writes a scenario's line and what failed.
func (f *flood) printScenario(s *scenarioStats) {
	p50, worst := percentile(slices.Clone(s.health), 50), time.Duration(0)
	if len(s.health) > 0 {
		worst = slices.Max(s.health)
	}
	fmt.Fprintf(f.out, "%6.1fs    %d sent: %d 200, %d 503 overloaded, %d other%s; peak RSS %s; /healthz p50 %v max %v (%d answered, %d failed); %.1fs\n",
		time.Since(f.began).Seconds(), s.sent, s.ok, s.overloaded, s.otherCount(), otherText(s.other), mib(s.peak),
		p50.Round(time.Millisecond), worst.Round(time.Millisecond), len(s.health), sumCounts(s.healthBad), s.elapsed.Seconds())
	for _, n := range s.notes {
		fmt.Fprintf(f.out, "          %s\n", n)
	}
	for _, e := range s.examples {
		fmt.Fprintf(f.out, "          e.g. %s\n", e)
	}
	for _, why := range s.failures() {
		fmt.Fprintf(f.out, "          FAIL: %s\n", why)
	}
}

func otherText(m map[string]int) string {
	if len(m) == 0 {
		return ""
	}
	return " (" + sortedCounts(m) + ")"
}

func sumCounts(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// countLogLines counts the lines of a log that contain s.
func countLogLines(path, s string) int {
	raw, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	return bytes.Count(raw, []byte(s))
}

// floodClient sends the flood's requests: a connection per client, kept
// alive, and patience for one request.
func floodClient(patience time.Duration) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 64
	return &http.Client{Transport: t, Timeout: patience}
}

// post sends a JSON body and reads the whole answer; check judges a 200's
// body (nil: any JSON).
func post(client *http.Client, url string, body io.Reader, length int64, check func([]byte) error) floodOutcome {
	req, err := http.NewRequest(http.MethodPost, url, body)
	if err != nil {
		return floodOutcome{err: err.Error()}
	}
	req.ContentLength = length
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return floodOutcome{err: err.Error()}
	}
	defer resp.Body.Close()
	raw, readErr := io.ReadAll(resp.Body)
	o := floodOutcome{status: resp.StatusCode, retryAfter: resp.Header.Get("Retry-After")}
	switch {
	case readErr != nil:
		o.err = "reading the reply: " + readErr.Error()
	case resp.StatusCode == http.StatusOK:
		if !json.Valid(raw) {
			o.err = fmt.Sprintf("not JSON: %.200s", raw)
		} else if check != nil {
			if err := check(raw); err != nil {
				o.err = err.Error()
			} else {
				o.complete = true
			}
		} else {
			o.complete = true
		}
	default:
		o.code = errorCode(raw)
		o.err = fmt.Sprintf("%.300s", raw)
	}
	return o
}

// repeat runs clients that each send request after request until ctx is
// done or length has passed, and waits for the requests in flight.
func repeat(ctx context.Context, clients int, length time.Duration, s *scenarioStats, one func(client int) floodOutcome) {
	var mu sync.Mutex
	var wg sync.WaitGroup
	until := time.Now().Add(length)
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil && time.Now().Before(until) {
				o := one(i)
				mu.Lock()
				s.add(o)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
}

// once runs clients that each send one request at the same moment.
func once(ctx context.Context, clients int, s *scenarioStats, one func(client int) floodOutcome) {
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if ctx.Err() != nil {
				return
			}
			o := one(i)
			mu.Lock()
			s.add(o)
			mu.Unlock()
		}()
	}
	wg.Wait()
}

// checkExtraction judges a /v1/extract reply: paragraphs found.
func checkExtraction(raw []byte) error {
	var r struct {
		Paragraphs []string `json:"paragraphs"`
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		return err
	}
	if len(r.Paragraphs) == 0 {
		return errors.New("200 without paragraphs")
	}
	return nil
}

// floodScenarios are the attacks, in order, scaled to a 2-core machine and
// a few minutes.
func floodScenarios(length time.Duration) []floodScenario {
	return []floodScenario{
		{
			name: "extract-html",
			what: fmt.Sprintf("12 clients post ~0.9 MB news pages to /v1/extract, again and again for %v", length),
			load: func(ctx context.Context, f *flood, g *gatewayProcess, s *scenarioStats) {
				const clients = 12
				bodies := make([][]byte, clients)
				for i := range clients {
					rng := rand.New(rand.NewPCG(f.seed, uint64(100+i)))
					bodies[i] = jsonBody(map[string]string{"html": string(newsPage(rng, f.next, 900_000))})
				}
				client := floodClient(60 * time.Second)
				repeat(ctx, clients, length, s, func(i int) floodOutcome {
					return post(client, g.url()+"/v1/extract", bytes.NewReader(bodies[i]), int64(len(bodies[i])), checkExtraction)
				})
			},
		},
		{
			name: "fetch-url",
			what: fmt.Sprintf("8 clients post {\"url\": …} of a ~4.7 MB page on the run's server to /v1/extract, again and again for %v", length),
			load: func(ctx context.Context, f *flood, g *gatewayProcess, s *scenarioStats) {
				client := floodClient(60 * time.Second)
				served := f.pages.served.Load()
				repeat(ctx, 8, length, s, func(i int) floodOutcome {
					body := jsonBody(map[string]string{"url": fmt.Sprintf("%s/international/article/%d.html", f.pages.url, f.next())})
					return post(client, g.url()+"/v1/extract", bytes.NewReader(body), int64(len(body)), checkExtraction)
				})
				s.notes = append(s.notes, fmt.Sprintf("pages served to the gateway: %d", f.pages.served.Load()-served))
			},
		},
		batchScenario("batch-6mb", 32, 60_000),
		batchScenario("batch-8mb", 40, 80_000),
		{
			name: "slow-connections",
			what: fmt.Sprintf("thousands of idle and trickling connections, more than the gateway's descriptors, held for %v", length),
			load: func(ctx context.Context, f *flood, g *gatewayProcess, s *scenarioStats) {
				sc := &slowConns{addr: fmt.Sprintf("127.0.0.1:%d", g.port), target: slowConnTarget()}
				sc.run(ctx, length)
				s.notes = append(s.notes, sc.summary())
			},
		},
	}
}

// batchScenario is clients concurrent translate batches of 100 articles of
// about size bytes of text each, with the slow provider.
func batchScenario(name string, clients, size int) floodScenario {
	return floodScenario{
		name:           name,
		what:           fmt.Sprintf("%d clients post at once a ~%.0f MB batch of 100 articles to /v1/batch; provider %v a call", clients, float64(size)*100/1e6, providerDelay),
		requestTimeout: floodRequestTimeout,
		load: func(ctx context.Context, f *flood, g *gatewayProcess, s *scenarioStats) {
			rng := rand.New(rand.NewPCG(f.seed, uint64(size)))
			pool := newBatchPool(rng, f.next, 100, size)
			type batch struct {
				parts  [][]byte
				length int
			}
			batches := make([]batch, clients)
			for i := range batches {
				batches[i].parts, batches[i].length = pool.batchBody(rng, f.next, 100)
			}
			client := floodClient(floodRequestTimeout + 60*time.Second)
			var mu sync.Mutex
			articles := map[string]int{}
			once(ctx, clients, s, func(i int) floodOutcome {
				readers := make([]io.Reader, len(batches[i].parts))
				for j, p := range batches[i].parts {
					readers[j] = bytes.NewReader(p)
				}
				return post(client, g.url()+"/v1/batch", io.MultiReader(readers...), int64(batches[i].length), func(raw []byte) error {
					statuses, err := batchStatuses(raw, 100)
					mu.Lock()
					for k, v := range statuses {
						articles[k] += v
					}
					mu.Unlock()
					return err
				})
			})
			s.notes = append(s.notes, fmt.Sprintf("articles of the 200 batches, by status: %s", sortedCounts(articles)))
		},
	}
}

// batchStatuses counts a batch reply's articles by status (and error code),
// and says whether it holds want results.
func batchStatuses(raw []byte, want int) (map[string]int, error) {
	var r struct {
		Results []struct {
			Status int `json:"status"`
			Error  *struct {
				Code string `json:"code"`
			} `json:"error"`
		} `json:"results"`
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		return nil, err
	}
	out := map[string]int{}
	for _, res := range r.Results {
		label := fmt.Sprint(res.Status)
		if res.Error != nil {
			label += " " + res.Error.Code
		}
		out[label]++
	}
	if len(r.Results) != want {
		return out, fmt.Errorf("a batch of %d articles answered %d results", want, len(r.Results))
	}
	return out, nil
}

// healthProbe asks /healthz at a fixed rate, each time on a new connection,
// as an orchestrator's liveness probe does; a probe that hangs does not
// delay the next.
type healthProbe struct {
	url string

	mu       sync.Mutex
	answered []time.Duration // latency of the probes answered 200
	failed   map[string]int  // the others, by outcome
}

// run probes until ctx is done or stop is closed (the gateway was killed).
func (p *healthProbe) run(ctx context.Context, every time.Duration, stop <-chan struct{}) {
	client := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	t := time.NewTicker(every)
	defer t.Stop()
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		select {
		case <-ctx.Done():
			return
		case <-stop:
			return
		case <-t.C:
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			start := time.Now()
			resp, err := client.Get(p.url)
			took := time.Since(start)
			outcome := ""
			if err != nil {
				outcome = "no answer (" + errorLabel(err.Error()) + ")"
			} else {
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					outcome = fmt.Sprint(resp.StatusCode)
				}
			}
			select {
			case <-stop:
				return // the guard killed the gateway: not the probe's finding
			default:
			}
			p.mu.Lock()
			defer p.mu.Unlock()
			if outcome == "" {
				p.answered = append(p.answered, took)
			} else {
				p.failed[outcome]++
			}
		}()
	}
}

func (p *healthProbe) snapshot() ([]time.Duration, map[string]int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	failed := map[string]int{}
	for k, v := range p.failed {
		failed[k] = v
	}
	return slices.Clone(p.answered), failed
}

// pageServer serves the same large news page at every address, as a site
// the gateway is asked to fetch from.
type pageServer struct {
	url, host string
	page      []byte
	srv       *http.Server
	served    atomic.Int64
}

func startPageServer(page []byte) (*pageServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &pageServer{host: ln.Addr().String(), url: "http://" + ln.Addr().String(), page: page}
	p.srv = &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(p.page)
		p.served.Add(1)
	})}
	go func() { _ = p.srv.Serve(ln) }()
	return p, nil
}

func (p *pageServer) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = p.srv.Shutdown(ctx)
}

// slowConnTarget is how many slow connections the run opens: a few
// thousand, within this process's own descriptor limit.
func slowConnTarget() int {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 1000
	}
	return int(min(5000, max(int64(lim.Cur)-1000, 100)))
}

// runFlood sets up the flood and runs the scenarios named in only (all when
// only is nil) and the shutdown case when shutdown is set; it returns
// whether any failed.
func runFlood(ctx context.Context, o options, only map[string]bool, shutdown bool, out io.Writer) (failed bool, err error) {
	bin, dir, err := workspace(o.bin, "passerelle-flood-")
	if err != nil {
		return false, err
	}
	defer func() {
		if o.keep || failed || err != nil {
			fmt.Fprintf(out, "\nflood logs kept in %s\n", dir)
			return
		}
		_ = os.RemoveAll(dir)
	}()
	provider, err := startStandin("slow", newPhrasebook())
	if err != nil {
		return false, err
	}
	defer provider.close()
	provider.setDelay(providerDelay)
	redis, err := startRedis(ctx, dir)
	if err != nil {
		return false, err
	}
	defer redis.Kill()
	f := &flood{bin: bin, dir: dir, redisURL: redis.URL(), provider: provider, guard: o.rssGuard,
		length: o.floodLength, seed: o.seed, out: out, began: time.Now()}
	f.number.Store(50_000_000)
	rng := rand.New(rand.NewPCG(o.seed, 7))
	pages, err := startPageServer(newsPage(rng, f.next, 4_700_000))
	if err != nil {
		return false, err
	}
	defer pages.close()
	f.pages = pages
	fmt.Fprintf(out, "\nflood: a fresh gateway (%s, default configuration) per scenario, redis-server 127.0.0.1:%d, provider stand-in %s answering after %v, page server %s; a gateway is killed when its RSS reaches %s\n",
		o.bin, redis.Port, provider.url, providerDelay, pages.url, mib(o.rssGuard))

	var all []*scenarioStats
	var reasons []string
	for _, sc := range floodScenarios(o.floodLength) {
		if only != nil && !only[sc.name] {
			continue
		}
		if sc.name == "slow-connections" {
			// Below the connections opened, so that a gateway that does not
			// bound its connections runs out of descriptors.
			sc.nofile = slowConnTarget() * 4 / 5
			sc.what += fmt.Sprintf(" (%d connections; the gateway's descriptor limit %d)", slowConnTarget(), sc.nofile)
		}
		s, err := f.runScenario(ctx, sc)
		if err != nil {
			return false, fmt.Errorf("flood %s: %w", sc.name, err)
		}
		all = append(all, s)
		for _, why := range s.failures() {
			reasons = append(reasons, sc.name+": "+why)
		}
	}
	if shutdown {
		res, err := f.shutdownDuringBatch(ctx)
		if err != nil {
			return false, fmt.Errorf("shutdown-batch: %w", err)
		}
		for _, why := range res.problems {
			reasons = append(reasons, "shutdown-batch: "+why)
		}
	}
	if len(all) > 0 {
		fmt.Fprintf(out, "\n%-17s %6s %6s %8s %6s %10s %12s %12s  %s\n", "scenario", "sent", "200", "503 ovl", "other", "peak RSS", "healthz p50", "healthz max", "verdict")
		for _, s := range all {
			p50, worst := percentile(slices.Clone(s.health), 50), time.Duration(0)
			if len(s.health) > 0 {
				worst = slices.Max(s.health)
			}
			verdict := "pass"
			if len(s.failures()) > 0 {
				verdict = "FAIL"
			}
			if s.guardKill {
				verdict += " (killed by the guard)"
			}
			failedProbes := ""
			if n := sumCounts(s.healthBad); n > 0 {
				failedProbes = fmt.Sprintf(", %d probes unanswered", n)
			}
			fmt.Fprintf(out, "%-17s %6d %6d %8d %6d %10s %12v %12v  %s%s\n", s.name, s.sent, s.ok, s.overloaded, s.otherCount(),
				mib(s.peak), p50.Round(time.Millisecond), worst.Round(time.Millisecond), verdict, failedProbes)
		}
		top := all[0]
		for _, s := range all {
			if s.peak > top.peak {
				top = s
			}
		}
		fmt.Fprintf(out, "\nflood peak RSS                      %s (%s); bound %s\n", mib(top.peak), top.name, mib(rssBound))
	}
	if len(reasons) > 0 {
		fmt.Fprintf(out, "\nFAIL (flood): %s\n", strings.Join(reasons, "; "))
		return true, nil
	}
	var held []string
	if len(all) > 0 {
		held = append(held, fmt.Sprintf("memory under %s, /healthz under %v, every request answered 200 or 503 overloaded", mib(rssBound), healthBound))
	}
	if shutdown {
		held = append(held, "the batch cut by SIGTERM answered whole")
	}
	fmt.Fprintf(out, "\nPASS (flood): %s\n", strings.Join(held, "; "))
	return false, nil
}
