// Package cache stores finished translations and summaries so that the same
// text is never paid for twice: a Store interface, an embedded in-memory
// implementation (Memory) and a Redis one (Redis), and the derivation of keys.
package cache

import (
	"context"
	"errors"
	"time"
)

// ErrMiss is returned by Get when the key holds no value. A miss is not a failure.
var ErrMiss = errors.New("cache: miss")

// Entry is one key and value for SetMany.
type Entry struct {
	Key   string
	Value []byte
}

// Store keeps byte values under string keys for a limited time.
// Every method takes a context whose deadline bounds the call.
type Store interface {
	// Get returns the value under key, ErrMiss when there is none, or another
	// error when the store could not be asked.
	Get(ctx context.Context, key string) ([]byte, error)
	// GetMany returns one value per key in the same order, nil for each miss,
	// in one round trip.
	GetMany(ctx context.Context, keys []string) ([][]byte, error)
	// Set stores value under key for ttl (0 means the store's default).
	Set(ctx context.Context, key string, value []byte, ttl time.Duration) error
	// SetMany stores every entry for ttl in one round trip.
	SetMany(ctx context.Context, entries []Entry, ttl time.Duration) error
	// Ping reports whether the store can be reached.
	Ping(ctx context.Context) error
	// Close releases the store's resources.
	Close() error
}
