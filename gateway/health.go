package gateway

import (
	"context"
	"time"

	"passerelle/providers"
)

// Check is the outcome of one readiness check.
type Check struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail,omitempty"`
}

// Readiness states.
const (
	Ready    = "ready"    // everything answers
	Degraded = "degraded" // the cache does not answer: requests are served, at full cost
	Unready  = "unready"  // no translation provider is usable
)

// Readiness checks that the cache answers and that at least one provider of
// the translation route is usable. It returns Ready, Degraded or Unready and
// every check made, so that the reply says what is missing. A cache outage
// only degrades the service: requests still succeed through the providers.
func (s *Service) Readiness(ctx context.Context) (string, []Check) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	var checks []Check
	cacheOK := true
	if s.cache != nil {
		c := Check{Name: "cache", OK: true}
		if err := s.cache.Ping(ctx); err != nil {
			c.OK, c.Detail = false, err.Error()
			cacheOK = false
		}
		checks = append(checks, c)
	}
	translatorOK := false
	for _, name := range s.translation.Chain {
		c := Check{Name: "translation:" + name}
		t := s.translator(name)
		switch {
		case t == nil:
			c.Detail = s.unavailableReason(name)
			if c.Detail == "" {
				c.Detail = "not configured"
			}
		default:
			c.OK = true
			if p, ok := t.(providers.Pinger); ok {
				if err := p.Ping(ctx); err != nil {
					c.OK, c.Detail = false, err.Error()
				}
			}
		}
		translatorOK = translatorOK || c.OK
		checks = append(checks, c)
	}
	for _, name := range s.summarizing.Chain {
		c := Check{Name: "summarization:" + name, OK: s.hasSummarizer(name)}
		if !c.OK {
			c.Detail = s.unavailableReason(name)
		}
		checks = append(checks, c)
	}
	switch {
	case !translatorOK:
		return Unready, checks
	case !cacheOK:
		return Degraded, checks
	}
	return Ready, checks
}

// unavailableReason says why the provider of that name could not be built,
// "" when it is not configured or was built.
func (s *Service) unavailableReason(name string) string {
	if p, ok := s.provider(name); ok {
		return p.Unavailable
	}
	return ""
}
