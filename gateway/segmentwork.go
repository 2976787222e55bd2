package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"passerelle/article"
	"passerelle/cache"
	"passerelle/gateway/checks"
	"passerelle/providers"
)

// translationRun is one article's translation of what the cache lacks, in
// progress: its segments, what it holds that other requests wait on, what
// it paid and what it has to cache.
type translationRun struct {
	s       *Service
	p       plan
	ss      *segments
	h       *holds
	pre     prefetched // the primary's entries, when read with the lease
	primary string
	docKey  string
	usage   providers.Usage
	toCache []pendingEntry // encoded when written, after the reply
}

// translateMissing translates what the cache lacks, segment by segment,
// through the chain, the primary provider's entries already read when
// pre.read; what it claims and keeps in flight is held in h. It returns,
// besides the result, the function that writes what was paid for to the
// cache (nil when there is nothing to write), to be called once the reply
// is on its way; until h is released, the paragraphs it writes are given
// to any request that asks for them.
func (s *Service) translateMissing(ctx context.Context, p plan, primary, docKey string, pre prefetched, h *holds) (*Translation, func(), error) {
	r := &translationRun{s: s, p: p, ss: newSegments(p), h: h, pre: pre, primary: primary, docKey: docKey}
	s.keepTargetLanguage(p, r.ss)
	incomplete := s.fallback(ctx, "translation", p.translationChain, r.turn)
	if incomplete != nil {
		if !r.ss.partialAllowed(ctx) {
			return nil, r.store(ctx), incomplete
		}
		// The rest of the article is worth more to its reader than a
		// failure: each lost paragraph holds the best a provider gave, or
		// its source text, and is named in a warning. Nothing of it is
		// cached, so the next request asks for it again.
		r.ss.holdBest()
	}
	return r.result(incomplete), r.store(ctx), nil
}

// result assembles the translation the segments make, and, when the
// primary provider made all of it, queues the article's own entry: a
// fallback's text is never served later as if the primary had made it,
// nor an article a paragraph is missing from. It goes with the paragraphs,
// in one round trip.
func (r *translationRun) result(incomplete error) *Translation {
	texts := r.ss.texts()
	tr := r.s.assemble(r.p, texts)
	if incomplete != nil {
		tr.incomplete = incomplete
		tr.Warnings = r.ss.warnings()
	}
	tr.Provider, tr.Model = r.ss.providers(), r.ss.models()
	if tr.Provider == "" { // every paragraph was already in the target language
		tr.Provider, tr.Model = "none", "none"
	}
	tr.Usage = r.usage
	tr.Cache = r.ss.report()
	if !r.p.cache.NoWrite && tr.Provider == r.primary && incomplete == nil {
		r.toCache = append(r.toCache, pendingEntry{r.docKey, documentValue{Segments: texts, Model: tr.Model, Usage: r.usage}})
	}
	return tr
}

// store returns the function that writes what was paid for to the cache,
// nil when there is nothing to write.
func (r *translationRun) store(ctx context.Context) func() {
	if r.p.cache.NoWrite || r.s.cache == nil || len(r.toCache) == 0 {
		return nil
	}
	pending := r.toCache
	return func() {
		entries := make([]cache.Entry, len(pending))
		for i, e := range pending {
			raw, _ := json.Marshal(e.value)
			entries[i] = cache.Entry{Key: e.key, Value: raw}
		}
		r.s.cacheSetMany(ctx, entries)
	}
}

// wanted are the pending segments of one provider's turn (indexes into
// segments.list) and their keys under that provider.
type wanted struct {
	keys []string
	idx  []int
}

// wantedFrom returns the pending segments and their keys under provider.
func (r *translationRun) wantedFrom(provider string) wanted {
	idx := r.ss.pending()
	sources := make([]string, len(r.ss.list))
	for m := range r.ss.list {
		sources[m] = r.ss.list[m].source
	}
	return wanted{keys: keysFor(provider, r.s.translator(provider).Fingerprint(), r.p, sources, idx), idx: idx}
}

// stillPending returns w without the segments served since.
func (w wanted) stillPending(ss *segments) wanted {
	var out wanted
	for j, m := range w.idx {
		if ss.list[m].state == pending {
			out.keys, out.idx = append(out.keys, w.keys[j]), append(out.idx, m)
		}
	}
	return out
}

// turn is provider name's turn in the chain (see fallback): what is
// pending is taken from the cache under it, or waited for when another
// request is translating it, or translated. It returns nil when nothing is
// left pending.
func (r *translationRun) turn(ctx context.Context, name string) ([]any, error) {
	w := r.wantedFrom(name)
	if len(w.idx) == 0 {
		return nil, nil
	}
	if !r.p.cache.NoRead {
		if w = r.fromCache(ctx, name, w); len(w.idx) == 0 {
			return nil, nil
		}
	}
	// A paragraph another request is already translating is waited for,
	// not paid for twice.
	owned, waits := r.claim(w.keys)
	began := time.Now()
	res, failed, last := r.translateOwned(ctx, name, w, owned)
	waitFailed, waitLast := r.awaitOthers(ctx, name, w, waits)
	r.s.observe.ProviderCall(name, "translate", res.model, time.Since(began), res.usage, firstError(res.errs))
	if waitLast != nil {
		last = waitLast
	}
	if failed+waitFailed == 0 {
		return nil, nil
	}
	return []any{"segments_failed", failed + waitFailed, "segments", len(owned)}, last
}

