package registry

import (
	"passerelle/article"
	"passerelle/article/tokens"
	"passerelle/internal/redact"
	"passerelle/providers/openai"
)

// OpenAIOptions configure a provider of type openai: any OpenAI-compatible
// chat completions API (OpenAI, Azure OpenAI, OpenRouter, Ollama, vLLM).
type OpenAIOptions struct {
	// APIKey is sent as a bearer token (Azure: the api-key header). A
	// server of one's own may need none.
	APIKey string `yaml:"api_key"`
	// BaseURL is the API root. Default https://api.openai.com/v1; for
	// Azure the resource endpoint, which has no default.
	BaseURL string `yaml:"base_url"`
	// Model is the model asked. Default gpt-4o-mini.
	Model string `yaml:"model"`
	// MaxSummaryInput is the most tokens a summary call reads; a longer
	// article is summarized in parts, then the parts together. Default
	// 12000.
	MaxSummaryInput int `yaml:"max_summary_input"`
	// ResponseFormat is json_schema (default), json_object for servers
	// without strict schema output, or text (a numbered list) for servers
	// with neither.
	ResponseFormat string `yaml:"response_format"`
	// APIType is openai (default) or azure.
	APIType string `yaml:"api_type"`
	// APIVersion (azure) is the api-version query parameter.
	APIVersion string `yaml:"api_version"`
	// Deployment (azure) is the deployment serving Model.
	Deployment string `yaml:"deployment"`
	// Headers are sent with every request (OpenRouter's HTTP-Referer and
	// X-Title, a proxy's own auth).
	Headers map[string]string `yaml:"headers"`
}

var openAIRow = Row{
	Type:             "openai",
	Capabilities:     Capabilities{Translate: true, Summarize: true, HTML: true, VendorGlossary: true},
	GlossaryInPrompt: true,
	Timeout:          openai.DefaultTimeout,
	Options:          func() Options { return &OpenAIOptions{} },
	Env:              &Env{Name: "openai", Key: "OPENAI_API_KEY", URL: "OPENAI_BASE_URL", Model: "OPENAI_MODEL", Preferred: true},
}

func (o *OpenAIOptions) azure() bool { return o.APIType == openai.APITypeAzure }

// Default implements Options.
func (o *OpenAIOptions) Default() {
	if o.BaseURL == "" && !o.azure() {
		o.BaseURL = openai.DefaultBaseURL
	}
	if o.Model == "" {
		o.Model = openai.DefaultModel
	}
	if o.ResponseFormat == "" {
		o.ResponseFormat = openai.FormatJSONSchema
	}
	if o.APIType == "" {
		o.APIType = openai.APITypeOpenAI
	}
}

// Check implements Options.
func (o *OpenAIOptions) Check() []Problem {
	var out []Problem
	if !oneOf(o.ResponseFormat, openai.FormatJSONSchema, openai.FormatJSONObject, openai.FormatText) {
		out = append(out, Problem{"response_format", quote(o.ResponseFormat) + " is unknown: use json_schema, json_object or text"})
	}
	if !oneOf(o.APIType, openai.APITypeOpenAI, openai.APITypeAzure) {
		out = append(out, Problem{"api_type", quote(o.APIType) + " is unknown: use openai or azure"})
	}
	if o.azure() && (o.BaseURL == "" || o.Deployment == "") {
		out = append(out, Problem{"", "api_type azure needs base_url (https://RESOURCE.openai.azure.com) and deployment"})
	}
	return out
}

// Masked implements Options.
func (o *OpenAIOptions) Masked() Options {
	m := *o
	m.APIKey = mask(o.APIKey)
	m.BaseURL = redact.URL(o.BaseURL)
	m.Headers = maskValues(o.Headers)
	return &m
}

// Credentials implements Options: OpenAI's own API needs a key, a server
// of one's own may not.
func (o *OpenAIOptions) Credentials() Credentials {
	return credentials(o.APIKey, o.BaseURL == openai.DefaultBaseURL)
}

// FromEnv implements Options.
func (o *OpenAIOptions) FromEnv(key, url, model string) {
	set(&o.APIKey, key)
	set(&o.BaseURL, url)
	set(&o.Model, model)
}

// Budget implements Options.
func (o *OpenAIOptions) Budget() Budget { return llmBudget(o.Model, o.MaxSummaryInput) }

// Build implements Options.
func (o *OpenAIOptions) Build(s Setup) (Parts, error) {
	if o.APIKey == "" && (o.BaseURL == openai.DefaultBaseURL || o.azure()) {
		return Parts{}, nil
	}
	p, err := openai.New(openai.Options{
		Name: s.Name, BaseURL: o.BaseURL, APIKey: o.APIKey, Model: o.Model,
		Timeout: s.Timeout, ResponseFormat: o.ResponseFormat,
		APIType: o.APIType, APIVersion: o.APIVersion, Deployment: o.Deployment, Headers: o.Headers,
	}, s.Prompts)
	if err != nil {
		return Parts{}, err
	}
	return Parts{Translator: p, Summarizer: p}, nil
}

// llmBudget is an LLM's: tokens counted with the model's tokenizer (or an
// estimate), with the envelope of the JSON request and the separators of
// each segment. An LLM reads far more than it writes: a summary's input is
// larger than a translation batch.
func llmBudget(model string, maxSummaryInput int) Budget {
	b := Budget{
		Budget:     article.Budget{Max: 2000, PerBatch: 40, PerPiece: 4},
		Count:      tokens.For(model).Count,
		SummaryMax: 12000,
	}
	if maxSummaryInput > 0 {
		b.SummaryMax = maxSummaryInput
	}
	return b
}
