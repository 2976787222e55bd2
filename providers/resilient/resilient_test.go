package resilient

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"passerelle/providers"
)

// scripted answers each call with the next error of its script (nil: a
// success), repeating the last one when the script runs out.
type scripted struct {
	mu       sync.Mutex
	script   []error
	calls    int
	inFlight atomic.Int32
	maxSeen  atomic.Int32
	hold     chan struct{} // when set, each call waits for it to close
}

func (s *scripted) Fingerprint() string { return "scripted" }

func (s *scripted) Translate(ctx context.Context, req providers.TranslateRequest) (providers.TranslateResult, error) {
	n := s.inFlight.Add(1)
	defer s.inFlight.Add(-1)
	for {
		m := s.maxSeen.Load()
		if n <= m || s.maxSeen.CompareAndSwap(m, n) {
			break
		}
	}
	if s.hold != nil {
		<-s.hold
	}
	s.mu.Lock()
	i := min(s.calls, len(s.script)-1)
	s.calls++
	err := s.script[i]
	s.mu.Unlock()
	if err != nil {
		return providers.TranslateResult{}, err
	}
	return providers.TranslateResult{Translations: append([]string(nil), req.Segments...), Model: "m"}, nil
}

func (s *scripted) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

func perr(kind providers.Kind, retryAfter time.Duration) error {
	return &providers.Error{Provider: "p", Kind: kind, RetryAfter: retryAfter}
}

// newGuard returns a Guard whose waits are recorded instead of slept.
func newGuard(opts Options) (*Guard, *[]time.Duration) {
	opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	g := NewGuard("p", opts)
	var waits []time.Duration
	var mu sync.Mutex
	g.sleep = func(ctx context.Context, d time.Duration) error {
		mu.Lock()
		waits = append(waits, d)
		mu.Unlock()
		return ctx.Err()
	}
	return g, &waits
}

var req = providers.TranslateRequest{SourceLang: "fr", TargetLang: "en", Segments: []string{"a"}}

func TestRetryPolicy(t *testing.T) {
	tests := []struct {
		name      string
		opts      Options
		script    []error
		wantCalls int
		wantErr   providers.Kind
		wantOK    bool
		wantWaits []time.Duration // nil: not checked
	}{
		{name: "success", script: []error{nil}, wantCalls: 1, wantOK: true},
		{name: "5xx then success", script: []error{perr(providers.KindUnavailable, 0), nil}, wantCalls: 2, wantOK: true},
		{name: "timeout then success", script: []error{perr(providers.KindTimeout, 0), nil}, wantCalls: 2, wantOK: true},
		{name: "429 honours Retry-After", script: []error{perr(providers.KindRateLimited, 1500*time.Millisecond), nil},
			wantCalls: 2, wantOK: true, wantWaits: []time.Duration{1500 * time.Millisecond}},
		{name: "429 with a long Retry-After falls back at once", script: []error{perr(providers.KindRateLimited, time.Minute)},
			wantCalls: 1, wantErr: providers.KindRateLimited, wantWaits: []time.Duration{}},
		{name: "auth is not retried", script: []error{perr(providers.KindAuth, 0)}, wantCalls: 1, wantErr: providers.KindAuth},
		{name: "quota is not retried", script: []error{perr(providers.KindQuota, 0)}, wantCalls: 1, wantErr: providers.KindQuota},
		{name: "bad request is not retried", script: []error{perr(providers.KindBadRequest, 0)}, wantCalls: 1, wantErr: providers.KindBadRequest},
		{name: "context length is not retried", script: []error{perr(providers.KindContextLength, 0)}, wantCalls: 1, wantErr: providers.KindContextLength},
		{name: "attempts are bounded", opts: Options{MaxAttempts: 4}, script: []error{perr(providers.KindUnavailable, 0)},
			wantCalls: 4, wantErr: providers.KindUnavailable},
		{name: "the budget is bounded", opts: Options{Budget: time.Second, BaseDelay: 10 * time.Second, MaxDelay: 10 * time.Second},
			script: []error{perr(providers.KindRateLimited, 1500*time.Millisecond)}, wantCalls: 1, wantErr: providers.KindRateLimited},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, waits := newGuard(tt.opts)
			p := &scripted{script: tt.script}
			_, err := g.Translator(p).Translate(context.Background(), req)
			if got := p.count(); got != tt.wantCalls {
				t.Errorf("calls = %d, want %d", got, tt.wantCalls)
			}
			if tt.wantOK {
				if err != nil {
					t.Errorf("err = %v, want success", err)
				}
			} else if got := providers.KindOf(err); err == nil || got != tt.wantErr {
				t.Errorf("err = %v (kind %v), want kind %v", err, got, tt.wantErr)
			}
			if tt.wantWaits != nil && !equalDurations(*waits, tt.wantWaits) {
				t.Errorf("waits = %v, want %v", *waits, tt.wantWaits)
			}
		})
	}
}

