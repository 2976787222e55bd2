package cache

import (
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// testClock is an otter.Clock that moves only when the test says so.
type testClock struct{ now atomic.Int64 }

func (c *testClock) NowNano() int64 { return c.now.Load() }

// Tick returns no ticks: expired entries are then dropped on access and on
// writes, never by the background clean-up, which would race with the test.
func (c *testClock) Tick(time.Duration) <-chan time.Time { return nil }

func (c *testClock) advance(d time.Duration) { c.now.Add(int64(d)) }

// clockedMemory is a Memory whose expiry the suite can drive.
type clockedMemory struct {
	*Memory
	clock *testClock
}

func (m clockedMemory) advance(d time.Duration) { m.clock.advance(d) }

func newTestMemory(t *testing.T, opts MemoryOptions) clockedMemory {
	t.Helper()
	clock := &testClock{}
	clock.now.Store(time.Date(2024, 9, 13, 10, 0, 0, 0, time.UTC).UnixNano())
	m := clockedMemory{Memory: newMemory(opts, clock), clock: clock}
	t.Cleanup(func() { _ = m.Close() })
	return m
}

func TestMemory(t *testing.T) {
	testStore(t, func(t *testing.T) Store { return newTestMemory(t, MemoryOptions{}) })
}

// TestMemoryRealClock runs the suite once with the real clock, so that a
// broken link between otter's clock and expiry cannot hide behind the test one.
func TestMemoryRealClock(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for a real one-second expiry")
	}
	testStore(t, func(t *testing.T) Store {
		m := NewMemory(MemoryOptions{})
		t.Cleanup(func() { _ = m.Close() })
		return m
	})
}

func TestMemoryDefaults(t *testing.T) {
	m := NewMemory(MemoryOptions{})
	defer m.Close()
	if got, want := m.cache.GetMaximum(), uint64(256<<20); got != want {
		t.Errorf("MaxBytes by default = %d, want %d", got, want)
	}
	if got, want := m.defaultTTL, 720*time.Hour; got != want {
		t.Errorf("DefaultTTL by default = %v, want %v", got, want)
	}
}

func TestMemoryDefaultTTL(t *testing.T) {
	m := newTestMemory(t, MemoryOptions{DefaultTTL: time.Hour})
	key := testKeys(t)
	mustSet(t, m, key("a"), []byte("x"), 0)
	if err := m.SetMany(t.Context(), []Entry{{Key: key("b"), Value: []byte("y")}}, 0); err != nil {
		t.Fatalf("SetMany: %v", err)
	}
	m.advance(time.Hour - time.Second)
	for _, k := range []string{key("a"), key("b")} {
		if _, err := m.Get(t.Context(), k); err != nil {
			t.Errorf("Get(%q) one second before the default ttl ends: %v, want a hit", k, err)
		}
	}
	m.advance(2 * time.Second)
	for _, k := range []string{key("a"), key("b")} {
		if _, err := m.Get(t.Context(), k); !errors.Is(err, ErrMiss) {
			t.Errorf("Get(%q) after the default ttl: error = %v, want ErrMiss", k, err)
		}
	}
}

func TestMemoryStaysWithinMaxBytes(t *testing.T) {
	const maxBytes = 64 << 10
	m := newTestMemory(t, MemoryOptions{MaxBytes: maxBytes})
	value := []byte(strings.Repeat("v", 1000))
	written := 0
	for i := range 1000 { // about 1 MB: 16 times the bound
		k := fmt.Sprintf("passerelle:v3:seg:%064d", i)
		mustSet(t, m, k, value, time.Hour)
		written += len(k) + len(value)
	}
	// Otter evicts in its maintenance pass, which may lag the writes; the
	// bound is a promise about the state once that pass has run.
	m.cache.CleanUp()

	held, entries := 0, 0
	for k, item := range m.cache.All() {
		held += len(k) + len(item.value)
		entries++
	}
	if held > maxBytes {
		t.Errorf("after writing %d bytes the cache holds %d bytes in %d entries, want at most %d", written, held, entries, maxBytes)
	}
	if entries == 0 {
		t.Errorf("the cache holds no entry after writing %d bytes, want it to keep what fits in %d", written, maxBytes)
	}
	if got := m.cache.WeightedSize(); got > maxBytes {
		t.Errorf("otter's weighted size = %d, want at most %d", got, maxBytes)
	}
}

func TestMemoryDoesNotKeepValueLargerThanBound(t *testing.T) {
	const maxBytes = 64 << 10
	m := newTestMemory(t, MemoryOptions{MaxBytes: maxBytes})
	key := testKeys(t)
	mustSet(t, m, key("huge"), make([]byte, 2*maxBytes), time.Hour)
	m.cache.CleanUp()
	if _, err := m.Get(t.Context(), key("huge")); !errors.Is(err, ErrMiss) {
		t.Errorf("Get of a value twice the bound: error = %v, want ErrMiss", err)
	}
}

func TestMemoryCloseDropsEntries(t *testing.T) {
	m := NewMemory(MemoryOptions{})
	key := testKeys(t)
	mustSet(t, m, key("a"), []byte("x"), time.Hour)
	if err := m.Close(); err != nil {
		t.Fatalf("Close = %v, want nil", err)
	}
	if _, err := m.Get(t.Context(), key("a")); !errors.Is(err, ErrMiss) {
		t.Errorf("Get after Close: error = %v, want ErrMiss", err)
	}
}

func BenchmarkMemoryGet(b *testing.B) {
	m := NewMemory(MemoryOptions{})
	defer m.Close()
	ctx := b.Context()
	value := []byte(strings.Repeat("Putin and Kim met in Vladivostok. ", 30))
	keys := make([]string, 1024)
	for i := range keys {
		keys[i] = Key(KindSegment, fmt.Sprint(i))
		if err := m.Set(ctx, keys[i], value, 0); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(value)))
	i := 0
	for b.Loop() {
		if _, err := m.Get(ctx, keys[i%len(keys)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

func BenchmarkMemorySet(b *testing.B) {
	m := NewMemory(MemoryOptions{MaxBytes: 16 << 20})
	defer m.Close()
	ctx := b.Context()
	value := []byte(strings.Repeat("Putin and Kim met in Vladivostok. ", 30))
	keys := make([]string, 1<<16)
	for i := range keys {
		keys[i] = Key(KindSegment, fmt.Sprint(i))
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(value)))
	i := 0
	for b.Loop() {
		if err := m.Set(ctx, keys[i%len(keys)], value, 0); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
