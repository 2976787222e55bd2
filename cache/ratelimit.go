package cache

import (
	"context"
	"fmt"
	"time"

	"github.com/go-redis/redis_rate/v10"
)

// RateDecision is the outcome of Redis.AllowN.
type RateDecision struct {
	Allowed    bool
	Remaining  int
	RetryAfter time.Duration // -1 when allowed
	ResetAfter time.Duration
}

// AllowN spends n events of key's GCRA bucket of rate events per period,
// shared by every process that uses this Redis. It returns an error when
// Redis cannot be asked.
func (r *Redis) AllowN(ctx context.Context, key string, rate int, period time.Duration, n int) (RateDecision, error) {
	limiter := redis_rate.NewLimiter(r.client)
	res, err := limiter.AllowN(ctx, "passerelle:v1:"+key, redis_rate.Limit{Rate: rate, Burst: rate, Period: period}, n)
	if err != nil {
		return RateDecision{}, fmt.Errorf("cache: redis rate limit: %w", err)
	}
	return RateDecision{Allowed: res.Allowed >= n && n > 0 || res.Allowed > 0, Remaining: res.Remaining, RetryAfter: res.RetryAfter, ResetAfter: res.ResetAfter}, nil
}
