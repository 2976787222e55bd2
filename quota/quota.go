// Package quota keeps each client within its limits: requests per minute and
// source characters per day, as GCRA token buckets (smooth, with a burst of
// one period's allowance). Limits kept in Redis hold across replicas; the
// in-memory limiter serves a single process, and stands in while Redis is
// unreachable so that an outage neither blocks clients nor lifts their limits.
package quota

import (
	"context"
	"log/slog"
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
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
// them when it may.
type Limiter interface {
	AllowN(ctx context.Context, key string, limit Limit, n int) (Decision, error)
}

// Memory is a Limiter held in the process.
type Memory struct {
	mu      sync.Mutex
	buckets map[string]*rate.Limiter
	now     func() time.Time
}

// NewMemory returns an empty in-memory Limiter.
func NewMemory() *Memory {
	return &Memory{buckets: map[string]*rate.Limiter{}, now: time.Now}
}

// AllowN never fails.
func (m *Memory) AllowN(_ context.Context, key string, limit Limit, n int) (Decision, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	perSecond := rate.Limit(float64(limit.Rate) / limit.Period.Seconds())
	b, ok := m.buckets[key]
	if !ok || b.Burst() != limit.Rate || b.Limit() != perSecond {
		b = rate.NewLimiter(perSecond, limit.Rate)
		m.buckets[key] = b
	}
	now := m.now()
	d := Decision{Limit: limit.Rate}
	if n > limit.Rate {
		// More than a whole period's allowance can never fit.
		d.RetryAfter = limit.Period
		d.Remaining = int(b.TokensAt(now))
		return d, nil
	}
	r := b.ReserveN(now, n)
	if delay := r.DelayFrom(now); delay > 0 {
		r.CancelAt(now)
		d.RetryAfter = delay
	} else {
		d.Allowed = true
	}
	tokens := b.TokensAt(now)
	d.Remaining = max(0, int(math.Floor(tokens)))
	d.ResetAfter = time.Duration((float64(limit.Rate) - tokens) / float64(perSecond) * float64(time.Second))
	return d, nil
}

// Fallback asks Primary (Redis) and, when it fails, Local, logging the
// failure: clients keep being served and limited during an outage.
type Fallback struct {
	Primary Limiter
	Local   Limiter
	Log     *slog.Logger
}

// AllowN returns the primary's decision, or the local one when the primary
// cannot decide.
func (f Fallback) AllowN(ctx context.Context, key string, limit Limit, n int) (Decision, error) {
	d, err := f.Primary.AllowN(ctx, key, limit, n)
	if err == nil {
		return d, nil
	}
	if f.Log != nil {
		f.Log.WarnContext(ctx, "shared rate limit unavailable; limiting in this process", "err", err)
	}
	return f.Local.AllowN(ctx, key, limit, n)
}
