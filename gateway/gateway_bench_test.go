package gateway

import (
	"context"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"

	"passerelle/article"
	"passerelle/article/language"
	"passerelle/cache"
	"passerelle/providers"
	"passerelle/providers/extractive"
)

// seedEnglishPath holds a faithful translation of each segment of the seed
// article (title, then paragraphs, separated by blank lines), so that the
// output checks pass as they would for a good model.
const seedEnglishPath = "../testdata/poutine-kim-vladivostok.en.txt"

// tableTranslator answers from a table at no cost, so that a benchmark of
// the miss path measures the gateway, not a provider.
type tableTranslator map[string]string

// seedTable maps each segment of the seed, as the gateway sends it, to its
// translation.
func seedTable(b *testing.B, text string) tableTranslator {
	b.Helper()
	doc := article.Parse("", text)
	segments := append([]string{doc.Title}, doc.Paragraphs...)
	raw, err := os.ReadFile(seedEnglishPath)
	if err != nil {
		b.Fatal(err)
	}
	english := strings.Split(strings.TrimSpace(string(raw)), "\n\n")
	if len(segments) != len(english) {
		b.Fatalf("the seed has %d segments, its translation %d", len(segments), len(english))
	}
	t := tableTranslator{}
	for i, s := range segments {
		t[s] = english[i]
	}
	return t
}

func (tableTranslator) Fingerprint() string { return "table" }

func (table tableTranslator) Translate(ctx context.Context, req providers.TranslateRequest) (providers.TranslateResult, error) {
	out := make([]string, len(req.Segments))
	for i, s := range req.Segments {
		t, ok := table[s]
		if !ok {
			return providers.TranslateResult{}, &providers.Error{Provider: "table", Kind: providers.KindBadOutput, Message: "not in the table: " + s}
		}
		out[i] = t
	}
	return providers.TranslateResult{Translations: out, Model: "table-1"}, nil
}

// benchService is the gateway as cmd/passerelle builds it for one
// OpenAI-like provider, over the embedded cache: the language detector on,
// the extractive summarizer, info logs in JSON.
func benchService(b *testing.B, req Request) *Service {
	b.Helper()
	return newTestService(b, withCache(cache.NewMemory(cache.MemoryOptions{})),
		withTranslator("table", seedTable(b, req.Text)), withSummarizer("extractive", extractive.New(extractive.Options{})),
		withDetector(language.NewDetector(language.Options{})),
		withOptions(func(o *Options) { o.Logger = slog.New(slog.NewJSONHandler(io.Discard, nil)) }))
}

func seedRequest(b *testing.B) Request {
	b.Helper()
	raw, err := os.ReadFile("../testdata/poutine-kim-vladivostok.fr.txt")
	if err != nil {
		b.Fatal(err)
	}
	return Request{Text: string(raw)}
}

// BenchmarkArticleHit is the hot path of a news pipeline: the seed article
// sent again, translation and summary both in the cache.
func BenchmarkArticleHit(b *testing.B) {
	req := seedRequest(b)
	svc := benchService(b, req)
	ctx := context.Background()
	if _, err := svc.Article(ctx, req); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		res, err := svc.Article(ctx, req)
		if err != nil {
			b.Fatal(err)
		}
		if res.Cache.Status != CacheHit {
			b.Fatalf("cache status %q, want %q", res.Cache.Status, CacheHit)
		}
	}
}

// BenchmarkArticleMiss is the gateway's own work on a miss (no-store: no
// cache read or write), with a provider that costs nothing: parsing,
// detection, batching, output checks, assembly and the extractive summary.
func BenchmarkArticleMiss(b *testing.B) {
	req := seedRequest(b)
	svc := benchService(b, req)
	req.Cache = CachePolicy{NoRead: true, NoWrite: true}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		res, err := svc.Article(ctx, req)
		if err != nil {
			b.Fatal(err)
		}
		if res.Cache.Status != CacheMiss {
			b.Fatalf("cache status %q, want %q", res.Cache.Status, CacheMiss)
		}
	}
}
