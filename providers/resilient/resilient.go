// Package resilient wraps a provider with the one retry loop of the gateway,
// a circuit breaker, a concurrency limit and an optional requests-per-minute
// limit, and keeps the recent health figures that GET /v1/providers shows.
//
// Providers themselves never retry: every vendor client returns a
// *providers.Error whose Kind and RetryAfter are all this package needs to
// decide whether another attempt is worth its time, or whether the route
// should move on to the next provider at once.
package resilient

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sony/gobreaker/v2"
	"golang.org/x/time/rate"

	"passerelle/providers"
)

// Options configures a Guard. Zero fields take the documented defaults.
type Options struct {
	// MaxAttempts bounds the calls made for one request, the first included.
	// Default 3.
	MaxAttempts int
	// Budget bounds the time spent on one request across its attempts and
	// waits: no retry starts, and no wait for the rate limit is made, past it.
	// Each attempt is bounded by the provider's own timeout. Default 90s.
	Budget time.Duration
	// BaseDelay and MaxDelay shape the exponential backoff with full jitter
	// between attempts. Defaults 250ms and 4s.
	BaseDelay time.Duration
	MaxDelay  time.Duration
	// MaxRetryAfter is the longest wait a vendor's Retry-After may impose.
	// A longer one ends the attempts at once, so that the route falls back
	// rather than sleeping. Default 2s.
	MaxRetryAfter time.Duration
	// BreakerFailures is the number of consecutive failures that opens the
	// breaker. Default 5.
	BreakerFailures int
	// BreakerCooldown is how long the breaker stays open before it lets one
	// probe through (half-open). Default 30s.
	BreakerCooldown time.Duration
	// MaxConcurrency bounds the calls in flight to the provider; 0 means no
	// bound here (the vendor client may have its own).
	MaxConcurrency int
	// QueueWait bounds how long a call waits for a free slot under
	// MaxConcurrency. Whatever it says, a call waits only while the
	// request's deadline still leaves time for a typical call after the
	// wait, and does not queue at all when the calls ahead of it would not
	// leave that time: it fails at once as KindOverloaded. Default 0: no
	// bound but the deadline's.
	QueueWait time.Duration
	// RequestsPerMinute bounds the calls started per minute; 0 means none.
	RequestsPerMinute int
	// PingUpstream makes Ping ask the provider itself. Leave it off for paid
	// APIs: a readiness probe every few seconds should not spend their rate
	// limits; their breaker tells enough. Default false.
	PingUpstream bool
	// Logger receives breaker transitions. Default slog.Default().
	Logger *slog.Logger
}

func (o *Options) fill() {
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 3
	}
	if o.Budget <= 0 {
		o.Budget = 90 * time.Second
	}
	if o.BaseDelay <= 0 {
		o.BaseDelay = 250 * time.Millisecond
	}
	if o.MaxDelay <= 0 {
		o.MaxDelay = 4 * time.Second
	}
	if o.MaxRetryAfter <= 0 {
		o.MaxRetryAfter = 2 * time.Second
	}
	if o.BreakerFailures <= 0 {
		o.BreakerFailures = 5
	}
	if o.BreakerCooldown <= 0 {
		o.BreakerCooldown = 30 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
}

// Guard holds the retry policy, breaker, limits and health figures of one
// provider. The translator and summarizer of one provider share its Guard, so
// that an outage seen by either opens the breaker for both.
type Guard struct {
	name    string
	opts    Options
	breaker *gobreaker.CircuitBreaker[struct{}]
	slots   chan struct{} // nil: no concurrency bound
	waiting atomic.Int64  // calls waiting for a slot
	typical atomic.Int64  // a typical successful call, in ns (a moving average); 0 until one succeeds
	limiter *rate.Limiter // nil: no rate bound
	health  *health
	sleep   func(ctx context.Context, d time.Duration) error
}

