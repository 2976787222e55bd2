package cache

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/sony/gobreaker/v2"
)

// ErrUnavailable is returned, at once, instead of asking a Redis that has
// failed several times in a row; it is asked again after a pause.
var ErrUnavailable = errors.New("cache: redis not asked: it failed several times in a row; it is tried again shortly")

// A Redis that refuses connections fails fast, but one that hangs (a
// stopped process, a lost network) makes every command wait for its
// timeout, and a request makes several: a lookup, a lease, a write. In a
// test each request took 1.2 s against 30 ms. The breaker below stops
// sending commands after breakerFailures failures in a row, answers
// ErrUnavailable at once, and lets a few commands through every
// breakerCooldown to see whether Redis is back.
const (
	breakerFailures = 3
	breakerCooldown = time.Second
)

// breakerHook puts a circuit breaker around every command and pipeline of a
// go-redis client.
type breakerHook struct {
	cb *gobreaker.CircuitBreaker[struct{}]
}

func newBreakerHook(cooldown time.Duration, log *slog.Logger) breakerHook {
	return breakerHook{cb: gobreaker.NewCircuitBreaker[struct{}](gobreaker.Settings{
		Name: "redis",
		// After the pause, a few commands go through to see whether Redis
		// is back: setting up a new connection takes commands of its own.
		MaxRequests:  breakerFailures,
		Timeout:      cooldown,
		ReadyToTrip:  func(c gobreaker.Counts) bool { return c.ConsecutiveFailures >= breakerFailures },
		IsSuccessful: redisAnswered,
		IsExcluded:   func(err error) bool { return errors.Is(err, context.Canceled) },
		OnStateChange: func(_ string, from, to gobreaker.State) {
			if log == nil {
				return
			}
			switch to {
			case gobreaker.StateOpen:
				log.Warn("redis failing: requests go on without the cache; it is tried again every "+cooldown.String(), "from", from.String(), "to", to.String())
			case gobreaker.StateClosed:
				log.Info("redis answering again", "from", from.String(), "to", to.String())
			}
		},
	})}
}

// redisAnswered tells a reply of the server (a value, a miss, an error
// reply such as NOSCRIPT) from a failure to reach it.
func redisAnswered(err error) bool {
	if err == nil || errors.Is(err, redis.Nil) {
		return true
	}
	var reply redis.Error
	var netErr net.Error
	return errors.As(err, &reply) && !errors.As(err, &netErr)
}

func (h breakerHook) guard(call func() error) error {
	_, err := h.cb.Execute(func() (struct{}, error) { return struct{}{}, call() })
	if errors.Is(err, gobreaker.ErrOpenState) || errors.Is(err, gobreaker.ErrTooManyRequests) {
		return ErrUnavailable
	}
	return err
}

func (h breakerHook) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h breakerHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		err := h.guard(func() error { return next(ctx, cmd) })
		if errors.Is(err, ErrUnavailable) {
			cmd.SetErr(err)
		}
		return err
	}
}

func (h breakerHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		err := h.guard(func() error { return next(ctx, cmds) })
		if errors.Is(err, ErrUnavailable) {
			for _, cmd := range cmds {
				cmd.SetErr(err)
			}
		}
		return err
	}
}
