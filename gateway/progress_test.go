package gateway

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"passerelle/article"
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
