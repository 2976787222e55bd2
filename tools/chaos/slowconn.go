package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// slowConns holds many connections to a gateway open, as a slowloris client
// does: half idle, half sending a request's headers a line a second. A
// connection the gateway closes is opened again, so that the pressure holds.
type slowConns struct {
	addr   string
	target int

	open, peak     atomic.Int64
	dials          atomic.Int64
	dialFailures   atomic.Int64
	closedByServer atomic.Int64
}

// run opens the connections over the first seconds and holds them for
// length, then closes them all.
func (s *slowConns) run(ctx context.Context, length time.Duration) {
	ctx, cancel := context.WithTimeout(ctx, length)
	defer cancel()
	ramp := 3 * time.Second
	var wg sync.WaitGroup
	for i := range s.target {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case <-ctx.Done():
				return
			case <-time.After(ramp * time.Duration(i) / time.Duration(s.target)):
			}
			s.hold(ctx, i%2 == 1)
		}()
	}
	wg.Wait()
}

// hold keeps one connection open until ctx is done, opening it again each
// time the gateway closes it.
func (s *slowConns) hold(ctx context.Context, trickle bool) {
	d := net.Dialer{Timeout: 3 * time.Second}
	for ctx.Err() == nil {
		s.dials.Add(1)
		c, err := d.DialContext(ctx, "tcp", s.addr)
		if err != nil {
			if ctx.Err() == nil {
				s.dialFailures.Add(1)
				sleepCtx(ctx, 500*time.Millisecond)
			}
			continue
		}
		if n := s.open.Add(1); n > s.peak.Load() {
			s.peak.Store(n) // racy by a few, which the figure does not need
		}
		closed := make(chan struct{})
		go func() {
			// Whatever the gateway answers (a 408, a 503) is read; EOF or
			// a reset means it closed the connection.
			_, _ = io.Copy(io.Discard, c)
			close(closed)
		}()
		if trickle {
			_, _ = io.WriteString(c, "POST /v1/extract HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n")
		}
		t := time.NewTicker(time.Second)
	held:
		for {
			select {
			case <-ctx.Done():
				c.Close()
				<-closed
				break held
			case <-closed:
				s.closedByServer.Add(1)
				c.Close()
				sleepCtx(ctx, 200*time.Millisecond)
				break held
			case <-t.C:
				if trickle {
					_, _ = io.WriteString(c, "X-Slow: 1\r\n")
				}
			}
		}
		t.Stop()
		s.open.Add(-1)
	}
}

func (s *slowConns) summary() string {
	return fmt.Sprintf("slow connections: %d wanted, %d open at the peak, %d dials (%d failed), %d closed by the gateway",
		s.target, s.peak.Load(), s.dials.Load(), s.dialFailures.Load(), s.closedByServer.Load())
}

func sleepCtx(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
