package gateway

import (
	"context"
	"sync"
)

// documentFlights coalesces identical articles in flight: the first request
// translates, the others wait for its result. The result is published as
// soon as it is known, and the leader answers its client at once, while what
// it paid for is written to the cache in the background; the entry stays
// until that write is done, so that a request arriving meanwhile finds it
// instead of paying for the article again.
type documentFlights struct {
	mu sync.Mutex
	m  map[string]*documentFlight
}

// documentFlight is one article being translated by some request.
type documentFlight struct {
	done   chan struct{} // closed once tr and err are set
	stored chan struct{} // closed once the result's cache writes are over
	tr     *Translation
	err    error
}

// join returns the flight of key, leader true when there was none and this
// request is to translate.
func (f *documentFlights) join(key string) (fl *documentFlight, leader bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if fl, ok := f.m[key]; ok {
		return fl, false
	}
	if f.m == nil {
		f.m = map[string]*documentFlight{}
	}
	fl = &documentFlight{done: make(chan struct{}), stored: make(chan struct{})}
	f.m[key] = fl
	return fl, true
}

// finishedFlight returns the flight of key when its result is published and
// its cache writes are going on, nil otherwise.
func (f *documentFlights) finishedFlight(key string) *documentFlight {
	f.mu.Lock()
	fl := f.m[key]
	f.mu.Unlock()
	if fl == nil || !fl.finished() {
		return nil
	}
	return fl
}

// publish gives the leader's result to the waiters. The entry stays until
// stored is called.
func (fl *documentFlight) publish(tr *Translation, err error) {
	fl.tr, fl.err = tr, err
	close(fl.done)
}

// finished reports whether the result is published (its writes may still
// be going on).
func (fl *documentFlight) finished() bool {
	select {
	case <-fl.done:
		return true
	default:
		return false
	}
}

// stored ends the flight of key: its writes are over, the cache answers
// for it from now on.
func (f *documentFlights) stored(key string, fl *documentFlight) {
	f.mu.Lock()
	if f.m[key] == fl {
		delete(f.m, key)
	}
	f.mu.Unlock()
	close(fl.stored)
}

// segmentFlights coalesces paragraphs across different articles in flight:
// when two articles that share a paragraph (a syndicated lead, a standard
// boilerplate quote) arrive together, the paragraph goes to the provider
// with the first, and the second waits for it. A translated paragraph stays
// until forget, once it is written to the cache, so that an article
// arriving in between gets it too.
type segmentFlights struct {
	mu sync.Mutex
	m  map[string]*segmentFlight
}

// segmentFlight is one paragraph being translated by some request.
type segmentFlight struct {
	done  chan struct{}
	text  string
	model string
	err   error
}

// claim registers this request as the translator of each key no other
// request is translating, and returns the positions it owns and, for the
// others, the flights to wait for. A paragraph translated already and not
// yet cached is as good as cached: it is waited for (at no wait) only when
// the request reads the cache.
func (f *segmentFlights) claim(keys []string, readCache bool) (owned []int, waits map[int]*segmentFlight) {
	return f.take(keys, readCache, true)
}

// take is claim, registering a flight for each key it owns only when
// register is set: a request that does not register owns its paragraphs
// alone, and no other request waits on them.
func (f *segmentFlights) take(keys []string, readCache, register bool) (owned []int, waits map[int]*segmentFlight) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.m == nil {
		f.m = map[string]*segmentFlight{}
	}
	for j, k := range keys {
		if fl, busy := f.m[k]; busy && (readCache || !fl.finished()) {
			if waits == nil {
				waits = map[int]*segmentFlight{}
			}
			waits[j] = fl
			continue
		}
		if register {
			f.m[k] = &segmentFlight{done: make(chan struct{})}
		}
		owned = append(owned, j)
	}
	return owned, waits
}

// finish publishes the outcome of a claimed key to its waiters, and returns
// its flight. It must be called once for every key claimed. A failure ends
// the flight; a translation stays for later requests until forget.
func (f *segmentFlights) finish(key, text, model string, err error) *segmentFlight {
	f.mu.Lock()
	fl := f.m[key]
	if err != nil {
		delete(f.m, key)
	}
	f.mu.Unlock()
	if fl == nil {
		return nil
	}
	fl.text, fl.model, fl.err = text, model, err
	close(fl.done)
	return fl
}

