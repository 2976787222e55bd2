package gateway

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"passerelle/article"
	"passerelle/article/language"
	"passerelle/cache"
)

// progressLog records what a request's Progress was told, in order.
type progressLog struct {
	mu   sync.Mutex
	seen []Progress
}

func (l *progressLog) add(p Progress) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.seen = append(l.seen, p)
}

func (l *progressLog) all() []Progress {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.seen)
}

func TestProgressAnnouncesEachParagraphAsItIsTranslated(t *testing.T) {
	slow := &fakeTranslator{name: "llm", delay: 20 * time.Millisecond}
	svc := newTestService(t, withCache(cache.NewMemory(cache.MemoryOptions{})), withTranslator("llm", slow))
	// The third paragraph repeats the first: one segment, two paragraphs.
	text := "Titre court\n\nPremier paragraphe.\n\nDeuxième paragraphe.\n\nPremier paragraphe."
	var log progressLog
	res, err := svc.Article(context.Background(), Request{Text: text, Progress: log.add})
	if err != nil {
		t.Fatal(err)
	}
	// Each distinct paragraph went on its own, so that it could be shown
	// as soon as it was back.
	if calls, _ := slow.counts(); calls != 3 {
		t.Errorf("%d calls to the provider, want 3 (one per distinct segment)", calls)
	}
	seen := log.all()
	if len(seen) != 4 {
		t.Fatalf("progress told %d times, want 4 (title and three paragraphs): %+v", len(seen), seen)
	}
	got := map[int]Progress{}
	for _, p := range seen {
		if p.Total != 3 {
			t.Errorf("total %d, want 3 paragraphs", p.Total)
		}
		got[p.Paragraph] = p
	}
	if got[-1].Text != res.Translation.Title {
		t.Errorf("title announced as %q, the result holds %q", got[-1].Text, res.Translation.Title)
	}
	for i, want := range res.Translation.Paragraphs {
		if got[i].Text != want || got[i].Provider != "llm" {
			t.Errorf("paragraph %d announced as %+v, the result holds %q by llm", i, got[i], want)
		}
	}

	// A new article that shares a paragraph with the first: the cached
	// paragraph is announced as it is found, the new one once translated.
	svc.Flush() // the cache writes follow the reply
	log = progressLog{}
	_, err = svc.Article(context.Background(), Request{Text: "Premier paragraphe.\n\nUn autre paragraphe.", Progress: log.add})
	if err != nil {
		t.Fatal(err)
	}
	if seen := log.all(); len(seen) != 2 || seen[0].Paragraph != 0 || seen[0].Text != "llm:PREMIER PARAGRAPHE." {
		t.Errorf("progress of a partly cached article: %+v, want the cached paragraph 0 first", seen)
	}

	// The whole article from the cache is no progress: the result has it.
	svc.Flush()
	log = progressLog{}
	if _, err := svc.Article(context.Background(), Request{Text: text, Progress: log.add}); err != nil {
		t.Fatal(err)
	}
	if seen := log.all(); len(seen) != 0 {
		t.Errorf("an article found whole in the cache announced %+v", seen)
	}
}

// TestCancelledProgressSendsNothingMore: the caller of a request that
// reports progress stops it by cancelling its context; no paragraph is
// sent to any provider afterwards, the fallback included.
func TestCancelledProgressSendsNothingMore(t *testing.T) {
	slow := &fakeTranslator{name: "llm", delay: 30 * time.Millisecond}
	engine := &fakeTranslator{name: "engine"}
	svc := newTestService(t, withCache(cache.NewMemory(cache.MemoryOptions{})),
		withTranslator("llm", slow, budget(Budget{Budget: article.Budget{Max: 20000}, Parallel: 1})),
		withTranslator("engine", engine))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var once sync.Once
	_, err := svc.Article(ctx, Request{Text: "Un.\n\nDeux paragraphes.\n\nTrois paragraphes.\n\nQuatre paragraphes.",
		Progress: func(Progress) { once.Do(cancel) }})
	if err == nil {
		t.Fatal("a cancelled request answered")
	}
	time.Sleep(100 * time.Millisecond) // anything still queued would be sent by now
	if calls, _ := slow.counts(); calls != 1 {
		t.Errorf("%d calls to the provider, want 1: none after the cancel", calls)
	}
	if calls, _ := engine.counts(); calls != 0 {
		t.Errorf("the fallback was called %d times after the cancel", calls)
	}
}

// TestProgressRequestsLeaveOthersUnharmed: a request that reports progress
// and is cancelled while another request needs the same paragraph does not
// fail the other's paragraph.
func TestProgressRequestsLeaveOthersUnharmed(t *testing.T) {
	slow := &fakeTranslator{name: "llm", delay: 50 * time.Millisecond}
	engine := &fakeTranslator{name: "engine"}
	svc := newTestService(t, withCache(cache.NewMemory(cache.MemoryOptions{})), withTranslator("llm", slow), withTranslator("engine", engine))
	text := "Un paragraphe partagé.\n\nUn autre paragraphe."
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := svc.Article(ctx, Request{Text: text, Progress: func(Progress) {}})
		done <- err
	}()
	time.Sleep(10 * time.Millisecond)
	other := make(chan *Result, 1)
	go func() {
		res, err := svc.Article(context.Background(), Request{Text: text})
		if err != nil {
			t.Error(err)
		}
		other <- res
	}()
	time.Sleep(10 * time.Millisecond)
	cancel()
	<-done
	res := <-other
	if res == nil {
		return
	}
	if res.Translation.Provider != "llm" || !res.Translation.Complete() {
		t.Errorf("the other request got %q (complete %v): the cancel failed its paragraphs", res.Translation.Provider, res.Translation.Complete())
	}
}

