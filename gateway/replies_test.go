package gateway

import (
	"context"
	"reflect"
	"sync"
	"testing"
	"time"

	"passerelle/article/language"
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

func newService(t *testing.T, store cache.Store, translator, summarizer string, glossary map[string]string, more ...option) *Service {
	t.Helper()
	options := []option{withCache(store), withTranslator("llm", &fakeTranslator{name: translator}),
		withSummarizer("sum", &fakeSummarizer{name: summarizer}), withOptions(func(o *Options) { o.Glossary = glossary })}
	return newTestService(t, append(options, more...)...)
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
		return key(newService(t, store, "a", "s", nil, withOptions(func(o *Options) { o.Build = build })), "articles")
	}
	if built("vcs:1") == built("vcs:2") || built("vcs:1") != built("vcs:1") {
		t.Error("the reply key must follow the build, and only it")
	}
	if svc := newService(t, nil, "a", "s", nil); svc.Replies() != nil {
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
			svc := newService(t, store, "a", "s", nil, withOptions(func(o *Options) { o.CacheTTL, o.ReplyTTL = tc.cacheTTL, tc.replyTTL }))
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

// TestReplyVersionCoversOptions holds every field of Options and of
// Provider to a decision: either it shapes a reply, and changing it changes
// the version kept replies are found under, or it is named below as one
// that does not. A field added to either without a decision fails here.
func TestReplyVersionCoversOptions(t *testing.T) {
	base := func() Options {
		return testOptions(withCache(cache.NewMemory(cache.MemoryOptions{})),
			withTranslator("llm", &fakeTranslator{name: "llm"}), withTranslator("engine", &fakeTranslator{name: "engine"}))
	}
	provider := func(edit func(*Provider)) func(*Options) {
		return func(o *Options) { edit(&o.Providers[1]) }
	}
	for _, tc := range []struct {
		typ        reflect.Type
		notShaping map[string]string // field: why it does not shape a reply
		shaping    map[string]func(*Options)
	}{
		{
			typ: reflect.TypeFor[Options](),
			notShaping: map[string]string{
				"Cache":        "where replies are kept, not what they say",
				"CacheTTL":     "how long entries are kept",
				"ReplyTTL":     "how long replies are kept",
				"CacheTimeout": "how long a cache call may take",
				"Observer":     "metrics only",
				"Tracer":       "spans only",
				"Logger":       "logs only",
				"Fetcher":      "a reply to an article given by URL is never kept (see replayable)",
			},
			shaping: map[string]func(*Options){
				"Build":            func(o *Options) { o.Build = "vcs:2" },
				"Providers":        func(o *Options) { o.Providers = o.Providers[:len(o.Providers)-1] },
				"Translation":      func(o *Options) { o.Translation.AllowOverride = []string{"engine"} },
				"Summarizing":      func(o *Options) { o.Summarizing.Chain = []string{"sum", "llm"} },
				"SummarySentences": func(o *Options) { o.SummarySentences = 3 },
				"MaxParagraphs":    func(o *Options) { o.MaxParagraphs = 10 },
				"MaxCharacters":    func(o *Options) { o.MaxCharacters = 1000 },
				"Detector":         func(o *Options) { o.Detector = language.NewDetector(language.Options{}) },
				"Glossary":         func(o *Options) { o.Glossary = map[string]string{"Élysée": "Élysée"} },
			},
		},
		{
			typ: reflect.TypeFor[Provider](),
			notShaping: map[string]string{
				"Unavailable":  "a provider that could not be built has no translator nor summarizer, which shapes",
				"Type":         "describes it for GET /v1/providers",
				"Capabilities": "describes it for GET /v1/providers",
				"Credentials":  "describes it for GET /v1/providers",
				"Health":       "describes it for GET /v1/providers",
			},
			shaping: map[string]func(*Options){
				"Name":             provider(func(p *Provider) { p.Name = "engine2" }),
				"Translator":       provider(func(p *Provider) { p.Translator = &fakeTranslator{name: "engine-v2"} }),
				"Summarizer":       provider(func(p *Provider) { p.Summarizer = &fakeSummarizer{name: "engine"} }),
				"Budget":           provider(func(p *Provider) { p.Budget.Max = 90 }),
				"SummaryBudget":    provider(func(p *Provider) { p.SummaryBudget.Max = 500 }),
				"GlossaryInPrompt": provider(func(p *Provider) { p.GlossaryInPrompt = true }),
			},
		},
	} {
		for i := 0; i < tc.typ.NumField(); i++ {
			name := tc.typ.Field(i).Name
			edit, shapes := tc.shaping[name]
			_, exempt := tc.notShaping[name]
			switch {
			case shapes == exempt:
				t.Errorf("%s.%s: say whether it shapes a reply (a change to replyVersion and a case here) or why not", tc.typ.Name(), name)
			case shapes:
				o := base()
				edit(&o)
				if replyVersion(o) == replyVersion(base()) {
					t.Errorf("%s.%s shapes replies, but changing it keeps the reply version", tc.typ.Name(), name)
				}
			}
		}
	}
	if replyVersion(base()) != replyVersion(base()) {
		t.Error("the same options must give the same version (replicas share replies)")
	}
}
