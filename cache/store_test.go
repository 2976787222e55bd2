package cache

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"strconv"
	"testing"
	"time"
)

// clockAdvancer is implemented by stores under test whose clock the test
// drives, so that expiry is checked without waiting.
type clockAdvancer interface {
	advance(d time.Duration)
}

// testKeys returns a key maker whose keys belong to this test alone, since
// the Redis server may be shared with other tests and other runs.
func testKeys(t *testing.T) func(name string) string {
	t.Helper()
	prefix := "passerelle-test:" + t.Name() + ":" + strconv.FormatInt(time.Now().UnixNano(), 36) + ":"
	return func(name string) string { return prefix + name }
}

// testStore checks the behaviour every Store promises. newStore returns an
// empty-enough store for one subtest and arranges for it to be closed.
func testStore(t *testing.T, newStore func(t *testing.T) Store) {
	t.Run("get of absent key is a miss", func(t *testing.T) {
		s, key := newStore(t), testKeys(t)
		got, err := s.Get(t.Context(), key("absent"))
		if !errors.Is(err, ErrMiss) {
			t.Fatalf("Get(absent) error = %v, want ErrMiss", err)
		}
		if got != nil {
			t.Errorf("Get(absent) = %q, want nil", got)
		}
	})

	t.Run("set then get", func(t *testing.T) {
		s, key := newStore(t), testKeys(t)
		want := []byte(`{"text":"Putin and Kim in Vladivostok"}`)
		mustSet(t, s, key("a"), want, time.Minute)
		if got := mustGet(t, s, key("a")); !bytes.Equal(got, want) {
			t.Errorf("Get = %q, want %q", got, want)
		}
	})

	t.Run("set replaces the value", func(t *testing.T) {
		s, key := newStore(t), testKeys(t)
		mustSet(t, s, key("a"), []byte("first"), time.Minute)
		mustSet(t, s, key("a"), []byte("second"), time.Minute)
		if got, want := mustGet(t, s, key("a")), "second"; string(got) != want {
			t.Errorf("Get = %q, want %q", got, want)
		}
	})

	t.Run("empty value is a hit", func(t *testing.T) {
		s, key := newStore(t), testKeys(t)
		mustSet(t, s, key("empty"), []byte{}, time.Minute)
		got := mustGet(t, s, key("empty"))
		if got == nil || len(got) != 0 {
			t.Errorf("Get = %#v, want a non-nil empty slice", got)
		}
		many, err := s.GetMany(t.Context(), []string{key("empty")})
		if err != nil {
			t.Fatalf("GetMany: %v", err)
		}
		if many[0] == nil {
			t.Errorf("GetMany = %#v, want a non-nil empty slice for a stored empty value", many)
		}
	})

	t.Run("stored value does not alias caller buffers", func(t *testing.T) {
		s, key := newStore(t), testKeys(t)
		buf := []byte("original")
		mustSet(t, s, key("a"), buf, time.Minute)
		copy(buf, "XXXXXXXX")
		got := mustGet(t, s, key("a"))
		if string(got) != "original" {
			t.Fatalf("Get after changing the set buffer = %q, want %q", got, "original")
		}
		copy(got, "YYYYYYYY")
		if again := mustGet(t, s, key("a")); string(again) != "original" {
			t.Errorf("Get after changing a returned slice = %q, want %q", again, "original")
		}
		many, err := s.GetMany(t.Context(), []string{key("a")})
		if err != nil {
			t.Fatalf("GetMany: %v", err)
		}
		copy(many[0], "ZZZZZZZZ")
		if again := mustGet(t, s, key("a")); string(again) != "original" {
			t.Errorf("Get after changing a GetMany slice = %q, want %q", again, "original")
		}
	})

	t.Run("get many keeps order and marks misses nil", func(t *testing.T) {
		s, key := newStore(t), testKeys(t)
		mustSet(t, s, key("one"), []byte("un"), time.Minute)
		mustSet(t, s, key("three"), []byte("trois"), time.Minute)
		keys := []string{key("one"), key("two"), key("three"), key("one"), key("four")}
		got, err := s.GetMany(t.Context(), keys)
		if err != nil {
			t.Fatalf("GetMany: %v", err)
		}
		want := [][]byte{[]byte("un"), nil, []byte("trois"), []byte("un"), nil}
		assertValues(t, got, want)
	})

	t.Run("get many of no keys", func(t *testing.T) {
		s := newStore(t)
		for _, keys := range [][]string{nil, {}} {
			got, err := s.GetMany(t.Context(), keys)
			if err != nil {
				t.Fatalf("GetMany(%#v): %v", keys, err)
			}
			if len(got) != 0 {
				t.Errorf("GetMany(%#v) = %q, want no values", keys, got)
			}
		}
	})

	t.Run("set many", func(t *testing.T) {
		s, key := newStore(t), testKeys(t)
		entries := []Entry{
			{Key: key("p1"), Value: []byte("Premier paragraphe.")},
			{Key: key("p2"), Value: []byte("Deuxième paragraphe.")},
			{Key: key("p3"), Value: []byte("Troisième paragraphe.")},
		}
		if err := s.SetMany(t.Context(), entries, time.Minute); err != nil {
			t.Fatalf("SetMany: %v", err)
		}
		keys := []string{key("p1"), key("p2"), key("missing"), key("p3")}
		got, err := s.GetMany(t.Context(), keys)
		if err != nil {
			t.Fatalf("GetMany: %v", err)
		}
		assertValues(t, got, [][]byte{entries[0].Value, entries[1].Value, nil, entries[2].Value})
		if err := s.SetMany(t.Context(), nil, time.Minute); err != nil {
			t.Errorf("SetMany(no entries) = %v, want nil", err)
		}
	})

	t.Run("entries expire after their own ttl", func(t *testing.T) {
		s, key := newStore(t), testKeys(t)
		const short = time.Second
		mustSet(t, s, key("short"), []byte("bref"), short)
		if err := s.SetMany(t.Context(), []Entry{{Key: key("short-many"), Value: []byte("bref")}}, short); err != nil {
			t.Fatalf("SetMany: %v", err)
		}
		mustSet(t, s, key("long"), []byte("durable"), time.Hour)
		if got := mustGet(t, s, key("short")); string(got) != "bref" {
			t.Fatalf("Get right after Set = %q, want %q", got, "bref")
		}
		if a, ok := s.(clockAdvancer); ok {
			a.advance(short / 2)
			if got := mustGet(t, s, key("short")); string(got) != "bref" {
				t.Fatalf("Get halfway through the ttl = %q, want %q", got, "bref")
			}
			a.advance(short)
		}
		waitForMiss(t, s, key("short"))
		waitForMiss(t, s, key("short-many"))
		if got := mustGet(t, s, key("long")); string(got) != "durable" {
			t.Errorf("Get of the long-lived entry = %q, want %q", got, "durable")
		}
	})

	t.Run("negative ttl is refused", func(t *testing.T) {
		s, key := newStore(t), testKeys(t)
		if err := s.Set(t.Context(), key("a"), []byte("x"), -time.Second); err == nil {
			t.Errorf("Set with ttl -1s = nil error, want an error")
		}
		if err := s.SetMany(t.Context(), []Entry{{Key: key("a"), Value: []byte("x")}}, -time.Second); err == nil {
			t.Errorf("SetMany with ttl -1s = nil error, want an error")
		}
		if _, err := s.Get(t.Context(), key("a")); !errors.Is(err, ErrMiss) {
			t.Errorf("Get after refused sets: error = %v, want ErrMiss", err)
		}
	})

	t.Run("large value", func(t *testing.T) {
		s, key := newStore(t), testKeys(t)
		want := make([]byte, 4<<20)
		_, _ = rand.Read(want)
		mustSet(t, s, key("big"), want, time.Minute)
		if got := mustGet(t, s, key("big")); !bytes.Equal(got, want) {
			t.Errorf("Get of a 4 MiB value returned %d bytes that differ from those set", len(got))
		}
	})

	t.Run("ping", func(t *testing.T) {
		if err := newStore(t).Ping(t.Context()); err != nil {
			t.Errorf("Ping = %v, want nil", err)
		}
	})

	t.Run("cancelled context", func(t *testing.T) {
		s, key := newStore(t), testKeys(t)
		mustSet(t, s, key("a"), []byte("x"), time.Minute)
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		_, getErr := s.Get(ctx, key("a"))
		_, getManyErr := s.GetMany(ctx, []string{key("a")})
		calls := []struct {
			name string
			err  error
		}{
			{"Get", getErr},
			{"GetMany", getManyErr},
			{"Set", s.Set(ctx, key("b"), []byte("x"), time.Minute)},
			{"SetMany", s.SetMany(ctx, []Entry{{Key: key("b"), Value: []byte("x")}}, time.Minute)},
			{"Ping", s.Ping(ctx)},
		}
		for _, c := range calls {
			if !errors.Is(c.err, context.Canceled) {
				t.Errorf("%s with a cancelled context: error = %v, want context.Canceled", c.name, c.err)
			}
		}
		if _, err := s.Get(t.Context(), key("b")); !errors.Is(err, ErrMiss) {
			t.Errorf("Get of a key set with a cancelled context: error = %v, want ErrMiss", err)
		}
	})
}

