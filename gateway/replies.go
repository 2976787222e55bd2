package gateway

import (
	"context"
	"maps"
	"slices"
	"strconv"
	"sync"
	"time"

	"passerelle/cache"
)

// Replies keeps the bytes of finished replies under a key of the request's
// own bytes, so that a request seen before is answered with one cache read:
// no parsing, no normalisation, no hashing of paragraphs, no encoding. It is
// a layer over the document, segment and summary entries, which stay the
// record of what was paid for: a reply entry lost or never written costs one
// trip through the ordinary path, which writes it again.
//
// A key covers the endpoint, the request body byte for byte and the
// configuration that shapes replies (see Service.replyVersion), so that a
// reload that changes a provider, a prompt or a route never serves a reply
// made under the old one. Bodies that differ only in spacing are different
// keys; they still meet in the document entry below.
type Replies struct {
	s       *Service
	version string
	ttl     time.Duration
	pending sync.WaitGroup
	slots   chan struct{} // bounds the writes in flight
}

// maxReplyWrites bounds the reply writes in flight: past it a write is
// dropped, which costs a later request one trip through the ordinary path.
const maxReplyWrites = 256

// Replies returns the reply store of the service, or nil when it has no
// cache.
func (s *Service) Replies() *Replies { return s.replies }

func newReplies(s *Service, ttl time.Duration) *Replies {
	if s.cache == nil {
		return nil
	}
	// A reply never outlives the entries it was made from.
	if ttl <= 0 || (s.ttl > 0 && ttl > s.ttl) {
		ttl = s.ttl
	}
	return &Replies{s: s, version: s.replyVersion(), ttl: ttl, slots: make(chan struct{}, maxReplyWrites)}
}

// Key returns the key of a reply to body sent to endpoint.
func (r *Replies) Key(endpoint string, body []byte) string {
	return cache.KeyWithBody(cache.KindReply, body, r.version, endpoint)
}

// Get returns the stored reply under key.
func (r *Replies) Get(ctx context.Context, key string) ([]byte, bool) {
	return r.s.cacheGet(ctx, levelReply, key)
}

// Put stores value under key without holding the request up: the write runs
// in the background, bounded by the cache timeout, detached from the
// request's cancellation.
func (r *Replies) Put(ctx context.Context, key string, value []byte) {
	select {
	case r.slots <- struct{}{}:
	default:
		r.s.observe.CacheWriteFailed()
		return
	}
	r.pending.Add(1)
	ctx = context.WithoutCancel(ctx)
	go func() {
		defer func() { <-r.slots; r.pending.Done() }()
		r.s.cacheSetManyFor(ctx, []cache.Entry{{Key: key, Value: value}}, r.ttl)
	}()
}

// Wait returns when the writes started by Put have ended.
func (r *Replies) Wait() { r.pending.Wait() }

// replyVersion fingerprints everything that shapes a reply: the code that
// made it (Options.Build), and of the configuration the routes, each
// provider's own fingerprint (model, prompt, options), the summary length,
// the glossary and the article bounds. The fields are
// hashed as cache keys are, each with its length, so none can run into the
// next.
func (s *Service) replyVersion() string {
	var fields []string
	add := func(f ...string) { fields = append(fields, f...) }
	route := func(tag string, r Route) {
		add(tag, strconv.Itoa(len(r.Chain)))
		add(r.Chain...)
		add(strconv.Itoa(len(r.AllowOverride)))
		add(r.AllowOverride...)
	}
	add("build", s.build)
	route("translation", s.translation)
	route("summary", s.summarizing)
	for _, name := range slices.Sorted(maps.Keys(s.translators)) {
		add("translator", name, s.translators[name].Fingerprint())
	}
	for _, name := range slices.Sorted(maps.Keys(s.summarizers)) {
		add("summarizer", name, s.summarizers[name].Fingerprint())
	}
	add("sentences", strconv.Itoa(s.summarySentences),
		"bounds", strconv.Itoa(s.maxParagraphs), strconv.Itoa(s.maxCharacters),
		"detector", strconv.FormatBool(s.detector != nil))
	for _, term := range slices.Sorted(maps.Keys(s.glossary)) {
		add("term", term, s.glossary[term])
	}
	for _, name := range slices.Sorted(maps.Keys(s.nativeGlossary)) {
		add("native", name, strconv.FormatBool(s.nativeGlossary[name]))
	}
	return cache.Key("config", fields...)
}
