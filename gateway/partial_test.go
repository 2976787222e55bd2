package gateway

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/redis/go-redis/v9"

	"passerelle/article"
	"passerelle/article/language"
	"passerelle/cache"
	"passerelle/internal/testenv"
	"passerelle/providers"
)

// partialArticle's second paragraph is the one the stand-in engine
// translates without its numbers.
const partialArticle = "Le président russe a rencontré le dirigeant nord-coréen jeudi à Vladivostok, dans l'Extrême-Orient russe.\n\n" +
	"La ville compte 600 000 habitants et son port reçoit 1 200 navires chaque année.\n\n" +
	"Kim Jong-un a dit s'attendre à « un dialogue significatif » avec le président russe."

const droppedNumbers = "The city has many inhabitants and its port receives many ships every year."

// numberDropper translates partialArticle faithfully but for the paragraph
// with numbers, whose numbers it drops, and records the segments of each
// call.
func numberDropper() (*answering, func() [][]string) {
	var mu sync.Mutex
	var calls [][]string
	var current []string
	a := &answering{name: "primary", answer: func(call int, seg string) string {
		mu.Lock()
		defer mu.Unlock()
		for len(calls) < call {
			current = nil
			calls = append(calls, current)
		}
		calls[call-1] = append(calls[call-1], seg)
		if strings.Contains(seg, "habitants") {
			return droppedNumbers
		}
		return faithful[seg]
	}}
	return a, func() [][]string {
		mu.Lock()
		defer mu.Unlock()
		return append([][]string(nil), calls...)
	}
}

// TestOneParagraphDoesNotLoseTheArticle: a paragraph whose every
// translation fails a check is returned as the provider gave it, with a
// warning, and the rest of the article is translated; nothing of it is
// kept, so the next request asks for that paragraph again, and only it.
func TestOneParagraphDoesNotLoseTheArticle(t *testing.T) {
	engine, calls := numberDropper()
	svc := checkedService(t, engine, nil)
	ctx := context.Background()

	res, err := svc.Article(ctx, Request{Text: partialArticle})
	if err != nil {
		t.Fatalf("the article was lost to one paragraph: %v", err)
	}
	tr := res.Translation
	if tr.Complete() {
		t.Fatal("Complete() = true, want false")
	}
	if len(tr.Warnings) != 1 {
		t.Fatalf("warnings = %+v, want one", tr.Warnings)
	}
	w := tr.Warnings[0]
	if w.Paragraph != 1 || w.Code != CodeOutputCheck || w.Check != "numbers" {
		t.Errorf("warning = %+v, want paragraph 1, %s, check numbers", w, CodeOutputCheck)
	}
	if !strings.Contains(w.Message, "primary") {
		t.Errorf("message %q does not name the provider", w.Message)
	}
	if got := tr.Paragraphs[1]; got != droppedNumbers {
		t.Errorf("lost paragraph = %q, want the provider's output %q", got, droppedNumbers)
	}
	if got, want := tr.Paragraphs[0], faithful[strings.Split(partialArticle, "\n\n")[0]]; got != want {
		t.Errorf("paragraph 0 = %q, want %q", got, want)
	}
	if tr.Cache.SegmentsTranslated != 2 {
		t.Errorf("segments translated = %d, want 2 (the lost one is not counted)", tr.Cache.SegmentsTranslated)
	}
	if res.Summary == nil || res.Summary.Text == "" {
		t.Error("no summary: it is made from what there is")
	}
	if _, ok := res.Replay(); ok {
		t.Error("an incomplete result would be kept as a reply")
	}
	svc.Flush()
	before := len(calls())

	res, err = svc.Article(ctx, Request{Text: partialArticle})
	if err != nil {
		t.Fatal(err)
	}
	if res.Translation.Complete() || res.Translation.Cache.Status == CacheHit {
		t.Errorf("second request: complete %v, status %s; want incomplete and no hit", res.Translation.Complete(), res.Translation.Cache.Status)
	}
	again := calls()[before:]
	if len(again) == 0 {
		t.Fatal("the lost paragraph was not asked for again")
	}
	for _, segs := range again {
		if len(segs) != 1 || !strings.Contains(segs[0], "habitants") {
			t.Errorf("second request sent %q, want only the lost paragraph", segs)
		}
	}
	if got := res.Translation.Cache.SegmentsCached; got != 2 {
		t.Errorf("segments cached = %d, want 2", got)
	}

	if _, err := svc.Article(ctx, Request{Text: partialArticle, Strict: true}); ErrorCode(err) != CodeOutputCheck {
		t.Errorf("strict: err = %v, want %s", err, CodeOutputCheck)
	}
}

// TestLostTitleIsMinusOne: the title's warning names paragraph -1, and an
// article with a paragraph lost twice over (deduplicated) warns for each.
func TestLostTitleIsMinusOne(t *testing.T) {
	engine, _ := numberDropper()
	svc := checkedService(t, engine, nil)
	numbers := strings.Split(partialArticle, "\n\n")[1]
	res, err := svc.Translate(context.Background(), Request{Title: numbers, Text: partialArticle})
	if err != nil {
		t.Fatal(err)
	}
	var at []int
	for _, w := range res.Translation.Warnings {
		at = append(at, w.Paragraph)
	}
	if len(at) != 2 || at[0] != -1 || at[1] != 1 {
		t.Errorf("warnings at %v, want [-1 1]", at)
	}
	if res.Translation.Title != droppedNumbers {
		t.Errorf("title = %q, want the provider's output", res.Translation.Title)
	}
}

