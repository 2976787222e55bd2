package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"passerelle/article"
	"passerelle/internal/testenv"
)

// Names the configuration gives the stand-in's two faces.
const (
	fastProvider = "standin" // answers at once
	slowProvider = "slow"    // answers after -delay
	// slowMaxBatch and slowConcurrency make the long article travel in
	// several batches, a few at a time.
	slowMaxBatch    = 600
	slowConcurrency = 4
	standinModel    = "gpt-4o-mini"
	baselineKey     = "bench:baseline:reply"
)

// bench is one run of the harness: the servers it started and what it knows
// about them.
type bench struct {
	opts      options
	dir       string // configuration files and logs
	log       io.Writer
	keepFiles bool
	procs     []*proc

	standin    *standIn
	standinURL string
	standinSrv *http.Server

	redis    *testenv.Redis // the run's own, without persistence
	redisURL string
	auth     http.Header // the API key, as clients send it
	keyHash  string

	seedText string
	seed     article.Document

	debugURL string // the gateway's profiler, with -profile
}

func (b *bench) close() {
	for _, p := range slices.Backward(b.procs) {
		p.stop()
	}
	if b.redis != nil {
		b.redis.Kill()
	}
	if b.standinSrv != nil {
		_ = b.standinSrv.Close()
	}
	if b.keepFiles || b.opts.keep {
		fmt.Fprintf(b.log, "bench: configuration and logs kept in %s\n", b.dir)
		return
	}
	_ = os.RemoveAll(b.dir)
}

func (b *bench) progress(format string, args ...any) {
	fmt.Fprintf(b.log, "bench: "+format+"\n", args...)
}

// all runs every phase in order and returns the rows of the table.
func (b *bench) all(ctx context.Context) ([]row, error) {
	raw, err := os.ReadFile(b.opts.seed)
	if err != nil {
		return nil, fmt.Errorf("read the seed article (run from the repository root): %w", err)
	}
	b.seedText = string(raw)
	b.seed = article.Parse("", b.seedText)
	if _, err := os.Stat(b.opts.gateway); err != nil {
		return nil, fmt.Errorf("no gateway binary at %s: run `make build` first", b.opts.gateway)
	}
	if err := b.startStandIn(); err != nil {
		return nil, err
	}
	b.redis, err = testenv.RunRedis(ctx, filepath.Join(b.dir, "redis.log"))
	if err != nil {
		return nil, err
	}
	b.redisURL = b.redis.URL()
	if err := b.newKey(); err != nil {
		return nil, err
	}

	run := b.opts.phases
	var rows []row
	if run[jobsPhaseName] {
		jobRows, err := b.jobsPhase(ctx)
		if err != nil {
			return nil, err
		}
		rows = append(rows, jobRows...)
		if len(run) == 1 {
			return rows, nil
		}
		for _, p := range b.procs {
			p.stop()
		}
	}

	gw, gwURL, err := b.startGateway(ctx, "redis", "redis", 0)
	if err != nil {
		return nil, err
	}
	time.Sleep(300 * time.Millisecond) // let start-up garbage be collected
	idle, err := rss(gw.pid())
	if err != nil {
		return nil, err
	}

	var rssRows []row
	const idleFloor, loadFloor = 60e6, 250e6
	rssRows = append(rssRows, judged("6", "RSS idle (Redis cache)", mb(idle), ratio(float64(idle), idleFloor), "<= 60MB", idle <= idleFloor))
	peakRow := func(what string, peak int64) row {
		return judged("6", what, mb(peak), ratio(float64(peak), loadFloor), "<= 250MB", peak <= loadFloor)
	}
	if run["hit"] {
		b.progress("hit path (gateway %s, Redis %s)", gwURL, b.redisURL)
		hitRows, hitPeak, err := b.hitPath(ctx, gw, gwURL)
		if err != nil {
			return nil, err
		}
		rows = append(rows, hitRows...)
		rssRows = append(rssRows, peakRow("RSS peak under hit load", hitPeak))
	}
	if run["miss"] {
		b.progress("miss path")
		missRows, missPeak, err := b.missPath(ctx, gw, gwURL)
		if err != nil {
			return nil, err
		}
		rows = append(rows, missRows...)
		rssRows = append(rssRows, peakRow("RSS peak under miss load", missPeak))
	}
	if run["long"] {
		b.progress("long article")
		longRows, err := b.longArticle(ctx, gwURL)
		if err != nil {
			return nil, err
		}
		rows = append(rows, longRows...)
	}
	if run["cost"] {
		b.progress("cost of a resend")
		costRows, err := b.cost(ctx, gwURL)
		if err != nil {
			return nil, err
		}
		rows = append(rows, costRows...)
	}
	gw.stop()
	rows = append(rows, rssRows...)

	if run["memory"] {
		b.progress("memory cache bound")
		memRows, err := b.memoryBound(ctx)
		if err != nil {
			return nil, err
		}
		rows = append(rows, memRows...)
	}
	return rows, nil
}

