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
	// The holder renews its lease: it outlives its ttl while held.
	time.Sleep(700 * time.Millisecond)
	if held, _ := b.Held(ctx, name); !held {
		t.Fatalf("a held lease expired: it must be renewed")
	}
	// A holder that dies stops renewing; the lease then expires. Simulate
	// the death by stopping the renewal without releasing: close a's client.
	a.Close()
	a, _ = NewRedis(RedisOptions{URL: url})
	t.Cleanup(func() { a.Close() })
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
