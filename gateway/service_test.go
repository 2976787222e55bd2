package gateway

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"passerelle/cache"
	"passerelle/providers"
)

// fakeTranslator "translates" by marking each segment, so a test can tell
// which provider produced which paragraph, and records what it was sent.
type fakeTranslator struct {
	name  string
	fail  error         // returned instead of a result when set
	delay time.Duration // how long each call takes

	mu    sync.Mutex
	calls int
	sent  []string
}

func (f *fakeTranslator) Fingerprint() string { return "fake|" + f.name }

func (f *fakeTranslator) Translate(ctx context.Context, req providers.TranslateRequest) (providers.TranslateResult, error) {
	f.mu.Lock()
	f.calls++
	f.sent = append(f.sent, req.Segments...)
	f.mu.Unlock()
	if f.delay > 0 {
		time.Sleep(f.delay)
	}
	if f.fail != nil {
		return providers.TranslateResult{}, f.fail
	}
	out := make([]string, len(req.Segments))
	chars := 0
	for i, s := range req.Segments {
		out[i] = f.name + ":" + strings.ToUpper(s)
		chars += len([]rune(s))
	}
	return providers.TranslateResult{Translations: out, Model: f.name + "-model", Usage: providers.Usage{Characters: chars}}, nil
}

func (f *fakeTranslator) counts() (calls, segments int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls, len(f.sent)
}

// fakeSummarizer returns the first sentence of the text it is given.
type fakeSummarizer struct {
	name  string
	fail  error
	mu    sync.Mutex
	calls int
}

func (f *fakeSummarizer) Fingerprint() string { return "fake|" + f.name }

func (f *fakeSummarizer) Summarize(ctx context.Context, req providers.SummarizeRequest) (providers.SummarizeResult, error) {
	f.mu.Lock()
	f.calls++
	f.mu.Unlock()
	if f.fail != nil {
		return providers.SummarizeResult{}, f.fail
	}
	first, _, _ := strings.Cut(req.Text, "\n\n")
	return providers.SummarizeResult{Summary: f.name + ":" + first, Model: f.name + "-model"}, nil
}

// brokenStore fails every call, as a Redis that is down does.
type brokenStore struct{}

var errDown = errors.New("connection refused")

func (brokenStore) Get(context.Context, string) ([]byte, error)                 { return nil, errDown }
func (brokenStore) GetMany(context.Context, []string) ([][]byte, error)         { return nil, errDown }
func (brokenStore) Set(context.Context, string, []byte, time.Duration) error    { return errDown }
func (brokenStore) SetMany(context.Context, []cache.Entry, time.Duration) error { return errDown }
func (brokenStore) Ping(context.Context) error                                  { return errDown }
func (brokenStore) Close() error                                                { return nil }

type fixture struct {
	svc      *Service
	primary  *fakeTranslator
	fallback *fakeTranslator
	sum      *fakeSummarizer
	store    cache.Store
}

func newFixture(t *testing.T, store cache.Store) *fixture {
	t.Helper()
	f := &fixture{
		primary:  &fakeTranslator{name: "llm"},
		fallback: &fakeTranslator{name: "engine"},
		sum:      &fakeSummarizer{name: "sum"},
		store:    store,
	}
	f.svc = newTestService(t, withCache(store), withTranslator("llm", f.primary), withTranslator("engine", f.fallback),
		withSummarizer("sum", f.sum), overridable)
	return f
}

const sample = "Titre court\n\nPremier paragraphe.\n\nDeuxième paragraphe.\n\nTroisième paragraphe."

