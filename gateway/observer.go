package gateway

import (
	"time"

	"passerelle/providers"
)

// Observer is told what the gateway does, for metrics. Its methods must be
// cheap and safe for concurrent use.
type Observer interface {
	// CacheLookup reports lookups at one level (reply, document, segment
	// or summary): hits and misses, or the error that made the cache unusable.
	CacheLookup(level string, hits, misses int, err error)
	CacheWriteFailed()
	// ProviderCall reports one call through a provider's guard (its retries
	// included) for a task (translate or summarize).
	ProviderCall(provider, task, model string, d time.Duration, usage providers.Usage, err error)
	// Coalesced reports a request served by an identical one in flight.
	Coalesced()
}

// Cache levels reported to the Observer.
const (
	levelDocument = "document"
	levelSegment  = "segment"
	levelSummary  = "summary"
	levelReply    = "reply"
)

type nopObserver struct{}

func (nopObserver) CacheLookup(string, int, int, error)                                        {}
func (nopObserver) CacheWriteFailed()                                                          {}
func (nopObserver) ProviderCall(string, string, string, time.Duration, providers.Usage, error) {}
func (nopObserver) Coalesced()                                                                 {}