func equalDurations(a, b []time.Duration) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestBackoffHasFullJitterUnderACeiling(t *testing.T) {
	for attempt := 1; attempt <= 8; attempt++ {
		ceiling := min(250*time.Millisecond<<(attempt-1), 4*time.Second)
		seen := map[time.Duration]bool{}
		for i := 0; i < 200; i++ {
			d := backoff(250*time.Millisecond, 4*time.Second, attempt)
			if d < 0 || d >= ceiling {
				t.Fatalf("attempt %d: wait %v outside [0, %v)", attempt, d, ceiling)
			}
			seen[d] = true
		}
		if len(seen) < 50 {
			t.Errorf("attempt %d: only %d distinct waits in 200: no jitter", attempt, len(seen))
		}
	}
}

func TestBreakerOpensThenProbesAndCloses(t *testing.T) {
	g, _ := newGuard(Options{MaxAttempts: 1, BreakerFailures: 3, BreakerCooldown: 50 * time.Millisecond})
	p := &scripted{script: []error{perr(providers.KindUnavailable, 0), perr(providers.KindUnavailable, 0), perr(providers.KindUnavailable, 0), nil}}
	tr := g.Translator(p)
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		if _, err := tr.Translate(ctx, req); err == nil {
			t.Fatalf("call %d succeeded, want the scripted failure", i)
		}
	}
	if got := g.Health().Breaker; got != "open" {
		t.Fatalf("breaker = %q after 3 failures, want open", got)
	}
	_, err := tr.Translate(ctx, req)
	if !errors.Is(err, ErrBreakerOpen) || providers.KindOf(err) != providers.KindUnavailable {
		t.Errorf("err while open = %v, want ErrBreakerOpen as unavailable", err)
	}
	if got := p.count(); got != 3 {
		t.Errorf("provider calls = %d, want 3: an open breaker must not call it", got)
	}
	if err := tr.Ping(ctx); err == nil {
		t.Errorf("Ping succeeded while the breaker is open")
	}

	deadline := time.Now().Add(5 * time.Second)
	for g.Health().Breaker != "half-open" && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := tr.Translate(ctx, req); err != nil {
		t.Fatalf("probe failed: %v", err)
	}
	h := g.Health()
	if h.Breaker != "closed" || h.Transitions != 3 || h.Rejected != 1 {
		t.Errorf("health = %+v, want closed after open and half-open, 3 transitions, 1 rejected", h)
	}
}

func TestRequestErrorsDoNotOpenTheBreaker(t *testing.T) {
	g, _ := newGuard(Options{BreakerFailures: 2})
	p := &scripted{script: []error{perr(providers.KindBadRequest, 0)}}
	for i := 0; i < 5; i++ {
		_, _ = g.Translator(p).Translate(context.Background(), req)
	}
	if h := g.Health(); h.Breaker != "closed" || h.Failures != 0 {
		t.Errorf("health = %+v, want closed with no failure counted", h)
	}
}

func TestConcurrencyBound(t *testing.T) {
	g, _ := newGuard(Options{MaxConcurrency: 2})
	p := &scripted{script: []error{nil}, hold: make(chan struct{})}
	tr := g.Translator(p)
	var wg sync.WaitGroup
	for i := 0; i < 6; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _ = tr.Translate(context.Background(), req)
		}()
	}
	deadline := time.Now().Add(5 * time.Second)
	for p.inFlight.Load() < 2 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond) // give a third call the chance to slip in, if the bound were broken
	close(p.hold)
	wg.Wait()
	if got := p.maxSeen.Load(); got != 2 {
		t.Errorf("max in flight = %d, want 2", got)
	}
	if got := p.count(); got != 6 {
		t.Errorf("calls = %d, want 6", got)
	}
}

