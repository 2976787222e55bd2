// Command chaos runs two gateway processes under load while it breaks what
// they depend on, and says whether any client paid for it; then it floods a
// gateway as a hostile client would, and stops one in the middle of a long
// batch. `make chaos` builds bin/passerelle and runs it; everything listens
// on 127.0.0.1 only, and the run stops by itself within about five minutes.
// -phases picks parts of it: faults (the two gateways, below), the flood's
// scenarios by name or all of them (flood), shutdown-batch and jobs.
//
// # Set-up
//
// The run starts its own redis-server on a free port (never 6379), two
// OpenAI-compatible stand-ins (a primary and a fallback, see standin.go) and
// two gateway processes, gateway-a and gateway-b, from the real binary,
// sharing that Redis. The configuration it writes (in a temporary directory,
// with the logs of every process) is the production path: auth on with one
// API key, the Redis cache, translation by the primary with the fallback
// behind it, a 1s provider timeout, two attempts per provider, a breaker that
// opens after 5 failures for 2s.
//
// # Load
//
// Eight workers send at most 150 requests a second, to a replica chosen at
// random: 45% articles never sent (misses), 40% articles already answered
// (hits), 15% answered articles with their last paragraph replaced (partial
// hits), on /v1/articles and /v1/translate. Every 2s a burst sends one new
// article 16 times at once, alternately to each replica (coalescing: the
// providers should see it once), and one request with a wrong key (401).
// A request a replica does not answer because it refuses the connection, or
// closes or resets it before a byte of answer, is sent to the other replica,
// as a load balancer would; the closing replica's log then says whether it
// had handled the request (an answer lost) or never read it.
// Articles are made of French phrases with numbers never used before, which
// the stand-ins translate into English that passes the gateway's output
// checks, so every answer is checked word for word.
//
// # Phases
//
//   - warm-up (6s): no fault.
//   - redis-outage (11s): at +1s Redis is killed (SIGKILL); at +5s it is
//     started again, empty, on the same port. Requests must go on through the
//     providers, and caching must resume by itself.
//   - provider-faults (13s): the primary answers half its calls with 500, 429
//     (Retry-After: 1) or a hang past the timeout (+0s), then hangs on every
//     call (+4s), then answers 500 to every call (+7s), then recovers (+10s).
//     The fallback must serve whatever the primary does not.
//   - gateway-restart (10s): the primary answers after 400ms, so requests are
//     in flight; at +2s gateway-b gets SIGTERM, and is started again on the
//     same port at +5s. Requests in flight on it must complete (graceful
//     shutdown); requests refused while it is down go to gateway-a.
//   - cool-down (5s): no fault; the primary serves again.
//
// # Figures and exit status
//
// The run prints, per phase and in total, requests sent, succeeded and failed
// (by status), requests rerouted from the stopped replica and answered by the
// other (counted apart: they are provoked), cache statuses (X-Cache), which
// provider served, latency; the requests in flight on gateway-b when it got
// SIGTERM and how they ended; the stand-ins' calls by fault; duplicated
// provider calls, that is texts (a title or a paragraph, the unit the cache
// keeps) a provider answered more than once with no outage of Redis between
// the two calls or in the second after it; the cache failures the gateways
// logged before, during and after the outage; /readyz as seen during each
// phase; the warnings and errors of the gateways' logs; the pauses of the
// run's own process over 300ms (on a busy machine every process stalls
// together, and cache timeouts then expire with Redis up).
//
// It exits 1 when any request with the valid key did not end with a 2xx
// carrying its article's translation (every provider fault leaves a healthy
// fallback, and every stopped replica leaves the other: a 5xx, a 429 or no
// answer is a failure a fallback could have served, another 4xx one the run
// did not provoke), when a replica shutting down handled a request and closed
// the connection without the answer, when a wrong key was not refused with
// 401, when gateway-b did not exit with status 0 after SIGTERM, when a
// segment reached a stand-in that is not one of the run's phrases, or when an
// API key appears in a log. It exits 2 when the run itself could not be set up
// (no redis-server, no binary, a process that does not start). Duplicated
// provider calls are printed, with examples, but do not fail the run.
//
// # Flood
//
// Each scenario starts a fresh gateway from the binary, in its default
// configuration apart from the run's Redis, a provider stand-in that answers
// every call after 2.5s, and the run's page server allowed for "url" input
// (flood.go):
//
//   - extract-html: 12 clients post ~0.9 MB French news pages to
//     /v1/extract, again and again for -flood-time.
//   - fetch-url: 8 clients post {"url": …} of a ~4.7 MB page on the run's
//     page server to /v1/extract, again and again.
//   - batch-6mb, batch-8mb: 32 clients post at once a ~6 MB translate batch
//     of 100 articles, then 40 clients a ~8 MB one (request_timeout 20s,
//     so that the batches end within the run).
//   - slow-connections: thousands of idle or trickling connections, more
//     than the gateway's file descriptors (it is started with a lower limit
//     than this process's), held for -flood-time.
//
// Throughout, the gateway's VmRSS and VmHWM are read from /proc every 100ms
// and /healthz is asked every 200ms on a new connection. A scenario fails
// when the peak RSS reaches 1 GiB, when a probe fails or takes 1s or more,
// or when an API request ends otherwise than with 200 (a whole reply) or 503
// overloaded with Retry-After: a dropped connection, an empty reply, another
// status. A gateway whose RSS reaches -rss-guard is killed, and the scenario
// fails, so that the machine running the run is never in danger.
//
// shutdown-batch sends a batch of 80 articles to a fresh gateway in its
// default configuration (request_timeout 180s, shutdown_grace 30s; 4
// articles at a time, a provider call of 2.5s each, so the batch outlasts
// the grace) and SIGTERM 2s later: the client must get a 200 with one result
// per article, each its translation or 503 shutting_down, before the
// process exits.
//
// The run prints, per scenario, the requests sent, answered 200, refused
// 503 overloaded and ended otherwise, the peak RSS and the /healthz latency
// (p50, max), then the peak RSS of the whole flood.
//
// # Jobs
//
// The jobs phase (jobs.go) starts its own redis-server with the append-only
// file on (appendfsync everysec), a provider stand-in answering every call
// in 250ms, and gateway-a and gateway-b with 4 job workers each and a 3s
// visibility timeout. It submits a job of 400 articles and a second one of
// 300, each article a title and two paragraphs of the run's phrases with
// numbers of their own, so that every call the stand-in receives is put down
// to its job and article. As the first job's count passes 15% gateway-a is
// SIGKILLed and gateway-c started; at 25% the second job is cancelled
// (DELETE); at 40% redis-server is SIGKILLed and started again on its
// append-only file; at 60% gateway-b gets SIGTERM. The phase fails unless
// the first job ends done with exactly one result line per article, each the
// article's translation; its provider calls are at most its articles plus
// the calls in flight at the SIGKILL of gateway-a plus those in flight at
// the SIGKILL of Redis (the stand-in sees every call, from either replica:
// the bound is an upper one); the second job ends cancelled and no call of
// its articles began after DELETE returned; and gateway-b exits 0.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"passerelle/internal/testenv"
)

