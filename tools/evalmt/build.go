package main

import (
	"fmt"
	"log/slog"
	"slices"

	"passerelle/config"
	"passerelle/gateway"
	"passerelle/internal/assemble"
	"passerelle/providers/apertium"
	"passerelle/providers/registry"
)

// offlineURLEnv names the variable that points the offline translation
// engine (Apertium) at its server: APERTIUM_URL.
func offlineURLEnv() string {
	for _, row := range registry.Rows() {
		if row.Env != nil && row.Env.Name == registry.OfflineTranslator() {
			return row.Env.URL
		}
	}
	return ""
}

// offlineConfig returns the configuration cmd/passerelle runs with when the
// environment sets nothing but APERTIUM_URL: translation by Apertium,
// summaries by the extractive summarizer, the embedded cache. The caller's
// own environment is deliberately not read, so that an OPENAI_API_KEY or a
// PASSERELLE_CONFIG lying around does not change what is measured.
func offlineConfig(apertiumURL string) (config.Config, error) {
	urlEnv := offlineURLEnv()
	cfg, err := config.Load(func(name string) string {
		if name == urlEnv {
			return apertiumURL
		}
		return ""
	})
	if err != nil {
		return config.Config{}, err
	}
	if chain := cfg.Translation.Chain(); !slices.Equal(chain, []string{registry.OfflineTranslator()}) {
		return config.Config{}, fmt.Errorf("the default offline translation route is %v, expected [%s] alone", chain, registry.OfflineTranslator())
	}
	return cfg, nil
}

// offlineGateway builds, in this process, the very gateway.Service that
// cmd/passerelle builds for cfg (through internal/assemble), over the embedded
// memory cache. It returns an error when a provider cannot be built.
func offlineGateway(cfg config.Config, log *slog.Logger) (*gateway.Service, error) {
	store, err := assemble.Cache(cfg.Cache, nil, log)
	if err != nil {
		return nil, err
	}
	return assemble.Service(cfg, store, nil, nil, log)
}

// newEngine returns the bare Apertium client for provider p, without the
// gateway around it: the direct path the gateway is compared with.
func newEngine(name string, p config.Provider) (*apertium.Provider, error) {
	opts, ok := p.Options.(*registry.ApertiumOptions)
	if !ok {
		return nil, fmt.Errorf("provider %s is of type %s, not apertium", name, p.Type)
	}
	return apertium.New(apertium.Options{Name: name, URL: opts.URL, Timeout: p.Timeout, MaxConcurrency: p.MaxConcurrency})
}
