// Package apertium translates through an Apertium APy server, the rule-based
// engine that runs offline. French reaches English through Spanish
// (fra→spa→eng), since Debian ships no direct French–English pair and Spanish
// measured as the better pivot.
package apertium

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/sync/errgroup"

	"passerelle/internal/redact"
	"passerelle/providers"
)

// Options configures a Provider. The zero value talks to APy's default port
// on loopback.
type Options struct {
	// Name is the configured provider name, used in errors. Default "apertium".
	Name string
	// URL is the base URL of the APy server. Default "http://127.0.0.1:2737".
	URL string
	// Timeout bounds each call to APy. Default 30s.
	Timeout time.Duration
	// MaxConcurrency bounds the calls in flight to APy across all Translate
	// calls of this Provider: APy runs one pipeline per pair and queues the
	// rest, so more parallel calls only pile up there. Default 4.
	MaxConcurrency int
	// Languages maps the ISO 639-1 codes of requests to APy's language codes.
	// Default {"fr": "fra", "en": "eng", "es": "spa"}.
	Languages map[string]string
	// Pivot is the APy language used when APy has no direct pair between
	// source and target. Default "spa".
	Pivot string
	// Revision is appended to the Fingerprint. APy does not report the
	// version of its language data, so set it (for instance to the versions
	// of the installed pair packages) to stop serving cached translations
	// after the data is upgraded. Default empty.
	Revision string
}

// Defaults applied by New.
const (
	DefaultName           = "apertium"
	DefaultURL            = "http://127.0.0.1:2737"
	DefaultTimeout        = 30 * time.Second
	DefaultMaxConcurrency = 4
	DefaultPivot          = "spa"
)

// DefaultLanguages is the Languages map used when Options.Languages is empty.
func DefaultLanguages() map[string]string {
	return map[string]string{"fr": "fra", "en": "eng", "es": "spa"}
}

// Provider translates through one APy server. It is safe for concurrent use.
type Provider struct {
	name        string
	url         string
	timeout     time.Duration
	client      *http.Client
	langs       map[string]string
	pivot       string
	fingerprint string
	limit       int
	// sem holds one token per call in flight, shared by every Translate call.
	sem chan struct{}

	mu    sync.Mutex
	pairs map[string]bool // "fra-spa" → installed; nil until /listPairs answered
}

var (
	_ providers.Translator = (*Provider)(nil)
	_ providers.Pinger     = (*Provider)(nil)
)

// New returns a Provider for the APy server at opts.URL. It does not contact
// the server; it returns an error when an option is invalid.
func New(opts Options) (*Provider, error) {
	if opts.Name == "" {
		opts.Name = DefaultName
	}
	if opts.URL == "" {
		opts.URL = DefaultURL
	}
	if !strings.HasPrefix(opts.URL, "http://") && !strings.HasPrefix(opts.URL, "https://") {
		return nil, fmt.Errorf("apertium: url %q must start with http:// or https://", redact.URL(opts.URL))
	}
	if opts.Timeout < 0 {
		return nil, fmt.Errorf("apertium: timeout %v must not be negative", opts.Timeout)
	}
	if opts.Timeout == 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.MaxConcurrency < 0 {
		return nil, fmt.Errorf("apertium: max concurrency %d must not be negative", opts.MaxConcurrency)
	}
	if opts.MaxConcurrency == 0 {
		opts.MaxConcurrency = DefaultMaxConcurrency
	}
	if len(opts.Languages) == 0 {
		opts.Languages = DefaultLanguages()
	}
	langs := make(map[string]string, len(opts.Languages))
	for iso, code := range opts.Languages {
		if iso == "" || code == "" || strings.ContainsAny(code, "|-") {
			return nil, fmt.Errorf("apertium: language mapping %q→%q is invalid (want e.g. \"fr\"→\"fra\")", iso, code)
		}
		langs[strings.ToLower(iso)] = code
	}
	if opts.Pivot == "" {
		opts.Pivot = DefaultPivot
	}

	transport := http.DefaultTransport.(*http.Transport).Clone()
	// Keep one idle connection per possible call so bursts reuse them.
	transport.MaxIdleConnsPerHost = opts.MaxConcurrency

	return &Provider{
		name:        opts.Name,
		url:         strings.TrimRight(opts.URL, "/"),
		timeout:     opts.Timeout,
		client:      &http.Client{Transport: transport},
		langs:       langs,
		pivot:       opts.Pivot,
		fingerprint: fingerprint(langs, opts.Pivot, opts.Revision),
		limit:       opts.MaxConcurrency,
		sem:         make(chan struct{}, opts.MaxConcurrency),
	}, nil
}

// fingerprint names what decides the output besides the text and the
// request's languages (which the cache key holds already): the APy codes the
// languages map to, the pivot, and the operator's revision. The chain used
// for a request follows from these and the pairs installed on the server.
func fingerprint(langs map[string]string, pivot, revision string) string {
	var b strings.Builder
	b.WriteString("apertium|")
	for i, iso := range slices.Sorted(maps.Keys(langs)) {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(iso + "=" + langs[iso])
	}
	b.WriteString("|pivot=" + pivot)
	if revision != "" {
		b.WriteString("|" + revision)
	}
	return b.String()
}

// Fingerprint returns "apertium|<iso>=<code>,...|pivot=<code>[|<revision>]",
// for example "apertium|en=eng,es=spa,fr=fra|pivot=spa".
func (p *Provider) Fingerprint() string { return p.fingerprint }

