package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"go.opentelemetry.io/otel/attribute"

	"passerelle/cache"
	"passerelle/providers"
)

// documentValue is what the cache keeps for a whole translated article under
// one provider: enough to answer without any other lookup.
type documentValue struct {
	Segments []string        `json:"segments"`
	Model    string          `json:"model"`
	Usage    providers.Usage `json:"usage"` // what it cost when it was made
}

// segmentValue is what the cache keeps for one translated paragraph.
type segmentValue struct {
	Text  string `json:"text"`
	Model string `json:"model"`
}

// translate returns the translation of p's segments, from the cache where it
// can: first the whole document under the primary provider, then each
// segment, and only the missing segments go to a provider.
func (s *Service) translate(ctx context.Context, p plan) (*Translation, error) {
	primaryName, docKey := s.documentKey(p)
	// A request that reports its progress skips the flights and the lease
	// below (see Request.Progress): it reads the article's entry here.
	if !p.cache.NoRead && !p.documentChecked && (!s.readsWithLease() || p.progress != nil) {
		if tr, ok := s.lookupDocument(ctx, p, primaryName, docKey); ok {
			return tr, nil
		}
	}
	if p.cache.NoRead || p.progress != nil {
		h := &holds{s: s}
		return s.holding(h, func() (*Translation, func(), error) {
			return s.translateMissing(ctx, p, primaryName, docKey, prefetched{}, h)
		})
	}

	// Identical articles arriving together share one provider call: the
	// first runs it, the others wait for its result. The call is detached
	// from the first client's cancellation (keeping its deadline), so that a
	// client that leaves does not fail the others, and what is paid for is
	// cached.
	for {
		fl, leader := s.flights.join(docKey)
		if leader {
			return s.leadFlight(ctx, p, primaryName, docKey, fl)
		}
		if !fl.finished() {
			<-fl.done
			if fl.err != nil {
				return nil, fl.err
			}
			copied := *fl.tr
			if copied.Cache.Status == CacheHit {
				// The first found it in the cache, as this one would have.
				return &copied, nil
			}
			// Another request paid for it; this one costs nothing more.
			copied.Usage = providers.Usage{}
			copied.Coalesced = true
			s.observe.Coalesced()
			return &copied, nil
		}
		// Translated already, and being written to the cache: read it
		// from there once written, as if it had been there on arrival.
		<-fl.stored
		if tr, ok := s.cachedDocument(ctx, p, primaryName, docKey); ok {
			return tr, nil
		}
		// Not cached (a fallback made it, or the write failed): translate
		// as if the flight had been over, from the paragraphs cached.
	}
}

// leadFlight translates the article for every request that joins fl, and
// answers as soon as the result is known: its cache writes, and the end of
// the flight, follow in the background.
func (s *Service) leadFlight(ctx context.Context, p plan, primaryName, docKey string, fl *documentFlight) (*Translation, error) {
	shared := ctx
	if deadline, ok := ctx.Deadline(); ok {
		var cancel context.CancelFunc
		shared, cancel = context.WithDeadline(context.WithoutCancel(ctx), deadline)
		defer cancel()
	} else {
		shared = context.WithoutCancel(ctx)
	}
	// The leader's client leaving does not stop the flight; the process
	// stopping does, as it stops every request joined to it.
	shared, cancelShared := context.WithCancelCause(shared)
	defer cancelShared(nil)
	stopWatching := context.AfterFunc(ctx, func() {
		if cause := context.Cause(ctx); errors.Is(cause, ErrShuttingDown) {
			cancelShared(cause)
		}
	})
	defer stopWatching()
	h := &holds{s: s, doc: fl, docKey: docKey}
	return s.holding(h, func() (*Translation, func(), error) {
		return s.translateLeased(shared, p, primaryName, docKey, h)
	})
}

// background runs fn after the reply, counted by Flush; nil does nothing.
func (s *Service) background(fn func()) {
	if fn == nil {
		return
	}
	s.pending.Add(1)
	go func() {
		defer s.pending.Done()
		fn()
	}()
}

// Flush waits for the cache writes of the requests answered so far: call it
// before closing the cache.
func (s *Service) Flush() {
	s.pending.Wait()
	if s.replies != nil {
		s.replies.Wait()
	}
}

