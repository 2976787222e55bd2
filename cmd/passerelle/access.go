package main

import (
	"context"
	"encoding/hex"
	"fmt"
	"log/slog"
	"slices"
	"strings"

	"passerelle/cache"
	"passerelle/config"
	"passerelle/handlers"
	"passerelle/handlers/quota"
)

// access puts the auth and CORS configuration in force, at start and at
// each reload. Its limiters are built once, so that a reload keeps every
// client's buckets: only a key whose limit changed is held to the new one,
// from what it had spent.
type access struct {
	rules  *handlers.Rules
	local  *quota.Memory
	shared quota.Limiter // Redis's buckets; nil when the cache is not Redis
	log    *slog.Logger
}

// newAccess returns the access rules of cfg, with limits kept in Redis when
// the cache is Redis (so they hold across replicas), in this process
// otherwise.
func newAccess(cfg config.Config, store cache.Store, log *slog.Logger) (*access, error) {
	a := &access{local: quota.NewMemory(), log: log}
	if t, ok := store.(*cache.Tiered); ok {
		store = t.Far()
	}
	if r, ok := store.(*cache.Redis); ok {
		a.shared = redisLimiter{r}
	}
	rules, err := handlers.NewRules(a.build(cfg.Auth), cfg.CORS.AllowedOrigins)
	if err != nil {
		return nil, err
	}
	a.rules = rules
	return a, nil
}

// build turns the auth configuration into the handlers' access rules.
func (a *access) build(cfg config.Auth) handlers.Access {
	out := handlers.Access{
		Enabled: cfg.Enabled,
		Default: handlers.Limits{RequestsPerMinute: cfg.Limits.RequestsPerMinute, CharactersPerDay: cfg.Limits.CharactersPerDay},
		Limiter: a.local,
	}
	for _, k := range cfg.Keys {
		key := handlers.Key{Name: k.Name, Admin: k.Admin, Refresh: k.Refresh,
			Limits: handlers.Limits{RequestsPerMinute: k.Limits.RequestsPerMinute, CharactersPerDay: k.Limits.CharactersPerDay}}
		sum, _ := hex.DecodeString(strings.TrimSpace(k.SHA256)) // Validate checked it
		copy(key.SHA256[:], sum)
		out.Keys = append(out.Keys, key)
	}
	if a.shared != nil {
		out.Limiter = &quota.Fallback{Primary: a.shared, Local: a.local, Refuse: cfg.LimitsOnOutage == config.OutageRefuse, Log: a.log}
	}
	return out
}

// reload puts next's access rules and CORS origins in force for every
// request from now on, and logs what changed since old.
func (a *access) reload(old, next config.Config) error {
	if err := a.rules.Set(a.build(next.Auth), next.CORS.AllowedOrigins); err != nil {
		return err
	}
	if changes := accessChanges(old, next); len(changes) > 0 {
		a.log.Info("access rules reloaded", changes...)
	} else {
		a.log.Info("access rules reloaded: unchanged")
	}
	return nil
}

// accessChanges lists what differs between the access rules of old and
// next, as log attributes: key names, never their hashes, which are the
// one thing a log reader must not be handed about a key.
func accessChanges(old, next config.Config) []any {
	var out []any
	list := func(name string, values []string) {
		if len(values) > 0 {
			slices.Sort(values)
			out = append(out, slog.Any(name, values))
		}
	}
	if old.Auth.Enabled != next.Auth.Enabled {
		out = append(out, slog.Bool("auth_enabled", next.Auth.Enabled))
	}
	before, after := keysByName(old.Auth.Keys), keysByName(next.Auth.Keys)
	var added, removed, replaced, limits, adminOn, adminOff, refreshOn, refreshOff []string
	for name, k := range after {
		was, ok := before[name]
		if !ok {
			added = append(added, name)
			continue
		}
		if !strings.EqualFold(strings.TrimSpace(was.SHA256), strings.TrimSpace(k.SHA256)) {
			replaced = append(replaced, name)
		}
		if effectiveLimits(was, old.Auth) != effectiveLimits(k, next.Auth) {
			limits = append(limits, name)
		}
		switch {
		case k.Admin && !was.Admin:
			adminOn = append(adminOn, name)
		case !k.Admin && was.Admin:
			adminOff = append(adminOff, name)
		}
		switch {
		case k.Refresh && !was.Refresh:
			refreshOn = append(refreshOn, name)
		case !k.Refresh && was.Refresh:
			refreshOff = append(refreshOff, name)
		}
	}
	for name := range before {
		if _, ok := after[name]; !ok {
			removed = append(removed, name)
		}
	}
	list("keys_added", added)
	list("keys_removed", removed)
	list("keys_replaced", replaced)
	if old.Auth.Limits != next.Auth.Limits {
		out = append(out, slog.String("default_limits", fmt.Sprintf("%s -> %s", limitsText(old.Auth.Limits), limitsText(next.Auth.Limits))))
	}
	list("limits_changed", limits)
	list("admin_granted", adminOn)
	list("admin_revoked", adminOff)
	list("refresh_granted", refreshOn)
	list("refresh_revoked", refreshOff)
	if o, n := outageMode(old.Auth), outageMode(next.Auth); o != n {
		out = append(out, slog.String("limits_on_outage", o+" -> "+n))
	}
	originsBefore, originsAfter := setOf(old.CORS.AllowedOrigins), setOf(next.CORS.AllowedOrigins)
	list("cors_origins_added", without(originsAfter, originsBefore))
	list("cors_origins_removed", without(originsBefore, originsAfter))
	return out
}

func keysByName(keys []config.APIKey) map[string]config.APIKey {
	out := make(map[string]config.APIKey, len(keys))
	for _, k := range keys {
		out[k.Name] = k
	}
	return out
}

// effectiveLimits are the limits a key is held to: its own, or the
// default when it sets none.
func effectiveLimits(k config.APIKey, auth config.Auth) config.Limits {
	if k.Limits == (config.Limits{}) {
		return auth.Limits
	}
	return k.Limits
}

func limitsText(l config.Limits) string {
	return fmt.Sprintf("{requests_per_minute: %d, characters_per_day: %d}", l.RequestsPerMinute, l.CharactersPerDay)
}

func outageMode(a config.Auth) string {
	if a.LimitsOnOutage == "" {
		return config.OutageLocal
	}
	return a.LimitsOnOutage
}

func setOf(values []string) map[string]bool {
	out := make(map[string]bool, len(values))
	for _, v := range values {
		out[v] = true
	}
	return out
}

// without returns the members of a that are not in b.
func without(a, b map[string]bool) []string {
	var out []string
	for v := range a {
		if !b[v] {
			out = append(out, v)
		}
	}
	return out
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