// Translate translates each segment on its own, in parallel up to
// MaxConcurrency calls, and returns the translations in request order. In
// html mode (Format FormatHTML) APy's HTML deformatter keeps the markup as
// it is and only the text between tags is translated.
// Leading and trailing white space of a segment is kept as given, and blank
// segments are returned unchanged without a call. Model is
// "apertium:<chain>", e.g. "apertium:fra-spa-eng"; Usage.Characters counts
// the characters sent to APy.
//
// On failure it returns a *providers.Error and no translations: KindBadRequest
// for a language APy cannot translate, otherwise the kind of APy's failure.
func (p *Provider) Translate(ctx context.Context, req providers.TranslateRequest) (providers.TranslateResult, error) {
	src, err := p.code(req.SourceLang)
	if err != nil {
		return providers.TranslateResult{}, err
	}
	tgt, err := p.code(req.TargetLang)
	if err != nil {
		return providers.TranslateResult{}, err
	}
	if src == tgt {
		return providers.TranslateResult{}, p.errorf(providers.KindBadRequest, "source and target are both %q", req.SourceLang)
	}
	chain, err := p.route(ctx, src, tgt)
	if err != nil {
		return providers.TranslateResult{}, err
	}
	strip := stripMarks
	switch req.Format {
	case "", providers.FormatText:
	case providers.FormatHTML:
		strip = stripMarksHTML
	default:
		return providers.TranslateResult{}, p.errorf(providers.KindBadRequest, "format %q: want %q or %q", req.Format, providers.FormatText, providers.FormatHTML)
	}

	out := make([]string, len(req.Segments))
	chars := 0
	g, gctx := errgroup.WithContext(ctx)
	// The errgroup limit only keeps the number of waiting goroutines small;
	// p.sem is what bounds the calls across concurrent Translate calls.
	g.SetLimit(p.limit)
	for i, seg := range req.Segments {
		lead, core, trail := splitSpace(seg)
		if core == "" {
			out[i] = seg
			continue
		}
		chars += utf8.RuneCountInString(core)
		g.Go(func() error {
			text, err := p.translate(gctx, chain, core, req.Format)
			if err != nil {
				return err
			}
			out[i] = lead + strip(core, text) + trail
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return providers.TranslateResult{}, err
	}
	return providers.TranslateResult{
		Translations: out,
		Model:        "apertium:" + strings.Join(chain, "-"),
		Usage:        providers.Usage{Characters: chars},
	}, nil
}

// translate sends one text once a call slot is free.
func (p *Provider) translate(ctx context.Context, chain []string, text, format string) (string, error) {
	select {
	case p.sem <- struct{}{}:
	case <-ctx.Done():
		return "", p.transportError(ctx.Err())
	}
	defer func() { <-p.sem }()
	return p.post(ctx, chain, text, format)
}

// code returns the APy code of an ISO 639-1 language ("fr", "FR", "fr-FR"),
// or a KindBadRequest error when it is not configured.
func (p *Provider) code(lang string) (string, error) {
	l := strings.ToLower(strings.TrimSpace(lang))
	if c, ok := p.langs[l]; ok {
		return c, nil
	}
	if i := strings.IndexAny(l, "-_"); i > 0 {
		if c, ok := p.langs[l[:i]]; ok {
			return c, nil
		}
	}
	return "", p.errorf(providers.KindBadRequest, "unsupported language %q", lang)
}

// route returns the languages a text goes through: [src tgt] when APy has
// the pair, [src pivot tgt] when it has both legs through the pivot, or a
// KindBadRequest error. A fixed pivot, rather than APy's own path search,
// keeps the output the same whatever other pairs get installed.
func (p *Provider) route(ctx context.Context, src, tgt string) ([]string, error) {
	pairs, err := p.installedPairs(ctx)
	if err != nil {
		return nil, err
	}
	if pairs[src+"-"+tgt] {
		return []string{src, tgt}, nil
	}
	if src != p.pivot && tgt != p.pivot && pairs[src+"-"+p.pivot] && pairs[p.pivot+"-"+tgt] {
		return []string{src, p.pivot, tgt}, nil
	}
	return nil, p.errorf(providers.KindBadRequest, "APy at %s has no pair %s-%s nor %s-%s-%s (installed: %s)",
		p.url, src, tgt, src, p.pivot, tgt, strings.Join(slices.Sorted(maps.Keys(pairs)), " "))
}

// installedPairs returns APy's pairs, asking it only until it first answers.
func (p *Provider) installedPairs(ctx context.Context) (map[string]bool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.pairs != nil {
		return p.pairs, nil
	}
	pairs, err := p.listPairs(ctx)
	if err != nil {
		return nil, err
	}
	p.pairs = pairs
	return pairs, nil
}

// Ping asks APy for its pairs and refreshes the cached list, so that pairs
// installed since the first call are seen. It returns a *providers.Error
// when APy does not answer properly.
func (p *Provider) Ping(ctx context.Context) error {
	pairs, err := p.listPairs(ctx)
	if err != nil {
		return err
	}
	p.mu.Lock()
	p.pairs = pairs
	p.mu.Unlock()
	return nil
}

func (p *Provider) errorf(kind providers.Kind, format string, args ...any) *providers.Error {
	return &providers.Error{Provider: p.name, Kind: kind, Message: fmt.Sprintf(format, args...)}
}
