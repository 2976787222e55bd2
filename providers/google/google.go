// Package google translates through Google Cloud Translation - Basic (the v2
// REST API) with an API key.
package google

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/sync/errgroup"

	"passerelle/internal/redact"
	"passerelle/providers"
)

// Defaults for the zero values of Options.
const (
	DefaultName           = "google"
	DefaultBaseURL        = "https://translation.googleapis.com"
	DefaultTimeout        = 30 * time.Second
	DefaultMaxConcurrency = 4
	// DefaultMaxChars is Google's recommended maximum length of one request,
	// 5,000 characters (code points): the API is tuned for small requests and
	// answers larger ones more slowly, so an article goes out as a few
	// requests in parallel rather than one large one.
	DefaultMaxChars = 5000
)

// MaxSegments is the most strings v2 accepts in the q array of one request.
const MaxSegments = 128

// Models v2 accepts in its model parameter.
const (
	ModelNMT  = "nmt"  // neural machine translation
	ModelBase = "base" // the older phrase-based model, where still offered
)

// Options configure a Provider. Every field but APIKey has a default.
type Options struct {
	// Name is the configured provider name, used in errors. Default "google".
	Name string
	// APIKey is the Google Cloud API key. Required. It is sent in the
	// X-Goog-Api-Key header rather than as the key query parameter, so that
	// it never appears in a URL that proxies and access logs record.
	APIKey string
	// BaseURL is the API root, without "/language/translate/v2".
	// Default DefaultBaseURL.
	BaseURL string
	// Timeout bounds each HTTP call, from dialling to the end of the body.
	// Default DefaultTimeout.
	Timeout time.Duration
	// Model is v2's model parameter: "" (Google chooses, NMT where it can),
	// ModelNMT or ModelBase.
	Model string
	// MaxConcurrency bounds the requests in flight across all Translate
	// calls of this Provider. Default DefaultMaxConcurrency.
	MaxConcurrency int
	// MaxChars bounds the characters (code points) of one request; a batch
	// is also cut at MaxSegments strings. A single segment longer than
	// MaxChars is sent on its own. Default DefaultMaxChars.
	MaxChars int
}

// Provider calls the Cloud Translation v2 API. It is safe for concurrent
// use. It does not retry: a failed call returns a *providers.Error whose
// Kind lets the caller decide.
type Provider struct {
	name        string
	apiKey      string
	endpoint    string // .../article/language/translate/v2
	model       string
	maxChars    int
	client      *http.Client
	fingerprint string
	limit       int
	// sem holds one token per request in flight, shared by every Translate call.
	sem     chan struct{}
	timeout time.Duration // of each HTTP call, through its context (see do)
}

var (
	_ providers.Translator = (*Provider)(nil)
	_ providers.Pinger     = (*Provider)(nil)
)

// New returns a Provider for opts. It does not contact Google; it returns an
// error when APIKey is empty or another option is invalid.
func New(opts Options) (*Provider, error) {
	if opts.Name == "" {
		opts.Name = DefaultName
	}
	if opts.APIKey == "" {
		return nil, fmt.Errorf("google %s: api key is empty: set it to a Google Cloud API key allowed to call the Cloud Translation API", opts.Name)
	}
	if opts.BaseURL == "" {
		opts.BaseURL = DefaultBaseURL
	}
	if u, err := url.Parse(opts.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("google %s: base URL %q: want an http or https URL such as %s", opts.Name, redact.URL(opts.BaseURL), DefaultBaseURL)
	}
	if opts.Timeout < 0 {
		return nil, fmt.Errorf("google %s: timeout %v: want a positive duration", opts.Name, opts.Timeout)
	}
	if opts.Timeout == 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.Model != "" && opts.Model != ModelNMT && opts.Model != ModelBase {
		return nil, fmt.Errorf("google %s: model %q: want %q, %q or empty", opts.Name, opts.Model, ModelNMT, ModelBase)
	}
	if opts.MaxConcurrency < 0 {
		return nil, fmt.Errorf("google %s: max concurrency %d must not be negative", opts.Name, opts.MaxConcurrency)
	}
	if opts.MaxConcurrency == 0 {
		opts.MaxConcurrency = DefaultMaxConcurrency
	}
	if opts.MaxChars < 0 {
		return nil, fmt.Errorf("google %s: max chars %d must not be negative", opts.Name, opts.MaxChars)
	}
	if opts.MaxChars == 0 {
		opts.MaxChars = DefaultMaxChars
	}

	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConnsPerHost = opts.MaxConcurrency
	model := opts.Model
	if model == "" {
		model = "default"
	}
	return &Provider{
		name:        opts.Name,
		apiKey:      opts.APIKey,
		endpoint:    strings.TrimRight(opts.BaseURL, "/") + "/language/translate/v2",
		model:       opts.Model,
		maxChars:    opts.MaxChars,
		client:      &http.Client{Transport: transport},
		timeout:     opts.Timeout,
		fingerprint: "google|v2|model=" + model,
		limit:       opts.MaxConcurrency,
		sem:         make(chan struct{}, opts.MaxConcurrency),
	}, nil
}

