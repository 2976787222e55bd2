package cache

import (
	"context"
	"time"
)

// Tiered keeps a bounded in-memory tier in front of a shared store (Redis):
// the hottest entries are served without a network round trip, and while
// the shared store is down the near tier keeps serving what it holds.
type Tiered struct {
	near *Memory
	far  Store
	// onFarError is told when the far store fails behind a near answer.
	onFarError func(op string, err error)
}

var _ Store = (*Tiered)(nil)

// NewTiered returns a Tiered store. onFarError, which may be nil, is told of
// the far store's failures that Get and GetMany hide behind the near tier's
// answer.
func NewTiered(near *Memory, far Store, onFarError func(op string, err error)) *Tiered {
	if onFarError == nil {
		onFarError = func(string, error) {}
	}
	return &Tiered{near: near, far: far, onFarError: onFarError}
}

// Get returns the near entry, else the far one (copied to the near tier).
// It returns the far store's error only when the near tier misses too.
func (t *Tiered) Get(ctx context.Context, key string) ([]byte, error) {
	if v, err := t.near.Get(ctx, key); err == nil {
		return v, nil
	}
	values, ttls, err := t.farGet(ctx, []string{key})
	if err != nil {
		return nil, err
	}
	if values[0] == nil {
		return nil, ErrMiss
	}
	if ttls != nil && ttls[0] > 0 {
		_ = t.near.Set(ctx, key, values[0], ttls[0])
	}
	return values[0], nil
}

// GetMany answers from the near tier and asks the far store for the rest in
// one round trip. When the far store fails, the near answers are returned
// (misses for the rest) and the failure goes to onFarError.
func (t *Tiered) GetMany(ctx context.Context, keys []string) ([][]byte, error) {
	out, err := t.near.GetMany(ctx, keys)
	if err != nil {
		return nil, err
	}
	var missing []string
	var at []int
	for i, v := range out {
		if v == nil {
			missing = append(missing, keys[i])
			at = append(at, i)
		}
	}
	if len(missing) == 0 {
		return out, nil
	}
	far, ttls, err := t.farGet(ctx, missing)
	if err != nil {
		t.onFarError("get", err)
		return out, nil
	}
	for j, v := range far {
		if v == nil {
			continue
		}
		out[at[j]] = v
		// The near copy expires with the far entry, never later.
		if ttls != nil && ttls[j] > 0 {
			_ = t.near.Set(ctx, missing[j], v, ttls[j])
		}
	}
	return out, nil
}

// withTTL is a far store that can tell how long its entries have left.
type withTTL interface {
	GetManyWithTTL(ctx context.Context, keys []string) ([][]byte, []time.Duration, error)
}

func (t *Tiered) farGet(ctx context.Context, keys []string) ([][]byte, []time.Duration, error) {
	if f, ok := t.far.(withTTL); ok {
		return f.GetManyWithTTL(ctx, keys)
	}
	v, err := t.far.GetMany(ctx, keys)
	return v, nil, err // without the far ttl, nothing is copied near
}

// Set writes both tiers; it returns the far store's error.
func (t *Tiered) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	_ = t.near.Set(ctx, key, value, ttl)
	return t.far.Set(ctx, key, value, ttl)
}

// SetMany writes both tiers; it returns the far store's error.
func (t *Tiered) SetMany(ctx context.Context, entries []Entry, ttl time.Duration) error {
	_ = t.near.SetMany(ctx, entries, ttl)
	return t.far.SetMany(ctx, entries, ttl)
}

// Ping asks the far store: the near tier is always there.
func (t *Tiered) Ping(ctx context.Context) error { return t.far.Ping(ctx) }

// Close closes both tiers.
func (t *Tiered) Close() error {
	_ = t.near.Close()
	return t.far.Close()
}

// Far returns the shared store behind the near tier.
func (t *Tiered) Far() Store { return t.far }

// leaser is what a far store that can lease keys offers.
type leaser interface {
	Acquire(ctx context.Context, name string, ttl time.Duration) (func(), bool, error)
	Held(ctx context.Context, name string) (bool, error)
}

// Acquire leases name in the far store, when it can lease; otherwise it
// always grants the lease (a single process needs none).
func (t *Tiered) Acquire(ctx context.Context, name string, ttl time.Duration) (func(), bool, error) {
	if l, ok := t.far.(leaser); ok {
		return l.Acquire(ctx, name, ttl)
	}
	return func() {}, true, nil
}

// Held reports whether name is leased in the far store.
func (t *Tiered) Held(ctx context.Context, name string) (bool, error) {
	if l, ok := t.far.(leaser); ok {
		return l.Held(ctx, name)
	}
	return false, nil
}