func TestTranslateMissThenHit(t *testing.T) {
	f := newFixture(t, cache.NewMemory(cache.MemoryOptions{}))
	ctx := context.Background()

	first, err := f.svc.Translate(ctx, Request{Text: sample})
	if err != nil {
		t.Fatal(err)
	}
	tr := first.Translation
	if got, want := tr.Title, "llm:TITRE COURT"; got != want {
		t.Errorf("title = %q, want %q", got, want)
	}
	wantParas := []string{"llm:PREMIER PARAGRAPHE.", "llm:DEUXIÈME PARAGRAPHE.", "llm:TROISIÈME PARAGRAPHE."}
	if strings.Join(tr.Paragraphs, "|") != strings.Join(wantParas, "|") {
		t.Errorf("paragraphs = %q, want %q", tr.Paragraphs, wantParas)
	}
	if got := first.Cache; got.Status != CacheMiss || got.SegmentsTranslated != 4 || got.SegmentsCached != 0 {
		t.Errorf("first cache report = %+v, want miss with 4 translated", got)
	}
	if tr.Usage.Characters == 0 {
		t.Errorf("first usage = %+v, want characters counted", tr.Usage)
	}

	second, err := f.svc.Translate(ctx, Request{Text: sample})
	if err != nil {
		t.Fatal(err)
	}
	if got := second.Cache; got.Status != CacheHit || got.SegmentsCached != 4 || got.SegmentsTranslated != 0 {
		t.Errorf("second cache report = %+v, want hit with 4 cached", got)
	}
	if second.Translation.Usage != (providers.Usage{}) {
		t.Errorf("a hit paid %+v, want nothing", second.Translation.Usage)
	}
	if strings.Join(second.Translation.Paragraphs, "|") != strings.Join(wantParas, "|") {
		t.Errorf("hit paragraphs = %q, want %q", second.Translation.Paragraphs, wantParas)
	}
	if calls, segs := f.primary.counts(); calls != 1 || segs != 4 {
		t.Errorf("provider got %d calls with %d segments, want 1 call with 4", calls, segs)
	}
}

func TestEditedParagraphCostsOneParagraph(t *testing.T) {
	f := newFixture(t, cache.NewMemory(cache.MemoryOptions{}))
	ctx := context.Background()
	if _, err := f.svc.Translate(ctx, Request{Text: sample}); err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(sample, "Deuxième paragraphe.", "Deuxième paragraphe, corrigé.", 1)
	res, err := f.svc.Translate(ctx, Request{Text: edited})
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Cache; got.Status != CachePartial || got.SegmentsTranslated != 1 || got.SegmentsCached != 3 {
		t.Errorf("cache report = %+v, want partial with 1 translated and 3 cached", got)
	}
	f.primary.mu.Lock()
	last := f.primary.sent[len(f.primary.sent)-1]
	f.primary.mu.Unlock()
	if last != "Deuxième paragraphe, corrigé." {
		t.Errorf("last segment sent = %q, want only the edited paragraph", last)
	}
	if got, want := res.Translation.Paragraphs[1], "llm:DEUXIÈME PARAGRAPHE, CORRIGÉ."; got != want {
		t.Errorf("edited paragraph = %q, want %q", got, want)
	}
}

func TestCachePolicy(t *testing.T) {
	tests := []struct {
		name         string
		policy       CachePolicy
		wantCalls    int    // provider calls after the second request
		wantNextHit  string // status of a third, ordinary request
		wantSecondSt string
	}{
		{name: "default reads", policy: CachePolicy{}, wantCalls: 1, wantSecondSt: CacheHit, wantNextHit: CacheHit},
		{name: "no-cache refreshes", policy: CachePolicy{NoRead: true}, wantCalls: 2, wantSecondSt: CacheMiss, wantNextHit: CacheHit},
		{name: "no-store bypasses", policy: CachePolicy{NoRead: true, NoWrite: true}, wantCalls: 2, wantSecondSt: CacheMiss, wantNextHit: CacheHit},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, cache.NewMemory(cache.MemoryOptions{}))
			ctx := context.Background()
			if _, err := f.svc.Translate(ctx, Request{Text: sample}); err != nil {
				t.Fatal(err)
			}
			res, err := f.svc.Translate(ctx, Request{Text: sample, Cache: tt.policy})
			if err != nil {
				t.Fatal(err)
			}
			if res.Cache.Status != tt.wantSecondSt {
				t.Errorf("status = %q, want %q", res.Cache.Status, tt.wantSecondSt)
			}
			if calls, _ := f.primary.counts(); calls != tt.wantCalls {
				t.Errorf("provider calls = %d, want %d", calls, tt.wantCalls)
			}
			res, err = f.svc.Translate(ctx, Request{Text: sample})
			if err != nil {
				t.Fatal(err)
			}
			if res.Cache.Status != tt.wantNextHit {
				t.Errorf("next status = %q, want %q", res.Cache.Status, tt.wantNextHit)
			}
		})
	}
}