func (b *bench) startStandIn() error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	b.standin = &standIn{}
	b.standinURL = "http://" + ln.Addr().String()
	b.standinSrv = &http.Server{Handler: b.standin, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = b.standinSrv.Serve(ln) }()
	return nil
}

// newKey makes the one API key of the run: the gateway gets its hash.
func (b *bench) newKey() error {
	var raw [24]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return err
	}
	key := "psl_" + hex.EncodeToString(raw[:])
	sum := sha256.Sum256([]byte(key))
	b.keyHash = hex.EncodeToString(sum[:])
	b.auth = http.Header{"Authorization": {"Bearer " + key}}
	return nil
}

// startGateway writes a configuration and starts the gateway with it. The
// configuration is the production path: auth on, metrics and an access log
// line per request at info level, in JSON.
func (b *bench) startGateway(ctx context.Context, name, backend string, memBytes int64) (*proc, string, error) {
	port, err := testenv.LoopbackPort()
	if err != nil {
		return nil, "", err
	}
	limits := ""
	if b.opts.rateLimits {
		// Far above what the run sends: the cost of checking is measured,
		// never a refusal.
		limits = ", limits: {requests_per_minute: 100000000, characters_per_day: 1000000000000}"
	}
	if memBytes <= 0 {
		memBytes = 256 << 20
	}
	runtimeSettings := ""
	if backend == "memory" {
		// The memory-cache run checks the cache's byte bound through the
		// process's RSS: at Go's default target the heap follows what is
		// live closely, where the gateway's default (400) lets garbage
		// grow to four times it, and how much of it is resident at the
		// sampled peak then depends on when the collector last ran.
		runtimeSettings = "\n  gc_percent: 100"
	}
	if b.opts.gomaxprocs > 0 {
		runtimeSettings += fmt.Sprintf("\n  gomaxprocs: %d", b.opts.gomaxprocs)
	}
	debug := ""
	if b.opts.profileDir != "" {
		debugPort, err := testenv.LoopbackPort()
		if err != nil {
			return nil, "", err
		}
		debug = fmt.Sprintf("\n  debug_addr: \"127.0.0.1:%d\"", debugPort)
		b.debugURL = fmt.Sprintf("http://127.0.0.1:%d", debugPort)
	}
	cfg := strings.NewReplacer(
		"$PORT", strconv.Itoa(port),
		"$BACKEND", backend,
		"$MEMBYTES", strconv.FormatInt(memBytes, 10),
		"$REDIS", strconv.Quote(b.redisURL),
		// Longer names first: the replacer tries them in this order.
		"$FASTURL", strconv.Quote(b.standinURL+"/v1"),
		"$SLOWURL", strconv.Quote(fmt.Sprintf("%s/delay/%d/v1", b.standinURL, b.opts.delay.Milliseconds())),
		"$SLOWCONC", strconv.Itoa(slowConcurrency),
		"$SLOWBATCH", strconv.Itoa(slowMaxBatch),
		"$FAST", fastProvider,
		"$SLOW", slowProvider,
		"$MODEL", standinModel,
		"$KEYHASH", b.keyHash,
		"$LIMITS", limits,
		"$DEBUG", debug+runtimeSettings,
	).Replace(`server:
  addr: "127.0.0.1:$PORT"$DEBUG
cache:
  backend: $BACKEND
  memory: {max_bytes: $MEMBYTES}
  redis: {url: $REDIS}
translation: {provider: $FAST, allow_override: [$FAST, $SLOW]}
summarization: {provider: extractive}
providers:
  $FAST: {type: openai, base_url: $FASTURL, api_key: sk-bench, model: $MODEL, timeout: 30s, max_concurrency: 64}
  $SLOW: {type: openai, base_url: $SLOWURL, api_key: sk-bench, model: $MODEL, timeout: 30s,
    max_concurrency: $SLOWCONC, max_batch: $SLOWBATCH}
  extractive: {type: extractive}
auth:
  enabled: true
  keys:
    - {name: bench, sha256: $KEYHASH$LIMITS}
log: {level: info, format: json}
`)
	return b.launch(ctx, name, cfg, port)
}

