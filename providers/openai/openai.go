// Package openai is a provider for any server that speaks OpenAI's chat
// completions API: OpenAI itself, Azure OpenAI, Ollama, vLLM, llama.cpp, Groq,
// Mistral, OpenRouter and others. It translates and summarises by prompting a
// chat model with the templates of package prompts.
//
// Translations come back as a JSON object constrained by a schema
// (FormatJSONSchema), as some JSON object (FormatJSONObject), or, for servers
// that can be asked for neither, as a numbered list parsed strictly
// (FormatText).
package openai

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	goopenai "github.com/sashabaranov/go-openai"

	"passerelle/internal/redact"
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
	// FormatText sends no response_format at all, for servers that support
	// neither: the prompt (prompts.TranslateNumbered) asks for a numbered
	// list, one item per segment, which is parsed strictly.
	FormatText = "text"
)

// API types.
const (
	// APITypeOpenAI is OpenAI and every server that copies its paths and
	// bearer-token authentication. The default.
	APITypeOpenAI = "openai"
	// APITypeAzure is Azure OpenAI: requests go to
	// {BaseURL}/openai/deployments/{Deployment}/chat/completions?api-version=
	// {APIVersion}, with the key in an api-key header.
	APITypeAzure = "azure"
)

// DefaultAzureAPIVersion is the Azure OpenAI api-version used when APIVersion
// is empty: the GA version that first accepted json_schema response formats.
const DefaultAzureAPIVersion = "2024-10-21"

// Options configure a Provider. Every zero value has a default.
type Options struct {
	// Name is the configured provider name, used in errors. Default "openai".
	Name string
	// BaseURL is the API root, up to and including "/v1". Default
	// DefaultBaseURL. For Azure, the resource endpoint
	// (https://RESOURCE.openai.azure.com), which has no default.
	BaseURL string
	// APIKey is sent as a bearer token, or as the api-key header for Azure.
	// Empty sends no Authorization header, which local servers such as
	// Ollama accept; Azure requires a key.
	APIKey string
	// Model is the model name sent with each request. Default DefaultModel,
	// or for Azure the Deployment when one is given.
	Model string
	// APIType is APITypeOpenAI (default) or APITypeAzure.
	APIType string
	// APIVersion is Azure's api-version query parameter. Default
	// DefaultAzureAPIVersion. Only for Azure.
	APIVersion string
	// Deployment is the Azure deployment that serves Model. Default: the
	// model name as go-openai maps it (dots and colons removed). Only for Azure.
	Deployment string
	// Headers are sent with every request, after the client's own: OpenRouter's
	// HTTP-Referer and X-Title, or a gateway's own authentication header.
	Headers map[string]string
	// Timeout bounds each HTTP call, from dialling to the end of the body.
	// Default DefaultTimeout.
	Timeout time.Duration
	// Organization is sent as the OpenAI-Organization header when set.
	Organization string
	// ResponseFormat is FormatJSONSchema (default), FormatJSONObject or FormatText.
	ResponseFormat string
}

// Provider calls an OpenAI-compatible chat completions API. It is safe for
// concurrent use. It does not retry: a failed call returns a *providers.Error
// whose Kind lets the caller decide.
type Provider struct {
	name            string
	secrets         []string // never shown in an error: the key, auth-like header values
	model           string
	responseFormat  string
	translatePrompt string // prompts.TranslateSystem, or TranslateNumbered for FormatText
	prompts         *prompts.Set
	client          *goopenai.Client
	fingerprint     string
	timeout         time.Duration // of each HTTP call
}

var (
	_ providers.Translator = (*Provider)(nil)
	_ providers.Summarizer = (*Provider)(nil)
	_ providers.Pinger     = (*Provider)(nil)
)