// NewGuard returns the Guard of the provider called name.
func NewGuard(name string, opts Options) *Guard {
	opts.fill()
	g := &Guard{name: name, opts: opts, health: newHealth(100), sleep: sleepContext}
	g.breaker = gobreaker.NewCircuitBreaker[struct{}](gobreaker.Settings{
		Name:    name,
		Timeout: opts.BreakerCooldown,
		ReadyToTrip: func(c gobreaker.Counts) bool {
			return c.ConsecutiveFailures >= uint32(opts.BreakerFailures)
		},
		IsSuccessful: countsAsSuccess,
		IsExcluded:   isCallersEnd,
		OnStateChange: func(name string, from, to gobreaker.State) {
			g.health.transition(to.String())
			opts.Logger.Warn("provider circuit breaker", "provider", name, "from", from.String(), "to", to.String())
		},
	})
	if opts.MaxConcurrency > 0 {
		g.slots = make(chan struct{}, opts.MaxConcurrency)
	}
	if opts.RequestsPerMinute > 0 {
		g.limiter = rate.NewLimiter(rate.Limit(float64(opts.RequestsPerMinute)/60), max(1, opts.RequestsPerMinute/60))
	}
	return g
}

// countsAsSuccess tells the breaker which errors say nothing about the
// provider's health: a request the vendor rejected as malformed or too long
// is the request's fault, and the same provider will serve the next one.
func countsAsSuccess(err error) bool {
	if err == nil {
		return true
	}
	switch providers.KindOf(err) {
	case providers.KindBadRequest, providers.KindContextLength:
		return true
	}
	return false
}

// Translator returns t with this Guard's policy around every call.
func (g *Guard) Translator(t providers.Translator) *Translator {
	return &Translator{guard: g, next: t}
}

// Summarizer returns s with this Guard's policy around every call.
func (g *Guard) Summarizer(s providers.Summarizer) *Summarizer {
	return &Summarizer{guard: g, next: s}
}

// Translator is a providers.Translator behind a Guard.
type Translator struct {
	guard *Guard
	next  providers.Translator
}

var (
	_ providers.Translator = (*Translator)(nil)
	_ providers.Pinger     = (*Translator)(nil)
	_ providers.Summarizer = (*Summarizer)(nil)
)

// Translate calls the provider under the Guard's policy and returns its
// result, or the error of the last attempt.
func (t *Translator) Translate(ctx context.Context, req providers.TranslateRequest) (providers.TranslateResult, error) {
	var res providers.TranslateResult
	err := t.guard.do(ctx, func(ctx context.Context) error {
		var err error
		res, err = t.next.Translate(ctx, req)
		return err
	})
	return res, err
}

// Fingerprint is the wrapped provider's: the policy does not change output.
func (t *Translator) Fingerprint() string { return t.next.Fingerprint() }

// Ping reports an open breaker as a failure and, with PingUpstream, asks the
// wrapped provider when it can tell.
func (t *Translator) Ping(ctx context.Context) error {
	if t.guard.breaker.State() == gobreaker.StateOpen {
		return fmt.Errorf("%s: circuit breaker open after repeated failures", t.guard.name)
	}
	if p, ok := t.next.(providers.Pinger); ok && t.guard.opts.PingUpstream {
		return p.Ping(ctx)
	}
	return nil
}

// Summarizer is a providers.Summarizer behind a Guard.
type Summarizer struct {
	guard *Guard
	next  providers.Summarizer
}

// Summarize calls the provider under the Guard's policy.
func (s *Summarizer) Summarize(ctx context.Context, req providers.SummarizeRequest) (providers.SummarizeResult, error) {
	var res providers.SummarizeResult
	err := s.guard.do(ctx, func(ctx context.Context) error {
		var err error
		res, err = s.next.Summarize(ctx, req)
		return err
	})
	return res, err
}

// Fingerprint is the wrapped provider's.
func (s *Summarizer) Fingerprint() string { return s.next.Fingerprint() }

// do runs call until it succeeds, fails for good, or the attempts or the
// time budget run out.
func (g *Guard) do(ctx context.Context, call func(context.Context) error) error {
	start := time.Now()
	for attempt := 1; ; attempt++ {
		err := g.attempt(ctx, call, g.opts.Budget-time.Since(start))
		if err == nil {
			return nil
		}
		wait, retry := g.retryAfter(err, attempt, time.Since(start))
		if !retry || ctx.Err() != nil {
			return err
		}
		if g.sleep(ctx, wait) != nil {
			return err
		}
	}
}

// ErrBreakerOpen is wrapped by the error of a call refused because the
// provider's breaker is open.
var ErrBreakerOpen = errors.New("circuit breaker open after repeated failures")

