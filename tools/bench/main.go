// Command bench measures Passerelle against baselines on loopback and prints
// one table of ratios measured in the same run, with a floor for each and
// PASS or FAIL; it exits non-zero when a floor is not met. `make bench` runs
// it after the Go micro-benchmarks.
//
// It starts a private redis-server, the gateway binary (with auth, metrics
// and info logs on, as in production), an OpenAI-compatible provider
// stand-in with configurable latency, a net/http baseline answering with one
// Redis GET, a do-nothing net/http proxy (one Redis GET, one call to the
// stand-in: the miss path's reference point), and the Portkey gateway as a peer (installed with npm into the
// user's cache directory when missing; its row is skipped when node or npm
// is not available). Every server listens on 127.0.0.1 only, and every load
// phase is bounded in time or requests.
//
// Absolute numbers depend on the machine and on what else runs on it; the
// ratios compare servers measured in interleaved rounds of the same run.
//
//	bench [-gateway bin/passerelle] [-phase 3s] [-concurrency 8] [-phases all] [-keep]
//	bench -phases jobs [-articles 10000]   (one job on two gateways: `make bench-jobs`)
//	bench baseline -redis URL -key KEY   (the baseline server, run by bench itself)
//	bench proxy -redis URL -upstream URL -chat FILE   (the do-nothing proxy, run by bench itself)
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) > 1 {
		sub := map[string]func([]string) error{"baseline": runBaseline, "proxy": runProxy}[os.Args[1]]
		if sub != nil {
			if err := sub(os.Args[2:]); err != nil {
				fmt.Fprintf(os.Stderr, "bench %s: %v\n", os.Args[1], err)
				os.Exit(1)
			}
			return
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	failed, err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(2)
	}
	if failed > 0 {
		fmt.Fprintf(os.Stderr, "bench: %d floor(s) not met\n", failed)
		os.Exit(1)
	}
}

// options are the command's flags.
type options struct {
	gateway     string
	seed        string
	longGlob    string
	phase       time.Duration
	rounds      int
	concurrency int
	delay       time.Duration
	memBound    int64
	memArticles int
	peer        bool
	rateLimits  bool
	keep        bool
	profileDir  string
	gomaxprocs  int
	phases      map[string]bool // the phases to run (phaseNames, or jobsPhaseName)

	jobArticles    int
	jobConcurrency int
	jobWorkers     int
	jobDelay       time.Duration
}

// phaseNames are the phases of a run, in the order they run.
var phaseNames = []string{"hit", "miss", "long", "cost", "memory"}

// jobsPhaseName is the jobs phase: minutes long, it runs only when named
// (`make bench-jobs`), never as part of "all"; named with others, it runs
// first, on a Redis still empty.
const jobsPhaseName = "jobs"

