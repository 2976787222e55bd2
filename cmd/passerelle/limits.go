package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"syscall"
	"time"

	"passerelle/config"
	"passerelle/handlers"
	"passerelle/internal/admission"
	"passerelle/telemetry/metrics"
)

// Timeouts of the overflow path: a connection there gets one quick answer
// and is closed, so that the path frees itself within seconds whatever its
// clients do.
const (
	overflowHeaderTimeout = time.Second
	overflowWriteTimeout  = 2 * time.Second
)

// raiseDescriptorLimit raises the soft limit of open files to the hard one
// (Go does it at start on Linux already; this says so and holds elsewhere)
// and checks that the connections fit under it.
func raiseDescriptorLimit(cfg config.Config) (uint64, error) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, fmt.Errorf("read the open-file limit: %w", err)
	}
	if lim.Cur < lim.Max {
		raised := lim
		raised.Cur = raised.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &raised); err == nil {
			lim = raised
		}
	}
	return lim.Cur, cfg.CheckDescriptors(lim.Cur)
}

// applyMemoryLimit sets Go's soft memory limit from server.memory_limit,
// unless GOMEMLIMIT set one already; either must hold what the
// configuration lets the gateway hold. It returns the limit in force, or 0.
func applyMemoryLimit(cfg config.Config, getenv func(string) string) (int64, error) {
	if getenv("GOMEMLIMIT") != "" {
		limit := debug.SetMemoryLimit(-1)
		if err := cfg.CheckMemoryLimit(limit); err != nil {
			return 0, fmt.Errorf("GOMEMLIMIT: %w (or unset it: server.memory_limit is then used)", err)
		}
		return limit, nil
	}
	if cfg.Server.MemoryLimit > 0 {
		debug.SetMemoryLimit(cfg.Server.MemoryLimit)
	}
	return cfg.Server.MemoryLimit, nil
}

// serveOverflow serves the connections lim hands over beyond
// server.max_connections, with api's health endpoints; it returns the
// function that stops it.
func serveOverflow(lim *admission.Listener, api http.Handler, log *slog.Logger) func() {
	srv := &http.Server{
		Handler:           handlers.Overflow(api),
		ReadHeaderTimeout: overflowHeaderTimeout,
		ReadTimeout:       overflowHeaderTimeout,
		WriteTimeout:      overflowWriteTimeout,
		IdleTimeout:       overflowHeaderTimeout,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelDebug),
	}
	srv.SetKeepAlivesEnabled(false)
	go func() { _ = srv.Serve(lim.Overflow()) }()
	return func() { _ = srv.Close() }
}

// serveHealth serves /healthz and /readyz of api on addr, apart from the
// API's clients; it returns the function that stops it.
func serveHealth(addr string, api http.Handler, log *slog.Logger) (func(), error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s (server.health_addr): %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /healthz", api)
	mux.Handle("GET /readyz", api)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, WriteTimeout: 10 * time.Second, IdleTimeout: time.Minute}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("health listener failed", "addr", addr, "err", err)
		}
	}()
	log.Info("health listening", "addr", ln.Addr().String())
	return func() { _ = srv.Close() }, nil
}

// admissionState reads what budget and the listener have taken on, for the
// metrics.
func admissionState(budget *admission.Budget, lim *admission.Listener) func() metrics.AdmissionState {
	return func() metrics.AdmissionState {
		main, overflow := lim.Active()
		n := lim.Counts()
		return metrics.AdmissionState{
			InflightBytes: budget.InUse(), InflightLimit: budget.Limit(), BudgetRefused: budget.Refused(),
			MainConnections: main, OverflowConnections: overflow, Overflowed: n.Overflowed,
			Closed: map[string]int64{"silent": n.SilentClosed, "overflow_full": n.OverflowClosed, "turned_away": n.TurnedAway},
		}
	}
}
