package cache

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"passerelle/internal/redact"
)

// Defaults of RedisOptions. They are short on purpose: the cache is an
// optimisation, and a slow Redis must cost a request a fraction of a second
// before it falls through to the provider, not the client library's default
// of several seconds.
const (
	DefaultRedisDialTimeout  = 500 * time.Millisecond
	DefaultRedisReadTimeout  = 250 * time.Millisecond
	DefaultRedisWriteTimeout = 250 * time.Millisecond
)

// RedisOptions configures NewRedis. Set exactly one of URL and Addrs.
type RedisOptions struct {
	// URL names a single server: redis://[user:password@]host:port/db, or
	// rediss:// for TLS. Query parameters understood by go-redis
	// (dial_timeout, pool_size, ...) are honoured unless the matching field
	// below is set.
	URL string
	// Addrs lists host:port addresses. One address is a single server; more
	// than one is a Redis Cluster seed list; with MasterName they are the
	// Sentinel addresses.
	Addrs []string
	// MasterName, with Addrs, selects Sentinel: the client asks the sentinels
	// for this master and follows failovers.
	MasterName string
	// Username and Password authenticate to the server (to the master under
	// Sentinel). When set they override those of URL.
	Username string
	Password string
	// DB is the database number; non-zero overrides that of URL. Cluster has
	// only database 0.
	DB int
	// DefaultTTL is how long an entry lives when Set is given a ttl of 0.
	// Zero means DefaultTTL (720h).
	DefaultTTL time.Duration
	// DialTimeout bounds opening a connection. Zero means 500ms.
	DialTimeout time.Duration
	// ReadTimeout bounds waiting for a reply. Zero means 250ms.
	ReadTimeout time.Duration
	// WriteTimeout bounds sending a command. Zero means 250ms.
	WriteTimeout time.Duration
	// PoolSize is the number of connections per server. Zero means go-redis's
	// default of 10 per CPU.
	PoolSize int
	// BreakerCooldown is how long Redis is not asked after failing several
	// times in a row (see breaker.go). Zero means 1s.
	BreakerCooldown time.Duration
	// Logger is told when Redis stops and starts answering. Nil: nothing
	// is logged.
	Logger *slog.Logger
}

// Redis is a Store in a Redis server, a Sentinel-managed master or a Redis
// Cluster. It is safe for concurrent use.
type Redis struct {
	client     redis.UniversalClient
	cluster    bool
	defaultTTL time.Duration
}

var _ Store = (*Redis)(nil)

// NewRedis returns a Redis for opts, or an error saying which option to fix.
// It does not connect: the first command does, so a service can start while
// Redis is down. Call Ping to check the server.
func NewRedis(opts RedisOptions) (*Redis, error) {
	client, err := NewRedisClient(opts)
	if err != nil {
		return nil, err
	}
	ttl := opts.DefaultTTL
	if ttl == 0 {
		ttl = DefaultTTL
	}
	client.AddHook(newBreakerHook(orDefault(opts.BreakerCooldown, breakerCooldown), opts.Logger))
	_, cluster := client.(*redis.ClusterClient)
	return &Redis{client: client, cluster: cluster, defaultTTL: ttl}, nil
}

// NewRedisClient returns a go-redis client for opts: a single server from
// URL, or Addrs as one server, a Cluster or Sentinels, with this package's
// retries, timeouts and protocol. It has no breaker: NewRedis adds the
// cache's. Other users of the same Redis (the jobs engine) build theirs
// here, with their own timeouts.
func NewRedisClient(opts RedisOptions) (redis.UniversalClient, error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	if opts.URL != "" {
		o, err := redis.ParseURL(opts.URL)
		if err != nil {
			// The parser quotes the URL, or the piece it stumbled on, which
			// may be the password: the reason is kept, not the secret.
			reason := redact.Secrets(redact.URLs(err.Error()), redact.URLSecrets(opts.URL)...)
			return nil, fmt.Errorf("cache: redis url %s: %s: want redis://user:password@host:6379/0, with @ : / ? # in the password escaped (%%40 %%3A %%2F %%3F %%23)",
				redact.URL(opts.URL), reason)
		}
		applyURLOptions(o, opts)
		return redis.NewClient(o), nil
	}
	u := &redis.UniversalOptions{
		Addrs:        opts.Addrs,
		MasterName:   opts.MasterName,
		Username:     opts.Username,
		Password:     opts.Password,
		DB:           opts.DB,
		DialTimeout:  orDefault(opts.DialTimeout, DefaultRedisDialTimeout),
		ReadTimeout:  orDefault(opts.ReadTimeout, DefaultRedisReadTimeout),
		WriteTimeout: orDefault(opts.WriteTimeout, DefaultRedisWriteTimeout),
		PoolSize:     opts.PoolSize,
	}
	u.PoolTimeout = u.DialTimeout
	u.DialerRetries, u.MaxRetries = dialerRetries, maxRetries
	u.ContextTimeoutEnabled = true
	u.Protocol = protocol
	return redis.NewUniversalClient(u), nil
}

