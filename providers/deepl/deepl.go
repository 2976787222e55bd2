// Package deepl translates through the DeepL API (v2 text translation), on
// the Free or the Pro plan.
package deepl

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode"

	"passerelle/internal/redact"
	"passerelle/providers"
)

// Hosts of the two plans. DeepL answers 403 "Wrong endpoint" when a key is
// sent to the other plan's host.
const (
	FreeBaseURL = "https://api-free.deepl.com"
	ProBaseURL  = "https://api.deepl.com"
)

// Defaults applied by New.
const (
	DefaultName           = "deepl"
	DefaultTimeout        = 30 * time.Second
	DefaultTargetVariant  = "EN-US"
	DefaultMaxConcurrency = 4
)

// Limits of one POST /v2/translate.
const (
	// MaxTexts is the most texts DeepL accepts in one request.
	MaxTexts = 50
	// MaxRequestBytes is the largest request body DeepL accepts (128 KiB).
	MaxRequestBytes = 128 << 10
	// maxContextBytes keeps Context small enough that each request still
	// has room for the texts.
	maxContextBytes = 64 << 10
)

// The values New accepts for the options of that name.
var (
	targetVariants = []string{"EN-US", "EN-GB"}
	formalities    = []string{"default", "more", "less", "prefer_more", "prefer_less"}
	modelTypes     = []string{"quality_optimized", "prefer_quality_optimized", "latency_optimized"}
)

// Options configure a Provider. Only APIKey is required.
type Options struct {
	// Name is the configured provider name, used in errors. Default "deepl".
	Name string
	// APIKey is the DeepL authentication key. Required. It is sent only in
	// the Authorization header.
	APIKey string
	// BaseURL is the API root, without "/v2". Default FreeBaseURL for keys
	// ending in ":fx" (the Free plan's), else ProBaseURL.
	BaseURL string
	// Timeout bounds each HTTP call, from dialling to the end of the body.
	// Default DefaultTimeout.
	Timeout time.Duration
	// TargetVariant is the English DeepL writes when a request asks for "en":
	// "EN-US" (default) or "EN-GB". A request for "en-GB" or "en-US" gets
	// that variant whatever this says.
	TargetVariant string
	// Formality is sent as formality when set: "default", "more", "less",
	// "prefer_more" or "prefer_less". DeepL refuses "more" and "less" (400)
	// for target languages without formality, English among them; the
	// "prefer_" values fall back to the default there instead.
	Formality string
	// GlossaryID is sent as glossary_id when set. DeepL applies a glossary
	// only with a known source language, so requests without one fail.
	GlossaryID string
	// Context is sent with every request: text that guides the translation
	// without being translated or billed. At most 64 KiB.
	Context string
	// ModelType is sent as model_type when set: "quality_optimized",
	// "prefer_quality_optimized" or "latency_optimized".
	ModelType string
	// MaxConcurrency bounds the requests in flight to DeepL across all
	// Translate calls of this Provider; a batch larger than one request
	// allows is sent as that many requests in parallel. Default 4.
	MaxConcurrency int
}

// Provider calls the DeepL API. It is safe for concurrent use. It does not
// retry: a failed call returns a *providers.Error whose Kind (and
// RetryAfter, when DeepL sent one) lets the caller decide.
type Provider struct {
	name          string
	apiKey        string
	baseURL       string
	targetVariant string
	formality     string
	glossaryID    string
	context       string
	modelType     string
	client        *http.Client
	fingerprint   string
	// sem holds one token per request in flight, shared by every call.
	sem     chan struct{}
	timeout time.Duration // of each HTTP call, through its context (see call)
}

var (
	_ providers.Translator = (*Provider)(nil)
	_ providers.Pinger     = (*Provider)(nil)
)

