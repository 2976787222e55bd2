package gateway

import (
	"context"
	"sync"
)

// segmentFlights coalesces paragraphs across different articles in flight:
// when two articles that share a paragraph (a syndicated lead, a standard
// boilerplate quote) arrive together, the paragraph goes to the provider
// with the first, and the second waits for it.
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
// others, the flights to wait for.
func (f *segmentFlights) claim(keys []string) (owned []int, waits map[int]*segmentFlight) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.m == nil {
		f.m = map[string]*segmentFlight{}
	}
	for j, k := range keys {
		if fl, busy := f.m[k]; busy {
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

// finish publishes the outcome of a claimed key to its waiters. It must be
// called once for every key claimed.
func (f *segmentFlights) finish(key, text, model string, err error) {
	f.mu.Lock()
	fl := f.m[key]
	delete(f.m, key)
	f.mu.Unlock()
	if fl == nil {
		return
	}
	fl.text, fl.model, fl.err = text, model, err
	close(fl.done)
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