// go-redis retries a failed dial five times and a failed command three times
// by default, which turns a dead Redis into seconds of waiting per request.
// One dial attempt, and one retry of a command, is enough to replace a pooled
// connection that a restarted server has closed.
const (
	dialerRetries = 1
	maxRetries    = 1
)

// protocol is RESP2 unless the URL asks for another. RESP3 brings push
// messages (client-side caching, maintenance notices), which Passerelle
// does not use, and with it go-redis looks for pending push messages before
// every reply: 3 % of the gateway's CPU on a cache hit, in a profile.
const protocol = 2

func (o RedisOptions) validate() error {
	switch {
	case o.URL == "" && len(o.Addrs) == 0:
		return errors.New("cache: redis options: set URL (redis://host:6379/0) or Addrs (host:port; several for Cluster, or Sentinel addresses with MasterName)")
	case o.URL != "" && len(o.Addrs) > 0:
		return errors.New("cache: redis options: set URL or Addrs, not both")
	case o.URL != "" && o.MasterName != "":
		return errors.New("cache: redis options: MasterName needs Addrs listing the Sentinel addresses, not URL")
	case len(o.Addrs) > 1 && o.MasterName == "" && o.DB != 0:
		return errors.New("cache: redis options: Redis Cluster has only DB 0; leave DB unset with several Addrs")
	case o.DB < 0:
		return fmt.Errorf("cache: redis options: DB %d is negative", o.DB)
	case o.PoolSize < 0:
		return fmt.Errorf("cache: redis options: PoolSize %d is negative", o.PoolSize)
	case o.DefaultTTL < 0:
		return fmt.Errorf("cache: redis options: DefaultTTL %v is negative", o.DefaultTTL)
	case o.DialTimeout < 0 || o.ReadTimeout < 0 || o.WriteTimeout < 0:
		return errors.New("cache: redis options: timeouts must be positive (or zero for the default)")
	}
	for i, a := range o.Addrs {
		if strings.TrimSpace(a) == "" {
			return fmt.Errorf("cache: redis options: Addrs[%d] is empty", i)
		}
	}
	return nil
}

// applyURLOptions lays opts over what ParseURL read: a field set in opts wins,
// then a parameter of the URL, then the package default.
func applyURLOptions(o *redis.Options, opts RedisOptions) {
	if opts.Username != "" {
		o.Username = opts.Username
	}
	if opts.Password != "" {
		o.Password = opts.Password
	}
	if opts.DB != 0 {
		o.DB = opts.DB
	}
	if opts.PoolSize != 0 {
		o.PoolSize = opts.PoolSize
	}
	o.DialTimeout = orDefault(opts.DialTimeout, orDefault(o.DialTimeout, DefaultRedisDialTimeout))
	o.ReadTimeout = orDefault(opts.ReadTimeout, orDefault(o.ReadTimeout, DefaultRedisReadTimeout))
	o.WriteTimeout = orDefault(opts.WriteTimeout, orDefault(o.WriteTimeout, DefaultRedisWriteTimeout))
	if o.PoolTimeout == 0 {
		o.PoolTimeout = o.DialTimeout
	}
	if o.DialerRetries == 0 {
		o.DialerRetries = dialerRetries
	}
	if o.MaxRetries == 0 {
		o.MaxRetries = maxRetries
	}
	o.ContextTimeoutEnabled = true
	if o.Protocol == 0 {
		o.Protocol = protocol
	}
}

func orDefault(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}

// Get returns the value under key, ErrMiss when there is none, or an error
// when Redis cannot be asked (down, slow beyond the timeouts, ctx done).
func (r *Redis) Get(ctx context.Context, key string) ([]byte, error) {
	// Bytes hands over the reply's string as bytes without copying it: the
	// command is this call's alone and dropped on return, so the caller
	// holds the only reference. A copy would be one more allocation of the
	// whole value on every hit.
	b, err := r.client.Get(ctx, key).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, ErrMiss
	}
	if err != nil {
		return nil, fmt.Errorf("cache: redis get: %w", err)
	}
	return b, nil
}

// GetMany returns one value per key in the same order, nil for each miss, or
// an error when Redis cannot be asked. A single server answers one MGET. A
// Cluster cannot MGET keys of different hash slots, so there the keys go as
// one pipeline of GETs, which go-redis splits by node: one round trip per node.
func (r *Redis) GetMany(ctx context.Context, keys []string) ([][]byte, error) {
	if len(keys) == 0 {
		return [][]byte{}, nil
	}
	var read func() ([][]byte, error)
	_, _ = r.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		read = r.queueGetMany(ctx, p, keys)
		return nil
	})
	return read()
}

