// Command passerelle runs the gateway: it loads the configuration, builds the
// cache and the providers, serves the HTTP API, reloads the configuration on
// SIGHUP and shuts down gracefully on SIGINT or SIGTERM.
//
// `passerelle translate` is a client of a running gateway: it translates
// files, folders, URLs and a feed through one job (see commands.go).
// `passerelle new-key` prints a new API key and its hash; `passerelle
// hash-key` prints the hash of the key on standard input.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/gin-gonic/gin"

	"passerelle/article/fetch"
	"passerelle/cache"
	"passerelle/config"
	"passerelle/handlers"
	"passerelle/internal/admission"
	"passerelle/internal/assemble"
	"passerelle/internal/version"
	"passerelle/telemetry/logging"
	"passerelle/telemetry/metrics"
	"passerelle/telemetry/tracing"
)

func main() {
	os.Exit(execute(os.Args[1:]))
}

// serve runs the gateway until SIGINT or SIGTERM.
func serve() error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return run(ctx, os.Getenv, os.Stderr, nil)
}

// run serves until ctx is done, then drains in-flight requests for the
// configured grace period. listening, when not nil, is told the bound address
// (tests listen on port 0).
func run(ctx context.Context, getenv func(string) string, logOut io.Writer, listening func(net.Addr)) error {
	cfg, err := config.Load(getenv)
	if err != nil {
		return err
	}
	logger := newLogger(cfg.Log, logOut)
	defer logger.Close()
	log := logger.Logger
	cache.LogRedisClientTo(log)
	log.Info("configuration", "config", cfg.MaskedTree())
	for _, name := range slices.Sorted(maps.Keys(cfg.Providers)) {
		if p := cfg.Providers[name]; len(p.Ignored) > 0 {
			log.Warn("provider keys its type does not read are ignored", "provider", name, "type", p.Type, "keys", p.Ignored)
		}
	}
	if n := maxProcs(cfg.Server, getenv); n > 0 {
		runtime.GOMAXPROCS(n)
	}
	descriptors, err := raiseDescriptorLimit(cfg)
	if err != nil {
		return err
	}
	memoryLimit, err := applyMemoryLimit(cfg, getenv)
	if err != nil {
		return err
	}

	m := metrics.New()
	store, err := assemble.Cache(cfg.Cache, m, log)
	if err != nil {
		return err
	}
	defer store.Close()

	tp, stopTracing, err := tracing.Setup(ctx, tracing.Options{Endpoint: cfg.Tracing.OTLPEndpoint, SampleRatio: cfg.Tracing.SampleRatio})
	if err != nil {
		return err
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = stopTracing(sctx)
	}()
	tracer := tp.Tracer("passerelle")
	live, err := newLiveGateway(cfg, getenv, store, m, tracer, log)
	if err != nil {
		return err
	}
	// Replies go out before their cache writes: those finish before the
	// cache is closed.
	defer live.Flush()
	hangups := make(chan os.Signal, 1)
	signal.Notify(hangups, syscall.SIGHUP)
	defer signal.Stop(hangups)
	go func() {
		for range hangups {
			log.Info("SIGHUP: reloading the configuration")
			_ = live.Reload()
		}
	}()

	// Stopping is done on SIGTERM, cut shortly before the grace ends: see
	// the shutdown below.
	stopping, stopStarting := context.WithCancel(context.Background())
	defer stopStarting()
	cut, cutInFlight := context.WithCancel(context.Background())
	defer cutInFlight()

	engine, err := assemble.Jobs(cfg, m, log)
	if err != nil {
		return err
	}
	var feeds *fetch.Fetcher
	if cfg.Fetch.Enabled {
		feeds = fetch.New(fetch.Options{Timeout: cfg.Fetch.Timeout, MaxBytes: cfg.Fetch.MaxBytes, MaxRedirects: cfg.Fetch.MaxRedirects, AllowHosts: cfg.Fetch.AllowHosts})
	}

	gin.SetMode(gin.ReleaseMode)
	budget := admission.NewBudget(cfg.Server.MaxInflightBytes)
	handlerOpts := handlers.Options{
		MaxBodyBytes:     cfg.Server.MaxBodyBytes,
		TrustedProxies:   cfg.Server.TrustedProxies,
		MaxBatchBytes:    cfg.Server.MaxBatchBytes,
		MaxBatchArticles: cfg.Server.MaxBatchArticles,
		BatchConcurrency: cfg.Server.BatchConcurrency,
		RequestTimeout:   cfg.Server.RequestTimeout,
		Logger:           log,
		Metrics:          m,
		MetricsElsewhere: cfg.Server.MetricsAddr != "",
		Rules:            live.access.rules,
		Reload:           live.Reload,
		Tracer:           tracer,
		Budget:           budget,
		WriteTimeout:     cfg.Server.WriteTimeout,
		Shutdown:         handlers.Shutdown{Stopping: stopping, Cut: cut},
		Jobs:             engine,
		Fetcher:          feeds,
		MaxJobArticles:   cfg.Jobs.MaxArticles,
	}
	// A job's article is cut by the workers' own stop, which hands it back
	// to another replica, not by the requests' cut, which would answer it
	// shutting_down for good.
	if !engine.Durable() && cfg.Jobs.WorkerCount() == 0 {
		// In this process, with no worker: a job would never run.
		handlerOpts.Jobs = nil
		log.Info("jobs are not served: jobs.workers is 0 and, with the memory cache, no other process can work on them")
	}
	workOpts := handlerOpts
	workOpts.Shutdown = handlers.Shutdown{}
	engine.Start(handlers.JobWork(live, workOpts))
	var workersStopped sync.Once
	stopWorkers := func(grace time.Duration) {
		workersStopped.Do(func() {
			ctx, cancel := context.WithTimeout(context.Background(), grace)
			defer cancel()
			engine.Stop(ctx)
		})
	}
	// Whatever ends run, the workers are stopped before the cache closes.
	defer stopWorkers(0)
	srv := &http.Server{
		Handler:           handlers.New(live, handlerOpts),
		ReadHeaderTimeout: cfg.Server.ReadHeaderTimeout,
		ReadTimeout:       cfg.Server.ReadTimeout,
		WriteTimeout:      cfg.Server.WriteTimeout,
		IdleTimeout:       cfg.Server.IdleTimeout,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	ln, err := net.Listen("tcp", cfg.Server.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w (set %s to another address)", cfg.Server.Addr, err, config.EnvAddr)
	}
	limited := admission.Limit(ln, cfg.Server.MaxConnections, config.OverflowConnections)
	ln = limited
	if err := m.RegisterAdmission(admissionState(budget, limited)); err != nil {
		return err
	}
	defer serveOverflow(limited, srv.Handler, log)()
	if cfg.Server.HealthAddr != "" {
		stopHealth, err := serveHealth(cfg.Server.HealthAddr, srv.Handler, log)
		if err != nil {
			return err
		}
		defer stopHealth()
	}
	if !engine.Durable() {
		log.Info("jobs run in this process with the memory cache: they do not survive a restart (set cache.backend: redis to keep them)")
	}
	log.Info("listening", "addr", ln.Addr().String(), "jobs_workers", cfg.Jobs.WorkerCount(),
		"translation", cfg.Translation.Chain(), "summarization", cfg.Summarization.Chain(), "cache", cfg.Cache.Backend,
		"gomaxprocs", runtime.GOMAXPROCS(0), "build", version.BinaryID(),
		"max_connections", cfg.Server.MaxConnections, "open_files", descriptors, "memory_limit", memoryLimit)
	if version.BinaryID() == "" {
		log.Warn("the gateway's build could not be identified: kept replies made by other versions may be served until cache.reply_ttl")
	}
	logger.Flush() // what a person starting it waits for
	if listening != nil {
		listening(ln.Addr())
	}

	if cfg.Server.MetricsAddr != "" {
		metricsSrv := &http.Server{Addr: cfg.Server.MetricsAddr, Handler: m.Handler(), ReadHeaderTimeout: 5 * time.Second}
		go func() {
			if err := metricsSrv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
				log.Error("metrics listener failed", "addr", cfg.Server.MetricsAddr, "err", err)
			}
		}()
		defer metricsSrv.Close()
	}

	if cfg.Server.DebugAddr != "" {
		debugSrv := &http.Server{Addr: cfg.Server.DebugAddr, Handler: profiler(), ReadHeaderTimeout: 5 * time.Second}
		go func() {
			if err := debugSrv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
				log.Error("debug listener failed", "addr", cfg.Server.DebugAddr, "err", err)
			}
		}()
		defer debugSrv.Close()
		log.Info("profiler listening", "addr", cfg.Server.DebugAddr)
	}

	// Start-up is done: hand its garbage back to the system before serving.
	// Package initialisation, the configuration and the providers leave a
	// few MB of garbage behind, and the runtime's background scavenger only
	// returns what the heap holds beyond its goal (twice the live heap),
	// which an idle gateway never exceeds: without this, some 5 MB of freed
	// heap stay resident for good (41 MB idle instead of 36). The forced
	// collection takes a few milliseconds.
	debug.FreeOSMemory()
	if gogc := getenv("GOGC"); gogc == "" && cfg.Server.GCPercent > 0 {
		debug.SetGCPercent(cfg.Server.GCPercent)
	}

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	// Batches start no new article from now on: what they have not started
	// is answered 503 shutting_down, to be sent again elsewhere, rather
	// than begun with no time to finish. The job workers take no new
	// article either: those they hold are finished within the grace, or
	// handed back to the other replicas shortly before it ends.
	stopStarting()
	go stopWorkers(cfg.Server.ShutdownGrace - cutMargin(cfg.Server.ShutdownGrace))
	if cfg.Server.DrainDelay > 0 {
		// Tell the load balancer first (/readyz answers 503), keep serving
		// while it stops sending, then stop accepting: connections waiting
		// in the listen queue are not reset.
		live.draining.Store(true)
		log.Info("draining", "delay", cfg.Server.DrainDelay.String())
		time.Sleep(cfg.Server.DrainDelay)
	}
	log.Info("shutting down", "grace", cfg.Server.ShutdownGrace.String())
	shutdownCtx, cancel := context.WithTimeout(context.Background(), cfg.Server.ShutdownGrace)
	defer cancel()
	// Work still in flight shortly before the grace ends is cut, so that
	// every request writes its reply (503 shutting_down, a batch's finished
	// articles) before Shutdown gives up on its connection: a request
	// longer than the grace never ends in an empty reply.
	cutTimer := time.AfterFunc(cfg.Server.ShutdownGrace-cutMargin(cfg.Server.ShutdownGrace), cutInFlight)
	defer cutTimer.Stop()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped")
	return nil
}

// cutMargin is how long before the end of the shutdown grace the work in
// flight is cut: a tenth of the grace, between 1s and 3s (but at most half
// of it). Shutdown looks for the connections gone idle every 500ms once it
// has waited a while: the replies must be written well before its deadline
// to be seen in time.
func cutMargin(grace time.Duration) time.Duration {
	return min(max(grace/10, time.Second), 3*time.Second, grace/2)
}

func newLogger(cfg config.Log, out io.Writer) *logging.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.Level))
	return logging.New(out, logging.Options{Level: level, Format: cfg.Format, FlushInterval: cfg.FlushInterval})
}

// maxProcs is the GOMAXPROCS the configuration asks for, or 0 to leave Go's:
// when server.gomaxprocs is unset, or when the GOMAXPROCS variable holds a
// value the runtime applied already (a positive number; it ignores others).
func maxProcs(server config.Server, getenv func(string) string) int {
	if n, err := strconv.Atoi(getenv("GOMAXPROCS")); err == nil && n > 0 {
		return 0
	}
	return server.GoMaxProcs
}
