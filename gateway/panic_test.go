package gateway

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"

	"passerelle/article"
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
	svc, err := New(Options{
		Cache:       cache.NewMemory(cache.MemoryOptions{}),
		Translators: map[string]providers.Translator{"buggy": panicking{}, "engine": &fakeTranslator{name: "engine"}},
		Summarizers: map[string]providers.Summarizer{"buggy": panicking{}},
		Translation: Route{Chain: []string{"buggy", "engine"}},
		Summarizing: Route{Chain: []string{"buggy"}},
		// Small budgets: the calls go out in parts, from goroutines.
		Budgets:        map[string]Budget{"buggy": {Budget: article.Budget{Max: 300}, Parallel: 2}},
		SummaryBudgets: map[string]Budget{"buggy": {Budget: article.Budget{Max: 500}, Parallel: 2}},
		Logger:         slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	res, err := svc.Translate(context.Background(), Request{Text: text})
	if err != nil || res.Translation.Provider != "engine" {
		t.Fatalf("translation: %v, %+v; want the fallback's", err, res)
	}
	if _, err := svc.Summarize(context.Background(), Request{Text: text}); ErrorCode(err) != CodeProviderError {
		t.Errorf("summary by a panicking provider: %v, want provider_error", err)
	}
}
