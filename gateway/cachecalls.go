package gateway

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"go.opentelemetry.io/otel/attribute"

	"passerelle/cache"
)

// The cache speeds requests up but never decides whether they succeed: each
// call below is bounded by cacheTimeout, and a failure is logged and treated
// as a miss (reads) or skipped (writes).

// logCacheFailure logs a failed cache call at warning level, or at debug
// level when the store did not even try (cache.ErrUnavailable: it is known
// down, which it logged once), so that an outage is not a warning a request.
func (s *Service) logCacheFailure(ctx context.Context, msg string, err error, args ...any) {
	level := slog.LevelWarn
	if errors.Is(err, cache.ErrUnavailable) {
		level = slog.LevelDebug
	}
	s.log.Log(ctx, level, msg, append(args, "err", err)...)
}

func (s *Service) cacheGet(ctx context.Context, level, key string) ([]byte, bool) {
	if s.cache == nil {
		return nil, false
	}
	ctx, cancel := context.WithTimeout(ctx, s.cacheTimeout)
	defer cancel()
	ctx, span := s.span(ctx, "cache.get", attribute.String("passerelle.cache.level", level))
	raw, err := s.cache.Get(ctx, key)
	span.SetAttributes(attribute.Bool("passerelle.cache.hit", err == nil))
	if errors.Is(err, cache.ErrMiss) {
		endSpan(span, nil)
	} else {
		endSpan(span, err)
	}
	switch {
	case errors.Is(err, cache.ErrMiss):
		s.observe.CacheLookup(level, 0, 1, nil)
		return nil, false
	case err != nil:
		s.observe.CacheLookup(level, 0, 0, err)
		s.logCacheFailure(ctx, "cache read failed; going on without it", err)
		return nil, false
	}
	s.observe.CacheLookup(level, 1, 0, nil)
	return raw, true
}

func (s *Service) cacheGetMany(ctx context.Context, keys []string) ([][]byte, bool) {
	if s.cache == nil || len(keys) == 0 {
		return nil, false
	}
	ctx, cancel := context.WithTimeout(ctx, s.cacheTimeout)
	defer cancel()
	ctx, span := s.span(ctx, "cache.get_many", attribute.Int("passerelle.cache.keys", len(keys)))
	values, err := s.cache.GetMany(ctx, keys)
	endSpan(span, err)
	if err == nil && len(values) != len(keys) {
		err = errors.New("cache: GetMany answered for a different number of keys")
	}
	if err != nil {
		s.observe.CacheLookup(levelSegment, 0, 0, err)
		s.logCacheFailure(ctx, "cache read failed; going on without it", err, "keys", len(keys))
		return nil, false
	}
	hits := 0
	for _, v := range values {
		if v != nil {
			hits++
		}
	}
	s.observe.CacheLookup(levelSegment, hits, len(values)-hits, nil)
	return values, true
}

// cacheSetMany stores entries. It runs on the request's context but not its
// cancellation: a result that was paid for is worth keeping even when the
// client has gone.
func (s *Service) cacheSetMany(ctx context.Context, entries []cache.Entry) {
	s.cacheSetManyFor(ctx, entries, s.ttl)
}

// cacheSetManyFor is cacheSetMany for ttl (0: the store's default).
func (s *Service) cacheSetManyFor(ctx context.Context, entries []cache.Entry, ttl time.Duration) {
	if s.cache == nil || len(entries) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cacheTimeout)
	defer cancel()
	ctx, span := s.span(ctx, "cache.set_many", attribute.Int("passerelle.cache.keys", len(entries)))
	err := s.cache.SetMany(ctx, entries, ttl)
	endSpan(span, err)
	if err != nil {
		s.observe.CacheWriteFailed()
		s.logCacheFailure(ctx, "cache write failed; the result is served but not kept", err, "keys", len(entries))
	}
}
