// Package assemble turns a configuration into the running parts of the
// gateway: the cache, every provider behind its guard, and the
// gateway.Service that routes between them. The server command and the
// evaluation commands build through it, so that what is measured is what
// runs.
package assemble

import (
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"time"

	"go.opentelemetry.io/otel/trace"

	"passerelle/article/fetch"
	"passerelle/article/language"
	"passerelle/cache"
	"passerelle/config"
	"passerelle/gateway"
	"passerelle/internal/version"
	"passerelle/jobs"
	"passerelle/prompts"
	"passerelle/providers/registry"
	"passerelle/providers/resilient"
	"passerelle/telemetry/metrics"
)

// Cache returns the configured store: the embedded memory cache, Redis, or
// Redis behind a memory tier. It fails when the Redis options are invalid.
func Cache(cfg config.Cache, m *metrics.Metrics, log *slog.Logger) (cache.Store, error) {
	memory := func() *cache.Memory {
		return cache.NewMemory(cache.MemoryOptions{MaxBytes: cfg.Memory.MaxBytes, DefaultTTL: cfg.TTL})
	}
	if cfg.Backend != "redis" {
		return memory(), nil
	}
	r := cfg.Redis
	shared, err := cache.NewRedis(cache.RedisOptions{
		URL: r.URL, Addrs: r.Addrs, MasterName: r.MasterName,
		Username: r.Username, Password: r.Password, DB: r.DB,
		DefaultTTL:  cfg.TTL,
		DialTimeout: r.DialTimeout, ReadTimeout: r.ReadTimeout, WriteTimeout: r.WriteTimeout,
		PoolSize: r.PoolSize, Logger: log,
	})
	if err != nil || !cfg.MemoryTier {
		return shared, err
	}
	return cache.NewTiered(memory(), shared, func(op string, err error) {
		if m != nil {
			m.CacheError(op)
		}
		if errors.Is(err, cache.ErrUnavailable) {
			return // Redis is known down: its breaker said so once
		}
		log.Warn("redis failed; answering from the memory tier", "op", op, "err", err)
	}), nil
}

// Service builds every provider of cfg behind its guard, and the gateway
// that routes between them over store. m and tracer may be nil (no metrics,
// no spans). It fails when a provider is misconfigured.
func Service(cfg config.Config, store cache.Store, m *metrics.Metrics, tracer trace.Tracer, log *slog.Logger) (*gateway.Service, error) {
	set, err := prompts.Load(cfg.PromptsDir)
	if err != nil {
		return nil, err
	}
	opts := gateway.Options{
		Cache:            store,
		CacheTTL:         cfg.Cache.TTL,
		ReplyTTL:         cfg.Cache.ReplyTTL,
		CacheTimeout:     cfg.Cache.OperationTimeout,
		Translation:      gateway.Route{Chain: cfg.Translation.Chain(), AllowOverride: cfg.Translation.AllowOverride},
		Summarizing:      gateway.Route{Chain: cfg.Summarization.Chain(), AllowOverride: cfg.Summarization.AllowOverride},
		SummarySentences: cfg.Summarization.Sentences,
		Glossary:         cfg.Glossary,
		Observer:         observer(m),
		Tracer:           tracer,
		MaxParagraphs:    cfg.Limits.MaxParagraphs,
		MaxCharacters:    cfg.Limits.MaxCharacters,
		Detector:         language.NewDetector(language.Options{}),
		Logger:           log,
		Build:            version.BinaryID(),
	}
	if cfg.Fetch.Enabled {
		opts.Fetcher = fetch.New(fetch.Options{
			Timeout: cfg.Fetch.Timeout, MaxBytes: cfg.Fetch.MaxBytes, MaxRedirects: cfg.Fetch.MaxRedirects, AllowHosts: cfg.Fetch.AllowHosts,
		})
	}

	for _, name := range slices.Sorted(maps.Keys(cfg.Providers)) {
		p, err := buildProvider(name, cfg.Providers[name], cfg.Summarization.Sentences, set, log)
		if err != nil {
			return nil, fmt.Errorf("provider %s: %w", name, err)
		}
		opts.Providers = append(opts.Providers, p)
	}
	if m != nil {
		prices := map[string]metrics.Price{}
		for name, p := range cfg.Providers {
			prices[name] = metrics.Price{PromptTokens: p.Prices.PromptTokens, CompletionTokens: p.Prices.CompletionTokens, Characters: p.Prices.Characters}
		}
		m.SetPrices(prices)
	}
	return gateway.New(opts)
}

