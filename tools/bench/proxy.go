package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"

	"github.com/redis/go-redis/v9"
)

// The do-nothing proxy is the reference point of the miss path: the least a
// gateway in front of a provider must do on loopback. For each request it
// reads the body, looks it up in Redis once (a GET of a key derived from
// the body's SHA-256, which misses), sends the fixed chat completion the
// gateway sends for such an article to the stand-in over a kept-alive
// connection, and copies the reply back. It runs as a process of its own,
// like the baseline, and its added latency over the stand-in called directly
// is what the machine makes unavoidable, whatever the gateway does.

// proxyKeyPrefix is the prefix of the keys the proxy looks up: nothing
// writes them, so every lookup misses.
const proxyKeyPrefix = "bench:proxy:"

// runProxy is the `bench proxy` subcommand: it serves until SIGTERM or
// SIGINT, after printing "listening ADDR" on standard output.
func runProxy(args []string) error {
	fs := flag.NewFlagSet("proxy", flag.ContinueOnError)
	redisURL := fs.String("redis", "", "redis:// URL of the server looked up once a request")
	upstream := fs.String("upstream", "", "URL the chat completion is posted to (the stand-in's /v1/chat/completions)")
	chatPath := fs.String("chat", "", "file holding the chat completion body to send upstream")
	apiKey := fs.String("api-key", "sk-bench", "bearer token sent upstream")
	if err := fs.Parse(args); err != nil {
		return err
	}
	opts, err := redis.ParseURL(*redisURL)
	if err != nil {
		return fmt.Errorf("proxy: %w", err)
	}
	if *upstream == "" {
		return errors.New("proxy: -upstream is required")
	}
	chat, err := os.ReadFile(*chatPath)
	if err != nil {
		return fmt.Errorf("proxy: %w", err)
	}
	rdb := redis.NewClient(opts)
	defer rdb.Close()

	return serveLoopback(proxyHandler(rdb, newClient(16), *upstream, "Bearer "+*apiKey, chat))
}

// proxyHandler answers every POST with one Redis GET, then the reply of
// upstream to chat, status, Content-Type, Content-Length and body as they came. The client
// must keep its connections alive (newClient does).
func proxyHandler(rdb *redis.Client, client *http.Client, upstream, authorization string, chat []byte) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.Error(w, "POST only", http.StatusMethodNotAllowed)
			return
		}
		body, err := readAll(r)
		if err != nil {
			http.Error(w, "could not read the body", http.StatusBadRequest)
			return
		}
		sum := sha256.Sum256(body)
		if err := rdb.Get(r.Context(), proxyKeyPrefix+hex.EncodeToString(sum[:])).Err(); err != nil && !errors.Is(err, redis.Nil) {
			http.Error(w, "redis: "+err.Error(), http.StatusBadGateway)
			return
		}
		req, err := http.NewRequestWithContext(r.Context(), http.MethodPost, upstream, bytes.NewReader(chat))
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		req.Header.Set("Authorization", authorization)
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			http.Error(w, "upstream: "+err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		for _, k := range []string{"Content-Type", "Content-Length"} {
			if v := resp.Header.Get(k); v != "" {
				w.Header().Set(k, v)
			}
		}
		w.WriteHeader(resp.StatusCode)
		_, _ = io.Copy(w, resp.Body)
	})
}
