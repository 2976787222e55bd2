package cache

import (
	"context"
	"fmt"
	"testing"
	"time"

	"passerelle/internal/testenv"
)

func TestLeaseIsExclusiveAndReleasedOnlyByItsOwner(t *testing.T) {
	url := testenv.RedisURL(t)
	a, _ := NewRedis(RedisOptions{URL: url})
	b, _ := NewRedis(RedisOptions{URL: url})
	defer a.Close()
	defer b.Close()
	ctx := context.Background()
	name := fmt.Sprintf("test-%d", time.Now().UnixNano())

	releaseA, ok, err := a.Acquire(ctx, name, 300*time.Millisecond)
	if err != nil || !ok {
		t.Fatalf("first acquire: %v %v", ok, err)
	}
	if _, ok, _ := b.Acquire(ctx, name, time.Second); ok {
		t.Fatalf("a second holder got the lease")
	}
	if held, _ := b.Held(ctx, name); !held {
		t.Errorf("Held = false while held")
	}
	// The lease expires; b takes it; a's late release must not free b's.
	deadline := time.Now().Add(5 * time.Second)
	var releaseB func()
	for time.Now().Before(deadline) {
		if releaseB, ok, _ = b.Acquire(ctx, name, 5*time.Second); ok {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !ok {
		t.Fatal("the expired lease was never free again")
	}
	releaseA()
	if held, _ := a.Held(ctx, name); !held {
		t.Errorf("the first owner released the second's lease")
	}
	releaseB()
	if held, _ := a.Held(ctx, name); held {
		t.Errorf("the owner's release did not free the lease")
	}
}
