package gateway

import (
	"context"
	"io"
	"log/slog"
	"reflect"
	"sync"
	"testing"
	"time"

	"passerelle/cache"
	"passerelle/providers"
)

// A replayed result must be what the ordinary path answers on a cache hit,
// timings apart: the reply layer serves it in that path's place.
func TestReplayIsTheCacheHit(t *testing.T) {
	for _, tc := range []struct {
		name string
		call func(*Service, context.Context, Request) (*Result, error)
	}{
		{"translate", (*Service).Translate},
		{"article", (*Service).Article},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, cache.NewMemory(cache.MemoryOptions{}))
			ctx := context.Background()
			req := Request{Text: sample + "\n\nTroisième paragraphe.", Glossary: map[string]string{"Premier": "First"}}
			first, err := tc.call(f.svc, ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			if first.Cache.Status != CacheMiss {
				t.Fatalf("first status = %q, want miss", first.Cache.Status)
			}
			replay, ok := first.Replay()
			if !ok {
				t.Fatal("a result of the route's first providers is not replayable")
			}
			hit, err := tc.call(f.svc, ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			if hit.Cache.Status != CacheHit {
				t.Fatalf("second status = %q, want hit", hit.Cache.Status)
			}
			again, ok := hit.Replay()
			if !ok {
				t.Fatal("a cache hit is not replayable")
			}
			hit.Timings, hit.replay = Timings{}, nil
			if !reflect.DeepEqual(replay, hit) {
				t.Errorf("replay of the miss:\n%+v\nthe cache hit:\n%+v", replay, hit)
			}
			if !reflect.DeepEqual(again, hit) {
				t.Errorf("replay of the hit:\n%+v\nthe cache hit:\n%+v", again, hit)
			}
			if replay.Translation.Usage != (providers.Usage{}) {
				t.Errorf("a replay pays nothing, got usage %+v", replay.Translation.Usage)
			}
		})
	}
}

// What a later request would not get again is never replayed.
func TestReplayOnlyWhatTheCacheWouldAnswer(t *testing.T) {
	ctx := context.Background()
	t.Run("fallback", func(t *testing.T) {
		f := newFixture(t, cache.NewMemory(cache.MemoryOptions{}))
		f.primary.fail = &providers.Error{Provider: "llm", Kind: providers.KindUnavailable, Status: 500}
		res, err := f.svc.Article(ctx, Request{Text: sample})
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := res.Replay(); ok || res.Translation.Provider != "engine" {
			t.Errorf("provider %q, replayable %v: a fallback's result must not be replayed (the primary is asked again)", res.Translation.Provider, ok)
		}
	})
	t.Run("no-store", func(t *testing.T) {
		f := newFixture(t, cache.NewMemory(cache.MemoryOptions{}))
		res, err := f.svc.Article(ctx, Request{Text: sample, Cache: CachePolicy{NoRead: true, NoWrite: true}})
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := res.Replay(); ok {
			t.Error("a no-store result must not be replayed")
		}
	})
	t.Run("passthrough", func(t *testing.T) {
		f := newFixture(t, cache.NewMemory(cache.MemoryOptions{}))
		res, err := f.svc.Translate(ctx, Request{Text: "An English text.", SourceLang: "en"})
		if err != nil {
			t.Fatal(err)
		}
		// Nothing was made nor cached: a kept reply would say HIT.
		if res.Cache.Status != CacheNone || res.Translation.Provider != "none" {
			t.Errorf("status %q, provider %q, want none and none", res.Cache.Status, res.Translation.Provider)
		}
		if _, ok := res.Replay(); ok {
			t.Error("an article passed through untranslated must not be replayed as a hit")
		}
	})
}