// post sends one request and returns the reply's body and header; a status
// other than 200 is an error that quotes the body.
func post(ctx context.Context, c *http.Client, url string, body []byte, header http.Header) ([]byte, http.Header, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, nil, err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	reply, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, nil, fmt.Errorf("POST %s: status %d: %s", url, resp.StatusCode, bytes.TrimSpace(reply))
	}
	return reply, resp.Header, nil
}

// wantCache checks the X-Cache header of a gateway reply.
func wantCache(status string) func(http.Header) error {
	return func(h http.Header) error {
		if got := h.Get("X-Cache"); got != status {
			return fmt.Errorf("X-Cache %q, want %q", got, status)
		}
		return nil
	}
}

func withHeader(h http.Header, kv ...string) http.Header {
	out := h.Clone()
	for i := 0; i+1 < len(kv); i += 2 {
		out.Set(kv[i], kv[i+1])
	}
	return out
}

// interleave runs each target for the phase, split in rounds that alternate
// between targets, after a short warm-up of each; it returns one merged
// result per target.
func (b *bench) interleave(ctx context.Context, targets []target, clients []*http.Client, concurrency int, first *int) []result {
	round := b.opts.phase / time.Duration(b.opts.rounds)
	for i, t := range targets {
		closedLoop(ctx, clients[i], t, concurrency, 0, min(round/3, 300*time.Millisecond), *first)
		*first += 1 << 20 // room for every request of a phase: distinct articles stay distinct
	}
	out := make([]result, len(targets))
	for range b.opts.rounds {
		for i, t := range targets {
			out[i].merge(closedLoop(ctx, clients[i], t, concurrency, 0, round, *first))
			*first += 1 << 20
		}
	}
	return out
}