func TestNoStoreWritesNothing(t *testing.T) {
	f := newFixture(t, cache.NewMemory(cache.MemoryOptions{}))
	ctx := context.Background()
	if _, err := f.svc.Article(ctx, Request{Text: sample, Cache: CachePolicy{NoRead: true, NoWrite: true}}); err != nil {
		t.Fatal(err)
	}
	res, err := f.svc.Article(ctx, Request{Text: sample})
	if err != nil {
		t.Fatal(err)
	}
	if res.Cache.Status != CacheMiss || res.Summary.Cached {
		t.Errorf("after no-store: status %q, summary cached %v; want miss and not cached", res.Cache.Status, res.Summary.Cached)
	}
}

func TestFallbackIsCachedUnderItsOwnName(t *testing.T) {
	f := newFixture(t, cache.NewMemory(cache.MemoryOptions{}))
	f.primary.fail = &providers.Error{Provider: "llm", Kind: providers.KindUnavailable, Status: 500}
	ctx := context.Background()

	res, err := f.svc.Translate(ctx, Request{Text: sample})
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Translation.Provider; got != "engine" {
		t.Errorf("provider = %q, want the fallback", got)
	}
	if got := res.Translation.Paragraphs[0]; got != "engine:PREMIER PARAGRAPHE." {
		t.Errorf("paragraph = %q, want the fallback's text", got)
	}

	// The primary recovers: its own keys are empty, so it is asked again
	// rather than the fallback's text being served under its name.
	f.primary.fail = nil
	res, err = f.svc.Translate(ctx, Request{Text: sample})
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Translation.Provider; got != "llm" {
		t.Errorf("after recovery provider = %q, want llm", got)
	}
	if res.Cache.Status != CacheMiss {
		t.Errorf("after recovery status = %q, want miss", res.Cache.Status)
	}
}

func TestProviderFailures(t *testing.T) {
	tests := []struct {
		name     string
		err      error
		wantCode string
	}{
		{name: "both down", err: &providers.Error{Kind: providers.KindUnavailable, Status: 503}, wantCode: CodeProviderError},
		{name: "auth", err: &providers.Error{Kind: providers.KindAuth, Status: 401}, wantCode: CodeProviderError},
		{name: "timeout", err: &providers.Error{Kind: providers.KindTimeout}, wantCode: CodeProviderTimeout},
		{name: "deadline", err: context.DeadlineExceeded, wantCode: CodeProviderTimeout},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, cache.NewMemory(cache.MemoryOptions{}))
			f.primary.fail, f.fallback.fail = tt.err, tt.err
			_, err := f.svc.Translate(context.Background(), Request{Text: sample})
			if got := ErrorCode(err); got != tt.wantCode {
				t.Errorf("code = %q (%v), want %q", got, err, tt.wantCode)
			}
			if calls, _ := f.fallback.counts(); calls != 1 {
				t.Errorf("fallback calls = %d, want 1", calls)
			}
		})
	}
}

