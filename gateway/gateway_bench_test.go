package gateway

import (
	"context"
	"io"
	"log/slog"
	"os"
	"testing"

	"passerelle/article"
	"passerelle/cache"
	"passerelle/language"
	"passerelle/providers"
	"passerelle/providers/extractive"
)

// seedEnglish is a faithful translation of each segment of the seed article
// (title, then paragraphs), so that the output checks pass as they would for
// a good model.
var seedEnglish = []string{
	"First Putin-Kim summit to revive “historic” ties",
	"The unprecedented summit between Kim Jong-Un and Vladimir Putin ended on Thursday 25 April in Vladivostok, a port city in the Russian Far East.",
	"The Russian president and the North Korean leader discussed the situation on the peninsula for several hours. The meeting came as the negotiations between North Korea and the United States, begun at the historic summit that brought Kim Jong-Un and Donald Trump together in Singapore last June, seem to be sliding into a dead end, as the end without agreement of their second summit, in Hanoi at the end of February, showed.",
	"No statement and no agreement are expected at the end of the summit.",
	"Nearly twenty years ago, Vladimir Putin went to Pyongyang to meet the father of Kim Jong-Un, and he welcomed him a year later in Moscow. Like his father before him, Kim Jong-Un made a long journey on board his personal armoured train to come to Russia. After the failure of the Hanoi summit with Donald Trump, the North Korean leader hopes to revive the historic ties between Moscow and Pyongyang.",
	"During the short formal session before the press, Kim Jong-Un said he expected “a meaningful dialogue” with the Russian president. For his part, Vladimir Putin explained that the meeting should help to develop bilateral relations and to find diplomatic “solutions” to the Korean situation.",
	"Despite its repeated invitations to Kim Jong-Un, Russia had so far stayed out of the spectacular détente seen on the Korean peninsula since early 2018. The last meeting between the Russian president and a North Korean leader went back to 2002, when Putin held talks with Kim Jong-Un. The father of Kim Jong-Un had also met Dmitry Medvedev, then president, in 2011.",
}

// tableTranslator answers from a table at no cost, so that a benchmark of
// the miss path measures the gateway, not a provider.
type tableTranslator map[string]string

// seedTable maps each segment of the seed, as the gateway sends it, to its
// translation.
func seedTable(b *testing.B, text string) tableTranslator {
	b.Helper()
	doc := article.Parse("", text)
	segments := append([]string{doc.Title}, doc.Paragraphs...)
	if len(segments) != len(seedEnglish) {
		b.Fatalf("the seed has %d segments, the table %d", len(segments), len(seedEnglish))
	}
	t := tableTranslator{}
	for i, s := range segments {
		t[s] = seedEnglish[i]
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
	svc, err := New(Options{
		Cache:       cache.NewMemory(cache.MemoryOptions{}),
		Translators: map[string]providers.Translator{"table": seedTable(b, req.Text)},
		Summarizers: map[string]providers.Summarizer{"extractive": extractive.New(extractive.Options{})},
		Translation: Route{Chain: []string{"table"}},
		Summarizing: Route{Chain: []string{"extractive"}},
		Detector:    language.NewDetector(language.Options{}),
		Logger:      slog.New(slog.NewJSONHandler(io.Discard, nil)),
	})
	if err != nil {
		b.Fatal(err)
	}
	return svc
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