// hitPath measures POST /v1/articles of the cached seed against the
// baseline answering the same request with one Redis GET of the same bytes.
func (b *bench) hitPath(ctx context.Context, gw *proc, gwURL string) ([]row, int64, error) {
	body := articleBody(b.seedText)
	c := newClient(1)
	if _, _, err := post(ctx, c, gwURL+"/v1/articles", body, b.auth); err != nil {
		return nil, 0, err
	}
	reply, hdr, err := post(ctx, c, gwURL+"/v1/articles", body, b.auth)
	if err != nil {
		return nil, 0, err
	}
	if err := wantCache("HIT")(hdr); err != nil {
		return nil, 0, fmt.Errorf("the seed sent twice: %w", err)
	}
	opts, err := redis.ParseURL(b.redisURL)
	if err != nil {
		return nil, 0, err
	}
	rdb := redis.NewClient(opts)
	defer rdb.Close()
	if err := rdb.Set(ctx, baselineKey, reply, 0).Err(); err != nil {
		return nil, 0, err
	}
	// How many Redis commands one hit costs, from the server's own count,
	// before anything else talks to it.
	const probes = 200
	before, err := redisCommands(ctx, rdb)
	if err != nil {
		return nil, 0, err
	}
	for range probes {
		if _, _, err := post(ctx, c, gwURL+"/v1/articles", body, b.auth); err != nil {
			return nil, 0, err
		}
	}
	after, err := redisCommands(ctx, rdb)
	if err != nil {
		return nil, 0, err
	}
	// The INFO call itself is a command.
	perHit := float64(after-before-1) / probes
	base, baseURL, err := startBaseline(b.dir, b.redisURL, baselineKey)
	if err != nil {
		return nil, 0, err
	}
	b.procs = append(b.procs, base)
	defer base.stop()

	n := b.opts.concurrency
	targets := []target{
		{name: "gateway", url: gwURL + "/v1/articles", header: b.auth, body: fixedBody(body), check: wantCache("HIT"), pid: gw.pid()},
		{name: "baseline", url: baseURL + "/v1/articles", body: fixedBody(body), pid: base.pid()},
	}
	clients := []*http.Client{newClient(n), newClient(n)}
	sampler := sampleRSS(gw.pid(), 50*time.Millisecond)
	profiled := b.profileCPU(ctx, "hit", 2*b.opts.phase)
	first := 0
	res := b.interleave(ctx, targets, clients, n, &first)
	profiled()
	g, bl := &res[0], &res[1]

	// Open loop at half the slower server's closed-loop throughput: both
	// keep up, so the tail is the servers' own, not a queue's.
	rate := min(g.throughput(), bl.throughput()) / 2
	var og, ob result
	round := b.opts.phase / time.Duration(b.opts.rounds)
	for range b.opts.rounds {
		og.merge(openLoop(ctx, clients[0], targets[0], rate, round, 4*n))
		ob.merge(openLoop(ctx, clients[1], targets[1], rate, round, 4*n))
	}
	peak := sampler.end()

	conc := fmt.Sprintf("c=%d", n)
	rows := []row{
		judged("1", "hit throughput, closed loop "+conc,
			fmt.Sprintf("gateway %.0f req/s, baseline %.0f req/s%s", g.throughput(), bl.throughput(), errNote(g, bl)),
			ratio(g.throughput(), bl.throughput()), ">= 0.80", g.errors == 0 && g.throughput() >= 0.8*bl.throughput()),
		judged("1", "hit p99, closed loop "+conc,
			fmt.Sprintf("gateway %s (p50 %s), baseline %s (p50 %s)", dur(g.p(99)), dur(g.p(50)), dur(bl.p(99)), dur(bl.p(50))),
			ratio(float64(g.p(99)), float64(bl.p(99))), "<= 1.50", g.errors == 0 && float64(g.p(99)) <= 1.5*float64(bl.p(99))),
		info("1", fmt.Sprintf("hit p99, open loop %.0f req/s", rate),
			fmt.Sprintf("gateway %s (p50 %s), baseline %s (p50 %s)%s", dur(og.p(99)), dur(og.p(50)), dur(ob.p(99)), dur(ob.p(50)), errNote(&og, &ob)),
			ratio(float64(og.p(99)), float64(ob.p(99)))),
		info("1", "server CPU per hit, closed loop "+conc,
			fmt.Sprintf("gateway %s, baseline %s (user+system, from /proc)", dur(g.cpuPerRequest()), dur(bl.cpuPerRequest())),
			ratio(float64(g.cpuPerRequest()), float64(bl.cpuPerRequest()))),
		info("1", "Redis commands per hit", fmt.Sprintf("gateway %.2f, baseline 1 (GET)", perHit), ratio(perHit, 1)),
	}
	return rows, peak, nil
}

