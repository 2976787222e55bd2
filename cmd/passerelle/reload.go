package main

import (
	"context"
	"fmt"
	"log/slog"
	"reflect"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/trace"

	"passerelle/cache"
	"passerelle/config"
	"passerelle/gateway"
	"passerelle/internal/assemble"
	"passerelle/telemetry/metrics"
)

// liveGateway serves through the current gateway.Service and swaps it for
// a new one when the configuration is reloaded, with the access rules and
// CORS origins. A request holds the Service and the rules it started with,
// so in-flight requests finish on the old routes.
type liveGateway struct {
	current atomic.Pointer[gateway.Service]
	access  *access
	// draining is set on SIGTERM: /readyz then answers unready.
	draining atomic.Bool

	mu      sync.Mutex         // serialises reloads
	retired []*gateway.Service // replaced by a reload; Flush waits for them too
	cfg     config.Config
	getenv  func(string) string
	store   cache.Store
	m       *metrics.Metrics
	tracer  trace.Tracer
	log     *slog.Logger
}

func newLiveGateway(cfg config.Config, getenv func(string) string, store cache.Store, m *metrics.Metrics, tracer trace.Tracer, log *slog.Logger) (*liveGateway, error) {
	svc, err := assemble.Service(cfg, store, m, tracer, log)
	if err != nil {
		return nil, err
	}
	acc, err := newAccess(cfg, store, log)
	if err != nil {
		return nil, err
	}
	g := &liveGateway{access: acc, cfg: cfg, getenv: getenv, store: store, m: m, tracer: tracer, log: log}
	g.current.Store(svc)
	err = m.RegisterProviderStates(func() []metrics.ProviderState {
		var out []metrics.ProviderState
		for _, p := range g.Providers() {
			if p.Health != nil {
				out = append(out, metrics.ProviderState{Provider: p.Name, Breaker: p.Health.Breaker, ErrorRate: p.Health.ErrorRate})
			}
		}
		return out
	})
	return g, err
}

// Reload loads the configuration again and, when it is valid, switches to
// it. An invalid configuration is refused with the reason and the running
// one stays. The cache and the listener are built once: a change to them is
// reported and needs a restart.
func (g *liveGateway) Reload() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	cfg, err := config.Load(g.getenv)
	if err != nil {
		g.log.Error("configuration reload refused; the running configuration stays", "err", err)
		return err
	}
	svc, err := assemble.Service(cfg, g.store, g.m, g.tracer, g.log)
	if err != nil {
		g.log.Error("configuration reload refused; the running configuration stays", "err", err)
		return fmt.Errorf("reload: %w", err)
	}
	if !reflect.DeepEqual(cfg.Cache, g.cfg.Cache) || !reflect.DeepEqual(cfg.Server, g.cfg.Server) {
		g.log.Warn("configuration reload: changes to server and cache take effect at the next restart")
	}
	// The access rules first: a key removed from the file must not be
	// served by the new routes for a moment.
	if err := g.access.reload(g.cfg, cfg); err != nil {
		g.log.Error("configuration reload refused; the running configuration stays", "err", err)
		return fmt.Errorf("reload: %w", err)
	}
	old := g.current.Swap(svc)
	g.retired = append(g.retired, old)
	go g.retire(old, cfg.Server.RequestTimeout)
	g.cfg = cfg
	g.log.Info("configuration reloaded", "translation", cfg.Translation.Chain(), "summarization", cfg.Summarization.Chain())
	return nil
}

// retire forgets a replaced Service once no request can still be running on
// it (each has its deadline) and its cache writes are done, so that reloads
// do not pile Services up.
func (g *liveGateway) retire(old *gateway.Service, requestTimeout time.Duration) {
	time.Sleep(requestTimeout + time.Second)
	old.Flush()
	g.mu.Lock()
	defer g.mu.Unlock()
	g.retired = slices.DeleteFunc(g.retired, func(s *gateway.Service) bool { return s == old })
}

// Flush waits for the cache writes of every request answered so far, by
// the current Service and those a reload replaced.
func (g *liveGateway) Flush() {
	g.mu.Lock()
	services := append([]*gateway.Service{g.current.Load()}, g.retired...)
	g.mu.Unlock()
	for _, svc := range services {
		svc.Flush()
	}
}

func (g *liveGateway) Translate(ctx context.Context, req gateway.Request) (*gateway.Result, error) {
	return g.current.Load().Translate(ctx, req)
}

func (g *liveGateway) Summarize(ctx context.Context, req gateway.Request) (*gateway.Result, error) {
	return g.current.Load().Summarize(ctx, req)
}

func (g *liveGateway) Article(ctx context.Context, req gateway.Request) (*gateway.Result, error) {
	return g.current.Load().Article(ctx, req)
}

func (g *liveGateway) Extract(ctx context.Context, req gateway.Request) (*gateway.Extraction, error) {
	return g.current.Load().Extract(ctx, req)
}

func (g *liveGateway) Readiness(ctx context.Context) (string, []gateway.Check) {
	if g.draining.Load() {
		return gateway.Unready, []gateway.Check{{Name: "server", Detail: "shutting down"}}
	}
	return g.current.Load().Readiness(ctx)
}

func (g *liveGateway) Replies() *gateway.Replies {
	return g.current.Load().Replies()
}

func (g *liveGateway) CheckProvider(name string, wantSummary bool) error {
	return g.current.Load().CheckProvider(name, wantSummary)
}

func (g *liveGateway) DetectLanguage(text string) (string, float64) {
	return g.current.Load().DetectLanguage(text)
}

func (g *liveGateway) MaxCharacters() int { return g.current.Load().MaxCharacters() }

func (g *liveGateway) CheckPageURL(rawURL string) error {
	return g.current.Load().CheckPageURL(rawURL)
}

func (g *liveGateway) Providers() []gateway.ProviderStatus {
	return g.current.Load().Providers()
}
