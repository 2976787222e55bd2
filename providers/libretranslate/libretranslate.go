// Package libretranslate translates through a LibreTranslate server, the
// self-hostable engine built on Argos Translate.
package libretranslate

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
	DefaultName           = "libretranslate"
	DefaultTimeout        = 30 * time.Second
	DefaultMaxConcurrency = 4
	// DefaultBatchSize is the most segments sent in one request. The server
	// translates the strings of a request one after the other, so smaller
	// batches spread an article over its workers; 32 paragraphs is more
	// than most articles, which then go out in one or two requests.
	DefaultBatchSize = 32
	// DefaultMaxChars is the most characters (code points) sent in one
	// request. LibreTranslate has no limit unless its operator sets
	// LT_CHAR_LIMIT, and public instances set a few thousand: 5,000 keeps a
	// request to a couple of paragraphs' worth of translation time, well
	// inside DefaultTimeout on a CPU.
	DefaultMaxChars = 5000
)

// Options configure a Provider. Every field but URL has a default.
type Options struct {
	// Name is the configured provider name, used in errors. Default
	// "libretranslate".
	Name string
	// URL is the server's root, with its URL prefix if it has one, e.g.
	// "http://127.0.0.1:5000". Required.
	URL string
	// APIKey is sent as api_key in each request when set; servers started
	// without --api-keys do not need one.
	APIKey string
	// Timeout bounds each HTTP call, from dialling to the end of the body.
	// Default DefaultTimeout.
	Timeout time.Duration
	// MaxConcurrency bounds the requests in flight across all Translate
	// calls of this Provider. Default DefaultMaxConcurrency.
	MaxConcurrency int
	// BatchSize bounds the segments of one request; keep it at or below
	// the server's LT_BATCH_LIMIT. Default DefaultBatchSize.
	BatchSize int
	// MaxChars bounds the characters of one request; keep it at or below
	// the server's LT_CHAR_LIMIT. A single segment longer than MaxChars is
	// sent on its own. Default DefaultMaxChars.
	MaxChars int
	// Revision is appended to the Fingerprint. LibreTranslate does not
	// report the version of its language models, so set it (for instance to
	// the Argos model versions) to stop serving cached translations after
	// the server's models are upgraded. Default empty.
	Revision string
}

// Provider calls one LibreTranslate server. It is safe for concurrent use.
// It does not retry: a failed call returns a *providers.Error whose Kind
// lets the caller decide.
type Provider struct {
	name        string
	url         string
	apiKey      string
	urlSecrets  []string // the user info and query values of the URL
	batchSize   int
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

// New returns a Provider for the server at opts.URL. It does not contact
// the server; it returns an error when URL is missing or an option is
// invalid.
func New(opts Options) (*Provider, error) {
	if opts.Name == "" {
		opts.Name = DefaultName
	}
	u, err := url.Parse(opts.URL)
	if opts.URL == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("libretranslate %s: url %q: want the server's http or https URL, such as http://127.0.0.1:5000", opts.Name, redact.URL(opts.URL))
	}
	if opts.Timeout < 0 {
		return nil, fmt.Errorf("libretranslate %s: timeout %v: want a positive duration", opts.Name, opts.Timeout)
	}
	if opts.Timeout == 0 {
		opts.Timeout = DefaultTimeout
	}
	for _, o := range []struct {
		name string
		v    *int
		def  int
	}{
		{"max concurrency", &opts.MaxConcurrency, DefaultMaxConcurrency},
		{"batch size", &opts.BatchSize, DefaultBatchSize},
		{"max chars", &opts.MaxChars, DefaultMaxChars},
	} {
		if *o.v < 0 {
			return nil, fmt.Errorf("libretranslate %s: %s %d must not be negative", opts.Name, o.name, *o.v)
		}
		if *o.v == 0 {
			*o.v = o.def
		}
	}

	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConnsPerHost = opts.MaxConcurrency
	return &Provider{
		name:        opts.Name,
		url:         strings.TrimRight(opts.URL, "/"),
		apiKey:      opts.APIKey,
		urlSecrets:  redact.URLSecrets(opts.URL),
		batchSize:   opts.BatchSize,
		maxChars:    opts.MaxChars,
		client:      &http.Client{Transport: transport},
		timeout:     opts.Timeout,
		fingerprint: fingerprint(u, opts.Revision),
		limit:       opts.MaxConcurrency,
		sem:         make(chan struct{}, opts.MaxConcurrency),
	}, nil
}

// fingerprint names the server, since two servers may run different Argos
// models: its host and port, and its path prefix when it has one. Scheme,
// credentials and query do not change the output.
func fingerprint(u *url.URL, revision string) string {
	fp := "libretranslate|" + strings.ToLower(u.Host) + strings.TrimRight(u.Path, "/")
	if revision != "" {
		fp += "|" + revision
	}
	return fp
}

// Fingerprint returns "libretranslate|<host>[<path prefix>][|<revision>]",
// for example "libretranslate|127.0.0.1:5000".
func (p *Provider) Fingerprint() string { return p.fingerprint }

// Translate sends the segments in batches of at most BatchSize segments and
// MaxChars characters, in parallel up to MaxConcurrency requests, and
// returns the translations in request order. Blank segments are returned
// unchanged without being sent. Model is "libretranslate", since the server
// does not say which model served; Usage.Characters counts the characters
// sent.
//
// On failure it returns a *providers.Error and no translations.
func (p *Provider) Translate(ctx context.Context, req providers.TranslateRequest) (providers.TranslateResult, error) {
	source := strings.ToLower(strings.TrimSpace(req.SourceLang))
	target := strings.ToLower(strings.TrimSpace(req.TargetLang))
	if source == "" || target == "" {
		return providers.TranslateResult{}, p.errorf(providers.KindBadRequest, "source %q and target %q must both be set", req.SourceLang, req.TargetLang)
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

	g, gctx := errgroup.WithContext(ctx)
	// The errgroup limit only keeps the number of waiting goroutines small;
	// p.sem is what bounds the requests across concurrent Translate calls.
	g.SetLimit(p.limit)
	for _, batch := range providers.SplitBatches(req.Segments, send, p.batchSize, p.maxChars) {
		g.Go(func() error {
			q := make([]string, len(batch))
			for j, i := range batch {
				q[j] = req.Segments[i]
			}
			texts, err := p.translate(gctx, request{Q: q, Source: source, Target: target, Format: format, APIKey: p.apiKey})
			if err != nil {
				return err
			}
			for j, i := range batch {
				out[i] = texts[j]
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return providers.TranslateResult{}, err
	}
	return providers.TranslateResult{Translations: out, Model: "libretranslate", Usage: providers.Usage{Characters: chars}}, nil
}

// translate sends one batch once a request slot is free.
func (p *Provider) translate(ctx context.Context, r request) ([]string, error) {
	select {
	case p.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, p.transportError(ctx.Err())
	}
	defer func() { <-p.sem }()
	return p.post(ctx, r)
}

func (p *Provider) errorf(kind providers.Kind, format string, args ...any) *providers.Error {
	return &providers.Error{Provider: p.name, Kind: kind, Message: p.redact(fmt.Sprintf(format, args...))}
}
