package registry

import (
	"passerelle/article"
	"passerelle/internal/redact"
	"passerelle/providers/deepl"
)

// DeepLOptions configure a provider of type deepl: DeepL API v2.
type DeepLOptions struct {
	// APIKey is the DeepL authentication key. Required.
	APIKey string `yaml:"api_key"`
	// BaseURL is the API root. Default api-free.deepl.com for keys ending
	// in ":fx", else api.deepl.com.
	BaseURL string `yaml:"base_url"`
	// TargetVariant is EN-US (default) or EN-GB.
	TargetVariant string `yaml:"target_variant"`
	// Formality is default, more, less, prefer_more or prefer_less.
	Formality string `yaml:"formality"`
	// GlossaryID is a glossary created in the DeepL account.
	GlossaryID string `yaml:"glossary_id"`
	// Context is text that guides the translation but is not translated.
	Context string `yaml:"context"`
	// ModelType is quality_optimized, prefer_quality_optimized or
	// latency_optimized.
	ModelType string `yaml:"model_type"`
}

var deeplRow = Row{
	Type:         "deepl",
	Capabilities: Capabilities{Translate: true, HTML: true, VendorGlossary: true, NeedsKey: true},
	Timeout:      deepl.DefaultTimeout,
	Options:      func() Options { return &DeepLOptions{} },
	Env:          &Env{Name: "deepl", Key: "DEEPL_API_KEY"},
}

// Default implements Options.
func (o *DeepLOptions) Default() {
	if o.TargetVariant == "" {
		o.TargetVariant = deepl.DefaultTargetVariant
	}
}

// Check implements Options.
func (o *DeepLOptions) Check() []Problem {
	var out []Problem
	if !oneOf(o.TargetVariant, "EN-US", "EN-GB") {
		out = append(out, Problem{"target_variant", quote(o.TargetVariant) + " is unknown: use EN-US or EN-GB"})
	}
	if !oneOf(o.Formality, "", "default", "more", "less", "prefer_more", "prefer_less") {
		out = append(out, Problem{"formality", quote(o.Formality) + " is unknown: use default, more, less, prefer_more or prefer_less"})
	}
	if !oneOf(o.ModelType, "", "quality_optimized", "prefer_quality_optimized", "latency_optimized") {
		out = append(out, Problem{"model_type", quote(o.ModelType) + " is unknown: use quality_optimized, prefer_quality_optimized or latency_optimized"})
	}
	return out
}

// Masked implements Options.
func (o *DeepLOptions) Masked() Options {
	m := *o
	m.APIKey = mask(o.APIKey)
	m.BaseURL = redact.URL(o.BaseURL)
	return &m
}

// Credentials implements Options.
func (o *DeepLOptions) Credentials() Credentials { return credentials(o.APIKey, true) }

// FromEnv implements Options.
func (o *DeepLOptions) FromEnv(key, _, _ string) { set(&o.APIKey, key) }

// Budget implements Options: DeepL takes 50 texts and 128 KiB a request.
func (o *DeepLOptions) Budget() Budget {
	return Budget{Budget: article.Budget{Max: 30000, MaxPieces: 50}}
}

// Build implements Options.
func (o *DeepLOptions) Build(s Setup) (Parts, error) {
	if o.APIKey == "" {
		return Parts{}, nil
	}
	p, err := deepl.New(deepl.Options{
		Name: s.Name, APIKey: o.APIKey, BaseURL: o.BaseURL, Timeout: s.Timeout, MaxConcurrency: s.MaxConcurrency,
		TargetVariant: o.TargetVariant, Formality: o.Formality, GlossaryID: o.GlossaryID, Context: o.Context, ModelType: o.ModelType,
	})
	if err != nil {
		return Parts{}, err
	}
	return Parts{Translator: p}, nil
}
