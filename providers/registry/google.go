package registry

import (
	"passerelle/article"
	"passerelle/internal/redact"
	"passerelle/providers/google"
)

// GoogleOptions configure a provider of type google: Google Cloud
// Translation v2, with an API key.
type GoogleOptions struct {
	// APIKey is the Google Cloud API key. Required.
	APIKey string `yaml:"api_key"`
	// BaseURL is the API root. Default https://translation.googleapis.com.
	BaseURL string `yaml:"base_url"`
	// Model is "nmt", "base", or "" for Google's choice.
	Model string `yaml:"model"`
}

var googleRow = Row{
	Type:         "google",
	Capabilities: Capabilities{Translate: true, HTML: true, NeedsKey: true},
	Timeout:      google.DefaultTimeout,
	Options:      func() Options { return &GoogleOptions{} },
	Env:          &Env{Name: "google", Key: "GOOGLE_TRANSLATE_API_KEY"},
}

// Default implements Options: the client fills its own defaults.
func (o *GoogleOptions) Default() {}

// Check implements Options.
func (o *GoogleOptions) Check() []Problem { return nil }

// Masked implements Options.
func (o *GoogleOptions) Masked() Options {
	m := *o
	m.APIKey = mask(o.APIKey)
	m.BaseURL = redact.URL(o.BaseURL)
	return &m
}

// Credentials implements Options.
func (o *GoogleOptions) Credentials() Credentials { return credentials(o.APIKey, true) }

// FromEnv implements Options.
func (o *GoogleOptions) FromEnv(key, _, _ string) { set(&o.APIKey, key) }

// Budget implements Options: v2 takes 128 texts a request, and
// recommends 5000 characters.
func (o *GoogleOptions) Budget() Budget {
	return Budget{Budget: article.Budget{Max: 5000, MaxPieces: 128}}
}

// Build implements Options.
func (o *GoogleOptions) Build(s Setup) (Parts, error) {
	if o.APIKey == "" {
		return Parts{}, nil
	}
	p, err := google.New(google.Options{Name: s.Name, APIKey: o.APIKey, BaseURL: o.BaseURL, Timeout: s.Timeout, Model: o.Model, MaxConcurrency: s.MaxConcurrency})
	if err != nil {
		return Parts{}, err
	}
	return Parts{Translator: p}, nil
}