// profileCPU takes a CPU profile of the gateway for about d, with
// -profile, into NAME.cpu.pprof; the function it returns waits for it.
func (b *bench) profileCPU(ctx context.Context, name string, d time.Duration) (wait func()) {
	if b.debugURL == "" {
		return func() {}
	}
	seconds := max(1, int(d.Round(time.Second)/time.Second))
	done := make(chan struct{})
	go func() {
		defer close(done)
		url := fmt.Sprintf("%s/debug/pprof/profile?seconds=%d", b.debugURL, seconds)
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.progress("profile %s: %v", name, err)
			return
		}
		defer resp.Body.Close()
		path := filepath.Join(b.opts.profileDir, name+".cpu.pprof")
		f, err := os.Create(path)
		if err != nil {
			b.progress("profile %s: %v", name, err)
			return
		}
		defer f.Close()
		if _, err := io.Copy(f, resp.Body); err != nil {
			b.progress("profile %s: %v", name, err)
			return
		}
		b.progress("CPU profile of the %s load: %s (go tool pprof -top %s %s)", name, path, b.opts.gateway, path)
	}()
	return func() { <-done }
}

// redisCommands returns the commands the server has processed, from INFO.
func redisCommands(ctx context.Context, rdb *redis.Client) (int64, error) {
	info, err := rdb.Info(ctx, "stats").Result()
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "total_commands_processed:"); ok {
			return strconv.ParseInt(v, 10, 64)
		}
	}
	return 0, fmt.Errorf("no total_commands_processed in INFO stats")
}

