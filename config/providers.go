package config

import "time"

// Provider types understood by the registry in cmd/passerelle.
const (
	TypeOpenAI         = "openai"         // any OpenAI-compatible chat completions API
	TypeAnthropic      = "anthropic"      // the Anthropic Messages API
	TypeDeepL          = "deepl"          // DeepL API v2
	TypeGoogle         = "google"         // Google Cloud Translation v2 (API key)
	TypeLibreTranslate = "libretranslate" // a LibreTranslate server
	TypeApertium       = "apertium"       // an Apertium APy server (offline engine)
	TypeExtractive     = "extractive"     // the built-in offline summarizer
)

// Capabilities says what a provider type can do.
type Capabilities struct {
	Translate bool `json:"translate"`
	Summarize bool `json:"summarize"`
	HTML      bool `json:"html"`     // keeps inline markup
	Glossary  bool `json:"glossary"` // honours a glossary
	// NeedsKey is true when the type cannot work without an API key.
	NeedsKey bool `json:"needs_key"`
}

// TypeCapabilities lists each provider type and what it can do.
var TypeCapabilities = map[string]Capabilities{
	TypeOpenAI:         {Translate: true, Summarize: true, HTML: true, Glossary: true},
	TypeAnthropic:      {Translate: true, Summarize: true, HTML: true, Glossary: true, NeedsKey: true},
	TypeDeepL:          {Translate: true, HTML: true, Glossary: true, NeedsKey: true},
	TypeGoogle:         {Translate: true, HTML: true, NeedsKey: true},
	TypeLibreTranslate: {Translate: true, HTML: true},
	TypeApertium:       {Translate: true},
	TypeExtractive:     {Summarize: true},
}

// Provider configures one provider instance. Which fields matter depends on
// Type; each says which types read it.
type Provider struct {
	Type string `yaml:"type"`
	// APIKey of a paid API (openai, anthropic, deepl, google, libretranslate).
	APIKey string `yaml:"api_key"`
	// BaseURL overrides the vendor's API root. openai: default
	// https://api.openai.com/v1; anthropic: https://api.anthropic.com;
	// deepl: api-free.deepl.com for keys ending in ":fx", else api.deepl.com;
	// google: https://translation.googleapis.com.
	BaseURL string `yaml:"base_url"`
	// URL of a self-hosted server: apertium (default http://127.0.0.1:2737)
	// or libretranslate (required).
	URL string `yaml:"url"`
	// Model of an LLM (openai default gpt-4o-mini; anthropic a current Haiku)
	// or google's "nmt" / "base".
	Model string `yaml:"model"`
	// Timeout of one call to the provider. Default 60s for LLMs, 30s otherwise.
	Timeout time.Duration `yaml:"timeout"`
	// MaxConcurrency bounds the calls in flight to the provider. Default 4.
	MaxConcurrency int `yaml:"max_concurrency"`
	// QueueWait bounds how long a call waits for a free slot under
	// max_concurrency before the request is refused with 503 overloaded.
	// Whatever it says, a call waits only while the request's deadline
	// leaves time for a typical call of the provider, and does not queue
	// when the calls ahead of it would not leave that time. Default 0: no
	// bound but the deadline's.
	QueueWait time.Duration `yaml:"queue_wait"`
	// MaxBatch is the most one request carries, in the provider's unit:
	// tokens for LLMs, characters for translation engines. Longer articles
	// are sent in several batches in parallel, and a longer paragraph is cut
	// at sentence boundaries and joined back. Defaults: 2000 tokens for
	// LLMs, 30000 characters for DeepL, 5000 for Google and LibreTranslate,
	// 8000 for Apertium.
	MaxBatch int `yaml:"max_batch"`
	// MaxSummaryInput (LLMs) is the most tokens a summary call reads; a
	// longer article is summarized in parts, then the parts together.
	// Default 12000.
	MaxSummaryInput int `yaml:"max_summary_input"`
	// RequestsPerMinute bounds the calls started per minute, to stay under a
	// vendor's quota. Default 0: no bound.
	RequestsPerMinute int `yaml:"requests_per_minute"`
	// Prices estimate the spend shown by passerelle_provider_cost_usd_total,
	// in US dollars per million units. Default: none.
	Prices Prices `yaml:"prices"`
	// Retry is the provider's retry policy.
	Retry Retry `yaml:"retry"`
	// Breaker is the provider's circuit breaker.
	Breaker Breaker `yaml:"breaker"`

	// ResponseFormat (openai): json_schema (default), json_object for servers
	// without strict schema output, or text (a numbered list) for servers
	// with neither.
	ResponseFormat string `yaml:"response_format"`
	// APIType (openai): openai (default) or azure.
	APIType string `yaml:"api_type"`
	// APIVersion (openai, azure): the api-version query parameter.
	APIVersion string `yaml:"api_version"`
	// Deployment (openai, azure): the deployment serving Model.
	Deployment string `yaml:"deployment"`
	// Headers (openai) are sent with every request (OpenRouter's
	// HTTP-Referer and X-Title, a proxy's own auth).
	Headers map[string]string `yaml:"headers"`
	// MaxTokens (anthropic) bounds an answer. Default 4096.
	MaxTokens int `yaml:"max_tokens"`

	// TargetVariant (deepl): EN-US (default) or EN-GB.
	TargetVariant string `yaml:"target_variant"`
	// Formality (deepl): default, more, less, prefer_more or prefer_less.
	Formality string `yaml:"formality"`
	// GlossaryID (deepl): a glossary created in the DeepL account.
	GlossaryID string `yaml:"glossary_id"`
	// Context (deepl): text that guides the translation but is not translated.
	Context string `yaml:"context"`
	// ModelType (deepl): quality_optimized, prefer_quality_optimized or
	// latency_optimized.
	ModelType string `yaml:"model_type"`
}

// Retry is one provider's retry policy: exponential backoff with full
// jitter, for transient failures only (timeouts, connection errors, 429,
// 5xx), within an attempt and a time budget.
type Retry struct {
	// MaxAttempts counts the first call. Default 3.
	MaxAttempts int `yaml:"max_attempts"`
	// Budget bounds the time spent on one request, waits included. Default 90s.
	Budget time.Duration `yaml:"budget"`
	// MaxRetryAfter is the longest Retry-After honoured; a longer one sends
	// the request to the next provider at once. Default 2s.
	MaxRetryAfter time.Duration `yaml:"max_retry_after"`
}

// Breaker is one provider's circuit breaker.
type Breaker struct {
	// Failures is the number of consecutive failures that opens it. Default 5.
	Failures int `yaml:"failures"`
	// Cooldown is how long it stays open before one probe. Default 30s.
	Cooldown time.Duration `yaml:"cooldown"`
}

// Prices are what a provider bills, in US dollars per million units.
type Prices struct {
	PromptTokens     float64 `yaml:"prompt_tokens"`
	CompletionTokens float64 `yaml:"completion_tokens"`
	Characters       float64 `yaml:"characters"`
}