func TestRateLimitFallsBackWhenTheWaitIsOverBudget(t *testing.T) {
	g, waits := newGuard(Options{RequestsPerMinute: 6, Budget: 2 * time.Second})
	p := &scripted{script: []error{nil}}
	tr := g.Translator(p)
	if _, err := tr.Translate(context.Background(), req); err != nil {
		t.Fatalf("first call: %v", err)
	}
	// 6 a minute is one every 10s: the next token is beyond the 2s budget.
	_, err := tr.Translate(context.Background(), req)
	if providers.KindOf(err) != providers.KindRateLimited {
		t.Errorf("err = %v, want a local rate limit", err)
	}
	if got := p.count(); got != 1 {
		t.Errorf("calls = %d, want 1", got)
	}
	for _, w := range *waits {
		if w > 0 {
			t.Errorf("waited %v, want no wait past the budget", w)
		}
	}
}

func TestHealthErrorRate(t *testing.T) {
	g, _ := newGuard(Options{MaxAttempts: 1, BreakerFailures: 100})
	p := &scripted{script: []error{nil, perr(providers.KindUnavailable, 0), nil, perr(providers.KindTimeout, 0)}}
	for i := 0; i < 4; i++ {
		_, _ = g.Translator(p).Translate(context.Background(), req)
	}
	h := g.Health()
	if h.Calls != 4 || h.Failures != 2 || h.ErrorRate != 0.5 {
		t.Errorf("health = %+v, want 4 calls, 2 failures, rate 0.5", h)
	}
}

func TestCancelledRequestIsNotRetried(t *testing.T) {
	g, _ := newGuard(Options{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	p := &scripted{script: []error{context.Canceled}}
	if _, err := g.Translator(p).Translate(ctx, req); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if got := p.count(); got != 1 {
		t.Errorf("calls = %d, want 1", got)
	}
}

// slow answers after delay, or fails as the context it is given ends: the
// way an HTTP client behaves when the request's deadline cuts a call.
type slow struct {
	delay time.Duration
	calls atomic.Int32
}

func (s *slow) Fingerprint() string { return "slow" }

func (s *slow) Translate(ctx context.Context, req providers.TranslateRequest) (providers.TranslateResult, error) {
	s.calls.Add(1)
	t := time.NewTimer(s.delay)
	defer t.Stop()
	select {
	case <-t.C:
		return providers.TranslateResult{Translations: req.Segments, Model: "m"}, nil
	case <-ctx.Done():
		return providers.TranslateResult{}, &providers.Error{Provider: "p", Kind: providers.KindTimeout, Err: ctx.Err()}
	}
}

func TestTheCallersEndDoesNotCount(t *testing.T) {
	for _, tt := range []struct {
		name string
		ctx  func() (context.Context, context.CancelFunc)
	}{
		{"the request's deadline", func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 5*time.Millisecond)
		}},
		{"a client that went away", func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(5*time.Millisecond, cancel)
			return ctx, cancel
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			g, _ := newGuard(Options{MaxAttempts: 1, BreakerFailures: 2})
			p := &slow{delay: time.Minute}
			for i := 0; i < 5; i++ {
				ctx, cancel := tt.ctx()
				_, err := g.Translator(p).Translate(ctx, req)
				cancel()
				if err == nil {
					t.Fatalf("call %d succeeded, want it cut", i)
				}
			}
			if got := p.calls.Load(); got != 5 {
				t.Errorf("provider calls = %d, want 5: the breaker must stay closed", got)
			}
			if h := g.Health(); h.Breaker != "closed" || h.Failures != 0 {
				t.Errorf("health = %+v, want closed with no failure counted", h)
			}
		})
	}
}

func TestTheProvidersOwnTimeoutCounts(t *testing.T) {
	g, _ := newGuard(Options{MaxAttempts: 1, BreakerFailures: 2})
	// The vendor client's own timeout: its error, with the request's
	// context still alive.
	p := &scripted{script: []error{&providers.Error{Provider: "p", Kind: providers.KindTimeout, Err: context.DeadlineExceeded}}}
	for i := 0; i < 2; i++ {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		_, _ = g.Translator(p).Translate(ctx, req)
		cancel()
	}
	if h := g.Health(); h.Breaker != "open" || h.Failures != 2 {
		t.Errorf("health = %+v, want open after 2 timeouts of the provider", h)
	}
}