// fill gives serve, for each of keys (at j), the paragraph translated by
// another request and not yet written to the cache, as the cache gives
// those written.
func (f *segmentFlights) fill(keys []string, serve func(j int, text, model string)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for j, k := range keys {
		if fl := f.m[k]; fl != nil && fl.finished() && fl.err == nil {
			serve(j, fl.text, fl.model)
		}
	}
}

// forget ends flights finished with a translation, once it is in the cache.
func (f *segmentFlights) forget(keys []string, flights []*segmentFlight) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, k := range keys {
		if f.m[k] == flights[i] {
			delete(f.m, k)
		}
	}
}

func (fl *segmentFlight) finished() bool {
	select {
	case <-fl.done:
		return true
	default:
		return false
	}
}

// wait returns the flight's outcome, or the context's error.
func (fl *segmentFlight) wait(ctx context.Context) (string, string, error) {
	select {
	case <-fl.done:
		return fl.text, fl.model, fl.err
	case <-ctx.Done():
		return "", "", ctx.Err()
	}
}

// holds is what one translation holds that other requests wait on: the
// paragraphs it claimed and has not finished, those it translated and keeps
// in memory until they are cached, the article's lease on a shared cache,
// and the flight of the identical articles waiting for it. release lets go
// of all of them, in this one place, on every path: after the result's
// cache writes, or at once when a panic unwinds the request (see holding).
type holds struct {
	s         *Service
	open      map[string]bool  // claimed paragraphs not finished yet
	done      []*segmentFlight // finished with a translation, kept until cached
	doneKeys  []string
	lease     func()          // gives the article's lease back; nil when none is held
	doc       *documentFlight // nil when this request leads no flight
	docKey    string
	published bool // doc has its result
}

// claim registers this request as the translator of each key no other
// request is translating (see segmentFlights.claim).
func (h *holds) claim(keys []string, readCache bool) (owned []int, waits map[int]*segmentFlight) {
	owned, waits = h.s.segmentFlights.claim(keys, readCache)
	if h.open == nil {
		h.open = map[string]bool{}
	}
	for _, j := range owned {
		h.open[keys[j]] = true
	}
	return owned, waits
}

// finish publishes the outcome of a claimed key to its waiters; a
// translation is kept for later requests until release.
func (h *holds) finish(key, text, model string, err error) {
	fl := h.s.segmentFlights.finish(key, text, model, err)
	delete(h.open, key)
	if err == nil && fl != nil {
		h.done, h.doneKeys = append(h.done, fl), append(h.doneKeys, key)
	}
}

// publish gives the result to the identical articles waiting for it.
func (h *holds) publish(tr *Translation, err error) {
	if h.doc != nil && !h.published {
		h.doc.publish(tr, err)
		h.published = true
	}
}

// release lets go of everything held. A paragraph still claimed, or a
// flight without its result, is what a panic leaves: it is ended with an
// internal error, so that nobody waits for it until their deadline, and no
// paragraph translated and never written is kept in memory for good.
func (h *holds) release() {
	internal := &Error{Code: CodeInternal, Message: "internal error"}
	for k := range h.open {
		h.s.segmentFlights.finish(k, "", "", internal)
	}
	h.open = nil
	h.s.segmentFlights.forget(h.doneKeys, h.done)
	if h.lease != nil {
		h.lease()
	}
	if h.doc != nil {
		h.publish(nil, internal)
		h.s.flights.stored(h.docKey, h.doc)
	}
}

// holding runs work, which takes what it needs in h, and answers with its
// result. h is let go once the result's cache writes (store, nil when there
// is nothing to write) are over, in the background when they or the lease
// cost a round trip; when work panics, at once, before the panic goes on.
func (s *Service) holding(h *holds, work func() (tr *Translation, store func(), err error)) (*Translation, error) {
	finished := false
	defer func() {
		if !finished {
			h.release()
		}
	}()
	tr, store, err := work()
	finished = true
	h.publish(tr, err)
	if store == nil && h.lease == nil {
		h.release()
		return tr, err
	}
	s.background(func() {
		if store != nil {
			store()
		}
		h.release()
	})
	return tr, err
}
