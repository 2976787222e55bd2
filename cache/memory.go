package cache

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/maypok86/otter/v2"
)

const (
	// DefaultMemoryMaxBytes bounds a Memory whose options set no MaxBytes.
	DefaultMemoryMaxBytes int64 = 256 << 20
	// DefaultTTL is the lifetime of an entry set with a ttl of 0, in Memory
	// and Redis alike, when their options set no DefaultTTL: thirty days,
	// since a translation of the same text does not go stale.
	DefaultTTL = 720 * time.Hour
)

// errNegativeTTL is returned by Set and SetMany for a ttl below zero, which
// would otherwise mean different things to different stores.
var errNegativeTTL = errors.New("negative ttl")

// MemoryOptions configures NewMemory. The zero value is usable.
type MemoryOptions struct {
	// MaxBytes bounds the total length of the keys and values held; the least
	// useful entries are evicted beyond it. Zero or negative means
	// DefaultMemoryMaxBytes (256 MiB). The bound counts payload bytes only,
	// not the few dozen bytes of bookkeeping each entry also costs.
	MaxBytes int64
	// DefaultTTL is how long an entry lives when Set is given a ttl of 0.
	// Zero or negative means DefaultTTL (720h).
	DefaultTTL time.Duration
}

// Memory is a Store held in the process: bounded by bytes, with a per-entry
// time to live. Eviction is otter's W-TinyLFU, which keeps the entries read
// most often and most recently. It is safe for concurrent use.
//
// Values are copied on Set and again on Get, so neither the caller's buffer
// nor a returned slice ever aliases a stored value: the cost is one copy per
// call, which is small next to what a cached translation saves, and it lets
// callers reuse or modify buffers freely.
type Memory struct {
	cache      *otter.Cache[string, memoryItem]
	defaultTTL time.Duration
}

var _ Store = (*Memory)(nil)

// memoryItem keeps the ttl next to the value because otter asks an
// ExpiryCalculator for an entry's lifetime and only shows it the entry.
type memoryItem struct {
	value []byte
	ttl   time.Duration
}

// NewMemory returns an empty Memory configured by opts.
func NewMemory(opts MemoryOptions) *Memory {
	return newMemory(opts, nil)
}

// newMemory lets tests give otter a clock they control; nil is the real one.
func newMemory(opts MemoryOptions, clock otter.Clock) *Memory {
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = DefaultMemoryMaxBytes
	}
	if opts.DefaultTTL <= 0 {
		opts.DefaultTTL = DefaultTTL
	}
	c := otter.Must(&otter.Options[string, memoryItem]{
		MaximumWeight: uint64(opts.MaxBytes),
		Weigher:       weigh,
		ExpiryCalculator: otter.ExpiryWritingFunc(func(e otter.Entry[string, memoryItem]) time.Duration {
			return e.Value.ttl
		}),
		Clock: clock,
	})
	return &Memory{cache: c, defaultTTL: opts.DefaultTTL}
}

// weigh counts key and value bytes. Otter weights are uint32: a single value
// over 4 GiB is counted as 4 GiB, which still exceeds any sensible bound.
func weigh(key string, item memoryItem) uint32 {
	n := uint64(len(key)) + uint64(len(item.value))
	if n > math.MaxUint32 {
		return math.MaxUint32
	}
	return uint32(n)
}

// Get returns a copy of the value under key, ErrMiss when there is none or it
// has expired, or the context's error when ctx is done.
func (m *Memory) Get(ctx context.Context, key string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("cache: memory get: %w", err)
	}
	item, ok := m.cache.GetIfPresent(key)
	if !ok {
		return nil, ErrMiss
	}
	return clone(item.value), nil
}

// GetMany returns a copy of each value in the order of keys, nil for each
// miss, or the context's error when ctx is done.
func (m *Memory) GetMany(ctx context.Context, keys []string) ([][]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("cache: memory get many: %w", err)
	}
	values := make([][]byte, len(keys))
	for i, k := range keys {
		if item, ok := m.cache.GetIfPresent(k); ok {
			values[i] = clone(item.value)
		}
	}
	return values, nil
}

// Set stores a copy of value under key for ttl, or for the default TTL when
// ttl is 0. It returns an error for a negative ttl or when ctx is done.
func (m *Memory) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("cache: memory set: %w", err)
	}
	ttl, err := resolveTTL(ttl, m.defaultTTL)
	if err != nil {
		return fmt.Errorf("cache: memory set: %w", err)
	}
	m.cache.Set(key, memoryItem{value: clone(value), ttl: ttl})
	return nil
}

// SetMany stores a copy of every entry for ttl, or for the default TTL when
// ttl is 0. It returns an error for a negative ttl or when ctx is done, in
// which case nothing is stored.
func (m *Memory) SetMany(ctx context.Context, entries []Entry, ttl time.Duration) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("cache: memory set many: %w", err)
	}
	ttl, err := resolveTTL(ttl, m.defaultTTL)
	if err != nil {
		return fmt.Errorf("cache: memory set many: %w", err)
	}
	for _, e := range entries {
		m.cache.Set(e.Key, memoryItem{value: clone(e.Value), ttl: ttl})
	}
	return nil
}

// Ping returns nil, or the context's error when ctx is done: the memory is
// always reachable.
func (m *Memory) Ping(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("cache: memory ping: %w", err)
	}
	return nil
}

// Close drops every entry and stops the goroutine that removes expired ones.
// It always returns nil. The Memory must not be used afterwards.
func (m *Memory) Close() error {
	m.cache.StopAllGoroutines()
	m.cache.InvalidateAll()
	return nil
}

// resolveTTL maps the Store convention (0 means the default) to a duration.
func resolveTTL(ttl, def time.Duration) (time.Duration, error) {
	switch {
	case ttl < 0:
		return 0, fmt.Errorf("%w %v", errNegativeTTL, ttl)
	case ttl == 0:
		return def, nil
	}
	return ttl, nil
}

// clone copies b into a new slice that is never nil, so that a stored empty
// value reads back as a hit (empty, not nil) in GetMany.
func clone(b []byte) []byte {
	return append(make([]byte, 0, len(b)), b...)
}