// documentKey returns the primary provider's name and the key of the whole
// translated article under it.
func (s *Service) documentKey(p plan) (string, string) {
	primaryName := p.translationChain[0]
	// Whether paragraphs already in the target language are kept changes
	// the article's translation: an article sent with "source_lang": "fr"
	// has them translated, and its entry must not answer a request that
	// keeps them.
	keeps := "translates-all"
	if s.keepsTargetLanguage(p) {
		keeps = "keeps-" + p.target
	}
	if p.isHTML() {
		// In this fixed field rather than one of its own: a field before
		// the segments could be taken for a first segment.
		keeps += ";format=" + p.format
	}
	fields := append([]string{primaryName, s.translator(primaryName).Fingerprint(), p.source, p.target, p.glossary.key(), keeps}, p.segments...)
	return primaryName, cache.Key(cache.KindDocument, fields...)
}

// lookupDocument returns the whole translated article when the cache holds
// it, or will once a translation of it finished in this process is written:
// that write is waited for.
func (s *Service) lookupDocument(ctx context.Context, p plan, primaryName, docKey string) (*Translation, bool) {
	if fl := s.flights.finishedFlight(docKey); fl != nil {
		<-fl.stored
	}
	return s.cachedDocument(ctx, p, primaryName, docKey)
}

// cachedDocument returns the whole translated article when the cache holds
// it under the primary provider.
func (s *Service) cachedDocument(ctx context.Context, p plan, primaryName, docKey string) (*Translation, bool) {
	raw, ok := s.cacheGet(ctx, levelDocument, docKey)
	if !ok {
		return nil, false
	}
	return s.decodeDocument(ctx, p, primaryName, docKey, raw)
}

// documentFrom is cachedDocument for the article's entry read in the
// lease's round trip: raw, nil for a miss, or readErr.
func (s *Service) documentFrom(ctx context.Context, p plan, primaryName, docKey string, raw []byte, readErr error) (*Translation, bool) {
	switch {
	case readErr != nil:
		s.observe.CacheLookup(levelDocument, 0, 0, readErr)
		return nil, false
	case raw == nil:
		s.observe.CacheLookup(levelDocument, 0, 1, nil)
		return nil, false
	}
	s.observe.CacheLookup(levelDocument, 1, 0, nil)
	return s.decodeDocument(ctx, p, primaryName, docKey, raw)
}

// decodeDocument makes the article's translation of its cached entry.
func (s *Service) decodeDocument(ctx context.Context, p plan, primaryName, docKey string, raw []byte) (*Translation, bool) {
	var v documentValue
	if err := json.Unmarshal(raw, &v); err != nil || len(v.Segments) != len(p.segments) {
		s.log.WarnContext(ctx, "cache: discarding an unreadable document entry", "key", docKey)
		return nil, false
	}
	tr := s.assemble(p, v.Segments)
	tr.Provider, tr.Model = primaryName, v.Model
	tr.Cache = CacheReport{Status: CacheHit, SegmentsCached: len(p.segments)}
	return tr, true
}

// readsWithLease reports whether the cache reads the article's entry in the
// round trip that takes its lease (Redis), rather than in one of its own.
func (s *Service) readsWithLease() bool {
	_, ok := s.cache.(LeaseReader)
	return ok
}

// Leaser is implemented by caches shared between processes (Redis): a
// lease lets one replica translate an article while the others wait for
// its result instead of paying for it again.
type Leaser interface {
	Acquire(ctx context.Context, name string, ttl time.Duration) (release func(), acquired bool, err error)
	Held(ctx context.Context, name string) (bool, error)
}

// LeaseReader is a Leaser that reads keys in the round trip that takes the
// lease (Redis): the holder learns at once which paragraphs are cached.
// values are the keys' values, nil for each miss, or nil with readErr when
// the read failed; err is the lease's, as Acquire's.
type LeaseReader interface {
	AcquireGetMany(ctx context.Context, name string, ttl time.Duration, keys []string) (release func(), acquired bool, values [][]byte, readErr, err error)
}

// prefetched is what the round trip that took the lease read: the
// primary provider's entries for the article's paragraphs.
type prefetched struct {
	// read is true when the lease's round trip read them (LeaseReader);
	// the paragraphs are then not looked up again under the primary.
	read    bool
	values  map[string][]byte // by key; nil when the read failed
	readErr error
}

// leaseTTL is how long a lease outlives its holder: the holder renews it
// while it works, so a replica that dies frees the article for the others
// within this time.
const leaseTTL = 10 * time.Second

