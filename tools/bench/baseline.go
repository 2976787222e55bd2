package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"
)

// The baseline is the floor the hit path is measured against: a net/http
// server that reads the same request and answers it with one Redis GET of
// the bytes the gateway would send. It runs as a process of its own, like
// the gateway, so that neither shares a Go runtime with the load generator.

// runBaseline is the `bench baseline` subcommand: it serves until SIGTERM or
// SIGINT, after printing "listening ADDR" on standard output.
func runBaseline(args []string) error {
	fs := flag.NewFlagSet("baseline", flag.ContinueOnError)
	redisURL := fs.String("redis", "", "redis:// URL of the server holding the reply")
	key := fs.String("key", "", "key of the stored reply")
	if err := fs.Parse(args); err != nil {
		return err
	}
	opts, err := redis.ParseURL(*redisURL)
	if err != nil {
		return fmt.Errorf("baseline: %w", err)
	}
	rdb := redis.NewClient(opts)
	defer rdb.Close()

	return serveLoopback(baselineHandler(rdb, *key))
}

func baselineHandler(rdb *redis.Client, key string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := readAll(r); err != nil {
			http.Error(w, "could not read the body", http.StatusBadRequest)
			return
		}
		reply, err := rdb.Get(r.Context(), key).Bytes()
		if err != nil {
			http.Error(w, "redis: "+err.Error(), http.StatusBadGateway)
			return
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		_, _ = w.Write(reply)
	})
}

// serveLoopback serves h on a free loopback port until SIGTERM or SIGINT,
// after printing "listening ADDR" on standard output: the way bench's
// servers of its own (the baseline, the do-nothing proxy) tell it where
// they are.
func serveLoopback(h http.Handler) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	fmt.Printf("listening %s\n", ln.Addr())
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// readAll reads a request body of at most 4 MiB.
func readAll(r *http.Request) ([]byte, error) {
	return io.ReadAll(io.LimitReader(r.Body, 4<<20))
}