// queueGetMany queues on p the commands that read keys, and returns the
// function that reads their replies once p has run: one MGET on a single
// server; on a Cluster, which cannot MGET keys of different hash slots, one
// GET per key, which go-redis sends as one round trip per node.
func (r *Redis) queueGetMany(ctx context.Context, p redis.Pipeliner, keys []string) func() ([][]byte, error) {
	if r.cluster {
		cmds := make([]*redis.StringCmd, len(keys))
		for i, k := range keys {
			cmds[i] = p.Get(ctx, k)
		}
		return func() ([][]byte, error) {
			values := make([][]byte, len(keys))
			for i, c := range cmds {
				s, err := c.Result()
				switch {
				case errors.Is(err, redis.Nil):
				case err != nil:
					return nil, fmt.Errorf("cache: redis get many: %w", err)
				default:
					values[i] = []byte(s)
				}
			}
			return values, nil
		}
	}
	mget := p.MGet(ctx, keys...)
	return func() ([][]byte, error) {
		replies, err := mget.Result()
		if err != nil {
			return nil, fmt.Errorf("cache: redis mget: %w", err)
		}
		if len(replies) != len(keys) {
			return nil, fmt.Errorf("cache: redis mget: %d replies for %d keys", len(replies), len(keys))
		}
		values := make([][]byte, len(keys))
		for i, v := range replies {
			switch v := v.(type) {
			case nil:
			case string:
				values[i] = []byte(v)
			default:
				return nil, fmt.Errorf("cache: redis mget: unexpected reply %T for key %d", v, i)
			}
		}
		return values, nil
	}
}

// Set stores value under key for ttl, or for the default TTL when ttl is 0.
// It returns an error for a negative ttl or when Redis cannot be reached.
func (r *Redis) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	ttl, err := resolveTTL(ttl, r.defaultTTL)
	if err != nil {
		return fmt.Errorf("cache: redis set: %w", err)
	}
	if err := r.client.Set(ctx, key, value, ttl).Err(); err != nil {
		return fmt.Errorf("cache: redis set: %w", err)
	}
	return nil
}

// SetMany stores every entry for ttl, or for the default TTL when ttl is 0,
// as one pipeline of SETs. It returns an error for a negative ttl or when any
// SET failed; entries before the failure may have been stored.
func (r *Redis) SetMany(ctx context.Context, entries []Entry, ttl time.Duration) error {
	ttl, err := resolveTTL(ttl, r.defaultTTL)
	if err != nil {
		return fmt.Errorf("cache: redis set many: %w", err)
	}
	if len(entries) == 0 {
		return nil
	}
	_, err = r.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, e := range entries {
			p.Set(ctx, e.Key, e.Value, ttl)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("cache: redis set many: %w", err)
	}
	return nil
}

// Ping returns nil when Redis answers, or an error saying why it did not.
func (r *Redis) Ping(ctx context.Context) error {
	if err := r.client.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("cache: redis ping: %w", err)
	}
	return nil
}

// Close closes the connections. It returns an error if they were already
// closed.
func (r *Redis) Close() error {
	if err := r.client.Close(); err != nil {
		return fmt.Errorf("cache: redis close: %w", err)
	}
	return nil
}

// slogAdapter sends go-redis's own log lines (failed dials, pool events) to
// slog instead of standard error.
type slogAdapter struct{ log *slog.Logger }

func (a slogAdapter) Printf(ctx context.Context, format string, v ...any) {
	a.log.WarnContext(ctx, "redis client", "detail", fmt.Sprintf(format, v...))
}

// LogRedisClientTo routes the go-redis client's messages to log. go-redis
// keeps its logger in a package variable, so this is process-wide: call it
// once, from main.
func LogRedisClientTo(log *slog.Logger) { redis.SetLogger(slogAdapter{log}) }

// GetManyWithTTL is GetMany that also returns each hit's remaining time to
// live, in the same round trip (a pipeline of GET and PTTL), so that a copy
// kept elsewhere expires with the original.
func (r *Redis) GetManyWithTTL(ctx context.Context, keys []string) ([][]byte, []time.Duration, error) {
	gets := make([]*redis.StringCmd, len(keys))
	ttls := make([]*redis.DurationCmd, len(keys))
	_, err := r.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, k := range keys {
			gets[i] = p.Get(ctx, k)
			ttls[i] = p.PTTL(ctx, k)
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, nil, fmt.Errorf("cache: redis get many: %w", err)
	}
	values := make([][]byte, len(keys))
	left := make([]time.Duration, len(keys))
	for i := range keys {
		v, err := gets[i].Bytes()
		if errors.Is(err, redis.Nil) {
			continue
		}
		if err != nil {
			return nil, nil, fmt.Errorf("cache: redis get many: %w", err)
		}
		d, err := ttls[i].Result()
		if err != nil || d <= 0 {
			continue // expired between the two commands, or no ttl: not copied
		}
		values[i], left[i] = v, d
	}
	return values, left, nil
}
