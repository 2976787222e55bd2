package registry

import (
	"passerelle/article"
	"passerelle/internal/redact"
	"passerelle/providers/apertium"
)

// ApertiumOptions configure a provider of type apertium: an Apertium APy
// server, the offline translation engine.
type ApertiumOptions struct {
	// URL is the APy server's root. Default http://127.0.0.1:2737.
	URL string `yaml:"url"`
}

var apertiumRow = Row{
	Type:         "apertium",
	Capabilities: Capabilities{Translate: true},
	SelfHosted:   true,
	Timeout:      apertium.DefaultTimeout,
	Options:      func() Options { return &ApertiumOptions{} },
	Env:          &Env{Name: "apertium", URL: "APERTIUM_URL", Offline: true},
}

// Default implements Options.
func (o *ApertiumOptions) Default() {
	if o.URL == "" {
		o.URL = apertium.DefaultURL
	}
}

// Check implements Options.
func (o *ApertiumOptions) Check() []Problem { return nil }

// Masked implements Options.
func (o *ApertiumOptions) Masked() Options { return &ApertiumOptions{URL: redact.URL(o.URL)} }

// Credentials implements Options.
func (o *ApertiumOptions) Credentials() Credentials { return KeyNotNeeded }

// FromEnv implements Options.
func (o *ApertiumOptions) FromEnv(_, url, _ string) { set(&o.URL, url) }

// Budget implements Options.
func (o *ApertiumOptions) Budget() Budget { return Budget{Budget: article.Budget{Max: 8000}} }

// Build implements Options.
func (o *ApertiumOptions) Build(s Setup) (Parts, error) {
	p, err := apertium.New(apertium.Options{Name: s.Name, URL: o.URL, Timeout: s.Timeout, MaxConcurrency: s.MaxConcurrency})
	if err != nil {
		return Parts{}, err
	}
	return Parts{Translator: p}, nil
}
