package quota

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"
)

func TestMemoryBucket(t *testing.T) {
	m := NewMemory()
	now := time.Unix(1_700_000_000, 0)
	m.now = func() time.Time { return now }
	ctx := context.Background()
	limit := PerMinute(6) // one every 10s, 6 at once

	for i := 0; i < 6; i++ {
		d, _ := m.AllowN(ctx, "k", limit, 1)
		if !d.Allowed || d.Remaining != 5-i {
			t.Fatalf("call %d: %+v, want allowed with %d remaining", i, d, 5-i)
		}
	}
	d, _ := m.AllowN(ctx, "k", limit, 1)
	if d.Allowed || d.RetryAfter != 10*time.Second {
		t.Errorf("7th: %+v, want refused, retry after 10s", d)
	}
	if d, _ := m.AllowN(ctx, "other", limit, 1); !d.Allowed {
		t.Errorf("another key was refused: %+v", d)
	}
	now = now.Add(10 * time.Second)
	if d, _ := m.AllowN(ctx, "k", limit, 1); !d.Allowed {
		t.Errorf("after 10s: %+v, want allowed", d)
	}
	if d, _ := m.AllowN(ctx, "big", limit, 7); d.Allowed {
		t.Errorf("7 events of a 6-event limit were allowed: %+v", d)
	}
}

type failing struct{}

func (failing) AllowN(context.Context, string, Limit, int) (Decision, error) {
	return Decision{}, errors.New("redis down")
}

func TestFallbackLimitsLocallyWhenThePrimaryFails(t *testing.T) {
	f := &Fallback{Primary: failing{}, Local: NewMemory()}
	ctx := context.Background()
	for i := 0; i < 2; i++ {
		if d, err := f.AllowN(ctx, "k", PerMinute(2), 1); err != nil || !d.Allowed {
			t.Fatalf("call %d: %+v %v", i, d, err)
		}
	}
	if d, _ := f.AllowN(ctx, "k", PerMinute(2), 1); d.Allowed {
		t.Errorf("the local limit did not hold: %+v", d)
	}
}

// switchable is a primary that answers from its own Memory until it is
// turned off.
type switchable struct {
	m    *Memory
	down bool
}

func (s *switchable) AllowN(ctx context.Context, key string, limit Limit, n int) (Decision, error) {
	if s.down {
		return Decision{}, errors.New("redis down")
	}
	return s.m.AllowN(ctx, key, limit, n)
}

// TestFallbackGoesOnFromTheSharedState: during an outage, the local bucket
// holds what the shared one said was left, not a fresh allowance.
func TestFallbackGoesOnFromTheSharedState(t *testing.T) {
	primary := &switchable{m: NewMemory()}
	f := &Fallback{Primary: primary, Local: NewMemory()}
	ctx := context.Background()
	limit := PerDay(5)
	for i := 0; i < 3; i++ {
		if d, err := f.AllowN(ctx, "k", limit, 1); err != nil || !d.Allowed {
			t.Fatalf("call %d: %+v %v", i, d, err)
		}
	}
	primary.down = true
	allowed := 0
	for i := 0; i < 5; i++ {
		if d, _ := f.AllowN(ctx, "k", limit, 1); d.Allowed {
			allowed++
		}
	}
	if allowed != 2 {
		t.Errorf("during the outage %d of 5 requests passed; want the 2 the shared limit had left", allowed)
	}
}

func TestFallbackRefusesWhenAskedTo(t *testing.T) {
	primary := &switchable{m: NewMemory()}
	f := &Fallback{Primary: primary, Local: NewMemory(), Refuse: true}
	ctx := context.Background()
	if d, err := f.AllowN(ctx, "k", PerMinute(5), 1); err != nil || !d.Allowed {
		t.Fatalf("with the primary up: %+v %v", d, err)
	}
	primary.down = true
	if _, err := f.AllowN(ctx, "k", PerMinute(5), 1); !errors.Is(err, ErrUnavailable) {
		t.Errorf("with the primary down: err = %v, want ErrUnavailable", err)
	}
	primary.down = false
	if d, err := f.AllowN(ctx, "k", PerMinute(5), 1); err != nil || !d.Allowed {
		t.Errorf("with the primary back: %+v %v", d, err)
	}
}

// TestMemoryLimitChangeKeepsWhatWasSpent: a reload that lowers a limit does
// not hand out a fresh allowance; one that raises it adds the difference.
func TestMemoryLimitChangeKeepsWhatWasSpent(t *testing.T) {
	m := NewMemory()
	now := time.Unix(1_700_000_000, 0)
	m.now = func() time.Time { return now }
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		m.AllowN(ctx, "k", PerDay(10), 1)
	}
	if d, _ := m.AllowN(ctx, "k", PerDay(4), 1); !d.Allowed || d.Remaining != 0 {
		t.Errorf("lowered to 4 after 3 spent: %+v, want the 4th allowed and none left", d)
	}
	if d, _ := m.AllowN(ctx, "k", PerDay(4), 1); d.Allowed {
		t.Errorf("lowered to 4: a 5th was allowed: %+v", d)
	}
	if d, _ := m.AllowN(ctx, "k", PerDay(10), 1); !d.Allowed || d.Remaining != 5 {
		t.Errorf("raised to 10 after 4 spent: %+v, want allowed with 5 left", d)
	}
}

// TestMemoryForgetsFullBuckets: clients not seen for a period cost no
// memory, however many addresses have called.
func TestMemoryForgetsFullBuckets(t *testing.T) {
	m := NewMemory()
	now := time.Unix(1_700_000_000, 0)
	m.now = func() time.Time { return now }
	ctx := context.Background()
	for i := 0; i < 10*minSweep; i++ {
		m.AllowN(ctx, "ip:"+strconv.Itoa(i), PerMinute(60), 1)
		now = now.Add(10 * time.Millisecond)
	}
	// Each bucket is full again a second after its request: at most the
	// last hundred or so, and what accumulated since the last sweep, remain.
	if n := len(m.buckets); n > 2*minSweep {
		t.Errorf("%d buckets kept for %d clients, most of them idle; want at most %d", n, 10*minSweep, 2*minSweep)
	}
}

// Peek reads what is left, as often as asked, without spending any of it,
// in the process and through a Fallback.
func TestPeekSpendsNothing(t *testing.T) {
	m := NewMemory()
	now := time.Unix(1_700_000_000, 0)
	m.now = func() time.Time { return now }
	ctx := context.Background()
	limit := PerDay(1000)
	for _, l := range []Limiter{m, &Fallback{Primary: NewMemory(), Local: NewMemory()}} {
		if d, err := Peek(ctx, l, "k", limit); err != nil || d.Remaining != 1000 {
			t.Fatalf("%T: fresh key: %+v, %v; want 1000 left", l, d, err)
		}
		if d, _ := l.AllowN(ctx, "k", limit, 300); !d.Allowed {
			t.Fatalf("%T: 300 of 1000 refused", l)
		}
		for i := 0; i < 3; i++ {
			if d, err := Peek(ctx, l, "k", limit); err != nil || d.Remaining != 700 {
				t.Fatalf("%T: peek %d: %+v, %v; want 700 left", l, i, d, err)
			}
		}
		if d, _ := l.AllowN(ctx, "k", limit, 700); !d.Allowed {
			t.Errorf("%T: the 700 left were refused after peeking", l)
		}
	}
}
