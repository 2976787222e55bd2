// Package openai is a provider for any server that speaks OpenAI's chat
// completions API: OpenAI itself, Azure OpenAI, Ollama, vLLM, llama.cpp, Groq,
// Mistral, OpenRouter and others. It translates and summarises by prompting a
// chat model with the templates of package prompts.
package openai

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"

	goopenai "github.com/sashabaranov/go-openai"

	"passerelle/prompts"
	"passerelle/providers"
)

// Defaults for the zero values of Options.
const (
	DefaultBaseURL = "https://api.openai.com/v1"
	DefaultModel   = "gpt-4o-mini"
	DefaultTimeout = 60 * time.Second
)

// Response formats for translation answers.
const (
	// FormatJSONSchema asks the server to constrain the answer to a strict
	// JSON schema (OpenAI's structured outputs). The default.
	FormatJSONSchema = "json_schema"
	// FormatJSONObject only asks for some JSON object, for servers that do
	// not support strict schemas; the answer is checked all the same.
	FormatJSONObject = "json_object"
)

// Options configure a Provider. Every zero value has a default.
type Options struct {
	// Name is the configured provider name, used in errors. Default "openai".
	Name string
	// BaseURL is the API root, up to and including "/v1". Default DefaultBaseURL.
	BaseURL string
	// APIKey is sent as a bearer token. Empty sends no Authorization header,
	// which local servers such as Ollama accept.
	APIKey string
	// Model is the model name sent with each request. Default DefaultModel.
	Model string
	// Timeout bounds each HTTP call, from dialling to the end of the body.
	// Default DefaultTimeout.
	Timeout time.Duration
	// Organization is sent as the OpenAI-Organization header when set.
	Organization string
	// ResponseFormat is FormatJSONSchema (default) or FormatJSONObject.
	ResponseFormat string
}

// Provider calls an OpenAI-compatible chat completions API. It is safe for
// concurrent use. It does not retry: a failed call returns a *providers.Error
// whose Kind lets the caller decide.
type Provider struct {
	name           string
	apiKey         string
	model          string
	responseFormat string
	prompts        *prompts.Set
	client         *goopenai.Client
	fingerprint    string
}

var (
	_ providers.Translator = (*Provider)(nil)
	_ providers.Summarizer = (*Provider)(nil)
	_ providers.Pinger     = (*Provider)(nil)
)

// New returns a Provider for opts, rendering prompts from set (nil means the
// embedded templates). It fails when BaseURL is not an http or https URL, when
// ResponseFormat is unknown, or when the embedded templates cannot be loaded.
func New(opts Options, set *prompts.Set) (*Provider, error) {
	if opts.Name == "" {
		opts.Name = "openai"
	}
	if opts.BaseURL == "" {
		opts.BaseURL = DefaultBaseURL
	}
	if opts.Model == "" {
		opts.Model = DefaultModel
	}
	if opts.Timeout == 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.ResponseFormat == "" {
		opts.ResponseFormat = FormatJSONSchema
	}
	if u, err := url.Parse(opts.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("openai %s: base URL %q: want an http or https URL such as %s", opts.Name, opts.BaseURL, DefaultBaseURL)
	}
	if opts.Timeout < 0 {
		return nil, fmt.Errorf("openai %s: timeout %v: want a positive duration", opts.Name, opts.Timeout)
	}
	if opts.ResponseFormat != FormatJSONSchema && opts.ResponseFormat != FormatJSONObject {
		return nil, fmt.Errorf("openai %s: response format %q: want %q or %q", opts.Name, opts.ResponseFormat, FormatJSONSchema, FormatJSONObject)
	}
	if set == nil {
		var err error
		if set, err = prompts.Load(""); err != nil {
			return nil, fmt.Errorf("openai %s: %w", opts.Name, err)
		}
	}

	cfg := goopenai.DefaultConfig(opts.APIKey)
	cfg.BaseURL = opts.BaseURL
	cfg.OrgID = opts.Organization
	// go-openai's default client has no timeout at all. It makes exactly one
	// HTTP call per method and never retries, so the gateway's retry loop is
	// the only one.
	var transport http.RoundTripper = http.DefaultTransport
	if acceptsTemperature(opts.Model) {
		transport = zeroTemperature{next: transport}
	}
	cfg.HTTPClient = &http.Client{Timeout: opts.Timeout, Transport: transport}

	return &Provider{
		name:           opts.Name,
		apiKey:         opts.APIKey,
		model:          opts.Model,
		responseFormat: opts.ResponseFormat,
		prompts:        set,
		client:         goopenai.NewClientWithConfig(cfg),
		fingerprint: fmt.Sprintf("openai|%s|%s+%s|%s", opts.Model,
			set.Hash(prompts.TranslateSystem), set.Hash(prompts.SummarizeSystem), opts.ResponseFormat),
	}, nil
}

// Fingerprint returns "openai|<model>|<translate hash>+<summarize hash>|<response format>".
func (p *Provider) Fingerprint() string { return p.fingerprint }

// Ping lists the server's models, which costs no tokens. It returns a
// *providers.Error when the server cannot be reached or refuses the key.
func (p *Provider) Ping(ctx context.Context) error {
	list, err := p.client.ListModels(ctx)
	if err != nil {
		return p.apiError(err, list.Header())
	}
	return nil
}

// chat sends one chat completion and returns its first choice. A failed call
// is returned as a *providers.Error; an answer without a choice too, as
// KindBadOutput.
func (p *Provider) chat(ctx context.Context, req goopenai.ChatCompletionRequest) (goopenai.ChatCompletionChoice, string, providers.Usage, error) {
	req.Model = p.model
	resp, err := p.client.CreateChatCompletion(ctx, req)
	if err != nil {
		return goopenai.ChatCompletionChoice{}, "", providers.Usage{}, p.apiError(err, resp.Header())
	}
	usage := providers.Usage{PromptTokens: resp.Usage.PromptTokens, CompletionTokens: resp.Usage.CompletionTokens}
	model := resp.Model
	if model == "" {
		model = p.model
	}
	if len(resp.Choices) == 0 {
		return goopenai.ChatCompletionChoice{}, model, usage, p.badOutput("the answer has no choices")
	}
	return resp.Choices[0], model, usage, nil
}

func (p *Provider) badOutput(format string, args ...any) *providers.Error {
	return &providers.Error{Provider: p.name, Kind: providers.KindBadOutput, Message: p.redact(fmt.Sprintf(format, args...))}
}
