package main

import (
	"fmt"

	"passerelle/cache"
	"passerelle/config"
	"passerelle/prompts"
	"passerelle/providers"
	"passerelle/providers/apertium"
	"passerelle/providers/extractive"
	"passerelle/providers/openai"
)

func buildCache(cfg config.Cache) (cache.Store, error) {
	switch cfg.Backend {
	case "redis":
		r := cfg.Redis
		return cache.NewRedis(cache.RedisOptions{
			URL: r.URL, Addrs: r.Addrs, MasterName: r.MasterName,
			Username: r.Username, Password: r.Password, DB: r.DB,
			DefaultTTL:  cfg.TTL,
			DialTimeout: r.DialTimeout, ReadTimeout: r.ReadTimeout, WriteTimeout: r.WriteTimeout,
			PoolSize: r.PoolSize,
		})
	default:
		return cache.NewMemory(cache.MemoryOptions{MaxBytes: cfg.Memory.MaxBytes, DefaultTTL: cfg.TTL}), nil
	}
}

// builtProviders are the providers of the configuration that could be built,
// by name, and why the others could not.
type builtProviders struct {
	translators map[string]providers.Translator
	summarizers map[string]providers.Summarizer
	unavailable map[string]string
}

// buildProviders builds every configured provider. One whose credentials are
// missing is reported and skipped rather than failing the start: the routes
// fall through to the next provider. A provider that is misconfigured fails
// the start, because serving with it silently missing would surprise.
func buildProviders(cfg config.Config) (builtProviders, error) {
	out := builtProviders{
		translators: map[string]providers.Translator{},
		summarizers: map[string]providers.Summarizer{},
		unavailable: map[string]string{},
	}
	set, err := prompts.Load(cfg.PromptsDir)
	if err != nil {
		return out, err
	}
	for name, p := range cfg.Providers {
		switch p.Type {
		case config.TypeOpenAI:
			if p.APIKey == "" && p.BaseURL == config.DefaultOpenAIBaseURL {
				out.unavailable[name] = fmt.Sprintf("no API key: set %s or providers.%s.api_key", config.EnvOpenAIKey, name)
				continue
			}
			prov, err := openai.New(openai.Options{
				Name: name, BaseURL: p.BaseURL, APIKey: p.APIKey, Model: p.Model,
				Timeout: p.Timeout, ResponseFormat: p.ResponseFormat,
			}, set)
			if err != nil {
				return out, fmt.Errorf("provider %s: %w", name, err)
			}
			out.translators[name] = prov
			out.summarizers[name] = prov
		case config.TypeApertium:
			prov, err := apertium.New(apertium.Options{Name: name, URL: p.URL, Timeout: p.Timeout, MaxConcurrency: p.MaxConcurrency})
			if err != nil {
				return out, fmt.Errorf("provider %s: %w", name, err)
			}
			out.translators[name] = prov
		case config.TypeExtractive:
			out.summarizers[name] = extractive.New(extractive.Options{Sentences: cfg.Summarization.Sentences})
		}
	}
	return out, nil
}
