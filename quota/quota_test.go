package quota

import (
	"context"
	"errors"
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
	f := Fallback{Primary: failing{}, Local: NewMemory()}
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