// Fingerprint returns "google|v2|model=<model>", the model being "default"
// when Options.Model is empty, for example "google|v2|model=nmt". Google does
// not version its models in v2, so a model update on its side does not
// change it.
func (p *Provider) Fingerprint() string { return p.fingerprint }

// Translate translates the segments in as few requests as MaxSegments and
// MaxChars allow, sent in parallel up to MaxConcurrency, and returns the
// translations in request order. Blank segments are returned unchanged
// without being sent. Plain text is sent with format "text", which makes
// Google answer plain text (its default, "html", would turn an apostrophe
// into &#39;); HTML segments are sent with format "html" and their
// translations are HTML, entities included. Neither is unescaped: doing so
// would corrupt a plain text that contains "&amp;" or an HTML text that
// contains "&lt;". Model is "google:<model>" when Google or the options name
// the model, else "google"; Usage.Characters counts the characters sent.
//
// On failure it returns a *providers.Error and no translations.
func (p *Provider) Translate(ctx context.Context, req providers.TranslateRequest) (providers.TranslateResult, error) {
	target := strings.TrimSpace(req.TargetLang)
	if target == "" {
		return providers.TranslateResult{}, p.errorf(providers.KindBadRequest, "no target language")
	}
	source := strings.TrimSpace(req.SourceLang)
	if strings.EqualFold(source, "auto") {
		// v2 detects the language when source is absent.
		source = ""
	}
	format := req.Format
	switch format {
	case "":
		format = providers.FormatText
	case providers.FormatText, providers.FormatHTML:
	default:
		return providers.TranslateResult{}, p.errorf(providers.KindBadRequest, "format %q: want %q or %q", req.Format, providers.FormatText, providers.FormatHTML)
	}

	out := make([]string, len(req.Segments))
	var send []int
	chars := 0
	for i, seg := range req.Segments {
		if strings.TrimSpace(seg) == "" {
			out[i] = seg
			continue
		}
		send = append(send, i)
		chars += utf8.RuneCountInString(seg)
	}
	batches := providers.SplitBatches(req.Segments, send, MaxSegments, p.maxChars)
	models := make([]string, len(batches))

	g, gctx := errgroup.WithContext(ctx)
	// The errgroup limit only keeps the number of waiting goroutines small;
	// p.sem is what bounds the requests across concurrent Translate calls.
	g.SetLimit(p.limit)
	for b, batch := range batches {
		g.Go(func() error {
			q := make([]string, len(batch))
			for j, i := range batch {
				q[j] = req.Segments[i]
			}
			texts, model, err := p.translate(gctx, request{Q: q, Source: source, Target: target, Format: format, Model: p.model})
			if err != nil {
				return err
			}
			for j, i := range batch {
				out[i] = texts[j]
			}
			models[b] = model
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return providers.TranslateResult{}, err
	}

	model := p.model
	for _, m := range models {
		if m != "" {
			model = m
			break
		}
	}
	name := "google"
	if model != "" {
		name += ":" + model
	}
	return providers.TranslateResult{Translations: out, Model: name, Usage: providers.Usage{Characters: chars}}, nil
}

// translate sends one batch once a request slot is free.
func (p *Provider) translate(ctx context.Context, r request) ([]string, string, error) {
	select {
	case p.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, "", p.transportError(ctx.Err())
	}
	defer func() { <-p.sem }()
	return p.post(ctx, r)
}

func (p *Provider) errorf(kind providers.Kind, format string, args ...any) *providers.Error {
	return &providers.Error{Provider: p.name, Kind: kind, Message: p.redact(fmt.Sprintf(format, args...))}
}