// New returns a Provider for opts. It does not contact DeepL; it returns an
// error when APIKey is empty or an option has a value DeepL does not accept.
func New(opts Options) (*Provider, error) {
	if opts.Name == "" {
		opts.Name = DefaultName
	}
	if opts.APIKey == "" {
		return nil, fmt.Errorf("deepl %s: an API key is required (the key of a DeepL API Free or Pro account)", opts.Name)
	}
	if strings.IndexFunc(opts.APIKey, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
		return nil, fmt.Errorf("deepl %s: the API key contains white space or a control character: copy it again without them", opts.Name)
	}
	if opts.BaseURL == "" {
		opts.BaseURL = ProBaseURL
		if IsFreeKey(opts.APIKey) {
			opts.BaseURL = FreeBaseURL
		}
	}
	u, err := url.Parse(opts.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.User != nil {
		return nil, fmt.Errorf("deepl %s: base URL %q: want an http or https URL without query or credentials, such as %s", opts.Name, redact.URL(opts.BaseURL), ProBaseURL)
	}
	if opts.Timeout < 0 {
		return nil, fmt.Errorf("deepl %s: timeout %v: want a positive duration", opts.Name, opts.Timeout)
	}
	if opts.Timeout == 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.TargetVariant == "" {
		opts.TargetVariant = DefaultTargetVariant
	}
	opts.TargetVariant = strings.ToUpper(opts.TargetVariant)
	if !slices.Contains(targetVariants, opts.TargetVariant) {
		return nil, fmt.Errorf("deepl %s: target variant %q: want %s (DeepL deprecates a bare EN as target)", opts.Name, opts.TargetVariant, strings.Join(targetVariants, " or "))
	}
	if opts.Formality != "" && !slices.Contains(formalities, opts.Formality) {
		return nil, fmt.Errorf("deepl %s: formality %q: want one of %s, or empty for DeepL's default", opts.Name, opts.Formality, strings.Join(formalities, ", "))
	}
	if opts.ModelType != "" && !slices.Contains(modelTypes, opts.ModelType) {
		return nil, fmt.Errorf("deepl %s: model type %q: want one of %s, or empty for DeepL's default", opts.Name, opts.ModelType, strings.Join(modelTypes, ", "))
	}
	if len(opts.Context) > maxContextBytes {
		return nil, fmt.Errorf("deepl %s: context is %d bytes: keep it under %d so that texts fit in DeepL's 128 KiB request", opts.Name, len(opts.Context), maxContextBytes)
	}
	if opts.MaxConcurrency < 0 {
		return nil, fmt.Errorf("deepl %s: max concurrency %d: want a positive number", opts.Name, opts.MaxConcurrency)
	}
	if opts.MaxConcurrency == 0 {
		opts.MaxConcurrency = DefaultMaxConcurrency
	}

	transport := http.DefaultTransport.(*http.Transport).Clone()
	// Keep one idle connection per request that may be in flight.
	transport.MaxIdleConnsPerHost = opts.MaxConcurrency

	return &Provider{
		name:          opts.Name,
		apiKey:        opts.APIKey,
		baseURL:       strings.TrimRight(opts.BaseURL, "/"),
		targetVariant: opts.TargetVariant,
		formality:     opts.Formality,
		glossaryID:    opts.GlossaryID,
		context:       opts.Context,
		modelType:     opts.ModelType,
		client:        &http.Client{Transport: transport},
		timeout:       opts.Timeout,
		fingerprint:   fingerprint(opts),
		sem:           make(chan struct{}, opts.MaxConcurrency),
	}, nil
}

// IsFreeKey reports whether key belongs to a DeepL API Free account, whose
// keys end in ":fx".
func IsFreeKey(key string) bool { return strings.HasSuffix(key, ":fx") }

// BaseURL returns the API root the Provider calls.
func (p *Provider) BaseURL() string { return p.baseURL }

// fingerprint names every option that changes DeepL's output for the same
// text and languages. The plan (Free or Pro) and the host do not: both run
// the same models.
func fingerprint(opts Options) string {
	formality := opts.Formality
	if formality == "" {
		formality = "default"
	}
	modelType := opts.ModelType
	if modelType == "" {
		modelType = "default"
	}
	context := "none"
	if opts.Context != "" {
		sum := sha256.Sum256([]byte(opts.Context))
		context = hex.EncodeToString(sum[:8])
	}
	return fmt.Sprintf("deepl|%s|formality=%s|glossary=%s|model_type=%s|context=%s",
		opts.TargetVariant, formality, opts.GlossaryID, modelType, context)
}

// Fingerprint names the options that change DeepL's output, the context by
// the start of its SHA-256:
//
//	deepl|<target variant>|formality=<f>|glossary=<id>|model_type=<m>|context=<hash>
//	deepl|EN-US|formality=default|glossary=|model_type=default|context=none
func (p *Provider) Fingerprint() string { return p.fingerprint }

func (p *Provider) errorf(kind providers.Kind, format string, args ...any) *providers.Error {
	return &providers.Error{Provider: p.name, Kind: kind, Message: p.redact(fmt.Sprintf(format, args...))}
}