// New returns a Provider for opts, rendering prompts from set (nil means the
// embedded templates). It fails when BaseURL is not an http or https URL,
// when APIType or ResponseFormat is unknown, when an Azure provider has no
// key or no base URL of its own, when a header name or value cannot be sent,
// or when the embedded templates cannot be loaded.
func New(opts Options, set *prompts.Set) (*Provider, error) {
	if opts.Name == "" {
		opts.Name = "openai"
	}
	if opts.APIType == "" {
		opts.APIType = APITypeOpenAI
	}
	azure := opts.APIType == APITypeAzure
	if opts.BaseURL == "" && !azure {
		opts.BaseURL = DefaultBaseURL
	}
	if opts.Model == "" {
		opts.Model = DefaultModel
		if azure && opts.Deployment != "" {
			opts.Model = opts.Deployment
		}
	}
	if opts.Timeout == 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.ResponseFormat == "" {
		opts.ResponseFormat = FormatJSONSchema
	}
	if azure && opts.APIVersion == "" {
		opts.APIVersion = DefaultAzureAPIVersion
	}
	if err := validate(opts); err != nil {
		return nil, fmt.Errorf("openai %s: %w", opts.Name, err)
	}
	if set == nil {
		var err error
		if set, err = prompts.Load(""); err != nil {
			return nil, fmt.Errorf("openai %s: %w", opts.Name, err)
		}
	}

	var cfg goopenai.ClientConfig
	if azure {
		// go-openai appends /openai itself; an endpoint copied with it is accepted too.
		base := strings.TrimSuffix(strings.TrimRight(opts.BaseURL, "/"), "/openai")
		cfg = goopenai.DefaultAzureConfig(opts.APIKey, base)
		cfg.APIVersion = opts.APIVersion
		if opts.Deployment != "" {
			deployment := opts.Deployment
			cfg.AzureModelMapperFunc = func(string) string { return deployment }
		}
	} else {
		cfg = goopenai.DefaultConfig(opts.APIKey)
		cfg.BaseURL = opts.BaseURL
	}
	cfg.OrgID = opts.Organization
	// go-openai's default client has no timeout at all. It makes exactly one
	// HTTP call per method and never retries, so the gateway's retry loop is
	// the only one.
	var transport http.RoundTripper = http.DefaultTransport
	if len(opts.Headers) > 0 {
		transport = extraHeaders{header: headerOf(opts.Headers), next: transport}
	}
	if acceptsTemperature(opts.Model) {
		transport = zeroTemperature{next: transport}
	}
	// The timeout is the context's of each call (see callContext), not the
	// client's: over a transport wrapped as this one is, http.Client.Timeout
	// starts two goroutines a request (setRequestCancel, awaitLegacyCancel),
	// on the miss path of every article.
	cfg.HTTPClient = &http.Client{Transport: transport}

	translatePrompt := prompts.TranslateSystem
	if opts.ResponseFormat == FormatText {
		translatePrompt = prompts.TranslateNumbered
	}
	fingerprint := fmt.Sprintf("openai|%s|%s+%s|%s", opts.Model,
		set.Hash(translatePrompt), set.Hash(prompts.SummarizeSystem), opts.ResponseFormat)
	if azure {
		// The deployment, not the model name, decides which model answers.
		fingerprint += "|azure:" + cfg.GetAzureDeploymentByModel(opts.Model)
	}
	return &Provider{
		name:            opts.Name,
		secrets:         secretsOf(opts),
		model:           opts.Model,
		responseFormat:  opts.ResponseFormat,
		translatePrompt: translatePrompt,
		prompts:         set,
		client:          goopenai.NewClientWithConfig(cfg),
		timeout:         opts.Timeout,
		fingerprint:     fingerprint,
	}, nil
}

// validate reports the first option that cannot work, saying how to fix it.
func validate(opts Options) error {
	azure := opts.APIType == APITypeAzure
	switch {
	case opts.APIType != APITypeOpenAI && !azure:
		return fmt.Errorf("API type %q: want %q or %q", opts.APIType, APITypeOpenAI, APITypeAzure)
	case azure && (opts.BaseURL == "" || opts.BaseURL == DefaultBaseURL):
		return fmt.Errorf("base URL %q: Azure needs its resource endpoint, such as https://RESOURCE.openai.azure.com", redact.URL(opts.BaseURL))
	case azure && opts.APIKey == "":
		return fmt.Errorf("no API key: Azure OpenAI needs the resource's key")
	case !azure && (opts.APIVersion != "" || opts.Deployment != ""):
		return fmt.Errorf("API version and deployment are for Azure only: set API type %q or remove them", APITypeAzure)
	}
	if u, err := url.Parse(opts.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("base URL %q: want an http or https URL such as %s", redact.URL(opts.BaseURL), DefaultBaseURL)
	}
	if opts.Timeout < 0 {
		return fmt.Errorf("timeout %v: want a positive duration", opts.Timeout)
	}
	switch opts.ResponseFormat {
	case FormatJSONSchema, FormatJSONObject, FormatText:
	default:
		return fmt.Errorf("response format %q: want %q, %q or %q", opts.ResponseFormat, FormatJSONSchema, FormatJSONObject, FormatText)
	}
	for name, value := range opts.Headers {
		if !validHeaderName(name) {
			return fmt.Errorf("header %q: not a valid HTTP header name", name)
		}
		if strings.ContainsAny(value, "\r\n\x00") {
			return fmt.Errorf("header %s: the value holds a line break or NUL", name)
		}
	}
	return nil
}

// Fingerprint returns "openai|<model>|<translate hash>+<summarize hash>|<response format>",
// the translate hash being that of the numbered prompt for FormatText, and
// "|azure:<deployment>" appended for Azure.
func (p *Provider) Fingerprint() string { return p.fingerprint }

// Ping lists the server's models, which costs no tokens. It returns a
// *providers.Error when the server cannot be reached or refuses the key.
func (p *Provider) Ping(ctx context.Context) error {
	ctx, cancel := p.callContext(ctx)
	defer cancel()
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
	ctx, cancel := p.callContext(ctx)
	defer cancel()
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

// callContext bounds one HTTP call, from dialling to the end of the body
// (go-openai reads the body before it returns), by the provider's timeout.
func (p *Provider) callContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, p.timeout)
}

func (p *Provider) badOutput(format string, args ...any) *providers.Error {
	return &providers.Error{Provider: p.name, Kind: providers.KindBadOutput, Message: p.redact(fmt.Sprintf(format, args...))}
}