// TestNoProviderTranslatesOneParagraph: a paragraph no provider answered
// for holds its source text, with a provider_error warning; one whose only
// answers were no translation (a refusal) holds it too, with the check.
func TestNoProviderTranslatesOneParagraph(t *testing.T) {
	numbers := strings.Split(partialArticle, "\n\n")[1]
	tests := []struct {
		name      string
		engine    providers.Translator
		wantCode  string
		wantCheck string
	}{
		{"provider error", errsOnNumbers{}, CodeProviderError, ""},
		{"refusal", &answering{name: "primary", answer: func(_ int, seg string) string {
			if seg == numbers {
				return "I'm sorry, but I can't help with that request."
			}
			return faithful[seg]
		}}, CodeOutputCheck, "refusal"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// One paragraph a request, so that an error is one
			// paragraph's.
			svc := newTestService(t, withCache(cache.NewMemory(cache.MemoryOptions{})),
				withTranslator("primary", tt.engine, budget(Budget{Budget: article.Budget{Max: 20000, MaxPieces: 1}, Parallel: 1})),
				withDetector(language.NewDetector(language.Options{})))
			res, err := svc.Translate(context.Background(), Request{Text: partialArticle})
			if err != nil {
				t.Fatal(err)
			}
			ws := res.Translation.Warnings
			if len(ws) != 1 || ws[0].Code != tt.wantCode || ws[0].Check != tt.wantCheck || ws[0].Paragraph != 1 {
				t.Fatalf("warnings = %+v, want one %s %q at 1", ws, tt.wantCode, tt.wantCheck)
			}
			if got := res.Translation.Paragraphs[1]; got != numbers {
				t.Errorf("paragraph = %q, want its source %q", got, numbers)
			}
			if got := res.Translation.Paragraphs[2]; got != `Kim Jong-un said he expected "un dialogue significatif" with the Russian president.` {
				t.Errorf("paragraph 2 = %q, want its translation", got)
			}
		})
	}
}

// errsOnNumbers translates partialArticle faithfully, and fails every request
// that holds its paragraph with numbers, as a provider that errs on it.
type errsOnNumbers struct{}

func (errsOnNumbers) Fingerprint() string { return "failing" }

func (errsOnNumbers) Translate(_ context.Context, req providers.TranslateRequest) (providers.TranslateResult, error) {
	out := make([]string, len(req.Segments))
	for i, seg := range req.Segments {
		if strings.Contains(seg, "habitants") {
			return providers.TranslateResult{}, &providers.Error{Provider: "failing", Kind: providers.KindBadOutput, Message: "malformed answer"}
		}
		out[i] = faithful[seg]
	}
	return providers.TranslateResult{Translations: out, Model: "failing"}, nil
}

// TestLostParagraphIsNotCachedInRedis: over a real Redis, where the article
// is translated under a lease and its paragraphs read in the lease's round
// trip, an incomplete article leaves no entry holding the lost paragraph's
// output, nor one for the article or its reply, and the next request asks
// for that paragraph alone. Its Redis is its own, so that every key in it
// was written here.
func TestLostParagraphIsNotCachedInRedis(t *testing.T) {
	srv := testenv.StartRedis(t)
	store, err := cache.NewRedis(cache.RedisOptions{URL: srv.URL()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	engine, calls := numberDropper()
	svc := newTestService(t, withCache(store), withTranslator("primary", engine),
		withDetector(language.NewDetector(language.Options{})))
	ctx := context.Background()
	for attempt := 1; attempt <= 2; attempt++ {
		before := len(calls())
		res, err := svc.Article(ctx, Request{Text: partialArticle})
		if err != nil {
			t.Fatalf("attempt %d: %v", attempt, err)
		}
		if res.Translation.Complete() || res.Translation.Paragraphs[1] != droppedNumbers {
			t.Fatalf("attempt %d: complete %v, paragraph %q", attempt, res.Translation.Complete(), res.Translation.Paragraphs[1])
		}
		if _, ok := res.Replay(); ok {
			t.Errorf("attempt %d: the result would be kept as a reply", attempt)
		}
		svc.Flush()
		if attempt == 2 {
			for _, segs := range calls()[before:] {
				if len(segs) != 1 || !strings.Contains(segs[0], "habitants") {
					t.Errorf("attempt 2 sent %q, want only the lost paragraph", segs)
				}
			}
		}
	}

	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	t.Cleanup(func() { _ = rdb.Close() })
	keys, err := rdb.Keys(ctx, "*").Result()
	if err != nil {
		t.Fatal(err)
	}
	segments := 0
	for _, k := range keys {
		v, err := rdb.Get(ctx, k).Result()
		if err != nil {
			continue // not a string
		}
		if strings.Contains(v, "many inhabitants") {
			t.Errorf("entry %s holds the lost paragraph's output: %.200s", k, v)
		}
		if strings.Contains(v, "Russian president met") && strings.Contains(v, "Kim Jong-un said") {
			t.Errorf("entry %s holds the whole article: %.200s", k, v)
		}
		if strings.Contains(v, `"text":"The Russian president met`) {
			segments++
		}
	}
	if segments == 0 {
		t.Errorf("no paragraph was cached; keys %q", keys)
	}
}