// fromCache serves the segments of w that provider name made before:
// first those translated here and not yet written (once written, they
// leave the flights for the cache), then those in the cache, or in what
// the lease's round trip read for the primary. It returns what is left.
func (r *translationRun) fromCache(ctx context.Context, name string, w wanted) wanted {
	r.s.segmentFlights.fill(w.keys, func(j int, text, model string) {
		r.ss.serve(w.idx[j], cached, text, name, model)
	})
	w = w.stillPending(r.ss)
	if len(w.keys) == 0 {
		return w
	}
	var values [][]byte
	if r.pre.read && name == r.primary {
		values = r.s.prefetchedValues(ctx, r.pre, w.keys)
	} else {
		values, _ = r.s.cacheGetMany(ctx, w.keys)
	}
	for j, raw := range values {
		var v segmentValue
		if raw == nil || json.Unmarshal(raw, &v) != nil || v.Text == "" {
			continue
		}
		r.ss.serve(w.idx[j], cached, v.Text, name, v.Model)
	}
	return w.stillPending(r.ss)
}

// translateOwned has provider name translate the segments of w it claimed
// (at owned), and settles each: served and queued for the cache, or
// failed. It returns the provider's outcome, how many failed and the last
// failure.
func (r *translationRun) translateOwned(ctx context.Context, name string, w wanted, owned []int) (batchOutcome, int, error) {
	if r.p.progress != nil && len(owned) > 1 {
		return r.translateEach(ctx, name, w, owned)
	}
	t := r.s.translator(name)
	texts := r.sources(w, owned)
	res := r.s.translateBatches(ctx, name, t, r.p, texts)
	failed, last := r.settle(ctx, name, t, w, owned, texts, res)
	return res, failed, last
}

// settle settles each segment of w at owned, whose sources are texts, with
// what the provider answered (res): served and queued for the cache, or
// failed. It returns how many failed and the last failure.
func (r *translationRun) settle(ctx context.Context, name string, t providers.Translator, w wanted, owned []int, texts []string, res batchOutcome) (int, error) {
	r.usage = r.usage.Add(res.usage)
	failed := 0
	var last error
	for k, j := range owned {
		m, key := w.idx[j], w.keys[j]
		text, err := r.checked(ctx, name, t, m, texts[k], res.texts[k], res.errs[k])
		r.finish(key, text, res.model, err)
		if err != nil {
			failed, last = failed+1, err
			r.ss.list[m].fallen.fail(name, err)
			continue
		}
		r.ss.serve(m, translated, text, name, res.model)
		if !r.p.cache.NoWrite {
			r.toCache = append(r.toCache, pendingEntry{key, segmentValue{Text: text, Model: res.model}})
		}
	}
	return failed, last
}

// checked returns the translation of segment m (src) that the provider
// answered, text or err, once it passes the output checks. Every segment
// is checked before it is returned or cached; one that fails is asked for
// again alone, then left to the next provider, its outputs recorded for
// its warning. It returns "" with the error when there is none.
func (r *translationRun) checked(ctx context.Context, name string, t providers.Translator, m int, src, text string, err error) (string, error) {
	var failure *checks.Failure
	if err == nil {
		text, failure = r.s.checkedOutput(r.p, src, text)
	} else if errors.As(err, &failure) {
		err = nil // a check of the batch's answer (glossary.leaked)
	}
	if err != nil {
		return "", err
	}
	if failure == nil {
		return text, nil
	}
	fallen := &r.ss.list[m].fallen
	fallen.output(name, text, failure)
	retry := r.s.translateBatches(ctx, name, t, r.p, []string{src})
	r.usage = r.usage.Add(retry.usage)
	if err := retry.errs[0]; err != nil {
		return "", err
	}
	if text, failure = r.s.checkedOutput(r.p, src, retry.texts[0]); failure != nil {
		fallen.output(name, text, failure)
		r.s.log.WarnContext(ctx, "translation failed an output check", "provider", name, "check", failure.Check, "detail", failure.Detail)
		return "", failure
	}
	return text, nil
}

// awaitOthers waits for the segments of w (at the positions of waits)
// that other requests are translating with provider name. It returns how
// many failed and the last failure.
func (r *translationRun) awaitOthers(ctx context.Context, name string, w wanted, waits map[int]*segmentFlight) (int, error) {
	failed := 0
	var last error
	for j, fl := range waits {
		text, model, err := fl.wait(ctx)
		m := w.idx[j]
		if err != nil {
			failed, last = failed+1, err
			r.ss.list[m].fallen.fail(name, err)
			continue
		}
		r.ss.serve(m, cached, text, name, model) // paid for by the request that was translating it
	}
	return failed, last
}