func TestRequestErrors(t *testing.T) {
	tests := []struct {
		name     string
		req      Request
		wantCode string
	}{
		{name: "empty", req: Request{Text: "  \n\n "}, wantCode: CodeEmptyArticle},
		{name: "only boilerplate", req: Request{Text: "Les commentaires sont fermés."}, wantCode: CodeEmptyArticle},
		{name: "source not French", req: Request{Text: sample, SourceLang: "de"}, wantCode: CodeUnsupportedLanguage},
		{name: "target not English", req: Request{Text: sample, TargetLang: "es"}, wantCode: CodeUnsupportedLanguage},
		{name: "unknown provider", req: Request{Text: sample, Provider: "nope"}, wantCode: CodeUnknownProvider},
		{name: "provider for the other task", req: Request{Text: sample, Provider: "sum"}, wantCode: CodeProviderNotAllowed},
		{name: "summary too long", req: Request{Text: sample, SummarySentences: 11}, wantCode: CodeInvalidRequest},
		{name: "summary negative", req: Request{Text: sample, SummarySentences: -1}, wantCode: CodeInvalidRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, cache.NewMemory(cache.MemoryOptions{}))
			_, err := f.svc.Translate(context.Background(), tt.req)
			if got := ErrorCode(err); got != tt.wantCode {
				t.Errorf("code = %q (%v), want %q", got, err, tt.wantCode)
			}
			if calls, _ := f.primary.counts(); calls != 0 {
				t.Errorf("a bad request reached the provider %d times", calls)
			}
		})
	}
}

func TestNamedProviderGoesFirst(t *testing.T) {
	f := newFixture(t, cache.NewMemory(cache.MemoryOptions{}))
	res, err := f.svc.Translate(context.Background(), Request{Text: sample, Provider: "engine"})
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Translation.Provider; got != "engine" {
		t.Errorf("provider = %q, want engine", got)
	}
	if calls, _ := f.primary.counts(); calls != 0 {
		t.Errorf("primary called %d times, want 0", calls)
	}
}

func TestCacheDownStillServes(t *testing.T) {
	f := newFixture(t, brokenStore{})
	for i := 0; i < 2; i++ {
		res, err := f.svc.Article(context.Background(), Request{Text: sample})
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		if res.Cache.Status != CacheMiss {
			t.Errorf("request %d status = %q, want miss", i, res.Cache.Status)
		}
	}
	state, checks := f.svc.Readiness(context.Background())
	if state != Degraded {
		t.Errorf("readiness = %q with the cache down, want degraded; checks %+v", state, checks)
	}
}

func TestArticleSummaryCached(t *testing.T) {
	f := newFixture(t, cache.NewMemory(cache.MemoryOptions{}))
	ctx := context.Background()
	first, err := f.svc.Article(ctx, Request{Text: sample})
	if err != nil {
		t.Fatal(err)
	}
	// The summary is made from the English translation.
	if got, want := first.Summary.Text, "sum:llm:PREMIER PARAGRAPHE."; got != want {
		t.Errorf("summary = %q, want %q", got, want)
	}
	second, err := f.svc.Article(ctx, Request{Text: sample})
	if err != nil {
		t.Fatal(err)
	}
	if !second.Summary.Cached || second.Cache.Status != CacheHit {
		t.Errorf("second: summary cached %v, status %q; want a full hit", second.Summary.Cached, second.Cache.Status)
	}
	if f.sum.calls != 1 {
		t.Errorf("summarizer calls = %d, want 1", f.sum.calls)
	}
	// A different length is a different summary.
	third, err := f.svc.Article(ctx, Request{Text: sample, SummarySentences: 3})
	if err != nil {
		t.Fatal(err)
	}
	if third.Summary.Cached || third.Cache.Status != CachePartial {
		t.Errorf("third: summary cached %v, status %q; want a new summary, partial", third.Summary.Cached, third.Cache.Status)
	}
}