// busy returns a Guard of one slot whose typical call is typical, with its
// slot held by a call until the returned function is called.
func busy(t *testing.T, opts Options, typical time.Duration) (*Guard, *scripted, func()) {
	t.Helper()
	opts.MaxConcurrency = 1
	g, _ := newGuard(opts)
	g.observe(typical)
	p := &scripted{script: []error{nil}, hold: make(chan struct{})}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = g.Translator(p).Translate(context.Background(), req)
	}()
	deadline := time.Now().Add(5 * time.Second)
	for p.inFlight.Load() < 1 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	var once sync.Once
	release := func() { once.Do(func() { close(p.hold); <-done }) }
	t.Cleanup(release)
	return g, p, release
}

func TestAFullQueueRefusesAtOnce(t *testing.T) {
	tests := []struct {
		name     string
		opts     Options
		deadline time.Duration // 0: none
		waiting  int           // calls already queued
		why      string
	}{
		{name: "the deadline cannot cover a typical call", deadline: 500 * time.Millisecond, why: "leaves no time"},
		{name: "the calls ahead would take the deadline", deadline: 90 * time.Second, waiting: 3, why: "3 calls queued ahead"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, p, _ := busy(t, tt.opts, time.Second)
			// A minute a call: the 3 calls queued ahead and this one take
			// four minutes, which 90s cannot cover.
			if tt.waiting > 0 {
				g.typical.Store(int64(time.Minute))
				g.waiting.Add(int64(tt.waiting))
				defer g.waiting.Add(-int64(tt.waiting))
			}
			ctx, cancel := context.WithTimeout(context.Background(), tt.deadline)
			defer cancel()
			_, err := g.Translator(p).Translate(ctx, req)
			if providers.KindOf(err) != providers.KindOverloaded || !strings.Contains(err.Error(), tt.why) {
				t.Fatalf("err = %v, want overloaded (%s)", err, tt.why)
			}
			// Refused before any wait: the request's deadline is intact.
			if ctx.Err() != nil {
				t.Errorf("refused only after the deadline: %v", ctx.Err())
			}
			if h := g.Health(); h.Overloaded != 1 || h.Failures != 0 || h.Breaker != "closed" {
				t.Errorf("health = %+v, want one refusal, no failure", h)
			}
		})
	}
}

func TestTheQueueWaitIsBounded(t *testing.T) {
	tests := []struct {
		name     string
		opts     Options
		deadline time.Duration // 0: none
	}{
		{name: "by queue_wait", opts: Options{QueueWait: 30 * time.Millisecond}},
		// 500ms of deadline, 200ms of typical call: 300ms of queue at most,
		// so that the call, once started, has its time.
		{name: "by the deadline less a typical call", deadline: 500 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, p, release := busy(t, tt.opts, 200*time.Millisecond)
			ctx := context.Background()
			if tt.deadline > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tt.deadline)
				defer cancel()
			}
			_, err := g.Translator(p).Translate(ctx, req)
			if providers.KindOf(err) != providers.KindOverloaded || !strings.Contains(err.Error(), "no slot came free") {
				t.Fatalf("err = %v, want overloaded after a bounded wait", err)
			}
			if ctx.Err() != nil {
				t.Errorf("waited until the deadline: %v", ctx.Err())
			}
			release()
			if got := p.count(); got != 1 {
				t.Errorf("provider calls = %d, want only the one that held the slot", got)
			}
			if h := g.Health(); h.Failures != 0 || h.Breaker != "closed" {
				t.Errorf("health = %+v, want no failure counted", h)
			}
		})
	}
}

func TestAQueuedCallStartsWhenASlotFrees(t *testing.T) {
	g, p, release := busy(t, Options{}, 10*time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := g.Translator(p).Translate(ctx, req)
		done <- err
	}()
	deadline := time.Now().Add(5 * time.Second)
	for g.waiting.Load() < 1 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	release()
	if err := <-done; err != nil {
		t.Errorf("queued call: %v, want served once the slot freed", err)
	}
}
