package cache

import (
	"context"
	"fmt"
	"testing"
	"time"

	"passerelle/internal/testenv"
)

func TestRedisRateLimitIsShared(t *testing.T) {
	url := testenv.RedisURL(t)
	a, err := NewRedis(RedisOptions{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := NewRedis(RedisOptions{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ctx := context.Background()
	key := fmt.Sprintf("test:rate:%d", time.Now().UnixNano())
	// Two clients (two replicas) share one bucket of 4 a minute.
	for i, r := range []*Redis{a, b, a, b} {
		d, err := r.AllowN(ctx, key, 4, time.Minute, 1)
		if err != nil || !d.Allowed {
			t.Fatalf("call %d: %+v %v", i, d, err)
		}
	}
	d, err := a.AllowN(ctx, key, 4, time.Minute, 1)
	if err != nil || d.Allowed || d.RetryAfter <= 0 || d.RetryAfter > 15*time.Second {
		t.Errorf("5th: %+v %v, want refused with a retry within 15s", d, err)
	}
	d, err = b.AllowN(ctx, key+":big", 4, time.Minute, 3)
	if err != nil || !d.Allowed || d.Remaining != 1 {
		t.Errorf("3 of 4 at once: %+v %v, want allowed with 1 remaining", d, err)
	}
}