// parsePhases reads -phases: "all", or a comma-separated list of phaseNames
// and jobsPhaseName.
func parsePhases(list string) (map[string]bool, error) {
	out := map[string]bool{}
	for _, name := range strings.Split(list, ",") {
		name = strings.TrimSpace(name)
		switch {
		case name == "all":
			for _, n := range phaseNames {
				out[n] = true
			}
		case slices.Contains(phaseNames, name) || name == jobsPhaseName:
			out[name] = true
		default:
			return nil, fmt.Errorf("-phases: unknown phase %q; the phases are all, %s", name, strings.Join(phaseNames, ", "))
		}
	}
	return out, nil
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	var err error
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.gateway, "gateway", "bin/passerelle", "the gateway binary (`make build` makes it)")
	fs.StringVar(&o.seed, "seed", "testdata/poutine-kim-vladivostok.fr.txt", "the article of the hit and miss paths")
	fs.StringVar(&o.longGlob, "long-sources", "article/testdata/*.fr.txt", "French texts the 40-paragraph article is drawn from, after the seed")
	fs.DurationVar(&o.phase, "phase", 3*time.Second, "duration of each load phase, per server, split in rounds")
	fs.IntVar(&o.rounds, "rounds", 3, "rounds each phase is split into, servers alternating, so that a slow moment of the machine hits both")
	fs.IntVar(&o.concurrency, "concurrency", 8, "requests in flight in the closed-loop hit phase")
	fs.DurationVar(&o.delay, "delay", 200*time.Millisecond, "latency of the slow stand-in, for the long article")
	fs.Int64Var(&o.memBound, "mem-bound", 4<<20, "cache.memory.max_bytes of the memory-cache run")
	fs.IntVar(&o.memArticles, "mem-articles", 3000, "distinct articles streamed through the memory-cache run")
	fs.BoolVar(&o.peer, "peer", true, "compare with the Portkey gateway (needs node and npm)")
	fs.BoolVar(&o.rateLimits, "rate-limits", false, "give the API key per-minute and per-day limits (one more Redis round trip a request)")
	fs.BoolVar(&o.keep, "keep", false, "keep the logs and configuration files of the run")
	fs.IntVar(&o.gomaxprocs, "gomaxprocs", 0, "the gateway's server.gomaxprocs (0: Go's default, the machine's CPUs)")
	fs.StringVar(&o.profileDir, "profile", "", "write CPU profiles of the gateway under the hit and miss loads to this directory")
	phases := fs.String("phases", "all", "the phases to run, comma-separated: all, or some of "+strings.Join(phaseNames, ", ")+" (quicker iterations on one floor); "+jobsPhaseName+" (minutes long) runs only when named")
	fs.IntVar(&o.jobArticles, "articles", 10000, "articles of the jobs phase's one job")
	fs.IntVar(&o.jobConcurrency, "job-concurrency", 16, "the stand-in's max_concurrency in the jobs phase, split evenly between the two gateways")
	fs.IntVar(&o.jobWorkers, "job-workers", 0, "jobs.workers of each gateway in the jobs phase (0: its share of -job-concurrency)")
	fs.DurationVar(&o.jobDelay, "job-delay", 200*time.Millisecond, "latency of the stand-in in the jobs phase")
	if err = fs.Parse(args); err != nil {
		return o, err
	}
	if o.phases, err = parsePhases(*phases); err != nil {
		return o, err
	}
	if o.gateway, err = filepath.Abs(o.gateway); err != nil {
		return o, err
	}
	if o.profileDir != "" {
		if err = os.MkdirAll(o.profileDir, 0o755); err != nil {
			return o, err
		}
	}
	if o.rounds < 1 || o.concurrency < 1 || o.phase <= 0 {
		return o, fmt.Errorf("-rounds, -concurrency and -phase must be positive")
	}
	if o.jobArticles < 1 || o.jobConcurrency < 2 || o.jobDelay <= 0 || o.jobWorkers < 0 {
		return o, fmt.Errorf("-articles, -job-delay must be positive, -job-concurrency at least 2, -job-workers not negative")
	}
	if o.gomaxprocs < 0 {
		return o, fmt.Errorf("-gomaxprocs must not be negative")
	}
	return o, nil
}

// run runs every phase and prints the table; it returns how many floors
// failed, or an error when the harness itself could not run.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return 0, err
	}
	dir, err := os.MkdirTemp("", "passerelle-bench-")
	if err != nil {
		return 0, err
	}
	b := &bench{opts: o, dir: dir, log: stderr}
	defer b.close()
	rows, err := b.all(ctx)
	if err != nil {
		b.keepFiles = true
		return 0, err
	}
	procs := "its default"
	if o.gomaxprocs > 0 {
		procs = strconv.Itoa(o.gomaxprocs)
	}
	if len(o.phases) == 1 && o.phases[jobsPhaseName] {
		fmt.Fprintf(stdout, "\nPasserelle jobs benchmark (%s; loopback; two gateways sharing one Redis)\n\n", time.Now().Format("2006-01-02 15:04"))
	} else {
		fmt.Fprintf(stdout, "\nPasserelle benchmark (%s; loopback; %d load rounds of %s per server; GOMAXPROCS of the gateway: %s)\n\n",
			time.Now().Format("2006-01-02 15:04"), o.rounds, o.phase/time.Duration(o.rounds), procs)
	}
	failed := printTable(stdout, rows)
	if failed > 0 {
		b.keepFiles = true
	}
	return failed, nil
}