// missPath measures the gateway translating distinct articles through the
// zero-latency stand-in against the stand-in called directly with the chat
// completion the gateway sends it, and the Portkey gateway proxying that
// same chat completion, one request at a time. A do-nothing proxy, sent the
// same articles, makes one Redis GET and sends the stand-in that same chat
// completion: its added latency (an INFO row) is what loopback, Redis and
// net/http cost on this machine, the least any gateway adds.
func (b *bench) missPath(ctx context.Context, gw *proc, gwURL string) ([]row, int64, error) {
	bodyOf := func(i int) []byte { return articleBody(docText(variant(b.seed, fmt.Sprintf("dépêche %d", i)))) }
	c := newClient(1)
	b.standin.startCapture()
	if _, _, err := post(ctx, c, gwURL+"/v1/translate", articleBody(docText(variant(b.seed, "capture 1"))), b.auth); err != nil {
		return nil, 0, err
	}
	chat := b.standin.capturedBody()
	if chat == nil {
		return nil, 0, fmt.Errorf("the gateway did not call the stand-in for a new article")
	}
	chatPath := filepath.Join(b.dir, "miss-chat.json")
	if err := os.WriteFile(chatPath, chat, 0o600); err != nil {
		return nil, 0, err
	}
	px, pxURL, err := startProxy(b.dir, b.redisURL, b.standinURL+"/v1/chat/completions", chatPath)
	if err != nil {
		return nil, 0, err
	}
	b.procs = append(b.procs, px)
	defer px.stop()
	upstreamAuth := http.Header{"Authorization": {"Bearer sk-bench"}}
	targets := []target{
		{name: "direct", url: b.standinURL + "/v1/chat/completions", header: upstreamAuth, body: fixedBody(chat)},
		{name: "gateway", url: gwURL + "/v1/translate", header: b.auth, body: bodyOf, check: wantCache("MISS"), pid: gw.pid()},
		// The same articles and API key as the gateway: the same bytes in.
		{name: "proxy", url: pxURL + "/v1/translate", header: b.auth, body: bodyOf, pid: px.pid()},
	}
	var peerErr error
	if b.opts.peer {
		pk, pkURL, err := startPortkey(ctx, mustPortkeyDir(), b.dir)
		if err != nil {
			peerErr = err
		} else {
			b.procs = append(b.procs, pk)
			defer pk.stop()
			targets = append(targets, target{name: "portkey", url: pkURL + "/v1/chat/completions",
				header: withHeader(upstreamAuth, "x-portkey-provider", "openai", "x-portkey-custom-host", b.standinURL+"/v1"),
				body:   fixedBody(chat)})
		}
	} else {
		peerErr = fmt.Errorf("-peer=false")
	}
	clients := make([]*http.Client, len(targets))
	for i := range clients {
		clients[i] = newClient(1)
	}
	sampler := sampleRSS(gw.pid(), 50*time.Millisecond)
	profiled := b.profileCPU(ctx, "miss", time.Duration(len(targets))*b.opts.phase)
	first := 1
	res := b.interleave(ctx, targets, clients, 1, &first)
	profiled()
	peak := sampler.end()
	direct, g, floor := &res[0], &res[1], &res[2]

	add50, add99 := g.p(50)-direct.p(50), g.p(99)-direct.p(99)
	rows := []row{
		judged("2", "miss added latency p50, c=1",
			fmt.Sprintf("gateway %s, stand-in direct %s: +%s%s", dur(g.p(50)), dur(direct.p(50)), dur(add50), errNote(direct, g)),
			ratio(float64(g.p(50)), float64(direct.p(50))), "added <= 150µs", g.errors == 0 && add50 <= 150*time.Microsecond),
		judged("2", "miss added latency p99, c=1",
			fmt.Sprintf("gateway %s, stand-in direct %s: +%s", dur(g.p(99)), dur(direct.p(99)), dur(add99)),
			ratio(float64(g.p(99)), float64(direct.p(99))), "added <= 1ms", g.errors == 0 && add99 <= time.Millisecond),
		info("2", "gateway CPU per miss, c=1",
			fmt.Sprintf("%s (user+system, from /proc; cache writes after the reply included)", dur(g.cpuPerRequest())), "-"),
		info("2", "do-nothing proxy added latency p50 / p99, c=1",
			fmt.Sprintf("net/http, one Redis GET, one upstream call: +%s / +%s (proxy %s / %s, CPU %s per request)%s",
				dur(floor.p(50)-direct.p(50)), dur(floor.p(99)-direct.p(99)), dur(floor.p(50)), dur(floor.p(99)),
				dur(floor.cpuPerRequest()), errNote(floor)), "-"),
		// What the gateway adds over the least any gateway adds here: the
		// part of the miss overhead that is its own work.
		info("2", "miss latency over the do-nothing proxy p50 / p99, c=1",
			fmt.Sprintf("gateway +%s / +%s over the proxy", dur(g.p(50)-floor.p(50)), dur(g.p(99)-floor.p(99))),
			ratio(float64(g.p(50)), float64(floor.p(50)))),
	}
	if peerErr != nil {
		rows = append(rows, skipped("3", "peer overhead (Portkey 1.15.2)", peerErr.Error()+" (not a failure locally)"))
		return rows, peak, nil
	}
	pk := &res[3]
	pk50, pk99 := pk.p(50)-direct.p(50), pk.p(99)-direct.p(99)
	rows = append(rows,
		judged("3", "peer overhead p50 vs Portkey 1.15.2, c=1",
			fmt.Sprintf("Passerelle +%s, Portkey +%s (Portkey %s)%s", dur(add50), dur(pk50), dur(pk.p(50)), errNote(pk)),
			ratio(float64(add50), float64(pk50)), "ours < peer", pk.ok() > 0 && add50 < pk50),
		info("3", "peer overhead p99 vs Portkey 1.15.2, c=1",
			fmt.Sprintf("Passerelle +%s, Portkey +%s (Portkey %s)", dur(add99), dur(pk99), dur(pk.p(99))),
			ratio(float64(add99), float64(pk99))),
	)
	return rows, peak, nil
}

