package cache_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"passerelle/cache"
)

// A key names the kind of value and hashes everything that changes it, in a
// fixed order. Moving a character from one field to the next gives another key.
func ExampleKey() {
	key := cache.Key(cache.KindSegment, "Bonjour le monde.", "fr", "en", "apertium")
	fmt.Println(key)

	fmt.Println(cache.Key(cache.KindSegment, "ab", "c") == cache.Key(cache.KindSegment, "a", "bc"))
	// Output:
	// passerelle:v3:seg:8a3f4e339a5a5d49f02cbe42f77371a448f376cff7e6247a654c85aa4dc7c22d
	// false
}

func ExampleMemory() {
	ctx := context.Background()
	store := cache.NewMemory(cache.MemoryOptions{MaxBytes: 64 << 20, DefaultTTL: 24 * time.Hour})
	defer store.Close()

	key := cache.Key(cache.KindSegment, "Bonjour le monde.", "fr", "en", "apertium")
	if err := store.Set(ctx, key, []byte("Hello world."), 0); err != nil {
		fmt.Println("set:", err)
		return
	}
	value, err := store.Get(ctx, key)
	fmt.Printf("%s %v\n", value, err)

	// A miss is ErrMiss, which callers branch on; any other error means the
	// store could not answer and the caller should carry on without it.
	_, err = store.Get(ctx, cache.Key(cache.KindSegment, "Au revoir.", "fr", "en", "apertium"))
	fmt.Println(errors.Is(err, cache.ErrMiss))

	values, _ := store.GetMany(ctx, []string{key, "passerelle:v3:seg:absent"})
	fmt.Printf("%q %v\n", values[0], values[1] == nil)
	// Output:
	// Hello world. <nil>
	// true
	// "Hello world." true
}

// NewRedis takes one URL for a single server, or a list of addresses for a
// Cluster, or Sentinel addresses with the master's name. It does not connect:
// Ping does, so a service can start while Redis is still down.
func ExampleNewRedis() {
	single, err := cache.NewRedis(cache.RedisOptions{URL: "rediss://user:secret@cache.example.com:6380/0"})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer single.Close()

	sentinel, err := cache.NewRedis(cache.RedisOptions{
		Addrs:      []string{"10.0.0.1:26379", "10.0.0.2:26379", "10.0.0.3:26379"},
		MasterName: "passerelle",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer sentinel.Close()

	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := single.Ping(ctx); err != nil {
		fmt.Println("redis unreachable, serving without cache:", err)
	}
}
