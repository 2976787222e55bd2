package cache

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"passerelle/internal/testenv"
)

func newTestRedis(t testing.TB, opts RedisOptions) *Redis {
	t.Helper()
	r, err := NewRedis(opts)
	if err != nil {
		t.Fatalf("NewRedis: %v", err)
	}
	t.Cleanup(func() { _ = r.Close() })
	return r
}

// waitFor polls check until it returns nil, and fails the test with check's
// last error once ctx ends.
func waitFor(ctx context.Context, t *testing.T, what string, check func() error) {
	t.Helper()
	for {
		err := check()
		if err == nil {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("waiting for %s: %v", what, err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func TestRedis(t *testing.T) {
	url := testenv.RedisURL(t)
	testStore(t, func(t *testing.T) Store {
		// A short default ttl so that nothing this test writes outlives it
		// for long on a shared server. The timeouts are the store's
		// contract's to test, not its defaults': a 4 MiB value must not
		// miss 250ms on a loaded machine.
		return newTestRedis(t, RedisOptions{URL: url, DefaultTTL: time.Minute, ReadTimeout: 5 * time.Second, WriteTimeout: 5 * time.Second})
	})
}

func TestRedisDefaultTTL(t *testing.T) {
	r := newTestRedis(t, RedisOptions{URL: testenv.RedisURL(t), DefaultTTL: time.Minute})
	key := testKeys(t)
	mustSet(t, r, key("a"), []byte("x"), 0)
	if err := r.SetMany(t.Context(), []Entry{{Key: key("b"), Value: []byte("y")}}, 0); err != nil {
		t.Fatalf("SetMany: %v", err)
	}
	for _, k := range []string{key("a"), key("b")} {
		got, err := r.client.PTTL(t.Context(), k).Result()
		if err != nil {
			t.Fatalf("PTTL(%q): %v", k, err)
		}
		// PTTL is -1 for a key without expiry and only counts down from the default.
		if got <= 0 || got > time.Minute {
			t.Errorf("PTTL(%q) = %v, want within (0, 1m]", k, got)
		}
	}
}

// TestRedisSurvivesOutage stops the server under a live client: every call
// must fail with an error that is not a miss, without hanging (the calls
// carry no deadline of their own, so only the client's timeouts end them),
// and the same client must work again once the server is back.
func TestRedisSurvivesOutage(t *testing.T) {
	srv := testenv.StartRedis(t)
	r := newTestRedis(t, RedisOptions{URL: srv.URL()})
	key := testKeys(t)
	ctx := context.Background()
	mustSet(t, r, key("a"), []byte("x"), time.Minute)

	srv.Stop()
	_, getErr := r.Get(ctx, key("a"))
	_, getManyErr := r.GetMany(ctx, []string{key("a"), key("b")})
	calls := []struct {
		name string
		err  error
	}{
		{"Get", getErr},
		{"GetMany", getManyErr},
		{"Set", r.Set(ctx, key("a"), []byte("y"), time.Minute)},
		{"SetMany", r.SetMany(ctx, []Entry{{Key: key("a"), Value: []byte("y")}}, time.Minute)},
		{"Ping", r.Ping(ctx)},
	}
	for _, c := range calls {
		if c.err == nil || errors.Is(c.err, ErrMiss) {
			t.Errorf("%s with Redis stopped: error = %v, want a failure other than ErrMiss", c.name, c.err)
		}
		if c.err != nil && !strings.HasPrefix(c.err.Error(), "cache: redis ") {
			t.Errorf("%s error = %q, want it to start with %q", c.name, c.err, "cache: redis ")
		}
	}

	srv.Start()
	// The pool redials on demand, and after repeated dial failures probes
	// once a second; poll until it is back rather than guess a delay.
	deadline := time.Now().Add(15 * time.Second)
	for {
		err := r.Set(ctx, key("c"), []byte("z"), time.Minute)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Set still fails 15s after Redis came back: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if got := mustGet(t, r, key("c")); string(got) != "z" {
		t.Errorf("Get after the restart = %q, want %q", got, "z")
	}
	// The restarted server is empty: what was stored before is a miss now.
	if _, err := r.Get(ctx, key("a")); !errors.Is(err, ErrMiss) {
		t.Errorf("Get of a key from before the restart: error = %v, want ErrMiss", err)
	}
	if got, err := r.GetMany(ctx, []string{key("c"), key("a")}); err != nil {
		t.Errorf("GetMany after the restart: %v", err)
	} else {
		assertValues(t, got, [][]byte{[]byte("z"), nil})
	}
}

func TestNewRedisRejectsBadOptions(t *testing.T) {
	tests := []struct {
		name    string
		opts    RedisOptions
		wantMsg string
	}{
		{"nothing set", RedisOptions{}, "set URL"},
		{"both URL and Addrs", RedisOptions{URL: "redis://127.0.0.1:6379/0", Addrs: []string{"127.0.0.1:6379"}}, "not both"},
		{"MasterName with URL", RedisOptions{URL: "redis://127.0.0.1:6379/0", MasterName: "mymaster"}, "Sentinel"},
		{"DB with Cluster", RedisOptions{Addrs: []string{"10.0.0.1:6379", "10.0.0.2:6379"}, DB: 2}, "only DB 0"},
		{"empty address", RedisOptions{Addrs: []string{"10.0.0.1:6379", " "}}, "Addrs[1] is empty"},
		{"negative DB", RedisOptions{URL: "redis://127.0.0.1:6379", DB: -1}, "negative"},
		{"negative pool", RedisOptions{URL: "redis://127.0.0.1:6379", PoolSize: -1}, "negative"},
		{"negative ttl", RedisOptions{URL: "redis://127.0.0.1:6379", DefaultTTL: -time.Second}, "negative"},
		{"negative timeout", RedisOptions{URL: "redis://127.0.0.1:6379", ReadTimeout: -1}, "timeouts"},
		{"wrong scheme", RedisOptions{URL: "http://127.0.0.1:6379"}, "scheme"},
		{"bad database in URL", RedisOptions{URL: "redis://127.0.0.1:6379/zero"}, "database"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := NewRedis(tt.opts)
			if err == nil {
				r.Close()
				t.Fatalf("NewRedis(%+v) = nil error, want one mentioning %q", tt.opts, tt.wantMsg)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("NewRedis error = %q, want it to mention %q", err, tt.wantMsg)
			}
		})
	}
}

func TestNewRedisChoosesTopology(t *testing.T) {
	tests := []struct {
		name string
		opts RedisOptions
		want string
	}{
		{"URL", RedisOptions{URL: "redis://127.0.0.1:6379/0"}, "single"},
		{"one address", RedisOptions{Addrs: []string{"127.0.0.1:6379"}}, "single"},
		{"several addresses", RedisOptions{Addrs: []string{"10.0.0.1:6379", "10.0.0.2:6379"}}, "cluster"},
		{"sentinel", RedisOptions{Addrs: []string{"10.0.0.1:26379", "10.0.0.2:26379"}, MasterName: "mymaster"}, "single"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newTestRedis(t, tt.opts)
			var got string
			switch r.client.(type) {
			case *redis.ClusterClient:
				got = "cluster"
			case *redis.Client:
				got = "single"
			default:
				got = fmt.Sprintf("%T", r.client)
			}
			if got != tt.want {
				t.Errorf("client for %+v is %s, want %s", tt.opts, got, tt.want)
			}
			if r.cluster != (tt.want == "cluster") {
				t.Errorf("cluster = %v for a %s client", r.cluster, got)
			}
		})
	}
}

func TestNewRedisURLOptions(t *testing.T) {
	tests := []struct {
		name string
		opts RedisOptions
		want redis.Options
	}{
		{
			name: "defaults",
			opts: RedisOptions{URL: "redis://127.0.0.1:6379"},
			want: redis.Options{Addr: "127.0.0.1:6379", DialTimeout: 500 * time.Millisecond, ReadTimeout: 250 * time.Millisecond, WriteTimeout: 250 * time.Millisecond},
		},
		{
			name: "URL credentials, database and parameters",
			opts: RedisOptions{URL: "redis://app:secret@cache.internal:6380/3?read_timeout=1s"},
			want: redis.Options{Addr: "cache.internal:6380", Username: "app", Password: "secret", DB: 3,
				DialTimeout: 500 * time.Millisecond, ReadTimeout: time.Second, WriteTimeout: 250 * time.Millisecond},
		},
		{
			name: "fields override the URL",
			opts: RedisOptions{URL: "redis://app:secret@cache.internal:6380/3?read_timeout=1s",
				Username: "other", Password: "p2", DB: 5, ReadTimeout: 100 * time.Millisecond, DialTimeout: time.Second, WriteTimeout: 50 * time.Millisecond},
			want: redis.Options{Addr: "cache.internal:6380", Username: "other", Password: "p2", DB: 5,
				DialTimeout: time.Second, ReadTimeout: 100 * time.Millisecond, WriteTimeout: 50 * time.Millisecond},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newTestRedis(t, tt.opts)
			got := r.client.(*redis.Client).Options()
			if got.Addr != tt.want.Addr || got.Username != tt.want.Username || got.Password != tt.want.Password || got.DB != tt.want.DB {
				t.Errorf("addr, user, password, db = %q %q %q %d, want %q %q %q %d",
					got.Addr, got.Username, got.Password, got.DB, tt.want.Addr, tt.want.Username, tt.want.Password, tt.want.DB)
			}
			if got.DialTimeout != tt.want.DialTimeout || got.ReadTimeout != tt.want.ReadTimeout || got.WriteTimeout != tt.want.WriteTimeout {
				t.Errorf("dial, read, write timeouts = %v %v %v, want %v %v %v",
					got.DialTimeout, got.ReadTimeout, got.WriteTimeout, tt.want.DialTimeout, tt.want.ReadTimeout, tt.want.WriteTimeout)
			}
			if !got.ContextTimeoutEnabled {
				t.Errorf("ContextTimeoutEnabled = false, want true so that ctx deadlines bound each call")
			}
		})
	}
}

func TestNewRedisTLSFromURL(t *testing.T) {
	r := newTestRedis(t, RedisOptions{URL: "rediss://cache.example.com:6380/0"})
	tls := r.client.(*redis.Client).Options().TLSConfig
	if tls == nil {
		t.Fatalf("TLSConfig = nil for a rediss:// URL, want TLS")
	}
	if tls.ServerName != "cache.example.com" {
		t.Errorf("TLS ServerName = %q, want %q", tls.ServerName, "cache.example.com")
	}
}

func BenchmarkRedisGetMany(b *testing.B) {
	r := newTestRedis(b, RedisOptions{URL: testenv.RedisURL(b), DefaultTTL: time.Minute})
	ctx := b.Context()
	value := []byte(strings.Repeat("Putin and Kim met in Vladivostok. ", 30))
	keys := make([]string, 8)
	entries := make([]Entry, len(keys))
	for i := range keys {
		keys[i] = Key(KindSegment, "bench", b.Name(), fmt.Sprint(i))
		entries[i] = Entry{Key: keys[i], Value: value}
	}
	if err := r.SetMany(ctx, entries, time.Minute); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.GetMany(ctx, keys); err != nil {
			b.Fatal(err)
		}
	}
}

// TestRedisURLErrorsHideThePassword: a URL that does not parse is refused
// with the reason, never with its password, wherever the parser stumbled.
func TestRedisURLErrorsHideThePassword(t *testing.T) {
	for _, raw := range []string{
		"redis://admin:s3cret-pass-one@127.0.0.1:port/0",  // the port does not parse
		"redis://admin:s3cret-pass-two@127.0.0.1:6379/db", // nor the database
		"redis://:s3cret-pass-three%zz@127.0.0.1:6379/0",  // a bad escape in the password
		"redis://admin:s3cret/pass-four@127.0.0.1:6379/0", // an unescaped "/" ends the host early
		"http://admin:s3cret-pass-five@127.0.0.1:6379/0",  // not redis://
		"redis://admin:s3cret-pass-six@127.0.0.1:6379/0?nope=s3cret-query",
	} {
		_, err := NewRedis(RedisOptions{URL: raw})
		if err == nil {
			t.Errorf("NewRedis(%q) succeeded, want the URL refused", raw)
			continue
		}
		for _, secret := range []string{"s3cret", "pass-"} {
			if strings.Contains(err.Error(), secret) {
				t.Errorf("NewRedis(%q) = %q: shows the password", raw, err)
			}
		}
		if !strings.Contains(err.Error(), "redis url") || !strings.Contains(err.Error(), "127.0.0.1") {
			t.Errorf("NewRedis(%q) = %q: want it to say which setting and host", raw, err)
		}
	}
}
