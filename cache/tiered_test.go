package cache

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"passerelle/internal/testenv"
)

func TestTieredStore(t *testing.T) {
	testStore(t, func(t *testing.T) Store {
		r, err := NewRedis(RedisOptions{URL: testenv.RedisURL(t)})
		if err != nil {
			t.Fatal(err)
		}
		return NewTiered(NewMemory(MemoryOptions{}), r, nil)
	})
}

func TestTieredServesFromMemoryWhileRedisIsDown(t *testing.T) {
	srv := testenv.StartRedis(t)
	r, err := NewRedis(RedisOptions{URL: srv.URL()})
	if err != nil {
		t.Fatal(err)
	}
	var farErrors int
	tiered := NewTiered(NewMemory(MemoryOptions{}), r, func(string, error) { farErrors++ })
	defer tiered.Close()
	ctx := context.Background()
	key := fmt.Sprintf("tiered-%d", time.Now().UnixNano())
	if err := tiered.Set(ctx, key, []byte("kept"), time.Minute); err != nil {
		t.Fatal(err)
	}
	srv.Stop()
	got, err := tiered.GetMany(ctx, []string{key, key + "-absent"})
	if err != nil || string(got[0]) != "kept" || got[1] != nil {
		t.Errorf("GetMany with Redis down = %q, %v; want the near entry and a miss", got, err)
	}
	if farErrors != 1 {
		t.Errorf("far errors reported = %d, want 1", farErrors)
	}
	if v, err := tiered.Get(ctx, key); err != nil || string(v) != "kept" {
		t.Errorf("Get with Redis down = %q, %v", v, err)
	}
	if _, err := tiered.Get(ctx, key+"-absent"); err == nil || errors.Is(err, ErrMiss) {
		t.Errorf("a miss with Redis down must report Redis's failure, got %v", err)
	}
	if err := tiered.Set(ctx, key+"-new", []byte("x"), time.Minute); err == nil {
		t.Errorf("Set with Redis down reported no error")
	}
	srv.Start()
	deadline := time.Now().Add(5 * time.Second)
	for tiered.Ping(ctx) != nil && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if err := tiered.Set(ctx, key+"-back", []byte("y"), time.Minute); err != nil {
		t.Errorf("after Redis came back: %v", err)
	}
}
