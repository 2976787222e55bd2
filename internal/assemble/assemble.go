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
	"sort"

	"go.opentelemetry.io/otel/trace"

	"passerelle/article"
	"passerelle/article/fetch"
	"passerelle/article/language"
	"passerelle/article/tokens"
	"passerelle/cache"
	"passerelle/config"
	"passerelle/gateway"
	"passerelle/internal/version"
	"passerelle/prompts"
	"passerelle/providers"
	"passerelle/providers/anthropic"
	"passerelle/providers/apertium"
	"passerelle/providers/deepl"
	"passerelle/providers/extractive"
	"passerelle/providers/google"
	"passerelle/providers/libretranslate"
	"passerelle/providers/openai"
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
	names := make([]string, 0, len(cfg.Providers))
	for name := range cfg.Providers {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		p := cfg.Providers[name]
		caps := config.TypeCapabilities[p.Type]
		prov := gateway.Provider{
			Name: name, Type: p.Type,
			Capabilities: gateway.Capabilities{Translate: caps.Translate, Summarize: caps.Summarize, HTML: caps.HTML, Glossary: caps.Glossary},
			Credentials:  credentials(p, caps),
		}
		translator, summarizer, err := buildProvider(name, p, cfg, set)
		switch {
		case err != nil:
			return nil, fmt.Errorf("provider %s: %w", name, err)
		case translator == nil && summarizer == nil:
			prov.Unavailable = fmt.Sprintf("no API key: set providers.%s.api_key%s", name, envHint(name))
			log.Warn("provider skipped", "provider", name, "reason", prov.Unavailable)
		default:
			guard := resilient.NewGuard(name, resilient.Options{
				MaxAttempts:       p.Retry.MaxAttempts,
				Budget:            p.Retry.Budget,
				MaxRetryAfter:     p.Retry.MaxRetryAfter,
				BreakerFailures:   p.Breaker.Failures,
				BreakerCooldown:   p.Breaker.Cooldown,
				MaxConcurrency:    p.MaxConcurrency,
				QueueWait:         p.QueueWait,
				RequestsPerMinute: p.RequestsPerMinute,
				// Self-hosted engines are asked by /readyz; paid APIs are not.
				PingUpstream: p.Type == config.TypeApertium || p.Type == config.TypeLibreTranslate,
				Logger:       log,
			})
			prov.Health = guard.Health
			prov.Budget = budgetOf(p)
			prov.NativeGlossary = p.Type == config.TypeOpenAI || p.Type == config.TypeAnthropic
			if prov.NativeGlossary {
				// An LLM reads far more than it writes: a summary's input
				// budget is larger than a translation batch.
				sb := budgetOf(p)
				sb.Max = 12000
				if p.MaxSummaryInput > 0 {
					sb.Max = p.MaxSummaryInput
				}
				prov.SummaryBudget = sb
			}
			if translator != nil {
				prov.Translator = guard.Translator(translator)
			}
			if summarizer != nil {
				prov.Summarizer = guard.Summarizer(summarizer)
			}
		}
		opts.Providers = append(opts.Providers, prov)
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

func credentials(p config.Provider, caps config.Capabilities) string {
	switch {
	case p.APIKey != "":
		return "present"
	case caps.NeedsKey || p.Type == config.TypeOpenAI && p.BaseURL == config.DefaultOpenAIBaseURL:
		return "missing"
	}
	return "not_needed"
}

func envHint(name string) string {
	switch name {
	case config.DefaultOpenAIName:
		return " or " + config.EnvOpenAIKey
	case "anthropic":
		return " or " + config.EnvAnthropicKey
	case "deepl":
		return " or " + config.EnvDeepLKey
	case "google":
		return " or " + config.EnvGoogleKey
	}
	return ""
}

// buildProvider builds the vendor client of one provider. It returns nil,
// nil, nil when the provider's key is missing: such a provider is reported
// and skipped rather than failing the start, and the routes fall through to
// the next one. A misconfigured provider fails the start, because serving
// with it silently missing would surprise.
func buildProvider(name string, p config.Provider, cfg config.Config, set *prompts.Set) (providers.Translator, providers.Summarizer, error) {
	switch p.Type {
	case config.TypeOpenAI:
		if p.APIKey == "" && (p.BaseURL == config.DefaultOpenAIBaseURL || p.APIType == "azure") {
			return nil, nil, nil
		}
		prov, err := openai.New(openai.Options{
			Name: name, BaseURL: p.BaseURL, APIKey: p.APIKey, Model: p.Model,
			Timeout: p.Timeout, ResponseFormat: p.ResponseFormat,
			APIType: p.APIType, APIVersion: p.APIVersion, Deployment: p.Deployment, Headers: p.Headers,
		}, set)
		if err != nil {
			return nil, nil, err
		}
		return prov, prov, nil
	case config.TypeAnthropic:
		if p.APIKey == "" {
			return nil, nil, nil
		}
		prov, err := anthropic.New(anthropic.Options{
			Name: name, APIKey: p.APIKey, BaseURL: p.BaseURL, Model: p.Model, MaxTokens: p.MaxTokens, Timeout: p.Timeout,
		}, set)
		if err != nil {
			return nil, nil, err
		}
		return prov, prov, nil
	case config.TypeApertium:
		prov, err := apertium.New(apertium.Options{Name: name, URL: p.URL, Timeout: p.Timeout, MaxConcurrency: p.MaxConcurrency})
		if err != nil {
			return nil, nil, err
		}
		return prov, nil, nil
	case config.TypeExtractive:
		return nil, extractive.New(extractive.Options{Sentences: cfg.Summarization.Sentences}), nil
	case config.TypeGoogle:
		if p.APIKey == "" {
			return nil, nil, nil
		}
		prov, err := google.New(google.Options{Name: name, APIKey: p.APIKey, BaseURL: p.BaseURL, Timeout: p.Timeout, Model: p.Model, MaxConcurrency: p.MaxConcurrency})
		if err != nil {
			return nil, nil, err
		}
		return prov, nil, nil
	case config.TypeLibreTranslate:
		prov, err := libretranslate.New(libretranslate.Options{Name: name, URL: p.URL, APIKey: p.APIKey, Timeout: p.Timeout, MaxConcurrency: p.MaxConcurrency})
		if err != nil {
			return nil, nil, err
		}
		return prov, nil, nil
	case config.TypeDeepL:
		if p.APIKey == "" {
			return nil, nil, nil
		}
		prov, err := deepl.New(deepl.Options{
			Name: name, APIKey: p.APIKey, BaseURL: p.BaseURL, Timeout: p.Timeout, MaxConcurrency: p.MaxConcurrency,
			TargetVariant: p.TargetVariant, Formality: p.Formality, GlossaryID: p.GlossaryID, Context: p.Context, ModelType: p.ModelType,
		})
		if err != nil {
			return nil, nil, err
		}
		return prov, nil, nil
	}
	return nil, nil, fmt.Errorf("provider type %q is not built into this binary", p.Type)
}

// budgetOf is how much one request to the provider carries: tokens for an
// LLM (counted with the model's tokenizer, or an estimate), characters for a
// translation engine, within the vendor's limits on texts per request.
func budgetOf(p config.Provider) gateway.Budget {
	b := gateway.Budget{Parallel: p.MaxConcurrency}
	switch p.Type {
	case config.TypeOpenAI, config.TypeAnthropic:
		counter := tokens.For(p.Model)
		// The envelope of the JSON request and the separators of each segment.
		b.Budget = article.Budget{Max: 2000, PerBatch: 40, PerPiece: 4}
		b.Count = counter.Count
	case config.TypeDeepL:
		b.Budget = article.Budget{Max: 30000, MaxPieces: 50}
	case config.TypeGoogle:
		b.Budget = article.Budget{Max: 5000, MaxPieces: 128}
	case config.TypeLibreTranslate:
		b.Budget = article.Budget{Max: 5000, MaxPieces: 32}
	default:
		b.Budget = article.Budget{Max: 8000}
	}
	if p.MaxBatch > 0 {
		b.Max = p.MaxBatch
	}
	return b
}

// observer returns m as a gateway.Observer, or nil when there is none (a
// nil *Metrics in the interface would not be nil).
func observer(m *metrics.Metrics) gateway.Observer {
	if m == nil {
		return nil
	}
	return m
}
