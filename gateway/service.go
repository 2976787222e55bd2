// Package gateway is Passerelle's core: it turns a French article into an
// English translation and summary through the configured providers, reading
// the cache first and paying a provider only for what the cache lacks.
//
// How it reads, in the order a request goes:
//
//   - Options name each configured provider once, as a Provider value (its
//     translator, summarizer, budgets, glossary handling, description, why
//     it is unavailable); the version of kept replies (replyVersion) is
//     derived from the same Options, so a change that shapes replies
//     cannot be left out of it.
//   - plan reads the request (plan.go, input.go); translationFor settles
//     the language, tells Request.Started of the article, and is the one
//     place every translation a request gets comes out of: found in the
//     cache, passed through, or made.
//   - translate finds the whole article in the cache, joins an identical
//     article in flight in this process (documentFlights), or, for one
//     shared between replicas, waits under a lease (translateLeased).
//   - translateMissing makes what the cache lacks. The article's distinct
//     paragraphs are segments, each with its own state (pending, kept,
//     cached, translated), output and record of what the chain did with
//     it. fallback walks the chain, one provider's turn at a time; a
//     summary goes through the same loop.
//   - What a request holds that others wait on (claimed paragraphs,
//     paragraphs kept until written, the lease, the flight) is a holds
//     value, let go by holds.release on every path, a panic included.
package gateway

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"passerelle/article/fetch"
	"passerelle/cache"
	"passerelle/gateway/checks"
	"passerelle/providers"
)

// Route is the ordered list of providers that serve a task: the first is
// tried first, the others only when it fails.
type Route struct {
	Chain []string
	// AllowOverride lists the providers a request may name.
	AllowOverride []string
}

// Options configures a Service. Providers holds every configured provider,
// built or not; a route naming one that does not do its task skips it.
type Options struct {
	Cache cache.Store // nil: nothing is cached
	// CacheTTL is how long results are kept; 0 leaves it to the store.
	CacheTTL time.Duration
	// ReplyTTL is how long finished replies are kept (see Replies); 0 or
	// more than CacheTTL means CacheTTL.
	ReplyTTL time.Duration
	// CacheTimeout bounds each cache call; past it the request goes on
	// without the cache. Default 300ms.
	CacheTimeout time.Duration
	// Build identifies the code that shapes replies (parsing, checks,
	// rendering): part of a kept reply's key, so that a deploy does not
	// serve the replies the previous code made for up to ReplyTTL.
	Build string
	// Providers are the configured providers, in configuration order (the
	// order of GET /v1/providers), each name once.
	Providers   []Provider
	Translation Route
	Summarizing Route
	// SummarySentences is the default summary length. Default 2.
	SummarySentences int
	// Observer is told about cache lookups and provider calls. Default: none.
	Observer Observer
	// Tracer opens spans for cache lookups and provider calls. Default: none.
	Tracer trace.Tracer
	// MaxParagraphs and MaxCharacters bound one article (title included);
	// 0 means no bound.
	MaxParagraphs int
	MaxCharacters int
	// Fetcher fetches articles given by URL; nil turns "url" input off.
	Fetcher *fetch.Fetcher
	// Detector tells the article's language; nil trusts source_lang.
	Detector Detector
	// Glossary holds terms every request gets; a request's own win.
	Glossary map[string]string
	Logger   *slog.Logger // default: slog.Default()
}