// attempt makes one call through the rate limit, the concurrency limit and
// the breaker. It waits for the rate limit only as long as budget allows.
//
// Only the provider's own failures reach the breaker and the health
// figures: a call that never got a slot was never made, and a call cut
// because the request's context ended (its deadline, or a client that went
// away) says nothing about the provider. The provider's own timeout does
// count: it is the client's, not the request's, and leaves ctx alive.
func (g *Guard) attempt(ctx context.Context, call func(context.Context) error, budget time.Duration) error {
	if g.limiter != nil {
		r := g.limiter.Reserve()
		if delay := r.Delay(); delay > budget {
			r.Cancel()
			return &providers.Error{Provider: g.name, Kind: providers.KindRateLimited, RetryAfter: delay,
				Message: fmt.Sprintf("local limit of %d requests per minute reached", g.opts.RequestsPerMinute)}
		} else if err := g.sleep(ctx, delay); err != nil {
			r.Cancel()
			return err
		}
	}
	if g.slots != nil {
		if err := g.acquire(ctx); err != nil {
			return err
		}
		defer func() { <-g.slots }()
	}
	began := time.Now()
	_, err := g.breaker.Execute(func() (struct{}, error) {
		err := call(ctx)
		if err != nil && ctx.Err() != nil {
			return struct{}{}, &callersEnd{err}
		}
		return struct{}{}, err
	})
	var ended *callersEnd
	switch {
	case errors.Is(err, gobreaker.ErrOpenState), errors.Is(err, gobreaker.ErrTooManyRequests):
		g.health.record(true, true)
		return &providers.Error{Provider: g.name, Kind: providers.KindUnavailable, Message: ErrBreakerOpen.Error(), Err: ErrBreakerOpen}
	case errors.As(err, &ended):
		return ended.err
	case errors.Is(err, context.Canceled):
		return err
	case err == nil:
		g.observe(time.Since(began))
	}
	g.health.record(err != nil && !countsAsSuccess(err), false)
	return err
}

// callersEnd marks the error of a call that failed once the caller's
// context had ended: the breaker leaves it out of its counts.
type callersEnd struct{ err error }

func (e *callersEnd) Error() string { return e.err.Error() }
func (e *callersEnd) Unwrap() error { return e.err }

func isCallersEnd(err error) bool {
	var e *callersEnd
	return errors.As(err, &e) || errors.Is(err, context.Canceled)
}

// acquire takes a slot under MaxConcurrency, or says why the call cannot
// wait for one. A call that could only start too late to finish before the
// request's deadline is refused at once, so that the client hears
// "overloaded" while it can still go elsewhere rather than a timeout later;
// and a call started from this queue always has a typical call's time left.
func (g *Guard) acquire(ctx context.Context) error {
	select {
	case g.slots <- struct{}{}:
		return nil
	default:
	}
	typical := time.Duration(g.typical.Load())
	wait := g.opts.QueueWait // 0: no bound of its own
	if deadline, ok := ctx.Deadline(); ok {
		room := time.Until(deadline) - typical
		if room <= 0 {
			return g.overloaded("every slot is busy and the request's deadline leaves no time to wait for one")
		}
		// The calls queued ahead of this one leave, one per slot, about one
		// typical call apart.
		ahead := time.Duration(g.waiting.Load() + 1)
		if expected := ahead * typical / time.Duration(cap(g.slots)); expected > room {
			return g.overloaded(fmt.Sprintf("%d calls queued ahead, about %s of wait, more than the request's deadline leaves",
				ahead-1, expected.Round(time.Millisecond)))
		}
		if wait == 0 || room < wait {
			wait = room
		}
	}
	g.waiting.Add(1)
	defer g.waiting.Add(-1)
	var expired <-chan time.Time
	if wait > 0 {
		t := time.NewTimer(wait)
		defer t.Stop()
		expired = t.C
	}
	select {
	case g.slots <- struct{}{}:
		return nil
	case <-expired:
		return g.overloaded(fmt.Sprintf("no slot came free within %s", wait.Round(time.Millisecond)))
	case <-ctx.Done():
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return g.overloaded("no slot came free before the request's deadline")
		}
		return ctx.Err()
	}
}

// overloaded is the error of a call refused for want of a slot.
func (g *Guard) overloaded(why string) error {
	g.health.refuse()
	return &providers.Error{Provider: g.name, Kind: providers.KindOverloaded,
		Message: fmt.Sprintf("max_concurrency of %d reached: %s", cap(g.slots), why)}
}

