// Package anthropic is a provider for Anthropic's Messages API. It translates
// and summarises by prompting a Claude model with the templates of package
// prompts, with the same JSON segment contract as package openai.
//
// It speaks HTTP with net/http rather than through
// github.com/anthropics/anthropic-sdk-go. The provider needs one endpoint and
// a dozen JSON fields, while the SDK adds about 18 modules to the build
// (OpenTelemetry, a JSON-schema reflector, gjson/sjson, a YAML release
// candidate) and about 8 MB to a binary; it also retries on its own by
// default, which would have to be turned off in every client so that the
// gateway's retry loop stays the only one. Plain HTTP keeps every header,
// field and status in view, and is tested against the documented wire format
// the same way.
//
// Anthropic has no response_format. Translations are asked for through a
// forced tool call (tool_choice {"type": "tool"}) whose input_schema is the
// {"translations": [string]} object: the documented way to get JSON of a
// given shape, delivered as an already parsed object in a tool_use block.
// Prefilling the assistant turn with `{"translations": [` was the other way;
// it is refused by models that think before answering and leaves the JSON to
// be completed by hand, so it was not chosen.
package anthropic

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"passerelle/internal/redact"
	"passerelle/prompts"
	"passerelle/providers"
)

// Defaults for the zero values of Options.
const (
	DefaultBaseURL   = "https://api.anthropic.com"
	DefaultModel     = "claude-haiku-4-5"
	DefaultMaxTokens = 4096
	DefaultTimeout   = 60 * time.Second
)

// APIVersion is the anthropic-version header sent with every request.
const APIVersion = "2023-06-01"

// maxBody bounds how much of a response is read: a Messages answer is a few
// kilobytes, anything much larger is not one.
const maxBody = 8 << 20

// Options configure a Provider. Every zero value but APIKey has a default.
type Options struct {
	// Name is the configured provider name, used in errors. Default "anthropic".
	Name string
	// APIKey is sent as the x-api-key header. Required.
	APIKey string
	// BaseURL is the API root, without "/v1". Default DefaultBaseURL.
	BaseURL string
	// Model is the model name sent with each request. Default DefaultModel.
	Model string
	// MaxTokens bounds each answer (max_tokens). A batch whose translation
	// does not fit is split in halves. Default DefaultMaxTokens.
	MaxTokens int
	// Timeout bounds each HTTP call, from dialling to the end of the body.
	// Default DefaultTimeout.
	Timeout time.Duration
}

// Provider calls Anthropic's Messages API. It is safe for concurrent use. It
// does not retry: a failed call returns a *providers.Error whose Kind lets the
// caller decide.
type Provider struct {
	name        string
	apiKey      string
	baseURL     string
	model       string
	maxTokens   int
	prompts     *prompts.Set
	client      *http.Client
	fingerprint string
	timeout     time.Duration // of each HTTP call, through its context (see send)
}

var (
	_ providers.Translator = (*Provider)(nil)
	_ providers.Summarizer = (*Provider)(nil)
	_ providers.Pinger     = (*Provider)(nil)
)

// New returns a Provider for opts, rendering prompts from set (nil means the
// embedded templates). It fails when APIKey is empty, when BaseURL is not an
// http or https URL, when Timeout or MaxTokens is negative, or when the
// embedded templates cannot be loaded.
func New(opts Options, set *prompts.Set) (*Provider, error) {
	if opts.Name == "" {
		opts.Name = "anthropic"
	}
	if opts.BaseURL == "" {
		opts.BaseURL = DefaultBaseURL
	}
	if opts.Model == "" {
		opts.Model = DefaultModel
	}
	if opts.MaxTokens == 0 {
		opts.MaxTokens = DefaultMaxTokens
	}
	if opts.Timeout == 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.APIKey == "" {
		return nil, fmt.Errorf("anthropic %s: no API key: set one from console.anthropic.com", opts.Name)
	}
	u, err := url.Parse(opts.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("anthropic %s: base URL %q: want an http or https URL such as %s", opts.Name, redact.URL(opts.BaseURL), DefaultBaseURL)
	}
	if opts.Timeout < 0 {
		return nil, fmt.Errorf("anthropic %s: timeout %v: want a positive duration", opts.Name, opts.Timeout)
	}
	if opts.MaxTokens < 0 {
		return nil, fmt.Errorf("anthropic %s: max tokens %d: want a positive number", opts.Name, opts.MaxTokens)
	}
	if set == nil {
		if set, err = prompts.Load(""); err != nil {
			return nil, fmt.Errorf("anthropic %s: %w", opts.Name, err)
		}
	}
	// The endpoints are under /v1; a base URL given with it is accepted too.
	base := strings.TrimSuffix(strings.TrimRight(opts.BaseURL, "/"), "/v1")
	return &Provider{
		name:      opts.Name,
		apiKey:    opts.APIKey,
		baseURL:   base,
		model:     opts.Model,
		maxTokens: opts.MaxTokens,
		prompts:   set,
		client:    &http.Client{},
		timeout:   opts.Timeout,
		fingerprint: fmt.Sprintf("anthropic|%s|%s+%s", opts.Model,
			set.Hash(prompts.TranslateSystem), set.Hash(prompts.SummarizeSystem)),
	}, nil
}

// Fingerprint returns "anthropic|<model>|<translate hash>+<summarize hash>".
func (p *Provider) Fingerprint() string { return p.fingerprint }

// Ping lists one model, which costs no tokens. It returns a *providers.Error
// when the API cannot be reached or refuses the key.
func (p *Provider) Ping(ctx context.Context) error {
	return p.send(ctx, http.MethodGet, "/v1/models?limit=1", nil, nil)
}

// messages sends one Messages request. A failed call is returned as a
// *providers.Error.
func (p *Provider) messages(ctx context.Context, req messagesRequest) (messagesResponse, error) {
	req.Model = p.model
	req.MaxTokens = p.maxTokens
	body, err := json.Marshal(req)
	if err != nil {
		return messagesResponse{}, fmt.Errorf("anthropic %s: encode request: %w", p.name, err)
	}
	var resp messagesResponse
	if err := p.send(ctx, http.MethodPost, "/v1/messages", body, &resp); err != nil {
		return messagesResponse{}, err
	}
	if resp.Model == "" {
		resp.Model = p.model
	}
	return resp, nil
}

// send makes one HTTP call and decodes a 2xx answer into out (unless nil).
func (p *Provider) send(ctx context.Context, method, path string, body []byte, out any) error {
	// The timeout is this context's, as in every provider: OpenAI's wraps
	// its transport, and http.Client.Timeout over a wrapped transport starts
	// two goroutines a call.
	ctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, p.baseURL+path, rd)
	if err != nil {
		return fmt.Errorf("anthropic %s: %w", p.name, err)
	}
	req.Header.Set("x-api-key", p.apiKey)
	req.Header.Set("anthropic-version", APIVersion)
	req.Header.Set("accept", "application/json")
	if body != nil {
		req.Header.Set("content-type", "application/json")
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return p.transportError(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return p.transportError(err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return p.apiError(resp.StatusCode, resp.Header, data)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return &providers.Error{Provider: p.name, Kind: providers.KindUnavailable, Status: resp.StatusCode,
			Message: p.redact(fmt.Sprintf("the answer is not a Messages response: %v: %s", err, providers.Truncate(string(data), 200)))}
	}
	return nil
}

func (p *Provider) badOutput(format string, args ...any) *providers.Error {
	return &providers.Error{Provider: p.name, Kind: providers.KindBadOutput, Message: p.redact(fmt.Sprintf(format, args...))}
}