// withDefaults returns o with its defaults filled in, as the Service runs it.
func (o Options) withDefaults() Options {
	if o.CacheTimeout <= 0 {
		o.CacheTimeout = 300 * time.Millisecond
	}
	if o.SummarySentences <= 0 {
		o.SummarySentences = 2
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Observer == nil {
		o.Observer = nopObserver{}
	}
	if o.Tracer == nil {
		o.Tracer = noop.NewTracerProvider().Tracer("")
	}
	return o
}

// Service translates and summarizes articles. It is safe for concurrent use.
type Service struct {
	cache            cache.Store
	ttl              time.Duration
	cacheTimeout     time.Duration
	providers        []Provider           // Options.Providers
	byName           map[string]*Provider // into providers
	translation      Route
	summarizing      Route
	summarySentences int
	flights          documentFlights // coalesces identical articles in flight
	segmentFlights   segmentFlights  // coalesces shared paragraphs in flight
	pending          sync.WaitGroup  // cache writes after the reply (Flush)
	observe          Observer
	tracer           trace.Tracer
	maxParagraphs    int
	maxCharacters    int
	fetcher          *fetch.Fetcher
	detector         Detector
	glossary         map[string]string
	log              *slog.Logger
	replies          *Replies
}

// New returns a Service, or an error when a route names no provider at all
// or two providers share a name.
func New(opts Options) (*Service, error) {
	if len(opts.Translation.Chain) == 0 {
		return nil, fmt.Errorf("gateway: the translation route names no provider")
	}
	if len(opts.Summarizing.Chain) == 0 {
		return nil, fmt.Errorf("gateway: the summarization route names no provider")
	}
	opts = opts.withDefaults()
	// The English word list behind the untranslated-words warning takes
	// some 50 ms to unpack: at start, not on the first request, and before
	// the server hands start-up's garbage back to the system.
	checks.IsEnglishWord("the")
	s := &Service{
		cache:            opts.Cache,
		ttl:              opts.CacheTTL,
		cacheTimeout:     opts.CacheTimeout,
		providers:        slices.Clone(opts.Providers),
		byName:           make(map[string]*Provider, len(opts.Providers)),
		translation:      opts.Translation,
		summarizing:      opts.Summarizing,
		summarySentences: opts.SummarySentences,
		observe:          opts.Observer,
		tracer:           opts.Tracer,
		maxParagraphs:    opts.MaxParagraphs,
		maxCharacters:    opts.MaxCharacters,
		fetcher:          opts.Fetcher,
		detector:         opts.Detector,
		glossary:         opts.Glossary,
		log:              opts.Logger,
	}
	for i := range s.providers {
		p := &s.providers[i]
		if _, twice := s.byName[p.Name]; twice || p.Name == "" {
			return nil, fmt.Errorf("gateway: provider name %q is empty or given twice", p.Name)
		}
		s.byName[p.Name] = p
	}
	s.replies = newReplies(s, opts.ReplyTTL, replyVersion(opts))
	return s, nil
}

// MaxSummarySentences bounds the summary length a request may ask for.
const MaxSummarySentences = 10

// CachePolicy is what a request allows the cache to do.
type CachePolicy struct {
	NoRead  bool // skip reading; results are still written (Cache-Control: no-cache)
	NoWrite bool // do not store results (Cache-Control: no-store)
}

// Detector tells the language of a text: an ISO 639-1 code, or "" when
// unsure.
type Detector interface {
	Detect(text string) (lang string, confidence float64)
}

// Request is one article and what to do with it: its text, its web page or
// the page's URL.
type Request struct {
	Title string
	Text  string
	HTML  string
	URL   string
	// Segments, when set, are texts translated each as it is, one
	// translation each and in order (Translation.Paragraphs[i] is the
	// English of Segments[i]): no cleaning, no splitting into paragraphs,
	// no title. They are what the LibreTranslate and DeepL dialects carry.
	// Not with Title, Text, HTML or URL; an empty list is an empty
	// article, and a segment that is not UTF-8 an invalid request.
	//
	// A blank segment comes back as it is, sent to no provider; any other
	// is sent without its outer white space, which its translation gets
	// back. Identical texts are translated once. "auto" decides the
	// language on all of them together. A segment no provider translates
	// leaves the others: a warning names its index in Segments, and it
	// holds the best output that may be held, or its source. Charge is
	// given the characters of the texts as sent (trimmed, blanks not
	// counted); the bounds count the segments as given.
	Segments []string
	// Format is FormatText (the default) or FormatHTML, for Segments that
	// are fragments of HTML whose markup the translation keeps: tags and
	// attributes as they were, in order (the markup check), around the
	// translated text. Ignored without Segments.
	Format           string
	SourceLang       string // default "fr"
	TargetLang       string // default "en"
	Provider         string // optional: a provider allowed to override the route
	SummarySentences int    // 0: the configured default
	// Glossary maps source terms to their required translation; a term
	// mapped to itself is not translated.
	Glossary map[string]string
	Cache    CachePolicy
	// Strict fails the request, as output_check_failed or provider_error,
	// when a paragraph could not be translated, rather than returning the
	// rest of the article with a warning for it.
	Strict bool
	// Charge, when set, is called once with the characters of the article
	// as it will be worked on (its title and paragraphs, once an HTML page
	// is extracted or a URL fetched), after the request is found valid and
	// before any provider is called, from the goroutine that made the
	// request, whether or not the cache holds the result. An error stops
	// the request and is returned as it is: what a client is charged for is
	// what would be sent, whatever form the article came in.
	Charge func(ctx context.Context, characters int) error
	// Progress, when set, is told of each paragraph as it gets its final
	// output (see Progress), and makes the request its caller's alone: it
	// is not shared with an identical article in flight, so that a caller
	// that leaves (its context cancelled) stops its provider calls.
	Progress func(Progress)
	// Started, when set, is given the article as the request read it (see
	// Source) once its language is settled and before any provider is
	// called: once per request, from the goroutine that made it, whether
	// the cache holds the translation, the article is passed through as
	// it is, or it is translated. A request refused before then (its
	// form, its size, its charge, its language) does not call it.
	Started func(Source)
}

// Source is the article a request works on, as the gateway read it: its
// text cleaned, its page extracted or its address fetched. Paragraph i of
// the Translation, and of a Progress, is the translation of Paragraphs[i];
// for a request of Segments, Paragraphs are the segments as given.
type Source struct {
	Title      string
	Paragraphs []string
	// Byline and Published (YYYY-MM-DD) are what a page says of its
	// author and date; empty for a text.
	Byline, Published string
}

// Cache statuses, for the response body and the X-Cache header.
const (
	CacheHit     = "hit"
	CacheMiss    = "miss"
	CachePartial = "partial"
	// CacheNone is the status of a translation that was neither made nor
	// looked up: the article was in the target language already and is
	// returned as it is. A hit would tell the client it had been paid for
	// before.
	CacheNone = "none"
)

// Result is what a request produced and how.
type Result struct {
	SourceLang   string
	TargetLang   string
	DetectedLang string // the detector's answer, "" when unsure

	// Translation is always made: a summary is written from it.
	Translation *Translation
	Summary     *Summary // nil for a translation-only request
	// SummarySentences is the summary length asked for.
	SummarySentences int
	// Byline and Published (YYYY-MM-DD) are what a page given in "html"
	// or "url" says of its author and date; empty for a text.
	Byline, Published string

	Cache   CacheReport
	Timings Timings

	replay *Result // see Replay
}

// Replay returns the result as a later identical request would get it from
// the cache: every segment and the summary cached, nothing paid, no
// timings. It reports false when a later request would not get this
// result: a provider other than the first of its route made part of it
// (the first will be asked again), a paragraph is missing from it (it will
// be asked for again), the article came from a URL (the page may change),
// the request did not let the cache keep it, or there is no cache.
func (r *Result) Replay() (*Result, bool) { return r.replay, r.replay != nil }

// Translation is the translated article; Paragraphs match the input's.
type Translation struct {
	Title      string
	Paragraphs []string
	Provider   string // the provider(s) that produced it, comma-separated when mixed
	Model      string
	Usage      providers.Usage // what this request paid; zero on a cache hit
	Cache      CacheReport
	// Coalesced is true when an identical request in flight made it.
	Coalesced bool
	// Warnings name the paragraphs no provider translated, returned
	// without their translation (see Warning), and those whose translation
	// holds words that are not English, which leave it complete.
	Warnings []Warning

	incomplete error // what a strict request fails with; nil when complete
}

// Text returns the paragraphs joined by a blank line.
func (t *Translation) Text() string { return strings.Join(t.Paragraphs, "\n\n") }

// Summary is the summary of the translated article.
type Summary struct {
	Text     string
	Provider string
	Model    string
	Usage    providers.Usage
	Cached   bool
}

// CacheReport says how much of a result came from the cache.
type CacheReport struct {
	Status             string // hit, miss, partial or none
	SegmentsCached     int
	SegmentsTranslated int
	// SegmentsKept were in the target language already and are returned
	// as they were, at no cost (see keepTargetLanguage).
	SegmentsKept int
}

// Timings are the durations of a request's parts.
type Timings struct {
	Total       time.Duration
	Translation time.Duration
	Summary     time.Duration
}

// Translate returns the English translation of the article.
func (s *Service) Translate(ctx context.Context, req Request) (*Result, error) {
	return s.run(ctx, req, false)
}

// Summarize returns the English summary of the article, written from its
// translation so that both always agree (and the translation is cached for
// a later request).
func (s *Service) Summarize(ctx context.Context, req Request) (*Result, error) {
	return s.run(ctx, req, true)
}

// Article returns both the translation and its summary.
func (s *Service) Article(ctx context.Context, req Request) (*Result, error) {
	return s.run(ctx, req, true)
}

func (s *Service) run(ctx context.Context, req Request, wantSummary bool) (*Result, error) {
	start := time.Now()
	p, err := s.plan(ctx, req, wantSummary)
	if err != nil {
		return nil, err
	}
	t0, detecting := time.Now(), p.detectPending
	tr, err := s.translationFor(ctx, &p)
	if err != nil {
		return nil, err
	}
	// Its untranslated words are named on every path, a cache hit
	// included, so that a hit carries the warning the miss did.
	tr = withUntranslatedWords(p, tr)
	if req.Strict && !tr.Complete() {
		return nil, tr.Incomplete()
	}
	res := &Result{SourceLang: p.source, TargetLang: p.target, SummarySentences: p.summarySentences, DetectedLang: p.detected,
		Byline: p.meta.Byline, Published: p.meta.Published, Translation: tr, Cache: tr.Cache}
	res.Timings.Translation = time.Since(t0)
	if wantSummary {
		if err := s.addSummary(ctx, p, res); err != nil {
			return nil, err
		}
	}
	res.Timings.Total = time.Since(start)
	if s.replies != nil && replayable(req, p, res) {
		res.replay = replayOf(res, len(p.segments), detecting && !p.passthrough)
	}
	return res, nil
}

// translationFor returns the article's translation, settling its language
// first: every translation a request gets, found in the cache, passed
// through or made, comes out of here.
func (s *Service) translationFor(ctx context.Context, p *plan) (*Translation, error) {
	if len(p.segments) == 0 {
		// Segments all blank: they are their own translation.
		p.started()
		tr := s.assemble(*p, nil)
		tr.Provider, tr.Model = "none", "none"
		tr.Cache = CacheReport{Status: CacheNone}
		return tr, nil
	}
	tr, err := s.decideLanguage(ctx, p)
	if err != nil {
		return nil, err
	}
	p.started()
	switch {
	case tr != nil:
		return tr, nil // found in the cache while deciding the language
	case p.passthrough:
		// Already in the target language: returned as it is, at no cost.
		tr = s.assemble(*p, p.segments)
		tr.Provider, tr.Model = "none", "none"
		tr.Cache = CacheReport{Status: CacheNone, SegmentsCached: 0}
		return tr, nil
	}
	return s.translate(ctx, *p)
}

// addSummary summarizes res's translation into res, and folds whether the
// cache served the summary into res's cache status.
func (s *Service) addSummary(ctx context.Context, p plan, res *Result) error {
	began := time.Now()
	sum, err := s.summarize(ctx, p, res.Translation)
	if err != nil {
		return err
	}
	res.Timings.Summary = time.Since(began)
	res.Summary = sum
	switch {
	case !p.passthrough:
		res.Cache.Status = combineStatus(res.Translation.Cache.Status, sum.Cached)
	case sum.Cached:
		res.Cache.Status = CacheHit
	default:
		// Nothing was translated, so nothing was looked up for it: the
		// summary alone says whether the cache served the request.
		res.Cache.Status = CacheMiss
	}
	return nil
}

// replayable tells whether a later identical request would be answered
// with res from the cache.
func replayable(req Request, p plan, res *Result) bool {
	if req.Cache.NoWrite || req.URL != "" || !res.Translation.Complete() {
		// An incomplete translation is asked for again, paragraph by
		// paragraph, by the next request.
		return false
	}
	if !p.passthrough && res.Translation.Provider != p.translationChain[0] {
		return false
	}
	if p.passthrough && res.Summary == nil {
		// Nothing was made nor cached: a kept reply would answer HIT for
		// it, and what it saves, detecting the language again, is cheap.
		return false
	}
	return res.Summary == nil || res.Summary.Provider == p.summaryChain[0]
}

// replayOf returns res as a cache hit reports it: segments counts the
// title and paragraphs; detectedFrench is true when the language was left
// to detection and found French, which a hit does not detect again.
func replayOf(res *Result, segments int, detectedFrench bool) *Result {
	hit := &Result{SourceLang: res.SourceLang, TargetLang: res.TargetLang, DetectedLang: res.DetectedLang,
		SummarySentences: res.SummarySentences, Byline: res.Byline, Published: res.Published}
	if detectedFrench {
		hit.DetectedLang = "fr"
	}
	tr := *res.Translation
	tr.Usage, tr.Coalesced = providers.Usage{}, false
	if tr.Provider != "none" {
		tr.Cache = CacheReport{Status: CacheHit, SegmentsCached: segments}
	}
	hit.Translation, hit.Cache = &tr, tr.Cache
	if res.Summary != nil {
		sum := *res.Summary
		sum.Usage, sum.Cached = providers.Usage{}, true
		hit.Summary = &sum
		hit.Cache.Status = CacheHit
	}
	return hit
}

// combineStatus folds the summary's cache outcome into the translation's.
func combineStatus(translation string, summaryCached bool) string {
	switch {
	case translation == CacheHit && summaryCached:
		return CacheHit
	case translation == CacheMiss && !summaryCached:
		return CacheMiss
	}
	return CachePartial
}

// chains returns the provider chains for translation and summary, honouring
// a provider named by the request where its route allows it.
func (s *Service) chains(named string, wantSummary bool) (translation, summary []string, err error) {
	translation = s.available(s.translation.Chain, s.hasTranslator)
	summary = s.available(s.summarizing.Chain, s.hasSummarizer)
	if named != "" {
		if translation, summary, err = s.override(named, wantSummary, translation, summary); err != nil {
			return nil, nil, err
		}
	}
	if len(translation) == 0 {
		return nil, nil, Errorf(CodeNoProvider, "no translation provider is available: configure one (see GET /readyz)")
	}
	if wantSummary && len(summary) == 0 {
		return nil, nil, Errorf(CodeNoProvider, "no summarization provider is available: configure one (see GET /readyz)")
	}
	return translation, summary, nil
}

// override puts the provider named by a request first in the chains whose
// route allows it.
func (s *Service) override(named string, wantSummary bool, translation, summary []string) ([]string, []string, error) {
	allowTranslation, allowSummary, err := s.choosable(named, wantSummary)
	if err != nil {
		return nil, nil, err
	}
	unavailable := Errorf(CodeNoProvider, "provider %q is configured but unavailable (missing credentials?); see GET /readyz", named)
	if allowTranslation {
		if !s.hasTranslator(named) {
			return nil, nil, unavailable
		}
		translation = pinned(named, translation)
	}
	if allowSummary {
		if !s.hasSummarizer(named) {
			return nil, nil, unavailable
		}
		summary = pinned(named, summary)
	}
	return translation, summary, nil
}

// choosable says which routes let a request name the provider named, and
// refuses a name that is unknown here or that no route of the task allows.
func (s *Service) choosable(named string, wantSummary bool) (allowTranslation, allowSummary bool, err error) {
	allowTranslation = slices.Contains(s.translation.AllowOverride, named)
	allowSummary = wantSummary && slices.Contains(s.summarizing.AllowOverride, named)
	known := s.hasTranslator(named) || s.hasSummarizer(named) ||
		slices.Contains(s.translation.AllowOverride, named) || slices.Contains(s.summarizing.AllowOverride, named)
	switch {
	case !known:
		return false, false, Errorf(CodeUnknownProvider, "provider %q is unknown here; GET /v1/providers lists the configured ones", named)
	case !allowTranslation && !allowSummary:
		return false, false, Errorf(CodeProviderNotAllowed, "provider %q may not be chosen by a request for this task; the route's allow_override lists those that may", named)
	}
	return allowTranslation, allowSummary, nil
}

// CheckProvider returns the error a request naming provider name gets for
// that name alone: unknown_provider, or provider_not_allowed when no route
// of the task lets a request choose it (wantSummary: the task summarizes).
// An empty name, the configured routes, is nil. Whether the provider is
// available right now is left to the request: that can change before a
// queued article runs.
func (s *Service) CheckProvider(name string, wantSummary bool) error {
	if name == "" {
		return nil
	}
	_, _, err := s.choosable(name, wantSummary)
	return err
}

// pinned puts the named provider first, keeping the others as fallbacks.
func pinned(name string, chain []string) []string {
	out := []string{name}
	for _, n := range chain {
		if n != name {
			out = append(out, n)
		}
	}
	return out
}

func (s *Service) hasTranslator(name string) bool { return s.translator(name) != nil }
func (s *Service) hasSummarizer(name string) bool { return s.summarizer(name) != nil }

func (s *Service) available(chain []string, has func(string) bool) []string {
	out := make([]string, 0, len(chain))
	for _, name := range chain {
		if has(name) {
			out = append(out, name)
		}
	}
	return out
}

// DetectLanguage returns the language of text as the service's detector
// sees it, the one that decides an article's language: an ISO 639-1 code
// and a confidence from 0 to 1, or "" when the detector is unsure or none
// is configured.
func (s *Service) DetectLanguage(text string) (lang string, confidence float64) {
	if s.detector == nil {
		return "", 0
	}
	return s.detector.Detect(text)
}

// MaxCharacters is the most characters one article (or one request's
// segments) may have; 0 when unbounded.
func (s *Service) MaxCharacters() int { return s.maxCharacters }