func newService(t *testing.T, store cache.Store, translator, summarizer string, glossary map[string]string) *Service {
	t.Helper()
	svc, err := New(Options{
		Cache:       store,
		Translators: map[string]providers.Translator{"llm": &fakeTranslator{name: translator}},
		Summarizers: map[string]providers.Summarizer{"sum": &fakeSummarizer{name: summarizer}},
		Translation: Route{Chain: []string{"llm"}},
		Summarizing: Route{Chain: []string{"sum"}},
		Glossary:    glossary,
		Logger:      slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

// A reply kept under one configuration is never found under another that
// would answer differently.
func TestReplyKeysFollowTheConfiguration(t *testing.T) {
	store := cache.NewMemory(cache.MemoryOptions{})
	body := []byte(`{"text": "Bonjour."}`)
	key := func(svc *Service, endpoint string) string { return svc.Replies().Key(endpoint, body) }
	base := newService(t, store, "a", "s", nil)
	if key(base, "articles") != key(newService(t, store, "a", "s", nil), "articles") {
		t.Error("the same configuration must give the same key (replicas share replies)")
	}
	for name, other := range map[string]string{
		"other translator": key(newService(t, store, "b", "s", nil), "articles"),
		"other summarizer": key(newService(t, store, "a", "t", nil), "articles"),
		"a glossary":       key(newService(t, store, "a", "s", map[string]string{"Bonjour": "Hello"}), "articles"),
		"another endpoint": key(base, "translate"),
		"another body":     base.Replies().Key("articles", []byte(`{"text": "Bonsoir."}`)),
	} {
		if other == key(base, "articles") {
			t.Errorf("%s gives the same reply key", name)
		}
	}
	// Another build of the gateway: the replies of the code before a deploy
	// are not served by the code after it.
	built := func(build string) string {
		svc, err := New(Options{Cache: store, Build: build, Translators: map[string]providers.Translator{"llm": &fakeTranslator{name: "a"}},
			Summarizers: map[string]providers.Summarizer{"sum": &fakeSummarizer{name: "s"}},
			Translation: Route{Chain: []string{"llm"}}, Summarizing: Route{Chain: []string{"sum"}}})
		if err != nil {
			t.Fatal(err)
		}
		return key(svc, "articles")
	}
	if built("vcs:1") == built("vcs:2") || built("vcs:1") != built("vcs:1") {
		t.Error("the reply key must follow the build, and only it")
	}
	if svc, _ := New(Options{Translators: map[string]providers.Translator{"llm": &fakeTranslator{name: "a"}},
		Summarizers: map[string]providers.Summarizer{"sum": &fakeSummarizer{name: "s"}},
		Translation: Route{Chain: []string{"llm"}}, Summarizing: Route{Chain: []string{"sum"}}}); svc.Replies() != nil {
		t.Error("a service without a cache keeps no replies")
	}
}

func TestRepliesPutThenGet(t *testing.T) {
	svc := newService(t, cache.NewMemory(cache.MemoryOptions{}), "a", "s", nil)
	r := svc.Replies()
	ctx := context.Background()
	key := r.Key("articles", []byte(`{}`))
	if _, ok := r.Get(ctx, key); ok {
		t.Fatal("found a reply never kept")
	}
	r.Put(ctx, key, []byte("reply"))
	r.Wait()
	if got, ok := r.Get(ctx, key); !ok || string(got) != "reply" {
		t.Errorf("Get = %q, %v, want the reply kept", got, ok)
	}
}

// ttlStore records the TTL each key was last written with.
type ttlStore struct {
	cache.Store
	mu   sync.Mutex
	ttls map[string]time.Duration
}

func (s *ttlStore) SetMany(ctx context.Context, entries []cache.Entry, ttl time.Duration) error {
	s.mu.Lock()
	for _, e := range entries {
		s.ttls[e.Key] = ttl
	}
	s.mu.Unlock()
	return s.Store.SetMany(ctx, entries, ttl)
}

// A reply is kept for its own, shorter TTL, never longer than the entries
// it was made from.
func TestRepliesHaveTheirOwnTTL(t *testing.T) {
	for _, tc := range []struct {
		name           string
		cacheTTL, want time.Duration
		replyTTL       time.Duration
	}{
		{"shorter", 720 * time.Hour, 24 * time.Hour, 24 * time.Hour},
		{"capped by the cache TTL", time.Hour, time.Hour, 24 * time.Hour},
		{"unset", 720 * time.Hour, 720 * time.Hour, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			store := &ttlStore{Store: cache.NewMemory(cache.MemoryOptions{}), ttls: map[string]time.Duration{}}
			svc, err := New(Options{
				Cache: store, CacheTTL: tc.cacheTTL, ReplyTTL: tc.replyTTL,
				Translators: map[string]providers.Translator{"llm": &fakeTranslator{name: "a"}},
				Summarizers: map[string]providers.Summarizer{"sum": &fakeSummarizer{name: "s"}},
				Translation: Route{Chain: []string{"llm"}}, Summarizing: Route{Chain: []string{"sum"}},
				Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
			})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := svc.Translate(context.Background(), Request{Text: sample}); err != nil {
				t.Fatal(err)
			}
			svc.Flush()
			key := svc.Replies().Key("translate", []byte("{}"))
			svc.Replies().Put(context.Background(), key, []byte("reply"))
			svc.Flush()
			store.mu.Lock()
			defer store.mu.Unlock()
			if got := store.ttls[key]; got != tc.want {
				t.Errorf("reply TTL = %v, want %v", got, tc.want)
			}
			for k, ttl := range store.ttls {
				if k != key && ttl != tc.cacheTTL {
					t.Errorf("entry %s TTL = %v, want the cache TTL %v", k, ttl, tc.cacheTTL)
				}
			}
		})
	}
}