// prefetchedValues returns what the lease's round trip read for keys, as
// cacheGetMany would from the cache, and reports the lookup the same way;
// nil when that read failed.
func (s *Service) prefetchedValues(ctx context.Context, pre prefetched, keys []string) [][]byte {
	if pre.values == nil {
		s.observe.CacheLookup(levelSegment, 0, 0, pre.readErr)
		s.log.WarnContext(ctx, "cache read failed; going on without it", "keys", len(keys), "err", pre.readErr)
		return nil
	}
	values := make([][]byte, len(keys))
	hits := 0
	for j, k := range keys {
		if values[j] = pre.values[k]; values[j] != nil {
			hits++
		}
	}
	s.observe.CacheLookup(levelSegment, hits, len(keys)-hits, nil)
	return values
}

// keepTargetLanguage keeps as they are the paragraphs of a French article
// that are in the target language already (an English quotation, an
// embedded post): no provider is paid for them, and none rewrites them (an
// engine translating "from French" mangles English and lowercases its
// links). A paragraph is kept only when the detector finds the target
// language in it and it shows nothing French (checks.LooksFrench: a French
// word, a French letter), so that a French sentence around an English
// quotation is translated. A request that names its source language
// ("source_lang": "fr") overrides the detector, for the article and for
// each of its paragraphs alike.
func (s *Service) keepTargetLanguage(p plan, ss *segments) {
	if !s.keepsTargetLanguage(p) {
		return
	}
	for m := range ss.list {
		u := p.textOf(ss.list[m].source)
		// French words and letters first: they settle nearly every
		// paragraph of a French article, most within its first words, on
		// the path of every new article.
		if ss.list[m].state != pending || checks.LooksFrench(u, nil) || checks.CountLetters(u) < checks.MinLanguageLetters {
			continue
		}
		if lang, _ := s.detector.Detect(u); lang != p.target {
			continue
		}
		ss.serve(m, kept, ss.list[m].source, "", "")
	}
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
	text := repaired(p, src, translated)
	if p.isHTML() {
		if f := checks.Markup(src, text); f != nil {
			return text, f
		}
	}
	// A fragment of HTML is judged by its text, as a reader sees it.
	src, out := p.textOf(src), p.textOf(text)
	if f := s.checkText(p, src, out); f != nil {
		return text, f
	}
	if f := p.glossary.verifyVerbatim(src, out); f != nil {
		return "", f
	}
	return text, nil
}

// repaired is a provider's translation of src with what can be repaired
// repaired (see checkedOutput). In a fragment of HTML only the text
// between tags is touched, and spaces are left as they are: they may be
// the markup's.
func repaired(p plan, src, translated string) string {
	text := checks.Repair(translated)
	fix := func(s string) string { return s }
	if p.target == "en" {
		srcText := p.textOf(src)
		fix = func(s string) string {
			s = checks.EnglishTypography(s)
			if p.source == "fr" {
				s = checks.EnglishNumbers(srcText, s)
			}
			return s
		}
	}
	if p.isHTML() {
		return mapText(text, fix)
	}
	// Engines leave doubled spaces and stray line breaks; the output gets
	// the same normal form as the input.
	return article.Normalize(fix(text))
}

// checkText runs the output checks and the glossary's on the text of a
// translation, out, of src.
func (s *Service) checkText(p plan, src, out string) *checks.Failure {
	var det checks.Detector
	if s.detector != nil {
		det = s.detector
	}
	if err := checks.Segment(src, out, p.source, p.target, det); err != nil {
		var f *checks.Failure
		if errors.As(err, &f) {
			return f
		}
		return &checks.Failure{Check: "unknown", Detail: err.Error()}
	}
	return p.glossary.verify(src, out)
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
// paragraph's text contains are part of it. A fragment of HTML has a field
// of its own before its text, so that the same string as text and as HTML
// never share an entry; text has none, and keeps the keys it always had.
func segmentKey(provider, fingerprint string, p plan, text string) string {
	terms := p.glossary.in(p.textOf(text)).key()
	if p.isHTML() {
		return cache.Key(cache.KindSegment, provider, fingerprint, p.source, p.target, terms, "format="+p.format, text)
	}
	return cache.Key(cache.KindSegment, provider, fingerprint, p.source, p.target, terms, text)
}

func keysFor(provider, fingerprint string, p plan, sources []string, idx []int) []string {
	keys := make([]string, len(idx))
	for j, m := range idx {
		keys[j] = segmentKey(provider, fingerprint, p, sources[m])
	}
	return keys
}

// assemble splits translated segments back into title and paragraphs.
func (s *Service) assemble(p plan, segments []string) *Translation {
	tr := &Translation{}
	if p.frame != nil {
		tr.Paragraphs = p.frame.paragraphs(segments)
		return tr
	}
	if p.hasTitle {
		tr.Title = segments[0]
		segments = segments[1:]
	}
	tr.Paragraphs = segments
	return tr
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
