package main

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"time"
)

// newAPIKey returns a key in the gateway's format and its SHA-256, which is
// all the configuration holds.
func newAPIKey() (key, hash string, err error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", "", err
	}
	key = "psl_" + base64.RawURLEncoding.EncodeToString(b[:])
	sum := sha256.Sum256([]byte(key))
	return key, hex.EncodeToString(sum[:]), nil
}

// configYAML is the gateways' configuration: the production path (auth on,
// Redis) with timeouts, retries and breakers short enough for a run of
// seconds.
func configYAML(redisURL, primaryURL, fallbackURL, keyHash string, grace time.Duration) string {
	return fmt.Sprintf(`server:
  request_timeout: 20s
  shutdown_grace: %s
cache:
  backend: redis
  operation_timeout: 200ms
  redis: {url: %q, dial_timeout: 200ms, read_timeout: 200ms, write_timeout: 200ms}
translation: {provider: primary, fallbacks: [fallback]}
summarization: {provider: extractive}
providers:
  primary:
    type: openai
    base_url: %q
    api_key: sk-chaos-primary
    model: chaos-model
    timeout: 1s
    max_concurrency: 32
    retry: {max_attempts: 2, budget: 4s, max_retry_after: 1s}
    breaker: {failures: 5, cooldown: 2s}
  fallback:
    type: openai
    base_url: %q
    api_key: sk-chaos-fallback
    model: chaos-model
    timeout: 2s
    max_concurrency: 32
    retry: {max_attempts: 3, budget: 6s, max_retry_after: 1s}
    breaker: {failures: 50, cooldown: 1s}
  extractive: {type: extractive}
auth:
  enabled: true
  keys:
    - {name: chaos, sha256: %s}
log: {level: info, format: json}
`, grace, redisURL, primaryURL, fallbackURL, keyHash)
}