func mustPortkeyDir() string {
	dir, err := portkeyDir()
	if err != nil {
		return filepath.Join(os.TempDir(), "passerelle-bench-portkey")
	}
	return dir
}

// longArticle measures a 40-paragraph article through the slow stand-in
// against the ideal: its batches, slowConcurrency at a time, each taking
// the stand-in's delay.
func (b *bench) longArticle(ctx context.Context, gwURL string) ([]row, error) {
	doc, err := longArticle(b.seed, b.opts.longGlob, 40)
	if err != nil {
		return nil, err
	}
	batches, err := predictedBatches(doc)
	if err != nil {
		return nil, err
	}
	body, _ := json.Marshal(map[string]string{"text": docText(doc), "provider": slowProvider})
	c := newClient(1)
	header := withHeader(b.auth, "Cache-Control", "no-store")
	// A first run, not counted, warms the gateway's connections to the
	// stand-in and lets the garbage of the phases before be collected.
	if _, _, err := post(ctx, c, gwURL+"/v1/translate", body, header); err != nil {
		return nil, err
	}
	const runs = 3
	walls := make([]time.Duration, runs)
	var calls int64
	for i := range walls {
		before := b.standin.usage()
		start := time.Now()
		if _, _, err := post(ctx, c, gwURL+"/v1/translate", body, header); err != nil {
			return nil, err
		}
		walls[i] = time.Since(start)
		calls = b.standin.usage().since(before).calls
	}
	slices.Sort(walls)
	wall := walls[runs/2]
	waves := (batches + slowConcurrency - 1) / slowConcurrency
	ideal := time.Duration(waves) * b.opts.delay
	note := ""
	if int(calls) != batches {
		note = fmt.Sprintf("; the stand-in got %d calls, not %d", calls, batches)
	}
	return []row{judged("4", fmt.Sprintf("long article, 40 paragraphs, %s per call", dur(b.opts.delay)),
		fmt.Sprintf("median wall %s of %d; ideal ceil(%d batches / %d) x %s = %s%s",
			dur(wall), runs, batches, slowConcurrency, dur(b.opts.delay), dur(ideal), note),
		ratio(float64(wall), float64(ideal)), "<= 1.20", float64(wall) <= 1.2*float64(ideal) && int(calls) == batches)}, nil
}

// cost measures what goes upstream for a new article, the same article
// again, and the article with one paragraph edited.
func (b *bench) cost(ctx context.Context, gwURL string) ([]row, error) {
	b.standin.countTokens.Store(true)
	defer b.standin.countTokens.Store(false)
	doc := variant(b.seed, "coût 1")
	c := newClient(1)
	send := func(d article.Document) (usage, error) {
		before := b.standin.usage()
		_, _, err := post(ctx, c, gwURL+"/v1/translate", articleBody(docText(d)), b.auth)
		return b.standin.usage().since(before), err
	}
	first, err := send(doc)
	if err != nil {
		return nil, err
	}
	again, err := send(doc)
	if err != nil {
		return nil, err
	}
	edited := article.Document{Title: doc.Title, Paragraphs: slices.Clone(doc.Paragraphs)}
	k := len(edited.Paragraphs) / 2
	edited.Paragraphs[k] += " Aucune déclaration commune n'a été publiée."
	resend, err := send(edited)
	if err != nil {
		return nil, err
	}
	share := int64(characters(edited.Paragraphs[k]))
	tokenShare := float64(first.tokens) * float64(share) / float64(first.characters)
	return []row{
		info("5", "cost of a new article", fmt.Sprintf("%d characters, %d prompt tokens, %d call(s)", first.characters, first.tokens, first.calls), "-"),
		judged("5", "cost of the same article again", fmt.Sprintf("%d characters, %d tokens, %d calls", again.characters, again.tokens, again.calls),
			"-", "= 0", again.calls == 0 && again.characters == 0),
		judged("5", fmt.Sprintf("cost with paragraph %d of %d edited (characters)", k+1, len(doc.Paragraphs)),
			fmt.Sprintf("%d characters sent; the paragraph's share %d", resend.characters, share),
			ratio(float64(resend.characters), float64(share)), "<= 1.20", float64(resend.characters) <= 1.2*float64(share)),
		info("5", "same, in prompt tokens (the system prompt is paid per call)",
			fmt.Sprintf("%d tokens sent; the paragraph's share of the first %.0f", resend.tokens, tokenShare),
			ratio(float64(resend.tokens), tokenShare)),
	}, nil
}

