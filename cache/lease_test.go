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

func TestAcquireGetManyReadsInTheSameRoundTrip(t *testing.T) {
	url := testenv.RedisURL(t)
	r, _ := NewRedis(RedisOptions{URL: url})
	defer r.Close()
	ctx := context.Background()
	name := fmt.Sprintf("test-%d", time.Now().UnixNano())
	if err := r.Set(ctx, name+":a", []byte("A"), time.Minute); err != nil {
		t.Fatal(err)
	}
	keys := []string{name + ":a", name + ":missing"}
	release, ok, values, readErr, err := r.AcquireGetMany(ctx, name, time.Second, keys)
	if err != nil || readErr != nil || !ok {
		t.Fatalf("first: acquired %v, read error %v, error %v", ok, readErr, err)
	}
	if len(values) != 2 || string(values[0]) != "A" || values[1] != nil {
		t.Errorf("values = %q, want [A nil]", values)
	}
	// Another holder is refused the lease, but reads all the same.
	if _, ok, values, _, err := r.AcquireGetMany(ctx, name, time.Second, keys); err != nil || ok || string(values[0]) != "A" {
		t.Errorf("second: acquired %v, values %q, error %v; want refused with the values", ok, values, err)
	}
	release()
	if held, _ := r.Held(ctx, name); held {
		t.Errorf("released lease still held")
	}
}
