package cache

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"passerelle/internal/testenv"
)

// A Redis that hangs costs a few commands their timeouts, then none: the
// breaker answers at once until, after its pause, one command finds Redis
// answering again.
func TestAHangingRedisIsNotAskedUntilItAnswers(t *testing.T) {
	srv := testenv.StartRedis(t)
	const timeout = 60 * time.Millisecond
	const cooldown = 400 * time.Millisecond
	r, err := NewRedis(RedisOptions{URL: srv.URL(), ReadTimeout: timeout, WriteTimeout: timeout, BreakerCooldown: cooldown})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	ctx := context.Background()
	if err := r.Set(ctx, "k", []byte("v"), time.Minute); err != nil {
		t.Fatal(err)
	}

	srv.Pause()
	defer srv.Resume()
	// Each command that times out counts, the commands that set up a new
	// connection too: the breaker opens within breakerFailures Gets.
	timedOut := 0
	for i := 0; i < breakerFailures; i++ {
		began := time.Now()
		_, err := r.Get(ctx, "k")
		if errors.Is(err, ErrUnavailable) {
			break
		}
		if err == nil {
			t.Fatalf("Get %d on a hung Redis succeeded", i)
		}
		if d := time.Since(began); d < timeout/2 {
			t.Errorf("Get %d failed in %v, before its timeout: %v", i, d, err)
		}
		timedOut++
	}
	if timedOut == 0 {
		t.Fatal("the breaker was open before any command failed")
	}
	for i := range 5 {
		began := time.Now()
		_, err := r.Get(ctx, "k")
		if !errors.Is(err, ErrUnavailable) {
			t.Fatalf("Get %d after %d failures: err %v, want ErrUnavailable", i, breakerFailures, err)
		}
		if d := time.Since(began); d > timeout/2 {
			t.Errorf("Get %d took %v with the breaker open", i, d)
		}
	}
	if _, _, err := r.Acquire(ctx, "lease", time.Second); !errors.Is(err, ErrUnavailable) {
		t.Errorf("Acquire with the breaker open: %v, want ErrUnavailable (leases go through the same client)", err)
	}
	if err := r.SetMany(ctx, []Entry{{Key: "k2", Value: []byte("v")}}, time.Minute); !errors.Is(err, ErrUnavailable) {
		t.Errorf("SetMany (a pipeline or MSET) with the breaker open: %v, want ErrUnavailable", err)
	}

	srv.Resume()
	time.Sleep(cooldown + 100*time.Millisecond)
	got, err := r.Get(ctx, "k")
	if err != nil || string(got) != "v" {
		t.Fatalf("after Redis came back: %q, %v", got, err)
	}
	if _, err := r.Get(ctx, "absent"); !errors.Is(err, ErrMiss) {
		t.Errorf("a miss after recovery: %v, want ErrMiss", err)
	}
}

// Misses and error replies are answers from a working server; only failures
// to reach it count against it.
func TestRedisAnswered(t *testing.T) {
	r, err := NewRedis(RedisOptions{URL: testenv.RedisURL(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	replyErr := r.client.Do(context.Background(), "NO-SUCH-COMMAND").Err()
	var reply redis.Error
	if !errors.As(replyErr, &reply) {
		t.Fatalf("an unknown command gave %v, want an error reply", replyErr)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Nanosecond)
	defer cancel()
	<-ctx.Done()
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{nil, true}, {redis.Nil, true}, {replyErr, true},
		{ctx.Err(), false}, {errors.New("dial tcp 127.0.0.1:1: connect: connection refused"), false},
	} {
		if got := redisAnswered(tc.err); got != tc.want {
			t.Errorf("redisAnswered(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}
