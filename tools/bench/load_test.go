package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"sync/atomic"
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	ms := func(v ...int) []time.Duration {
		out := make([]time.Duration, len(v))
		for i, x := range v {
			out[i] = time.Duration(x) * time.Millisecond
		}
		return out
	}
	tests := []struct {
		name   string
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{"empty", nil, 50, 0},
		{"one", ms(7), 99, 7 * time.Millisecond},
		{"median of four is the second", ms(1, 2, 3, 4), 50, 2 * time.Millisecond},
		{"p99 of a hundred is the 99th", ms(seq(100)...), 99, 99 * time.Millisecond},
		{"p100 is the largest", ms(1, 2, 3), 100, 3 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := percentile(tt.sorted, tt.p); got != tt.want {
				t.Errorf("percentile(%v, %v) = %v, want %v", tt.sorted, tt.p, got, tt.want)
			}
		})
	}
}

func seq(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i + 1
	}
	return out
}

// TestLoopsAreBounded: a closed loop sends exactly n requests, numbered from
// first; an open loop sends rate x duration; failures are counted apart from
// latencies.
func TestLoopsAreBounded(t *testing.T) {
	var served atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if served.Add(1)%10 == 0 {
			http.Error(w, "every tenth fails", http.StatusInternalServerError)
		}
	}))
	defer srv.Close()

	var outside atomic.Int64
	tgt := target{name: "test", url: srv.URL, body: func(i int) []byte {
		if i < 100 || i >= 150 {
			outside.Add(1)
		}
		return nil
	}}
	res := closedLoop(context.Background(), newClient(2), tgt, 2, 50, 0, 100)
	if got := res.ok() + res.errors; got != 50 {
		t.Errorf("closed loop: %d requests, want 50", got)
	}
	if res.errors != 5 {
		t.Errorf("closed loop: %d errors, want 5 (every tenth)", res.errors)
	}
	if n := outside.Load(); n != 0 {
		t.Errorf("closed loop: %d requests numbered outside [100, 150)", n)
	}

	res = openLoop(context.Background(), newClient(4), target{name: "test", url: srv.URL, body: fixedBody(nil)}, 100, 300*time.Millisecond, 16)
	if got := res.ok() + res.errors + res.dropped; got != 30 {
		t.Errorf("open loop: %d requests, want 100/s x 0.3s = 30", got)
	}
}

func TestCPUTimeOfThisProcess(t *testing.T) {
	before, err := cpuTime(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	// Burn some CPU: the figure must move, in whole ticks.
	deadline := time.Now().Add(100 * time.Millisecond)
	for x := 0; time.Now().Before(deadline); x++ {
		_ = x * x
	}
	after, err := cpuTime(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if after <= before {
		t.Errorf("CPU time %v then %v after 100ms of work", before, after)
	}
	if _, err := cpuTime(0); err == nil {
		t.Error("cpuTime(0) must fail")
	}
}