// startLog records what a request's Started and Progress were told, in
// order, and the provider calls made before Started.
type startLog struct {
	progressLog
	sources     []Source
	firstBefore []int // how many announcements preceded each Started
	callsBefore int
}

func (l *startLog) request(text, sourceLang string, calls func() int) Request {
	return Request{Text: text, SourceLang: sourceLang, Progress: l.add, Started: func(src Source) {
		l.sources = append(l.sources, src)
		l.firstBefore = append(l.firstBefore, len(l.all()))
		l.callsBefore += calls()
	}}
}

// TestStartedTellsTheArticleFirst: Started is told once of the article as
// the gateway read it, before any provider call and any paragraph, whether
// the article is translated, found whole in the cache or already English;
// an article refused for its language is not started.
func TestStartedTellsTheArticleFirst(t *testing.T) {
	slow := &fakeTranslator{name: "llm", delay: 10 * time.Millisecond}
	svc := newTestService(t, withCache(cache.NewMemory(cache.MemoryOptions{})), withTranslator("llm", slow),
		withDetector(language.NewDetector(language.Options{})))
	calls := func() int { n, _ := slow.counts(); return n }
	french := "Le conseil municipal vote le budget\n\n" +
		"Le conseil municipal a voté lundi soir un budget qui réduit les dépenses de quatre pour cent, une première depuis dix ans.\n\n" +
		"L'opposition a critiqué la baisse des subventions accordées aux associations culturelles de la ville."
	english := "The city council voted on Monday evening for a budget that cuts spending by four per cent, the first cut in ten years.\n\n" +
		"The opposition criticised the cuts to the grants given to cultural associations, some of which will lose a large part of their funding."

	check := func(t *testing.T, l *startLog, res *Result, wantProgress bool) {
		t.Helper()
		if len(l.sources) != 1 {
			t.Fatalf("Started told %d times, want once", len(l.sources))
		}
		src := l.sources[0]
		if l.firstBefore[0] != 0 || l.callsBefore != 0 {
			t.Errorf("Started came after %d paragraphs and %d provider calls, want before any", l.firstBefore[0], l.callsBefore)
		}
		if len(src.Paragraphs) != len(res.Translation.Paragraphs) || (src.Title == "") != (res.Translation.Title == "") {
			t.Errorf("Started told of %q and %d paragraphs; the translation has %q and %d", src.Title, len(src.Paragraphs), res.Translation.Title, len(res.Translation.Paragraphs))
		}
		if got := len(l.all()); wantProgress != (got > 0) {
			t.Errorf("%d paragraphs announced after Started", got)
		}
	}

	t.Run("translated", func(t *testing.T) {
		var l startLog
		res, err := svc.Article(context.Background(), l.request(french, "", calls))
		if err != nil {
			t.Fatal(err)
		}
		check(t, &l, res, true)
		if src := l.sources[0]; src.Title != "Le conseil municipal vote le budget" || !strings.HasPrefix(src.Paragraphs[1], "L'opposition") {
			t.Errorf("Started told of %+v, not the article as read", src)
		}
	})
	t.Run("whole article cached", func(t *testing.T) {
		svc.Flush()
		before := calls()
		var l startLog
		res, err := svc.Article(context.Background(), l.request(french, "", func() int { return calls() - before }))
		if err != nil {
			t.Fatal(err)
		}
		if res.Cache.Status != CacheHit {
			t.Fatalf("cache %q, want a hit", res.Cache.Status)
		}
		check(t, &l, res, false)
	})
	t.Run("already English", func(t *testing.T) {
		var l startLog
		res, err := svc.Article(context.Background(), l.request(english, "auto", func() int { return 0 }))
		if err != nil {
			t.Fatal(err)
		}
		if res.Translation.Provider != "none" {
			t.Fatalf("provider %q, want the article passed through", res.Translation.Provider)
		}
		check(t, &l, res, false)
		if !slices.Equal(l.sources[0].Paragraphs, res.Translation.Paragraphs) {
			t.Errorf("Started told of %q, the passed through article is %q", l.sources[0].Paragraphs, res.Translation.Paragraphs)
		}
	})
	t.Run("refused for its language", func(t *testing.T) {
		var l startLog
		if _, err := svc.Article(context.Background(), l.request(english, "", func() int { return 0 })); ErrorCode(err) != CodeUnsupportedLanguage {
			t.Fatalf("error %v, want %s", err, CodeUnsupportedLanguage)
		}
		if len(l.sources) != 0 {
			t.Errorf("a refused article was started: %+v", l.sources)
		}
	})
}
