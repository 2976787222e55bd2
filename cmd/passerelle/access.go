package main

import (
	"context"
	"encoding/hex"
	"log/slog"
	"strings"

	"passerelle/cache"
	"passerelle/config"
	"passerelle/handlers"
	"passerelle/quota"
)

// buildAccess turns the auth configuration into the handlers' access rules,
// with limits kept in Redis when the cache is Redis (so they hold across
// replicas), in this process otherwise.
func buildAccess(cfg config.Auth, store cache.Store, log *slog.Logger) handlers.Access {
	a := handlers.Access{
		Enabled: cfg.Enabled,
		Default: handlers.Limits{RequestsPerMinute: cfg.Limits.RequestsPerMinute, CharactersPerDay: cfg.Limits.CharactersPerDay},
	}
	for _, k := range cfg.Keys {
		key := handlers.Key{Name: k.Name, Admin: k.Admin,
			Limits: handlers.Limits{RequestsPerMinute: k.Limits.RequestsPerMinute, CharactersPerDay: k.Limits.CharactersPerDay}}
		sum, _ := hex.DecodeString(strings.TrimSpace(k.SHA256)) // Validate checked it
		copy(key.SHA256[:], sum)
		a.Keys = append(a.Keys, key)
	}
	local := quota.NewMemory()
	a.Limiter = local
	if t, ok := store.(*cache.Tiered); ok {
		store = t.Far()
	}
	if r, ok := store.(*cache.Redis); ok {
		a.Limiter = quota.Fallback{Primary: redisLimiter{r}, Local: local, Log: log}
	}
	return a
}

// redisLimiter adapts the Redis store's GCRA buckets to quota.Limiter.
type redisLimiter struct{ r *cache.Redis }

func (l redisLimiter) AllowN(ctx context.Context, key string, limit quota.Limit, n int) (quota.Decision, error) {
	d, err := l.r.AllowN(ctx, "quota:"+key, limit.Rate, limit.Period, n)
	if err != nil {
		return quota.Decision{}, err
	}
	return quota.Decision{Allowed: d.Allowed, Limit: limit.Rate, Remaining: d.Remaining, RetryAfter: d.RetryAfter, ResetAfter: d.ResetAfter}, nil
}
