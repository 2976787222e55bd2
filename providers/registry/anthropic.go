package registry

import (
	"passerelle/internal/redact"
	"passerelle/providers/anthropic"
)

// AnthropicOptions configure a provider of type anthropic: the Anthropic
// Messages API.
type AnthropicOptions struct {
	// APIKey is sent as the x-api-key header. Required.
	APIKey string `yaml:"api_key"`
	// BaseURL is the API root. Default https://api.anthropic.com.
	BaseURL string `yaml:"base_url"`
	// Model is the model asked. Default a current Haiku.
	Model string `yaml:"model"`
	// MaxTokens bounds an answer. Default 4096.
	MaxTokens int `yaml:"max_tokens"`
	// MaxSummaryInput is the most tokens a summary call reads; a longer
	// article is summarized in parts, then the parts together. Default
	// 12000.
	MaxSummaryInput int `yaml:"max_summary_input"`
}

var anthropicRow = Row{
	Type:             "anthropic",
	Capabilities:     Capabilities{Translate: true, Summarize: true, HTML: true, VendorGlossary: true, NeedsKey: true},
	GlossaryInPrompt: true,
	Timeout:          anthropic.DefaultTimeout,
	Options:          func() Options { return &AnthropicOptions{} },
	Env:              &Env{Name: "anthropic", Key: "ANTHROPIC_API_KEY"},
}

// Default implements Options: the client fills its own defaults.
func (o *AnthropicOptions) Default() {}

// Check implements Options.
func (o *AnthropicOptions) Check() []Problem { return nil }

// Masked implements Options.
func (o *AnthropicOptions) Masked() Options {
	m := *o
	m.APIKey = mask(o.APIKey)
	m.BaseURL = redact.URL(o.BaseURL)
	return &m
}

// Credentials implements Options.
func (o *AnthropicOptions) Credentials() Credentials { return credentials(o.APIKey, true) }

// FromEnv implements Options.
func (o *AnthropicOptions) FromEnv(key, _, _ string) { set(&o.APIKey, key) }

// Budget implements Options.
func (o *AnthropicOptions) Budget() Budget { return llmBudget(o.Model, o.MaxSummaryInput) }

// Build implements Options.
func (o *AnthropicOptions) Build(s Setup) (Parts, error) {
	if o.APIKey == "" {
		return Parts{}, nil
	}
	p, err := anthropic.New(anthropic.Options{
		Name: s.Name, APIKey: o.APIKey, BaseURL: o.BaseURL, Model: o.Model, MaxTokens: o.MaxTokens, Timeout: s.Timeout,
	}, s.Prompts)
	if err != nil {
		return Parts{}, err
	}
	return Parts{Translator: p, Summarizer: p}, nil
}
