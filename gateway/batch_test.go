package gateway

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"passerelle/article"
	"passerelle/cache"
	"passerelle/providers"
)

// failingOn fails every batch that carries a segment containing marker.
type failingOn struct {
	fakeTranslator
	marker string
}

func (f *failingOn) Translate(ctx context.Context, req providers.TranslateRequest) (providers.TranslateResult, error) {
	for _, s := range req.Segments {
		if strings.Contains(s, f.marker) {
			f.mu.Lock()
			f.calls++
			f.mu.Unlock()
			return providers.TranslateResult{}, &providers.Error{Provider: f.name, Kind: providers.KindUnavailable, Status: 500}
		}
	}
	return f.fakeTranslator.Translate(ctx, req)
}

func TestLongArticlesAreBatchedAndReassembled(t *testing.T) {
	var paragraphs []string
	for i := 0; i < 12; i++ {
		paragraphs = append(paragraphs, fmt.Sprintf("Paragraphe numéro %d du long article.", i))
	}
	long := "Première phrase du très long paragraphe. Deuxième phrase du très long paragraphe. Troisième phrase du très long paragraphe."
	paragraphs = append(paragraphs[:6], append([]string{long}, paragraphs[6:]...)...)
	text := strings.Join(paragraphs, "\n\n")

	primary := &failingOn{fakeTranslator: fakeTranslator{name: "llm"}, marker: "numéro 9 "}
	fallback := &fakeTranslator{name: "engine"}
	svc := newTestService(t, withCache(cache.NewMemory(cache.MemoryOptions{})),
		withTranslator("llm", primary, budget(Budget{Budget: article.Budget{Max: 90}, Parallel: 3})),
		withTranslator("engine", fallback))
	res, err := svc.Translate(context.Background(), Request{Text: text, SourceLang: "fr"})
	if err != nil {
		t.Fatal(err)
	}
	got := res.Translation.Paragraphs
	if len(got) != len(paragraphs) {
		t.Fatalf("paragraphs out = %d, want %d", len(got), len(paragraphs))
	}
	for i, src := range paragraphs {
		switch {
		case src == long:
			// Cut at sentence boundaries into pieces under the budget, each
			// translated, joined back into one paragraph in order.
			joined := strings.ReplaceAll(got[i], "llm:", "")
			if strings.Count(got[i], "llm:") < 2 || joined != strings.ToUpper(long) {
				t.Errorf("the long paragraph came back as %q, want its pieces joined in order", got[i])
			}
		case strings.Contains(src, "numéro 9 "):
			if !strings.HasPrefix(got[i], "engine:") {
				t.Errorf("paragraph %d = %q, want the fallback's (its batch failed)", i, got[i])
			}
		default:
			if !strings.HasPrefix(got[i], "llm:") && !strings.HasPrefix(got[i], "engine:") || !strings.HasSuffix(got[i], strings.ToUpper(src)) {
				t.Errorf("paragraph %d = %q, want the translation of %q in place", i, got[i], src)
			}
		}
	}
	if calls, _ := primary.counts(); calls < 4 {
		t.Errorf("primary calls = %d, want several batches under a 90-character budget", calls)
	}
	// Only the failed batch went to the fallback.
	if _, segs := fallback.counts(); segs == 0 || segs > 3 {
		t.Errorf("fallback got %d segments, want only the failed batch's", segs)
	}
	if !strings.Contains(res.Translation.Provider, "llm") || !strings.Contains(res.Translation.Provider, "engine") {
		t.Errorf("provider = %q, want both named", res.Translation.Provider)
	}
}

// countingSummarizer summarizes by keeping each text's first sentence, and
// records the length of every text it was given.
type countingSummarizer struct {
	mu     sync.Mutex
	inputs []int
}

func (c *countingSummarizer) Fingerprint() string { return "counting" }

func (c *countingSummarizer) Summarize(ctx context.Context, req providers.SummarizeRequest) (providers.SummarizeResult, error) {
	c.mu.Lock()
	c.inputs = append(c.inputs, len([]rune(req.Text)))
	c.mu.Unlock()
	first, _, _ := strings.Cut(req.Text, ".")
	return providers.SummarizeResult{Summary: first + ".", Usage: providers.Usage{PromptTokens: 1}}, nil
}

func TestLongArticlesAreSummarizedInParts(t *testing.T) {
	var paragraphs []string
	for i := 0; i < 30; i++ {
		paragraphs = append(paragraphs, fmt.Sprintf("Paragraphe %d du très long article, avec assez de mots pour peser.", i))
	}
	sum := &countingSummarizer{}
	svc := newTestService(t, withCache(cache.NewMemory(cache.MemoryOptions{})),
		withSummarizer("sum", sum, summaryBudget(Budget{Budget: article.Budget{Max: 500}, Parallel: 2})))
	res, err := svc.Article(context.Background(), Request{Text: strings.Join(paragraphs, "\n\n")})
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.inputs) < 4 {
		t.Fatalf("summarizer calls = %d, want parts then a final reduction", len(sum.inputs))
	}
	for i, n := range sum.inputs {
		if n > 500 {
			t.Errorf("call %d read %d characters, over the 500 budget", i, n)
		}
	}
	if !strings.HasPrefix(res.Summary.Text, "llm:PARAGRAPHE 0 ") {
		t.Errorf("summary = %q, want the reduction of the parts' summaries", res.Summary.Text)
	}
	if res.Summary.Usage.PromptTokens != len(sum.inputs) {
		t.Errorf("usage = %+v, want every call counted (%d)", res.Summary.Usage, len(sum.inputs))
	}
}