// observe folds the duration of a successful call into the typical one: a
// moving average that follows a provider that slows down within a few
// calls, without letting one slow call decide alone.
func (g *Guard) observe(d time.Duration) {
	for {
		old := g.typical.Load()
		next := int64(d)
		if old > 0 {
			next = old + (int64(d)-old)/4
		}
		if g.typical.CompareAndSwap(old, next) {
			return
		}
	}
}

// retryAfter decides whether another attempt is worth making after err,
// the attempt-th, with elapsed already spent, and how long to wait first.
func (g *Guard) retryAfter(err error, attempt int, elapsed time.Duration) (time.Duration, bool) {
	if attempt >= g.opts.MaxAttempts {
		return 0, false
	}
	var pe *providers.Error
	if !errors.As(err, &pe) {
		if errors.Is(err, context.DeadlineExceeded) {
			return 0, false // the caller's deadline: no time left
		}
		pe = &providers.Error{Kind: providers.KindOf(err)}
	}
	if !pe.Kind.Transient() || errors.Is(err, ErrBreakerOpen) {
		return 0, false
	}
	wait := backoff(g.opts.BaseDelay, g.opts.MaxDelay, attempt)
	if pe.RetryAfter > 0 {
		if pe.RetryAfter > g.opts.MaxRetryAfter {
			return 0, false // a long wait: better served by the next provider
		}
		wait = pe.RetryAfter
	}
	if elapsed+wait >= g.opts.Budget {
		return 0, false
	}
	return wait, true
}

// backoff is exponential backoff with full jitter: a uniform wait in
// [0, min(max, base·2^(attempt-1))), which spreads retries of many clients.
func backoff(base, maxDelay time.Duration, attempt int) time.Duration {
	ceiling := base << (attempt - 1)
	if ceiling > maxDelay || ceiling <= 0 {
		ceiling = maxDelay
	}
	return time.Duration(rand.Int64N(int64(ceiling)))
}

func sleepContext(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Health is a provider's recent record, for GET /v1/providers.
type Health struct {
	Breaker     string  `json:"breaker"` // closed, half-open or open
	Calls       int     `json:"recent_calls"`
	Failures    int     `json:"recent_failures"`
	ErrorRate   float64 `json:"recent_error_rate"`
	Rejected    uint64  `json:"rejected_by_breaker"`
	Transitions uint64  `json:"breaker_transitions"`
	// Overloaded counts the calls refused for want of a free slot under
	// max_concurrency: the gateway's own queue, not the provider's failures.
	Overloaded uint64 `json:"refused_overloaded"`
	// TypicalMS is the moving average of recent successful calls, which
	// decides whether a request has time to wait for a slot.
	TypicalMS int64 `json:"typical_call_ms"`
}

// Health returns the breaker state and the outcome of the recent calls.
func (g *Guard) Health() Health {
	h := g.health.snapshot()
	h.Breaker = g.breaker.State().String()
	h.TypicalMS = time.Duration(g.typical.Load()).Milliseconds()
	return h
}

// health keeps the outcomes of the last calls in a ring.
type health struct {
	mu          sync.Mutex
	ring        []bool // true: failed
	next        int
	filled      bool
	rejected    uint64
	overloaded  uint64
	transitions uint64
}

func newHealth(size int) *health { return &health{ring: make([]bool, size)} }

func (h *health) record(failed, rejected bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if rejected {
		h.rejected++
		return
	}
	h.ring[h.next] = failed
	h.next = (h.next + 1) % len(h.ring)
	if h.next == 0 {
		h.filled = true
	}
}

func (h *health) refuse() {
	h.mu.Lock()
	h.overloaded++
	h.mu.Unlock()
}

func (h *health) transition(string) {
	h.mu.Lock()
	h.transitions++
	h.mu.Unlock()
}

func (h *health) snapshot() Health {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := h.next
	if h.filled {
		n = len(h.ring)
	}
	out := Health{Calls: n, Rejected: h.rejected, Overloaded: h.overloaded, Transitions: h.transitions}
	for i := 0; i < n; i++ {
		if h.ring[i] {
			out.Failures++
		}
	}
	if n > 0 {
		out.ErrorRate = float64(out.Failures) / float64(n)
	}
	return out
}