// translateLeased translates the article under a lease on its key when the
// cache is shared: the replica that takes the lease calls the provider; the
// others poll the cache until its result appears, and call the provider
// themselves only if the lease ends without a result (the holder failed or
// died). A cache that cannot be asked is no reason to wait. A lease taken
// is held in h, and given back once the result is in the cache, so that
// the other replicas find it there when it ends. It returns, as
// translateMissing, the function that writes the result to the cache.
func (s *Service) translateLeased(ctx context.Context, p plan, primaryName, docKey string, h *holds) (*Translation, func(), error) {
	leaser, ok := s.cache.(Leaser)
	if !ok {
		return s.translateMissing(ctx, p, primaryName, docKey, prefetched{}, h)
	}
	for attempt := 0; attempt < 2; attempt++ {
		l := s.takeLease(ctx, p, primaryName, docKey, leaser)
		if l.err != nil {
			break
		}
		if l.acquired {
			h.lease = l.release
		}
		switch {
		case l.doc != nil:
			return l.doc, nil, nil
		case l.acquired:
			return s.translateMissing(ctx, p, primaryName, docKey, l.pre, h)
		}
		if tr, found := s.awaitDocument(ctx, p, primaryName, docKey, leaser); found {
			s.observe.Coalesced()
			return tr, nil, nil
		}
		if ctx.Err() != nil {
			return nil, nil, &Error{Code: CodeProviderTimeout, Err: ctx.Err(),
				Message: "timed out waiting for another replica translating the same article"}
		}
	}
	return s.translateMissing(ctx, p, primaryName, docKey, prefetched{}, h)
}

// lease is what asking for an article's lease found.
type lease struct {
	release  func()
	acquired bool
	err      error        // the lease could not be asked for
	pre      prefetched   // the primary's entries, when read in the same round trip
	doc      *Translation // the article, when its own entry was read in that round trip
}

// takeLease asks for the article's lease. When the cache reads keys in the
// same round trip (LeaseReader), the article's own entry is read first,
// then its paragraphs under the primary provider: a cached article costs
// one round trip, and a new one one before the provider.
func (s *Service) takeLease(ctx context.Context, p plan, primaryName, docKey string, leaser Leaser) lease {
	actx, cancel := context.WithTimeout(ctx, s.cacheTimeout)
	defer cancel()
	reader, ok := s.cache.(LeaseReader)
	if !ok {
		release, acquired, err := leaser.Acquire(actx, docKey, leaseTTL)
		return lease{release: release, acquired: acquired, err: err}
	}
	keys := append([]string{docKey}, s.primaryKeys(p, primaryName)...)
	sctx, span := s.span(actx, "cache.lease_get_many", attribute.Int("passerelle.cache.keys", len(keys)))
	release, acquired, values, readErr, err := reader.AcquireGetMany(sctx, docKey, leaseTTL, keys)
	endSpan(span, errors.Join(err, readErr))
	l := lease{release: release, acquired: acquired, err: err, pre: prefetched{read: true, readErr: readErr}}
	var doc []byte
	if readErr == nil && len(values) == len(keys) {
		doc = values[0]
		l.pre.values = make(map[string][]byte, len(keys)-1)
		for i, k := range keys[1:] {
			l.pre.values[k] = values[i+1]
		}
	} else if readErr == nil {
		l.pre.readErr = errors.New("cache: AcquireGetMany answered for a different number of keys")
	}
	if err == nil && !p.documentChecked {
		l.doc, _ = s.documentFrom(ctx, p, primaryName, docKey, doc, l.pre.readErr)
	}
	return l
}

// primaryKeys returns the keys of the article's distinct paragraphs under
// the primary provider, as translateMissing looks them up first.
func (s *Service) primaryKeys(p plan, primaryName string) []string {
	unique, _ := dedupe(p.segments)
	all := make([]int, len(unique))
	for i := range all {
		all[i] = i
	}
	return keysFor(primaryName, s.translator(primaryName).Fingerprint(), p, unique, all)
}

// awaitDocument polls the cache, with growing pauses, while another replica
// holds the article's lease. It reports whether the result appeared.
func (s *Service) awaitDocument(ctx context.Context, p plan, primaryName, docKey string, leaser Leaser) (*Translation, bool) {
	pause := 10 * time.Millisecond
	for ctx.Err() == nil {
		if tr, ok := s.cachedDocument(ctx, p, primaryName, docKey); ok {
			tr.Coalesced = true
			return tr, true
		}
		hctx, cancel := context.WithTimeout(ctx, s.cacheTimeout)
		held, err := leaser.Held(hctx, docKey)
		cancel()
		if err != nil || !held {
			// The holder is gone: one last look, then it is ours to do.
			return s.cachedDocument(ctx, p, primaryName, docKey)
		}
		t := time.NewTimer(pause)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, false
		case <-t.C:
		}
		pause = min(pause*2, 250*time.Millisecond)
	}
	return nil, false
}
