package gateway

import (
	"context"
	"fmt"
)

// fallback gives the work of task to the providers of chain in turn, the
// first first: turn does what provider name can, and returns nil when
// nothing is left for the next provider, or the error it failed with and
// what the log should say of the failure besides. The chain stops early
// when ctx ends. fallback returns nil when a provider finished the work,
// or the error the client sees for the whole chain (see providerFailure).
// Translation and summaries both go through it.
func (s *Service) fallback(ctx context.Context, task string, chain []string, turn func(ctx context.Context, name string) (detail []any, err error)) error {
	var failures []string
	var last error
	for i, name := range chain {
		detail, err := turn(ctx, name)
		if err == nil {
			return nil
		}
		last = err
		failures = append(failures, fmt.Sprintf("%s: %s", name, describeFailure(err)))
		args := append([]any{"provider", name, "kind", describeFailure(err)}, detail...)
		s.log.WarnContext(ctx, task+" provider failed", append(args, "fallbacks_left", len(chain)-i-1, "err", err)...)
		if ctx.Err() != nil {
			break
		}
	}
	return providerFailure(ctx, task, failures, last)
}
