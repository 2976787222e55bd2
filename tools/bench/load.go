package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// target is one kind of request the load generator sends.
type target struct {
	name   string
	url    string
	header http.Header
	// body returns the body of the i-th request; requests may differ (a
	// stream of distinct articles) or not.
	body func(i int) []byte
	// check, when set, judges a 200 reply by its header; a reply it refuses
	// counts as an error (a "hit" that was not one, say).
	check func(http.Header) error
	// pid, when set, is the server's process: its CPU time is measured.
	pid int
}

func fixedBody(b []byte) func(int) []byte { return func(int) []byte { return b } }

// result is what a load phase measured.
type result struct {
	latencies []time.Duration // of the requests that succeeded
	errors    int
	firstErr  string
	elapsed   time.Duration
	dropped   int           // open loop: sends skipped because too many were in flight
	cpu       time.Duration // the server's CPU time during the phase, when its pid is known
}

func (r *result) ok() int { return len(r.latencies) }

// throughput is successful requests per second.
func (r *result) throughput() float64 {
	if r.elapsed <= 0 {
		return 0
	}
	return float64(len(r.latencies)) / r.elapsed.Seconds()
}

// cpuPerRequest is the server's CPU time per successful request.
func (r *result) cpuPerRequest() time.Duration {
	if r.ok() == 0 {
		return 0
	}
	return r.cpu / time.Duration(r.ok())
}

// percentile returns the p-th percentile (0 < p <= 100) by nearest rank, 0
// when nothing succeeded. latencies must be sorted.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(float64(len(sorted))*p/100+0.999999) - 1
	return sorted[max(0, min(rank, len(sorted)-1))]
}

func (r *result) p(p float64) time.Duration { return percentile(r.latencies, p) }

// merge adds o's requests to r (phases run in interleaved rounds).
func (r *result) merge(o result) {
	r.latencies = append(r.latencies, o.latencies...)
	r.errors += o.errors
	r.dropped += o.dropped
	r.elapsed += o.elapsed
	r.cpu += o.cpu
	if r.firstErr == "" {
		r.firstErr = o.firstErr
	}
	slices.Sort(r.latencies)
}

// newClient returns a client that keeps up to conns connections to one
// loopback server, and never goes through a proxy from the environment.
func newClient(conns int) *http.Client {
	return &http.Client{
		Timeout: 60 * time.Second,
		Transport: &http.Transport{
			Proxy:               nil,
			DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
			MaxIdleConns:        conns,
			MaxIdleConnsPerHost: conns,
			MaxConnsPerHost:     conns,
			IdleConnTimeout:     90 * time.Second,
			DisableCompression:  true,
		},
	}
}

// send makes request i of t and returns its latency, or an error for a
// transport failure, a status other than 200 or a reply check refuses.
func send(ctx context.Context, c *http.Client, t target, i int) (time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.url, bytes.NewReader(t.body(i)))
	if err != nil {
		return 0, err
	}
	for k, v := range t.header {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/json")
	start := time.Now()
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	d := time.Since(start)
	switch {
	case err != nil:
		return 0, err
	case resp.StatusCode != http.StatusOK:
		return 0, fmt.Errorf("%s: status %d", t.name, resp.StatusCode)
	case t.check != nil:
		if err := t.check(resp.Header); err != nil {
			return 0, fmt.Errorf("%s: %w", t.name, err)
		}
	}
	return d, nil
}

// closedLoop keeps concurrency requests in flight, each worker sending its
// next request when the last one is answered, until n requests are sent or
// d has passed (whichever comes first; 0 disables a bound). first numbers
// the requests, so that a stream of distinct articles goes on across calls.
func closedLoop(ctx context.Context, c *http.Client, t target, concurrency, n int, d time.Duration, first int) result {
	if d > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, d)
		defer cancel()
	}
	var next atomic.Int64
	next.Store(int64(first))
	var mu sync.Mutex
	var res result
	var wg sync.WaitGroup
	cpuBefore, cpuErr := cpuTime(t.pid)
	start := time.Now()
	for range concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var lat []time.Duration
			var errs int
			var firstErr string
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if n > 0 && i >= first+n {
					break
				}
				l, err := send(ctx, c, t, i)
				if err != nil {
					if ctx.Err() != nil {
						break // the phase ended while the request was in flight
					}
					errs++
					if firstErr == "" {
						firstErr = err.Error()
					}
					continue
				}
				lat = append(lat, l)
			}
			mu.Lock()
			res.latencies = append(res.latencies, lat...)
			res.errors += errs
			if res.firstErr == "" {
				res.firstErr = firstErr
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	if cpuAfter, err := cpuTime(t.pid); err == nil && cpuErr == nil {
		res.cpu = cpuAfter - cpuBefore
	}
	slices.Sort(res.latencies)
	return res
}

// openLoop sends requests at a fixed rate for d, whatever the answers, so
// that a slow reply does not slow the senders (no coordinated omission):
// each latency counts from when its request was due. At most maxInFlight
// requests are outstanding; a send due beyond that is dropped and counted.
func openLoop(ctx context.Context, c *http.Client, t target, rate float64, d time.Duration, maxInFlight int) result {
	interval := time.Duration(float64(time.Second) / rate)
	total := int(d.Seconds() * rate)
	var mu sync.Mutex
	var res result
	var wg sync.WaitGroup
	inFlight := make(chan struct{}, maxInFlight)
	start := time.Now()
	for i := range total {
		due := start.Add(time.Duration(i) * interval)
		if wait := time.Until(due); wait > 0 {
			select {
			case <-time.After(wait):
			case <-ctx.Done():
			}
		}
		if ctx.Err() != nil {
			break
		}
		select {
		case inFlight <- struct{}{}:
		default:
			mu.Lock()
			res.dropped++
			mu.Unlock()
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-inFlight }()
			_, err := send(ctx, c, t, i)
			l := time.Since(due)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				res.errors++
				if res.firstErr == "" {
					res.firstErr = err.Error()
				}
				return
			}
			res.latencies = append(res.latencies, l)
		}()
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	slices.Sort(res.latencies)
	return res
}