// buildProvider builds one provider through its type's registry row and
// puts it behind its guard. A provider whose key is missing is reported
// and skipped rather than failing the start, and the routes fall through
// to the next one; a misconfigured provider fails the start, because
// serving with it silently missing would surprise.
func buildProvider(name string, p config.Provider, sentences int, set *prompts.Set, log *slog.Logger) (gateway.Provider, error) {
	row, ok := p.Row()
	if !ok || p.Options == nil {
		return gateway.Provider{}, fmt.Errorf("provider type %q is not built into this binary", p.Type)
	}
	caps := row.Capabilities
	out := gateway.Provider{
		Name: name, Type: p.Type,
		Capabilities:     gateway.Capabilities{Translate: caps.Translate, Summarize: caps.Summarize, HTML: caps.HTML, VendorGlossary: caps.VendorGlossary},
		Credentials:      string(p.Options.Credentials()),
		GlossaryInPrompt: row.GlossaryInPrompt,
	}
	parts, err := p.Options.Build(registry.Setup{
		Name: name, Timeout: p.Timeout, MaxConcurrency: p.MaxConcurrency, Prompts: set, Sentences: sentences,
	})
	if err != nil {
		return gateway.Provider{}, err
	}
	if parts.Translator == nil && parts.Summarizer == nil {
		out.Unavailable = fmt.Sprintf("no API key: set providers.%s.api_key%s", name, envHint(name, row))
		log.Warn("provider skipped", "provider", name, "reason", out.Unavailable)
		return out, nil
	}
	guard := resilient.NewGuard(name, resilient.Options{
		MaxAttempts:       p.Retry.MaxAttempts,
		Budget:            p.Retry.Budget,
		MaxRetryAfter:     p.Retry.MaxRetryAfter,
		BreakerFailures:   p.Breaker.Failures,
		BreakerCooldown:   p.Breaker.Cooldown,
		MaxConcurrency:    p.MaxConcurrency,
		QueueWait:         p.QueueWait,
		RequestsPerMinute: p.RequestsPerMinute,
		PingUpstream:      row.SelfHosted,
		Logger:            log,
	})
	out.Health = guard.Health
	if parts.Translator != nil {
		out.Translator = guard.Translator(parts.Translator)
	}
	if parts.Summarizer != nil {
		out.Summarizer = guard.Summarizer(parts.Summarizer)
	}
	out.Budget, out.SummaryBudget = budgets(p)
	return out, nil
}

// envHint names the variable that gives the provider its key, when the
// environment can define a provider of that name.
func envHint(name string, row registry.Row) string {
	if row.Env == nil || row.Env.Name != name || row.Env.Key == "" {
		return ""
	}
	return " or " + row.Env.Key
}

// budgets are how much one request to the provider carries, as its row
// says (tokens for an LLM, characters for a translation engine) unless
// max_batch says otherwise, and how much a summary call reads at once
// (Max 0: the whole text).
func budgets(p config.Provider) (batch, summary gateway.Budget) {
	b := p.Options.Budget()
	batch = gateway.Budget{Budget: b.Budget, Count: b.Count, Parallel: p.MaxConcurrency}
	if b.SummaryMax > 0 {
		summary = batch
		summary.Max = b.SummaryMax
	}
	if p.MaxBatch > 0 {
		batch.Max = p.MaxBatch
	}
	return batch, summary
}

// observer returns m as a gateway.Observer, or nil when there is none (a
// nil *Metrics in the interface would not be nil).
func observer(m *metrics.Metrics) gateway.Observer {
	if m == nil {
		return nil
	}
	return m
}

// Jobs returns the jobs engine of cfg: in Redis, shared by every replica,
// with the redis cache backend; in this process with the memory one. Its
// Redis client is its own, with timeouts for work that waits on Redis
// (events, queues) rather than the cache's, which are short so that a slow
// cache costs a request little.
func Jobs(cfg config.Config, m *metrics.Metrics, log *slog.Logger) (*jobs.Engine, error) {
	opts := jobs.Options{
		Workers: cfg.Jobs.WorkerCount(), TTL: cfg.Jobs.TTL, VisibilityTimeout: cfg.Jobs.VisibilityTimeout,
		MaxDeliveries: cfg.Jobs.MaxDeliveries, Logger: log,
	}
	if m != nil {
		opts.Observer = m
	}
	if cfg.Cache.Backend != "redis" {
		return jobs.NewMemory(opts), nil
	}
	r := cfg.Cache.Redis
	const timeout = 5 * time.Second
	client, err := cache.NewRedisClient(cache.RedisOptions{
		URL: r.URL, Addrs: r.Addrs, MasterName: r.MasterName, Username: r.Username, Password: r.Password, DB: r.DB,
		DialTimeout: max(r.DialTimeout, time.Second), ReadTimeout: timeout, WriteTimeout: timeout, PoolSize: r.PoolSize,
	})
	if err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	return jobs.NewRedis(client, opts), nil
}