func TestRepeatedParagraphTranslatedOnce(t *testing.T) {
	f := newFixture(t, cache.NewMemory(cache.MemoryOptions{}))
	text := "Un.\n\nDeux.\n\nUn."
	res, err := f.svc.Translate(context.Background(), Request{Text: text})
	if err != nil {
		t.Fatal(err)
	}
	if got := len(res.Translation.Paragraphs); got != 3 {
		t.Fatalf("paragraphs = %d, want 3", got)
	}
	if res.Translation.Paragraphs[0] != res.Translation.Paragraphs[2] {
		t.Errorf("repeated paragraph translated differently: %q", res.Translation.Paragraphs)
	}
	if _, segs := f.primary.counts(); segs != 2 {
		t.Errorf("segments sent = %d, want 2", segs)
	}
}

func TestIdenticalRequestsInFlightShareOneCall(t *testing.T) {
	f := newFixture(t, cache.NewMemory(cache.MemoryOptions{}))
	f.primary.delay = 200 * time.Millisecond
	const n = 50
	var wg sync.WaitGroup
	results := make([]*Result, n)
	errs := make([]error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			results[i], errs[i] = f.svc.Translate(context.Background(), Request{Text: sample})
		}(i)
	}
	wg.Wait()
	paid := 0
	for i := 0; i < n; i++ {
		if errs[i] != nil {
			t.Fatalf("request %d: %v", i, errs[i])
		}
		if results[i].Translation.Usage != (providers.Usage{}) {
			paid++
		}
	}
	if calls, _ := f.primary.counts(); calls != 1 {
		t.Errorf("provider calls = %d for %d identical requests, want 1", calls, n)
	}
	if paid != 1 {
		t.Errorf("%d requests report a cost, want exactly 1", paid)
	}
}

func TestArticleLimits(t *testing.T) {
	tests := []struct {
		name string
		opts func(*Options)
	}{
		{"paragraphs", func(o *Options) { o.MaxParagraphs = 2 }},
		{"characters", func(o *Options) { o.MaxCharacters = 30 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc := newTestService(t, withOptions(tt.opts))
			_, err := svc.Translate(context.Background(), Request{Text: sample})
			if got := ErrorCode(err); got != CodeTooLarge {
				t.Errorf("code = %q (%v), want too_large", got, err)
			}
		})
	}
}

func TestSharedParagraphsInFlightAreTranslatedOnce(t *testing.T) {
	f := newFixture(t, cache.NewMemory(cache.MemoryOptions{}))
	f.primary.delay = 200 * time.Millisecond
	shared := "Ce paragraphe est repris par les deux articles."
	a := "Premier article, son propre début.\n\n" + shared
	b := "Second article, un autre début.\n\n" + shared
	var wg sync.WaitGroup
	var resA, resB *Result
	var errA, errB error
	wg.Add(2)
	go func() { defer wg.Done(); resA, errA = f.svc.Translate(context.Background(), Request{Text: a}) }()
	go func() {
		defer wg.Done()
		time.Sleep(50 * time.Millisecond) // arrives while the first is at the provider
		resB, errB = f.svc.Translate(context.Background(), Request{Text: b})
	}()
	wg.Wait()
	if errA != nil || errB != nil {
		t.Fatal(errA, errB)
	}
	f.primary.mu.Lock()
	sent := 0
	for _, s := range f.primary.sent {
		if s == shared {
			sent++
		}
	}
	f.primary.mu.Unlock()
	if sent != 1 {
		t.Errorf("the shared paragraph was sent %d times, want 1", sent)
	}
	if resA.Translation.Paragraphs[1] != resB.Translation.Paragraphs[1] {
		t.Errorf("the shared paragraph differs: %q vs %q", resA.Translation.Paragraphs[1], resB.Translation.Paragraphs[1])
	}
	if resB.Cache.Status != CachePartial || resB.Cache.SegmentsTranslated != 1 {
		t.Errorf("second article cache = %+v, want partial: its own paragraph translated, the shared one waited for", resB.Cache)
	}
}
