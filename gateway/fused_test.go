package gateway

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"passerelle/cache"
	"passerelle/internal/testenv"
)

// countingRedis is a real Redis store that counts the round trips the
// gateway makes through it, by kind.
type countingRedis struct {
	*cache.Redis
	gets, getManys, leases atomic.Int32
}

func (c *countingRedis) Get(ctx context.Context, key string) ([]byte, error) {
	c.gets.Add(1)
	return c.Redis.Get(ctx, key)
}

func (c *countingRedis) GetMany(ctx context.Context, keys []string) ([][]byte, error) {
	c.getManys.Add(1)
	return c.Redis.GetMany(ctx, keys)
}

func (c *countingRedis) AcquireGetMany(ctx context.Context, name string, ttl time.Duration, keys []string) (func(), bool, [][]byte, error, error) {
	c.leases.Add(1)
	return c.Redis.AcquireGetMany(ctx, name, ttl, keys)
}

func (c *countingRedis) reads() [3]int32 {
	return [3]int32{c.gets.Swap(0), c.getManys.Swap(0), c.leases.Swap(0)}
}

// Over Redis, the article's own entry is read in the round trip that takes
// its lease: a new article makes one round trip before the provider, and a
// cached one one round trip in all, the language detected either way.
func TestOneRoundTripReadsTheArticleAndItsParagraphs(t *testing.T) {
	store, err := cache.NewRedis(cache.RedisOptions{URL: testenv.RedisURL(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	redis := &countingRedis{Redis: store}
	llm := &fakeTranslator{name: "llm"}
	svc := newTestService(t, withCache(redis), withTranslator("llm", llm))
	for i, source := range []string{"", "fr"} {
		// A text of this run's own, which a shared Redis does not hold.
		n := time.Now().UnixNano()
		text := fmt.Sprintf("Titre %d-%d\n\nPremier paragraphe du sommet (%d).\n\nDeuxième paragraphe du sommet (%d).", n, i, n, n)
		req := Request{Text: text, SourceLang: source}
		first, err := svc.Translate(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		svc.Flush()
		if got := redis.reads(); first.Cache.Status != CacheMiss || got != [3]int32{0, 0, 1} {
			t.Errorf("source %q, new article: %s, reads (get, get many, lease) %v; want a miss and one lease round trip", source, first.Cache.Status, got)
		}
		again, err := svc.Translate(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		svc.Flush()
		if got := redis.reads(); again.Cache.Status != CacheHit || again.Translation.Coalesced || got != [3]int32{0, 0, 1} {
			t.Errorf("source %q, cached article: %s (coalesced %v), reads %v; want a hit in one lease round trip", source, again.Cache.Status, again.Translation.Coalesced, got)
		}
		if again.Translation.Text() != first.Translation.Text() || again.DetectedLang != first.DetectedLang {
			t.Errorf("source %q: the hit %q (%q) differs from the miss %q (%q)", source, again.Translation.Text(), again.DetectedLang, first.Translation.Text(), first.DetectedLang)
		}
	}
	if calls, _ := llm.counts(); calls != 2 {
		t.Errorf("provider calls = %d, want one per new article", calls)
	}
}
