// Package quota keeps each client within its limits: requests per minute and
// source characters per day, as token buckets (smooth, with a burst of one
// period's allowance). Limits kept in Redis hold across replicas; the
// in-memory limiter serves a single process, and stands in while Redis is
// unreachable, or the request is refused, as the deployment chooses.
package quota

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"sync"
	"sync/atomic"
	"time"
)

// Limit allows Rate events per Period, all of them at once if need be.
type Limit struct {
	Rate   int
	Period time.Duration
}

// PerMinute and PerDay are the two windows clients are held to.
func PerMinute(n int) Limit { return Limit{Rate: n, Period: time.Minute} }

// PerDay allows n events a day.
func PerDay(n int) Limit { return Limit{Rate: n, Period: 24 * time.Hour} }

// Decision is the outcome of asking for n events.
type Decision struct {
	Allowed    bool
	Limit      int           // the limit's Rate
	Remaining  int           // events that could still happen at once
	RetryAfter time.Duration // when refused: how long until the n events fit
	ResetAfter time.Duration // how long until the whole allowance is back
}

// Limiter decides whether key may spend n events of limit now, and records
// them when it may. n == 0 spends nothing: its Decision says what is left
// (Peek).
type Limiter interface {
	AllowN(ctx context.Context, key string, limit Limit, n int) (Decision, error)
}

// Peek returns what key has left of limit now, spending nothing: a client
// asking how much it has used must not use any of it by asking.
func Peek(ctx context.Context, l Limiter, key string, limit Limit) (Decision, error) {
	return l.AllowN(ctx, key, limit, 0)
}

// ErrUnavailable is returned, wrapped, by a Fallback set to refuse while
// the shared limits cannot be asked: nobody can tell what the client has
// left, and the deployment would rather refuse than pay for it.
var ErrUnavailable = errors.New("quota: shared limits unavailable")

// Memory is a Limiter held in the process: one token bucket per key.
type Memory struct {
	mu      sync.Mutex
	buckets map[string]*bucket
	sweepAt int // map size at which full buckets are next forgotten
	now     func() time.Time
}

// bucket holds tokens events at time at; it refills at limit.Rate per
// limit.Period up to limit.Rate.
type bucket struct {
	limit  Limit
	tokens float64
	at     time.Time
}

// minSweep is the number of buckets below which none is forgotten.
const minSweep = 1024

// NewMemory returns an empty in-memory Limiter.
func NewMemory() *Memory {
	return &Memory{buckets: map[string]*bucket{}, sweepAt: minSweep, now: time.Now}
}

func (b *bucket) tokensAt(now time.Time) float64 {
	elapsed := now.Sub(b.at)
	if elapsed <= 0 {
		return b.tokens
	}
	refill := float64(elapsed) * float64(b.limit.Rate) / float64(b.limit.Period)
	return math.Min(float64(b.limit.Rate), b.tokens+refill)
}

// wait is how long the bucket takes to gain n tokens from tokens.
func (b *bucket) wait(tokens, n float64) time.Duration {
	if tokens >= n {
		return 0
	}
	return time.Duration(math.Ceil((n - tokens) * float64(b.limit.Period) / float64(b.limit.Rate)))
}

// bucketLocked returns key's bucket for limit at now. A bucket whose limit
// changed (a reload) keeps what was spent of it: lowering a limit does not
// hand out a fresh allowance.
func (m *Memory) bucketLocked(key string, limit Limit, now time.Time) *bucket {
	b, ok := m.buckets[key]
	if ok && b.limit == limit {
		return b
	}
	if len(m.buckets) >= m.sweepAt {
		m.sweepLocked(now)
	}
	nb := &bucket{limit: limit, tokens: float64(limit.Rate), at: now}
	if ok {
		spent := float64(b.limit.Rate) - b.tokensAt(now)
		nb.tokens = math.Max(0, float64(limit.Rate)-spent)
	}
	m.buckets[key] = nb
	return nb
}

// sweepLocked forgets the buckets that are full again, which are the same
// as no bucket: the map holds only clients seen lately, however many
// addresses call over time.
func (m *Memory) sweepLocked(now time.Time) {
	for k, b := range m.buckets {
		if b.tokensAt(now) >= float64(b.limit.Rate) {
			delete(m.buckets, k)
		}
	}
	m.sweepAt = max(minSweep, 2*len(m.buckets))
}

// AllowN never fails.
func (m *Memory) AllowN(_ context.Context, key string, limit Limit, n int) (Decision, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	b := m.bucketLocked(key, limit, now)
	tokens := b.tokensAt(now)
	d := Decision{Limit: limit.Rate}
	switch {
	case n > limit.Rate:
		// More than a whole period's allowance can never fit.
		d.RetryAfter = limit.Period
	case tokens >= float64(n):
		tokens -= float64(n)
		b.tokens, b.at = tokens, now
		d.Allowed = true
	default:
		d.RetryAfter = b.wait(tokens, float64(n))
	}
	d.Remaining = max(0, int(math.Floor(tokens)))
	d.ResetAfter = b.wait(tokens, float64(limit.Rate))
	return d, nil
}

// Set makes key's bucket hold remaining events of limit now: a Fallback
// copies each decision of the shared limits here, so that during an outage
// this process goes on from what the client had left, not from a full
// allowance.
func (m *Memory) Set(key string, limit Limit, remaining int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	b := m.bucketLocked(key, limit, now)
	b.tokens = math.Min(float64(limit.Rate), float64(max(0, remaining)))
	b.at = now
}

// Fallback asks Primary (Redis) and, when it cannot decide, either Local or
// nobody (Refuse). Each of Primary's decisions is copied into Local, so
// that Local starts from what each client had left when Primary was last
// asked by this process.
type Fallback struct {
	Primary Limiter
	Local   *Memory
	// Refuse answers ErrUnavailable while Primary cannot decide, for
	// deployments that pay per character and would rather refuse than
	// let each replica count on its own.
	Refuse bool
	Log    *slog.Logger

	down atomic.Bool // Primary failed last time: log the outage once
}

// AllowN returns the primary's decision or, when the primary cannot decide,
// the local one, or an error wrapping ErrUnavailable when f.Refuse.
func (f *Fallback) AllowN(ctx context.Context, key string, limit Limit, n int) (Decision, error) {
	d, err := f.Primary.AllowN(ctx, key, limit, n)
	if err == nil {
		if f.down.Swap(false) && f.Log != nil {
			f.Log.InfoContext(ctx, "shared rate limits reachable again")
		}
		f.Local.Set(key, limit, d.Remaining)
		return d, nil
	}
	if !f.down.Swap(true) && f.Log != nil {
		// Once per outage: one line per request would bury the rest.
		if f.Refuse {
			f.Log.WarnContext(ctx, "shared rate limits unavailable; refusing limited requests until they return (auth.limits_on_outage: refuse)", "err", err)
		} else {
			f.Log.WarnContext(ctx, "shared rate limits unavailable; limiting in this process until they return (auth.limits_on_outage: local)", "err", err)
		}
	}
	if f.Refuse {
		return Decision{}, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return f.Local.AllowN(ctx, key, limit, n)
}