func mustSet(t *testing.T, s Store, key string, value []byte, ttl time.Duration) {
	t.Helper()
	if err := s.Set(t.Context(), key, value, ttl); err != nil {
		t.Fatalf("Set(%q): %v", key, err)
	}
}

func mustGet(t *testing.T, s Store, key string) []byte {
	t.Helper()
	v, err := s.Get(t.Context(), key)
	if err != nil {
		t.Fatalf("Get(%q): %v", key, err)
	}
	return v
}

// waitForMiss polls until key is gone. A store may remove an expired entry a
// little after its deadline, so the test waits for it rather than sleeping
// for a guessed time, and gives up after a bound far above any sane delay.
func waitForMiss(t *testing.T, s Store, key string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := s.Get(t.Context(), key)
		if errors.Is(err, ErrMiss) {
			return
		}
		if err != nil {
			t.Fatalf("Get(%q) while waiting for expiry: %v", key, err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("Get(%q) still hits 10s after its ttl should have ended", key)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func assertValues(t *testing.T, got, want [][]byte) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d values, want %d", len(got), len(want))
	}
	for i := range want {
		if (got[i] == nil) != (want[i] == nil) || !bytes.Equal(got[i], want[i]) {
			t.Errorf("value %d = %s, want %s", i, show(got[i]), show(want[i]))
		}
	}
}

func show(b []byte) string {
	if b == nil {
		return "nil (miss)"
	}
	return strconv.Quote(string(b))
}
