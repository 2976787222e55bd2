package gateway

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"passerelle/article"
	"passerelle/article/language"
	"passerelle/cache"
	"passerelle/providers"
)

// panicking is a provider with a bug: it panics on every call.
type panicking struct{}

func (panicking) Fingerprint() string { return "panicking" }

func (panicking) Translate(context.Context, providers.TranslateRequest) (providers.TranslateResult, error) {
	panic("index out of range")
}

func (panicking) Summarize(context.Context, providers.SummarizeRequest) (providers.SummarizeResult, error) {
	panic("index out of range")
}

// A provider that panics in a goroutine of the gateway's fails its call
// (the next provider is tried) instead of ending the process.
func TestAPanickingProviderFailsItsCallOnly(t *testing.T) {
	var paragraphs []string
	for i := 0; i < 30; i++ {
		paragraphs = append(paragraphs, fmt.Sprintf("Paragraphe %d du très long article, avec assez de mots pour peser.", i))
	}
	text := strings.Join(paragraphs, "\n\n")
	// Small budgets: the calls go out in parts, from goroutines.
	svc := newTestService(t, withCache(cache.NewMemory(cache.MemoryOptions{})),
		withTranslator("buggy", panicking{}, budget(Budget{Budget: article.Budget{Max: 300}, Parallel: 2})),
		withTranslator("engine", &fakeTranslator{name: "engine"}),
		withSummarizer("buggy", panicking{}, summaryBudget(Budget{Budget: article.Budget{Max: 500}, Parallel: 2})))
	res, err := svc.Translate(context.Background(), Request{Text: text})
	if err != nil || res.Translation.Provider != "engine" {
		t.Fatalf("translation: %v, %+v; want the fallback's", err, res)
	}
	if _, err := svc.Summarize(context.Background(), Request{Text: text}); ErrorCode(err) != CodeProviderError {
		t.Errorf("summary by a panicking provider: %v, want provider_error", err)
	}
}

// A summarizer that panics on a call made from the request's goroutine (an
// article within its budget, summarized whole) fails that call too: the
// next summarizer of the chain writes the summary.
func TestAPanickingSummarizerFallsBack(t *testing.T) {
	svc := newTestService(t, withCache(cache.NewMemory(cache.MemoryOptions{})),
		withSummarizer("buggy", panicking{}), withSummarizer("sum", &fakeSummarizer{name: "sum"}))
	res, err := svc.Summarize(context.Background(), Request{Text: sample})
	if err != nil || res.Summary.Provider != "sum" {
		t.Fatalf("summary: %v, %+v; want the fallback's", err, res)
	}
}

// explodingOnce is a detector with a bug that shows once: its first call
// panics.
type explodingOnce struct {
	calls atomic.Int32
	at    int32 // the call that panics; 0 is the first
	inner Detector
}

func (e *explodingOnce) Detect(text string) (string, float64) {
	if e.calls.Add(1) == max(e.at, 1) {
		panic("detector bug")
	}
	return e.inner.Detect(text)
}

// A panic while a paragraph's translation is checked (in the request's
// goroutine: the recover middleware answers 500) does not leave the
// paragraph claimed: the next request translates it at once instead of
// waiting for a translation that never comes.
func TestAPanicInTheChecksLeavesNoParagraphClaimed(t *testing.T) {
	svc := newTestService(t, withCache(cache.NewMemory(cache.MemoryOptions{})),
		withDetector(&explodingOnce{inner: language.NewDetector(language.Options{})}))
	req := Request{Text: "Le président russe a rencontré le dirigeant nord-coréen jeudi à Vladivostok.", SourceLang: "fr"}
	func() {
		defer func() {
			if recover() == nil {
				t.Fatal("the detector did not panic")
			}
		}()
		_, _ = svc.Translate(context.Background(), req)
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if _, err := svc.Translate(ctx, req); err != nil {
		t.Fatalf("the same paragraph again: %v, want it translated at once", err)
	}
	// Its paragraph stays in flight until its cache write, in the
	// background, is done: only the panic's are counted below.
	svc.Flush()

	// A panic on the second paragraph, the first checked and translated:
	// neither stays among the paragraphs in flight (the first, never
	// written, would be served from memory for good).
	svc.detector = &explodingOnce{at: 2, inner: language.NewDetector(language.Options{})}
	two := Request{Text: "Le sommet a commencé jeudi à Vladivostok, dans l'Extrême-Orient russe.\n\nLe président russe a rencontré le dirigeant nord-coréen pendant plusieurs heures.", SourceLang: "fr"}
	func() {
		defer func() { _ = recover() }()
		_, _ = svc.Translate(context.Background(), two)
	}()
	svc.segmentFlights.mu.Lock()
	left := len(svc.segmentFlights.m)
	svc.segmentFlights.mu.Unlock()
	if left != 0 {
		t.Errorf("%d paragraphs left in flight after a panic, want 0", left)
	}
}