// memoryBound runs a gateway with the embedded cache bounded to a few MiB
// and streams distinct articles through it in two halves, each writing more
// than the bound: once the cache is full, the second half must add little
// to the process's memory. The floor leaves room for the garbage collector,
// which lets the heap grow to twice what is live before collecting; an
// unbounded cache adds several times what it is written.
func (b *bench) memoryBound(ctx context.Context) ([]row, error) {
	bound := b.opts.memBound
	gw, gwURL, err := b.startGateway(ctx, "memory", "memory", bound)
	if err != nil {
		return nil, err
	}
	defer gw.stop()
	time.Sleep(300 * time.Millisecond)
	idle, err := rss(gw.pid())
	if err != nil {
		return nil, err
	}
	t := target{name: "gateway (memory cache)", url: gwURL + "/v1/articles", header: b.auth, check: wantCache("MISS"),
		body: func(i int) []byte { return articleBody(docText(variant(b.seed, fmt.Sprintf("flux %d", i)))) }}
	c := newClient(4)
	half := b.opts.memArticles / 2
	var peaks [2]int64
	var written [2]int64
	var res result
	for i := range peaks {
		before := b.standin.usage()
		sampler := sampleRSS(gw.pid(), 25*time.Millisecond)
		began := time.Now()
		res.merge(closedLoop(ctx, c, t, 4, half, time.Minute, i*half))
		peaks[i] = sampler.end()
		// Each article leaves its translation twice (per paragraph and
		// whole) plus a summary and keys: twice what the stand-in returned
		// is a floor.
		written[i] = 2 * b.standin.usage().since(before).outBytes
		b.progress("  %d articles in %s, >= %s written to the cache, RSS peak %s", half, dur(time.Since(began)), mb(written[i]), mb(peaks[i]))
	}
	second := peaks[1] - peaks[0]
	return []row{
		judged("6", fmt.Sprintf("memory cache max_bytes %s, gc_percent 100: RSS growth while 2 x %d articles stream", mb(bound), half),
			fmt.Sprintf("RSS idle %s, peak %s after >= %s written, %s after >= %s more: +%s%s",
				mb(idle), mb(peaks[0]), mb(written[0]), mb(peaks[1]), mb(written[1]), mb(max(0, second)), errNote(&res)),
			ratio(float64(second), float64(bound)), "2nd half <= 2 x bound",
			res.errors == 0 && written[1] >= bound && second <= 2*bound),
		info("6", "memory cache: total RSS growth over idle", fmt.Sprintf("+%s for a bound of %s", mb(peaks[1]-idle), mb(bound)),
			ratio(float64(peaks[1]-idle), float64(bound))),
	}, nil
}

// launch writes cfg as the configuration of the gateway name and starts
// it on port, stopped with the run.
func (b *bench) launch(ctx context.Context, name, cfg string, port int) (*proc, string, error) {
	path := filepath.Join(b.dir, "gateway-"+name+".yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		return nil, "", err
	}
	url := fmt.Sprintf("http://127.0.0.1:%d", port)
	p, err := startGateway(ctx, b.opts.gateway, b.dir, name, path, url)
	if err != nil {
		return nil, "", err
	}
	b.procs = append(b.procs, p)
	return p, url, nil
}
