package cache

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// releaseScript deletes a lease only while it still holds the owner's
// token, so that a lease that expired and was taken by another process is
// never released by the first.
var releaseScript = redis.NewScript(`
if redis.call("GET", KEYS[1]) == ARGV[1] then
  return redis.call("DEL", KEYS[1])
end
return 0`)

// renewScript extends a lease only while it still holds the owner's token.
var renewScript = redis.NewScript(`
if redis.call("GET", KEYS[1]) == ARGV[1] then
  return redis.call("PEXPIRE", KEYS[1], ARGV[2])
end
return 0`)

// Acquire takes a lease on name for ttl with SET NX PX and a random token. It
// returns acquired false when another holder has it, and an error when Redis
// cannot be asked. While held, the lease is renewed every ttl/3, so that it
// outlives a long provider call but expires within ttl of its holder dying.
// release stops the renewal and gives the lease back if it is still ours; it
// is safe to call once the lease has expired.
func (r *Redis) Acquire(ctx context.Context, name string, ttl time.Duration) (release func(), acquired bool, err error) {
	release, acquired, _, _, err = r.AcquireGetMany(ctx, name, ttl, nil)
	return release, acquired, err
}

// AcquireGetMany is Acquire and GetMany of keys in one round trip: the holder
// of a lease reads what it lacks at once. values are GetMany's, or nil with
// readErr when the read failed; err is Acquire's (and then values is nil).
// The values are read whether or not the lease is acquired.
func (r *Redis) AcquireGetMany(ctx context.Context, name string, ttl time.Duration, keys []string) (release func(), acquired bool, values [][]byte, readErr, err error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, false, nil, nil, err
	}
	token := hex.EncodeToString(b[:])
	key := "passerelle:v1:lease:" + name
	var set *redis.BoolCmd
	var read func() ([][]byte, error)
	_, _ = r.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		set = p.SetNX(ctx, key, token, ttl)
		if len(keys) > 0 {
			read = r.queueGetMany(ctx, p, keys)
		}
		return nil
	})
	ok, err := set.Result()
	if err != nil {
		return nil, false, nil, nil, fmt.Errorf("cache: redis lease: %w", err)
	}
	if read != nil {
		values, readErr = read()
	}
	if !ok {
		return nil, false, values, readErr, nil
	}
	// The renewal is a timer that re-arms itself, not a goroutine: a
	// lease of an ordinary miss is released long before ttl/3, and then
	// nothing was started for it.
	var mu sync.Mutex
	released := false
	var renewal *time.Timer
	mu.Lock()
	renewal = time.AfterFunc(ttl/3, func() {
		rctx, cancel := context.WithTimeout(context.Background(), ttl/3)
		_ = renewScript.Run(rctx, r.client, []string{key}, token, ttl.Milliseconds()).Err()
		cancel()
		mu.Lock()
		defer mu.Unlock()
		if !released {
			renewal.Reset(ttl / 3)
		}
	})
	mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			mu.Lock()
			released = true
			renewal.Stop()
			mu.Unlock()
			ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
			defer cancel()
			_ = releaseScript.Run(ctx, r.client, []string{key}, token).Err()
		})
	}, true, values, readErr, nil
}

// Held reports whether a lease on name is currently held by anyone.
func (r *Redis) Held(ctx context.Context, name string) (bool, error) {
	n, err := r.client.Exists(ctx, "passerelle:v1:lease:"+name).Result()
	if err != nil {
		return false, fmt.Errorf("cache: redis lease: %w", err)
	}
	return n == 1, nil
}
