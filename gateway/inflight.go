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
		f.m[k] = &segmentFlight{done: make(chan struct{})}
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

// fill takes, for keys (one per index of idx), the paragraphs translated by
// other requests and not yet written to the cache, as fillFromCache takes
// those written; it returns how many it filled.
func (f *segmentFlights) fill(keys []string, idx []int, out, served, models []string, provider string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	filled := 0
	for j, k := range keys {
		if fl := f.m[k]; fl != nil && fl.finished() && fl.err == nil {
			m := idx[j]
			out[m], served[m], models[m] = fl.text, provider, fl.model
			filled++
		}
	}
	return filled
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
