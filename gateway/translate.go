package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"

	"passerelle/article"
	"passerelle/cache"
	"passerelle/gateway/checks"
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
	if !p.cache.NoRead && !p.documentChecked && !s.readsWithLease() {
		if tr, ok := s.lookupDocument(ctx, p, primaryName, docKey); ok {
			return tr, nil
		}
	}
	if p.cache.NoRead {
		tr, store, err := s.translateMissing(ctx, p, primaryName, docKey)
		s.background(store)
		return tr, err
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
func (s *Service) leadFlight(ctx context.Context, p plan, primaryName, docKey string, fl *documentFlight) (tr *Translation, err error) {
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
	var store func()
	published := false
	defer func() {
		if !published { // a panic: the waiters must not wait forever
			fl.publish(nil, &Error{Code: CodeInternal, Message: "internal error"})
			s.flights.stored(docKey, fl)
		}
	}()
	tr, store, err = s.translateLeased(shared, p, primaryName, docKey)
	fl.publish(tr, err)
	published = true
	if store == nil {
		s.flights.stored(docKey, fl)
		return tr, err
	}
	s.background(func() {
		store()
		s.flights.stored(docKey, fl)
	})
	return tr, err
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
// died). A cache that cannot be asked is no reason to wait. The returned
// function, when not nil, writes the result to the cache and then gives the
// lease back; it must be called once the reply is on its way.
func (s *Service) translateLeased(ctx context.Context, p plan, primaryName, docKey string) (*Translation, func(), error) {
	leaser, ok := s.cache.(Leaser)
	if !ok {
		return s.translateMissing(ctx, p, primaryName, docKey)
	}
	reader, canRead := s.cache.(LeaseReader)
	for attempt := 0; attempt < 2; attempt++ {
		actx, cancel := context.WithTimeout(ctx, s.cacheTimeout)
		var release func()
		var acquired bool
		var err error
		var pre *prefetched
		var doc []byte
		if canRead {
			// The article's own entry is read in the same round trip as
			// its paragraphs, first: a cached article costs one round trip,
			// and a new one one before the provider.
			keys := append([]string{docKey}, s.primaryKeys(p, primaryName)...)
			var values [][]byte
			var readErr error
			sctx, span := s.span(actx, "cache.lease_get_many", attribute.Int("passerelle.cache.keys", len(keys)))
			release, acquired, values, readErr, err = reader.AcquireGetMany(sctx, docKey, leaseTTL, keys)
			endSpan(span, errors.Join(err, readErr))
			pre = &prefetched{readErr: readErr}
			if readErr == nil && len(values) == len(keys) {
				doc = values[0]
				pre.values = make(map[string][]byte, len(keys)-1)
				for i, k := range keys[1:] {
					pre.values[k] = values[i+1]
				}
			} else if readErr == nil {
				pre.readErr = errors.New("cache: AcquireGetMany answered for a different number of keys")
			}
			if err == nil && !p.documentChecked {
				if tr, ok := s.documentFrom(ctx, p, primaryName, docKey, doc, pre.readErr); ok {
					cancel()
					if acquired {
						s.background(release)
					}
					return tr, nil, nil
				}
			}
		} else {
			release, acquired, err = leaser.Acquire(actx, docKey, leaseTTL)
		}
		cancel()
		if err != nil {
			break
		}
		if acquired {
			// The lease is given back once the result is in the cache, so
			// that the other replicas find it there when it ends.
			handedOver := false
			defer func() {
				if !handedOver { // a panic
					release()
				}
			}()
			tr, store, err := s.translateMissingWith(ctx, p, primaryName, docKey, pre)
			handedOver = true
			return tr, func() {
				if store != nil {
					store()
				}
				release()
			}, err
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
	return s.translateMissing(ctx, p, primaryName, docKey)
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

// translateMissing translates what the cache lacks, segment by segment,
// through the chain. It returns, besides the result, the function that
// writes what was paid for to the cache (nil when there is nothing to write),
// to be called once the reply is on its way; until it has run, the
// paragraphs it writes are given to any request that asks for them.
func (s *Service) translateMissing(ctx context.Context, p plan, primaryName, docKey string) (*Translation, func(), error) {
	return s.translateMissingWith(ctx, p, primaryName, docKey, nil)
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

// translateMissingWith is translateMissing, the primary provider's entries
// already read when pre is not nil.
func (s *Service) translateMissingWith(ctx context.Context, p plan, primaryName, docKey string, pre *prefetched) (*Translation, func(), error) {
	// Identical paragraphs (a repeated caption, a quote) are translated once.
	unique, index := dedupe(p.segments)
	out := make([]string, len(unique))
	served := make([]string, len(unique)) // provider of each unique segment
	models := make([]string, len(unique))
	var usage providers.Usage
	var failures []string
	var lastErr error
	cached := 0
	// What each paragraph no provider could give went through, for its
	// warning should the article be returned without it.
	fallen := make([]fallenSegment, len(unique))
	// What was paid for, to be cached: encoded when written, after the
	// reply.
	var toCache []pendingEntry
	// The segmentFlights kept until then, and their keys.
	var published []*segmentFlight
	var publishedKeys []string
	// A panic (in a check, say) must not leave paragraphs claimed, which
	// the requests that share them would wait for until their deadline, nor
	// paragraphs translated and never written, kept in memory and served
	// from there for good: their flights end before the panic goes on.
	unfinished := map[string]bool{} // claimed and not finished
	defer func() {
		if v := recover(); v != nil {
			for k := range unfinished {
				s.segmentFlights.finish(k, "", "", &Error{Code: CodeInternal, Message: "internal error"})
			}
			s.segmentFlights.forget(publishedKeys, published)
			panic(v)
		}
	}()
	store := func() func() {
		if p.cache.NoWrite || s.cache == nil || len(toCache) == 0 {
			s.segmentFlights.forget(publishedKeys, published)
			return nil
		}
		return func() {
			entries := make([]cache.Entry, len(toCache))
			for i, e := range toCache {
				raw, _ := json.Marshal(e.value)
				entries[i] = cache.Entry{Key: e.key, Value: raw}
			}
			s.cacheSetMany(ctx, entries)
			s.segmentFlights.forget(publishedKeys, published)
		}
	}

	kept := s.keepTargetLanguage(p, unique, out, served)
	for i, name := range p.translationChain {
		missing := missingIndexes(out, served)
		if len(missing) == 0 {
			break
		}
		t := s.translator(name)
		fp := t.Fingerprint()
		allKeys := keysFor(name, fp, p, unique, missing)
		if !p.cache.NoRead {
			// Paragraphs translated here and not yet written are taken
			// first: once written, they leave the flights for the cache.
			cached += s.segmentFlights.fill(allKeys, missing, out, served, models, name)
			allKeys, missing = stillMissing(allKeys, missing, served)
			if pre != nil && name == primaryName {
				cached += s.fillFromPrefetched(ctx, pre, allKeys, missing, out, served, models, name)
			} else {
				cached += s.fillFromCache(ctx, allKeys, missing, out, served, models, name)
			}
			if allKeys, missing = stillMissing(allKeys, missing, served); len(missing) == 0 {
				break
			}
		}
		// A paragraph another request is already translating is waited for,
		// not paid for twice.
		ownedAt, waits := s.segmentFlights.claim(allKeys, !p.cache.NoRead)
		keys := make([]string, len(ownedAt))
		texts := make([]string, len(ownedAt))
		for k, j := range ownedAt {
			keys[k], texts[k] = allKeys[j], unique[missing[j]]
		}
		for _, k := range keys {
			unfinished[k] = true
		}
		began := time.Now()
		res := s.translateBatches(ctx, name, t, p, texts)
		usage = usage.Add(res.usage)
		// Every segment is checked before it is returned or cached; one that
		// fails is asked for again alone, then left to the next provider.
		failed := 0
		for j, m := range ownedAt {
			m := missing[m]
			err := res.errs[j]
			var text string
			var failure *checks.Failure
			if err == nil {
				text, failure = s.checkedOutput(p, texts[j], res.texts[j])
			} else if errors.As(err, &failure) {
				err = nil // a check of the batch's answer (glossary.leaked)
			}
			if failure != nil {
				fallen[m].output(name, text, failure)
				retry := s.translateBatches(ctx, name, t, p, texts[j:j+1])
				usage = usage.Add(retry.usage)
				err = retry.errs[0]
				if err == nil {
					text, failure = s.checkedOutput(p, texts[j], retry.texts[0])
					if failure != nil {
						fallen[m].output(name, text, failure)
					}
				}
				if err == nil && failure != nil {
					err = failure
					s.log.WarnContext(ctx, "translation failed an output check", "provider", name, "check", failure.Check, "detail", failure.Detail)
				}
			}
			if err != nil {
				text = ""
			}
			fl := s.segmentFlights.finish(keys[j], text, res.model, err)
			delete(unfinished, keys[j])
			if err != nil {
				failed++
				lastErr = err
				fallen[m].fail(name, err)
				continue
			}
			out[m], served[m], models[m] = text, name, res.model
			if fl != nil {
				published, publishedKeys = append(published, fl), append(publishedKeys, keys[j])
			}
			if !p.cache.NoWrite {
				toCache = append(toCache, pendingEntry{keys[j], segmentValue{Text: text, Model: res.model}})
			}
		}
		for j, fl := range waits {
			text, model, err := fl.wait(ctx)
			m := missing[j]
			if err != nil {
				failed++
				lastErr = err
				fallen[m].fail(name, err)
				continue
			}
			out[m], served[m], models[m] = text, name, model
			cached++ // paid for by the request that was translating it
		}
		s.observe.ProviderCall(name, "translate", res.model, time.Since(began), res.usage, firstError(res.errs))
		if failed > 0 {
			failures = append(failures, fmt.Sprintf("%s: %s", name, describeFailure(lastErr)))
			s.log.WarnContext(ctx, "translation provider failed", "provider", name, "kind", describeFailure(lastErr),
				"segments_failed", failed, "segments", len(texts), "fallbacks_left", len(p.translationChain)-i-1, "err", lastErr)
			if ctx.Err() != nil {
				break
			}
		}
	}
	var incomplete error
	lost := missingIndexes(out, served)
	if len(lost) > 0 {
		incomplete = providerFailure(ctx, "translation", failures, lastErr)
		if !partialAllowed(ctx, served, fallen, lost) {
			return nil, store(), incomplete
		}
		// The rest of the article is worth more to its reader than a
		// failure: each lost paragraph holds the best a provider gave, or
		// its source text, and is named in a warning. Nothing of it is
		// cached, so the next request asks for it again.
		for _, m := range lost {
			out[m] = fallen[m].best(unique[m])
		}
	}

	segments := make([]string, len(p.segments))
	for i, u := range index {
		segments[i] = out[u]
	}
	tr := s.assemble(p, segments)
	if incomplete != nil {
		tr.incomplete = incomplete
		tr.Warnings = warningsFor(p, index, served, fallen)
	}
	tr.Provider, tr.Model = joinDistinct(withoutKept(served)), joinDistinct(models)
	if tr.Provider == "" { // every paragraph was already in the target language
		tr.Provider, tr.Model = "none", "none"
	}
	tr.Usage = usage
	// The paragraphs lost were asked for, and are no hit, but were not
	// translated.
	asked := len(unique) - cached - kept
	tr.Cache = CacheReport{SegmentsCached: cached, SegmentsTranslated: asked - len(lost), SegmentsKept: kept}
	switch {
	case asked == 0:
		tr.Cache.Status = CacheHit
	case cached == 0:
		tr.Cache.Status = CacheMiss
	default:
		tr.Cache.Status = CachePartial
	}
	// The document entry belongs to the primary provider: cache it only when
	// the primary produced every segment, so a fallback's text is never
	// served later as if the primary had made it, nor when a paragraph is
	// missing from it. It goes with the paragraphs, in one round trip.
	if !p.cache.NoWrite && tr.Provider == primaryName && incomplete == nil {
		toCache = append(toCache, pendingEntry{docKey, documentValue{Segments: segments, Model: tr.Model, Usage: usage}})
	}
	return tr, store(), nil
}

// keptProvider marks, among the providers that served each paragraph, one
// kept as it was (see keepTargetLanguage).
const keptProvider = "none"

// keepTargetLanguage keeps as they are the paragraphs of a French article
// that are in the target language already (an English quotation, an
// embedded post): no provider is paid for them, and none rewrites them (an
// engine translating "from French" mangles English and lowercases its
// links). A paragraph is kept only when the detector finds the target
// language in it and it shows nothing French (checks.LooksFrench: a French
// word, a French letter), so that a French sentence around an English
// quotation is translated. A request that names its source language
// ("source_lang": "fr") overrides the detector, for the article and for
// each of its paragraphs alike. It returns how many it kept.
func (s *Service) keepTargetLanguage(p plan, unique, out, served []string) int {
	if !s.keepsTargetLanguage(p) {
		return 0
	}
	kept := 0
	for i, u := range unique {
		// French words and letters first: they settle nearly every
		// paragraph of a French article, most within its first words, on
		// the path of every new article.
		if served[i] != "" || checks.LooksFrench(u, nil) || checks.CountLetters(u) < checks.MinLanguageLetters {
			continue
		}
		if lang, _ := s.detector.Detect(u); lang != p.target {
			continue
		}
		out[i], served[i] = u, keptProvider
		kept++
	}
	return kept
}

// keepsTargetLanguage reports whether keepTargetLanguage looks for
// paragraphs to keep in p: not when the request names its source language,
// nor without a detector.
func (s *Service) keepsTargetLanguage(p plan) bool {
	switch strings.ToLower(strings.TrimSpace(p.requestedSource)) {
	case "", "auto":
	default:
		return false
	}
	return s.detector != nil && p.source != p.target
}

// withoutKept returns served without the paragraphs kept as they were.
func withoutKept(served []string) []string {
	out := make([]string, 0, len(served))
	for _, name := range served {
		if name != keptProvider {
			out = append(out, name)
		}
	}
	return out
}

// pendingEntry is a value to cache under key, once encoded as JSON.
type pendingEntry struct {
	key   string
	value any
}

// checkedOutput repairs what can be repaired in a provider's translation of
// src (a label, wrapping quotes, French typography and numbers, spacing) and runs the
// output checks; it returns the repaired text and, when it fails one, the
// failed check: the text is then only for a paragraph no provider gets
// through the checks (see fallenSegment).
func (s *Service) checkedOutput(p plan, src, translated string) (string, *checks.Failure) {
	text := checks.Repair(translated)
	if p.target == "en" {
		text = checks.EnglishTypography(text)
		if p.source == "fr" {
			text = checks.EnglishNumbers(src, text)
		}
	}
	// Engines leave doubled spaces and stray line breaks; the output gets
	// the same normal form as the input.
	text = article.Normalize(text)
	var det checks.Detector
	if s.detector != nil {
		det = s.detector
	}
	if err := checks.Segment(src, text, p.source, p.target, det); err != nil {
		var f *checks.Failure
		if errors.As(err, &f) {
			return text, f
		}
		return text, &checks.Failure{Check: "unknown", Detail: err.Error()}
	}
	if f := p.glossary.verify(src, text); f != nil {
		return text, f
	}
	if f := p.glossary.verifyVerbatim(src, text); f != nil {
		return "", f
	}
	return text, nil
}

func firstError(errs []error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// describeFailure names a failure for the client: the provider error's kind
// or the output check that failed.
func describeFailure(err error) string {
	var f *checks.Failure
	if errors.As(err, &f) {
		return "output check " + f.Check
	}
	return providers.KindOf(err).String()
}

// segmentKey names one paragraph's translation: only the glossary terms the
// paragraph contains are part of it.
func segmentKey(provider, fingerprint, source, target string, g glossary, text string) string {
	return cache.Key(cache.KindSegment, provider, fingerprint, source, target, g.in(text).key(), text)
}

func keysFor(provider, fingerprint string, p plan, unique []string, idx []int) []string {
	keys := make([]string, len(idx))
	for j, m := range idx {
		keys[j] = segmentKey(provider, fingerprint, p.source, p.target, p.glossary, unique[m])
	}
	return keys
}

// stillMissing returns the keys and indexes of idx whose segment is not
// served yet.
func stillMissing(keys []string, idx []int, served []string) ([]string, []int) {
	var k2 []string
	var i2 []int
	for j, m := range idx {
		if served[m] == "" {
			k2, i2 = append(k2, keys[j]), append(i2, m)
		}
	}
	return k2, i2
}

// fillFromPrefetched fills what the lease's round trip read for keys (one
// per index of idx), as fillFromCache would from the cache, and reports the
// lookup the same way; it returns how many it filled.
func (s *Service) fillFromPrefetched(ctx context.Context, pre *prefetched, keys []string, idx []int, out, served, models []string, provider string) int {
	if len(keys) == 0 {
		return 0
	}
	if pre.values == nil {
		s.observe.CacheLookup(levelSegment, 0, 0, pre.readErr)
		s.log.WarnContext(ctx, "cache read failed; going on without it", "keys", len(keys), "err", pre.readErr)
		return 0
	}
	values := make([][]byte, len(keys))
	hits := 0
	for j, k := range keys {
		if values[j] = pre.values[k]; values[j] != nil {
			hits++
		}
	}
	s.observe.CacheLookup(levelSegment, hits, len(keys)-hits, nil)
	return s.fillValues(values, idx, out, served, models, provider)
}

// fillFromCache looks up keys (one per index of idx) in one round trip and
// fills the hits; it returns how many it filled.
func (s *Service) fillFromCache(ctx context.Context, keys []string, idx []int, out, served, models []string, provider string) int {
	values, ok := s.cacheGetMany(ctx, keys)
	if !ok {
		return 0
	}
	return s.fillValues(values, idx, out, served, models, provider)
}

// fillValues fills the segments of idx whose value, in values, holds a
// translation; it returns how many it filled.
func (s *Service) fillValues(values [][]byte, idx []int, out, served, models []string, provider string) int {
	filled := 0
	for j, raw := range values {
		if raw == nil {
			continue
		}
		var v segmentValue
		if err := json.Unmarshal(raw, &v); err != nil || v.Text == "" {
			continue
		}
		m := idx[j]
		out[m], served[m], models[m] = v.Text, provider, v.Model
		filled++
	}
	return filled
}

// assemble splits translated segments back into title and paragraphs.
func (s *Service) assemble(p plan, segments []string) *Translation {
	tr := &Translation{}
	if p.hasTitle {
		tr.Title = segments[0]
		segments = segments[1:]
	}
	tr.Paragraphs = segments
	return tr
}

// dedupe returns the distinct segments and, for each input segment, the
// index of its distinct copy.
func dedupe(segments []string) (unique []string, index []int) {
	seen := make(map[string]int, len(segments))
	index = make([]int, len(segments))
	for i, seg := range segments {
		u, ok := seen[seg]
		if !ok {
			u = len(unique)
			seen[seg] = u
			unique = append(unique, seg)
		}
		index[i] = u
	}
	return unique, index
}

func missingIndexes(out, served []string) []int {
	var missing []int
	for i := range out {
		if served[i] == "" {
			missing = append(missing, i)
		}
	}
	return missing
}

// joinDistinct joins the distinct non-empty values in order of appearance.
func joinDistinct(values []string) string {
	var distinct []string
	for _, v := range values {
		if v == "" {
			continue
		}
		found := false
		for _, d := range distinct {
			if d == v {
				found = true
				break
			}
		}
		if !found {
			distinct = append(distinct, v)
		}
	}
	return strings.Join(distinct, ",")
}

// providerFailure turns the failures of a whole chain into the error the
// client sees: overloaded when the last provider had no slot free in time,
// a timeout when the last attempt timed out, a provider error otherwise.
func providerFailure(ctx context.Context, task string, failures []string, last error) error {
	detail := strings.Join(failures, "; ")
	var check *checks.Failure
	if errors.As(last, &check) {
		return &Error{Code: CodeOutputCheck, Message: fmt.Sprintf("every %s provider's output failed a check (%s)", task, detail), Err: last}
	}
	if providers.KindOf(last) == providers.KindOverloaded {
		// The gateway's own queue for the provider was full, in time for
		// the client to retry: not the provider's failure.
		return &Error{Code: CodeOverloaded, Message: fmt.Sprintf("no room for the %s now (%s); retry shortly", task, detail), Err: last}
	}
	if providers.KindOf(last) == providers.KindTimeout || errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return &Error{Code: CodeProviderTimeout, Message: fmt.Sprintf("%s timed out (%s)", task, detail), Err: last}
	}
	return &Error{Code: CodeProviderError, Message: fmt.Sprintf("every %s provider failed (%s)", task, detail), Err: last}
}
