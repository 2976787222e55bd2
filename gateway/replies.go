package gateway

import (
	"context"
	"maps"
	"slices"
	"strconv"
	"strings"
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
// configuration that shapes replies (see replyVersion), so that a
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

func newReplies(s *Service, ttl time.Duration, version string) *Replies {
	if s.cache == nil {
		return nil
	}
	// A reply never outlives the entries it was made from.
	if ttl <= 0 || (s.ttl > 0 && ttl > s.ttl) {
		ttl = s.ttl
	}
	return &Replies{s: s, version: version, ttl: ttl, slots: make(chan struct{}, maxReplyWrites)}
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

// replyVersion fingerprints everything of o that shapes a reply: the code
// that made it (Build), the routes, each provider's own fingerprint (see
// Provider.fingerprint), the summary length, the glossary, the article
// bounds and whether the language is detected. The fields are hashed as
// cache keys are, each with its length, so none can run into the next.
// TestReplyVersionCoversOptions holds every field of Options and Provider
// to a decision: in here, or named as not shaping a reply.
func replyVersion(o Options) string {
	var fields []string
	add := func(f ...string) { fields = append(fields, f...) }
	route := func(tag string, r Route) {
		add(tag, strconv.Itoa(len(r.Chain)))
		add(r.Chain...)
		add(strconv.Itoa(len(r.AllowOverride)))
		add(r.AllowOverride...)
	}
	add("build", o.Build)
	route("translation", o.Translation)
	route("summary", o.Summarizing)
	for _, p := range slices.SortedFunc(slices.Values(o.Providers), func(a, b Provider) int { return strings.Compare(a.Name, b.Name) }) {
		add(p.fingerprint()...)
	}
	add("sentences", strconv.Itoa(o.SummarySentences),
		"bounds", strconv.Itoa(o.MaxParagraphs), strconv.Itoa(o.MaxCharacters),
		"detector", strconv.FormatBool(o.Detector != nil))
	for _, term := range slices.Sorted(maps.Keys(o.Glossary)) {
		add("term", term, o.Glossary[term])
	}
	return cache.Key("config", fields...)
}
