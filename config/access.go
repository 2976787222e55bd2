package config

import (
	"encoding/hex"
	"fmt"
	"strings"
)

// Auth configures who may call the API and how much.
type Auth struct {
	// Enabled turns API keys on. Default false: fine on a laptop, never on a
	// network. Env PASSERELLE_AUTH=on turns it on.
	Enabled bool `yaml:"enabled"`
	// Keys are the accepted API keys, by the SHA-256 of the key: the gateway
	// never holds a key itself. `passerelle new-key` makes one.
	Keys []APIKey `yaml:"keys"`
	// Limits apply to keys that set none of their own (and, with auth off,
	// to each client address). Zero: no limit.
	Limits Limits `yaml:"limits"`
	// LimitsOnOutage is what limits do while the Redis that holds them is
	// unreachable: "local" (default) counts in each process, going on from
	// what each client had left when this process last asked Redis (a full
	// allowance for a client it had not served); "refuse" answers 503
	// quota_unavailable to every limited request until Redis returns.
	LimitsOnOutage string `yaml:"limits_on_outage"`
}

// What limits do during a Redis outage (auth.limits_on_outage).
const (
	OutageLocal  = "local"
	OutageRefuse = "refuse"
)

// APIKey is one accepted key.
type APIKey struct {
	Name   string `yaml:"name"`   // shown in logs and metrics
	SHA256 string `yaml:"sha256"` // hex SHA-256 of the key
	// Admin keys may also call /admin endpoints (configuration reload),
	// and refresh the cache.
	Admin bool `yaml:"admin"`
	// Refresh lets the key's "Cache-Control: no-cache" replace the cached
	// results every client reads. Default false: the key's no-cache reads
	// through the cache like any request.
	Refresh bool   `yaml:"refresh"`
	Limits  Limits `yaml:"limits"`
}

// Limits bound one client. They hold across replicas when the cache is Redis.
type Limits struct {
	RequestsPerMinute int `yaml:"requests_per_minute"`
	// CharactersPerDay bounds the source characters a client sends a day.
	CharactersPerDay int `yaml:"characters_per_day"`
}

// CORS configures cross-origin access from browsers. Default: none.
type CORS struct {
	AllowedOrigins []string `yaml:"allowed_origins"` // e.g. ["https://newsroom.example"]
}

// RequestLimits bound one article.
type RequestLimits struct {
	// MaxParagraphs per article. Default 1000.
	MaxParagraphs int `yaml:"max_paragraphs"`
	// MaxCharacters per article, title included. Default 200000.
	MaxCharacters int `yaml:"max_characters"`
}

func (a Auth) validate(add func(string, ...any)) {
	seen := map[string]bool{}
	for i, k := range a.Keys {
		where := fmt.Sprintf("auth.keys[%d]", i)
		if k.Name == "" {
			add("%s has no name: give each key a name for logs and metrics", where)
		}
		sum, err := hex.DecodeString(strings.TrimSpace(k.SHA256))
		if err != nil || len(sum) != 32 {
			add("%s.sha256 must be the 64 hex digits of the key's SHA-256: run `passerelle hash-key` and paste its output", where)
		}
		if seen[k.Name] {
			add("%s: the name %q is used twice", where, k.Name)
		}
		seen[k.Name] = true
		if k.Limits.RequestsPerMinute < 0 || k.Limits.CharactersPerDay < 0 {
			add("%s.limits must not be negative", where)
		}
	}
	if a.Enabled && len(a.Keys) == 0 {
		add("auth.enabled is true but auth.keys is empty: add a key (`passerelle new-key` prints one) or turn auth off")
	}
	if a.Limits.RequestsPerMinute < 0 || a.Limits.CharactersPerDay < 0 {
		add("auth.limits must not be negative")
	}
	switch a.LimitsOnOutage {
	case "", OutageLocal, OutageRefuse:
	default:
		add("auth.limits_on_outage is %q: it must be %q (count in each process while Redis is down) or %q (refuse with 503 until Redis returns)",
			a.LimitsOnOutage, OutageLocal, OutageRefuse)
	}
}

func (c CORS) validate(add func(string, ...any)) {
	for i, origin := range c.AllowedOrigins {
		if origin != "*" && !strings.HasPrefix(origin, "https://") && !strings.HasPrefix(origin, "http://") {
			add("cors.allowed_origins[%d] is %q: an origin is a scheme and a host, such as \"https://newsroom.example\" (or \"*\" for any)", i, origin)
		}
	}
}