// Flags of the run.
type options struct {
	bin     string
	seed    uint64
	workers int
	rate    int
	keep    bool
	grace   time.Duration
	phases  string

	rssGuard    int64         // bytes of RSS at which a flood gateway is killed
	floodLength time.Duration // how long the repeating scenarios last
}

func main() {
	var o options
	flag.StringVar(&o.bin, "bin", "bin/passerelle", "the gateway binary (make build)")
	flag.Uint64Var(&o.seed, "seed", 1, "seed of the load's choices")
	flag.IntVar(&o.workers, "workers", 8, "concurrent clients")
	flag.IntVar(&o.rate, "rate", 150, "requests per second, at most, besides bursts")
	flag.BoolVar(&o.keep, "keep", false, "keep the logs directory even when the run passes")
	flag.DurationVar(&o.grace, "grace", 10*time.Second, "the gateways' shutdown grace; shorter than a provider call, a stopped gateway drops requests")
	flag.StringVar(&o.phases, "phases", "all", "comma-separated: faults, flood (every flood scenario) or "+strings.Join(floodNames(), ", ")+", shutdown-batch, jobs; all")
	guardMiB := flag.Int64("rss-guard", 2048, "MiB of RSS at which a flood gateway is killed, so that the machine is never in danger")
	flag.DurationVar(&o.floodLength, "flood-time", 20*time.Second, "how long each repeating flood scenario lasts")
	flag.Parse()
	o.rssGuard = *guardMiB << 20
	sel, err := parsePhases(o.phases)
	if err != nil {
		fmt.Fprintln(os.Stderr, "chaos:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	code := 0
	if sel.faults {
		failed, err := run(ctx, o, os.Stdout)
		code = max(code, exitCode(failed, err))
	}
	if ctx.Err() == nil && (sel.shutdown || sel.flood == nil || len(sel.flood) > 0) {
		failed, err := runFlood(ctx, o, sel.flood, sel.shutdown, os.Stdout)
		code = max(code, exitCode(failed, err))
	}
	if ctx.Err() == nil && sel.jobs {
		failed, err := runJobs(ctx, o, os.Stdout)
		code = max(code, exitCode(failed, err))
	}
	os.Exit(code)
}

// exitCode is 2 when a part of the run could not run, 1 when it failed.
func exitCode(failed bool, err error) int {
	switch {
	case err != nil:
		fmt.Fprintln(os.Stderr, "chaos:", err)
		return 2
	case failed:
		return 1
	}
	return 0
}

// selection is the parts of the run that -phases picks.
type selection struct {
	faults   bool
	flood    map[string]bool // scenarios to run; nil: all of them
	shutdown bool
	jobs     bool
}

// floodNames are the flood's scenarios, in order.
func floodNames() []string {
	var names []string
	for _, sc := range floodScenarios(0) {
		names = append(names, sc.name)
	}
	return names
}

// parsePhases reads -phases.
func parsePhases(s string) (selection, error) {
	sel := selection{flood: map[string]bool{}}
	known := map[string]bool{}
	for _, n := range floodNames() {
		known[n] = true
	}
	for _, name := range strings.Split(s, ",") {
		switch name = strings.TrimSpace(name); {
		case name == "all":
			return selection{faults: true, shutdown: true, jobs: true}, nil
		case name == "faults":
			sel.faults = true
		case name == "flood":
			sel.flood = nil
		case name == "shutdown-batch":
			sel.shutdown = true
		case name == "jobs":
			sel.jobs = true
		case known[name]:
			if sel.flood != nil {
				sel.flood[name] = true
			}
		default:
			return selection{}, fmt.Errorf("-phases: unknown %q: want all, faults, flood, %s, shutdown-batch or jobs", name, strings.Join(floodNames(), ", "))
		}
	}
	return sel, nil
}

// run sets up, drives the schedule and prints the report; it returns whether
// the run failed its criteria, or an error when it could not run.
func run(ctx context.Context, o options, out io.Writer) (failed bool, err error) {
	schedule := defaultSchedule()
	if err := validateSchedule(schedule, 2, 60*time.Second); err != nil {
		return false, fmt.Errorf("schedule: %w", err)
	}
	bin, dir, err := workspace(o.bin, "passerelle-chaos-")
	if err != nil {
		return false, err
	}
	defer leaveWorkspace(out, dir, o.keep, &failed, &err)

	key, keyHash, err := newAPIKey()
	if err != nil {
		return false, err
	}
	book := newPhrasebook()
	primary, err := startStandin("primary", book)
	if err != nil {
		return false, err
	}
	defer primary.close()
	fallback, err := startStandin("fallback", book)
	if err != nil {
		return false, err
	}
	defer fallback.close()

	redis, err := startRedis(ctx, dir)
	if err != nil {
		return false, err
	}
	defer redis.Kill()

	cfgPath := filepath.Join(dir, "passerelle.yaml")
	if err := os.WriteFile(cfgPath, []byte(configYAML(redis.URL(), primary.url, fallback.url, keyHash, o.grace)), 0o600); err != nil {
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
	for i := range 2 {
		port, err := testenv.LoopbackPort()
		if err != nil {
			return false, err
		}
		g := &gatewayProcess{name: replicaName(i), bin: bin, port: port, env: env, logDir: dir}
		gateways = append(gateways, g)
		if err := g.start(ctx); err != nil {
			return false, err
		}
	}
	fmt.Fprintf(out, "chaos: %s and %s (%s) sharing redis-server 127.0.0.1:%d; primary %s, fallback %s; seed %d\n",
		gateways[0].url(), gateways[1].url(), o.bin, redis.Port, primary.url, fallback.url, o.seed)

	var current atomic.Value
	current.Store(schedule[0].name)
	phaseNow := func() string { return current.Load().(string) }
	urls := []string{gateways[0].url(), gateways[1].url()}
	load := newLoader(loadConfig{workers: o.workers, rate: o.rate, burstEvery: 2 * time.Second, burstSize: 16, seed: o.seed},
		urls, key, phaseNow)
	probe := &readinessProbe{urls: urls, phase: phaseNow}

	loadCtx, stopLoad := context.WithCancel(ctx)
	defer stopLoad()
	loadDone := make(chan struct{})
	go func() { load.run(loadCtx); close(loadDone) }()
	probeDone := make(chan struct{})
	go func() { probe.run(loadCtx, 250*time.Millisecond); close(probeDone) }()
	pauses := &pauseMonitor{}
	go pauses.run(loadCtx, 50*time.Millisecond, 300*time.Millisecond)

	ev := &events{}
	began := time.Now()
	actual := map[string]time.Duration{}
	for _, p := range schedule {
		current.Store(p.name)
		start := time.Now()
		fmt.Fprintf(out, "%6.1fs  phase %s\n", time.Since(began).Seconds(), p.name)
		for _, s := range p.steps {
			if err := sleepUntil(ctx, start.Add(s.at)); err != nil {
				return false, err
			}
			if err := ev.do(ctx, s, redis, gateways, primary); err != nil {
				return false, fmt.Errorf("phase %s, %s: %w", p.name, s, err)
			}
			fmt.Fprintf(out, "%6.1fs    %s\n", time.Since(began).Seconds(), ev.last)
		}
		if err := sleepUntil(ctx, start.Add(p.length)); err != nil {
			return false, err
		}
		actual[p.name] = time.Since(start)
	}
	stopLoad()
	<-loadDone
	<-probeDone
	fmt.Fprintf(out, "%6.1fs  load stopped, every request answered\n", time.Since(began).Seconds())

	for _, g := range gateways {
		if err := g.terminate(); err == nil {
			if err := g.wait(15 * time.Second); err != nil {
				ev.problems = append(ev.problems, fmt.Sprintf("%s at the end: %v", g.name, err))
			}
		}
	}
	results := load.snapshot()
	watch := map[string]string{}
	for _, res := range results {
		if res.closed {
			watch[res.id] = replicaName(res.replica)
		}
	}
	logs := scanLogs(dir, []string{key, "sk-chaos-primary", "sk-chaos-fallback"}, watch)
	for i := range results {
		results[i].dropped = results[i].closed && logs.handled[results[i].id]
	}
	primaryCalls, primaryUnknown := primary.callLog()
	fallbackCalls, fallbackUnknown := fallback.callLog()
	rep := &report{
		schedule:  schedule,
		actual:    actual,
		results:   results,
		calls:     append(primaryCalls, fallbackCalls...),
		unknown:   primaryUnknown + fallbackUnknown,
		events:    ev,
		readiness: probe.snapshot(),
		pauses:    pauses.snapshot(),
		logs:      logs,
		elapsed:   time.Since(began),
	}
	return rep.print(out), nil
}

// sleepUntil waits until t, or returns ctx's error.
func sleepUntil(ctx context.Context, t time.Time) error {
	timer := time.NewTimer(time.Until(t))
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}

// leaveWorkspace removes a run's folder of logs and configuration, unless it
// is to be kept or the run failed or could not run: then it says where it is.
func leaveWorkspace(out io.Writer, dir string, keep bool, failed *bool, err *error) {
	if keep || *failed || *err != nil {
		fmt.Fprintf(out, "\nlogs kept in %s\n", dir)
		return
	}
	_ = os.RemoveAll(dir)
}
