package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestClassify(t *testing.T) {
	tests := []struct {
		name string
		r    result
		want class
	}{
		{"200", result{kind: kindNew, status: 200}, classOK},
		{"200 after a reroute", result{kind: kindRepeat, status: 200, rerouted: true}, classOK},
		{"200 with the wrong text", result{kind: kindNew, status: 200, wrong: true}, classWrong},
		{"502 provider_error", result{kind: kindNew, status: 502}, classServable},
		{"504 provider_timeout", result{kind: kindBurst, status: 504}, classServable},
		{"503", result{kind: kindEdit, status: 503}, classServable},
		{"429", result{kind: kindNew, status: 429}, classServable},
		{"no answer", result{kind: kindNew, err: "read: connection reset by peer"}, classServable},
		{"refused by both replicas", result{kind: kindNew, rerouted: true, err: "connect: connection refused"}, classServable},
		{"422 on a valid article", result{kind: kindNew, status: 422}, classUnexpected},
		{"401 with the valid key", result{kind: kindNew, status: 401}, classUnexpected},
		{"closed before it was read, then answered", result{kind: kindNew, status: 200, rerouted: true, closed: true}, classOK},
		{"handled, closed unanswered, then answered", result{kind: kindNew, status: 200, rerouted: true, closed: true, dropped: true}, classDropped},
		{"wrong key refused", result{kind: kindBadKey, status: 401}, classDeliberate},
		{"wrong key let in", result{kind: kindBadKey, status: 200}, classUnexpected},
		{"wrong key, no answer", result{kind: kindBadKey, err: "EOF"}, classUnexpected},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := classify(tt.r); got != tt.want {
				t.Errorf("classify(%+v) = %s, want %s", tt.r, got, tt.want)
			}
		})
	}
}

func TestFindDuplicates(t *testing.T) {
	t0 := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	at := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	call := func(provider string, from, to float64, ok bool, segs ...string) providerCall {
		return providerCall{provider: provider, segments: segs, start: at(from), end: at(to), ok: ok}
	}
	redisDown := []outage{{down: at(10), up: at(14)}}
	tests := []struct {
		name          string
		calls         []providerCall
		outages       []outage
		wantWhy       []string // of each duplicate, in order
		wantExplained int
	}{
		{"each text once", []providerCall{
			call("primary", 1, 1.1, true, "a", "b"), call("primary", 2, 2.1, true, "c")}, nil, nil, 0},
		{"again after it was answered", []providerCall{
			call("primary", 1, 1.1, true, "a", "b"), call("primary", 3, 3.1, true, "a")}, nil,
			[]string{"after the first was answered"}, 0},
		{"same article twice at once", []providerCall{
			call("primary", 1, 1.5, true, "a", "b"), call("primary", 1.2, 1.6, true, "a", "b")}, nil,
			[]string{"at once, same article", "at once, same article"}, 0},
		{"shared paragraph at once", []providerCall{
			call("primary", 1, 1.5, true, "t", "a"), call("primary", 1.2, 1.6, true, "t", "b")}, nil,
			[]string{"at once, shared paragraph"}, 0},
		{"failed calls are not paid for", []providerCall{
			call("primary", 1, 1.1, false, "a"), call("primary", 1.2, 1.3, false, "a"), call("primary", 2, 2.1, true, "a")}, nil, nil, 0},
		{"fallback after primary is no duplicate", []providerCall{
			call("fallback", 1, 1.1, true, "a"), call("primary", 20, 20.1, true, "a")}, nil, nil, 0},
		{"first before the kill, second after the restart", []providerCall{
			call("primary", 5, 5.1, true, "a"), call("primary", 20, 20.1, true, "a")}, redisDown, nil, 1},
		{"second during the outage", []providerCall{
			call("primary", 11, 11.1, true, "a"), call("primary", 12, 12.1, true, "a")}, redisDown, nil, 1},
		{"first within settle after the restart", []providerCall{
			call("primary", 14.5, 14.6, true, "a"), call("primary", 20, 20.1, true, "a")}, redisDown, nil, 1},
		{"both after the outage and settle", []providerCall{
			call("primary", 16, 16.1, true, "a"), call("primary", 20, 20.1, true, "a")}, redisDown,
			[]string{"after the first was answered"}, 0},
		{"both before the outage", []providerCall{
			call("primary", 1, 1.1, true, "a"), call("primary", 5, 5.1, true, "a")}, redisDown,
			[]string{"after the first was answered"}, 0},
		{"Redis never came back", []providerCall{
			call("primary", 20, 20.1, true, "a"), call("primary", 30, 30.1, true, "a")}, []outage{{down: at(10)}}, nil, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dups, explained := findDuplicates(tt.calls, tt.outages, time.Second)
			var why []string
			for _, d := range dups {
				why = append(why, d.why)
			}
			if len(why) != len(tt.wantWhy) || explained != tt.wantExplained {
				t.Fatalf("duplicates %q, explained %d; want %q, explained %d", why, explained, tt.wantWhy, tt.wantExplained)
			}
			for i := range why {
				if why[i] != tt.wantWhy[i] {
					t.Errorf("duplicate %d: %q, want %q", i, why[i], tt.wantWhy[i])
				}
			}
		})
	}
}

func TestInFlightAt(t *testing.T) {
	t0 := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	at := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	stop := at(10)
	results := []result{
		{replica: 1, status: 200, start: at(9.6), end: at(10.3)},                                              // in flight, drained
		{replica: 1, status: 0, err: "EOF", start: at(9.8), end: at(10.1)},                                    // in flight, dropped
		{replica: 1, status: 200, start: at(9), end: at(9.5)},                                                 // done before
		{replica: 1, status: 200, rerouted: true, start: at(10.2), end: at(10.4)},                             // refused after
		{replica: 1, status: 200, rerouted: true, start: at(9.9), end: at(10.4)},                              // refused: dialled after
		{replica: 1, status: 200, rerouted: true, closed: true, start: at(9.9), end: at(10.4)},                // closed, never read
		{replica: 1, status: 200, rerouted: true, closed: true, dropped: true, start: at(9.9), end: at(10.4)}, // read, unanswered
		{replica: 0, status: 200, start: at(9.6), end: at(10.3)},                                              // the other replica
	}
	inFlight, ok := inFlightAt(results, 1, stop)
	if inFlight != 3 || ok != 1 {
		t.Errorf("inFlightAt = %d in flight, %d ok; want 3, 1", inFlight, ok)
	}
}

func TestCacheErrorsAround(t *testing.T) {
	t0 := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	at := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	scan := logScan{cacheErrs: []time.Time{at(1), at(10.5), at(13), at(14.9), at(16), at(17.5)}}
	before, during, after, last := scan.cacheErrorsAround(outage{down: at(10), up: at(14)}, time.Second)
	if before != 1 || during != 3 || after != 2 || last != 3500*time.Millisecond {
		t.Errorf("cacheErrorsAround = %d, %d, %d, last %v; want 1, 3, 2, last 3.5s", before, during, after, last)
	}
}

func TestScanLogs(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, lines ...string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("gateway-a.1.log",
		`{"time":"2025-01-01T12:00:01Z","level":"INFO","msg":"request","request_id":"chaos-1","status":200}`,
		`{"time":"2025-01-01T12:00:02Z","level":"WARN","msg":"cache read failed; going on without it","err":"dial tcp: connection refused"}`,
		`{"time":"2025-01-01T12:00:03Z","level":"INFO","msg":"request","request_id":"chaos-2","status":200}`)
	write("gateway-b.1.log",
		`{"time":"2025-01-01T12:00:02Z","level":"INFO","msg":"request","request_id":"chaos-3","status":200}`,
		`{"time":"2025-01-01T12:00:03Z","level":"ERROR","msg":"internal error","key":"psl_secret"}`,
		`panic: something`)
	write("redis.log", `1:M 01 Jan 2025 12:00:00.000 * Ready to accept connections psl_secret`)

	// chaos-2 was closed unanswered by gateway-b but handled by gateway-a:
	// only a log of gateway-b counts.
	scan := scanLogs(dir, []string{"psl_secret", "sk-never-logged"}, map[string]string{"chaos-2": "gateway-b", "chaos-3": "gateway-b"})
	if scan.lines != 6 {
		t.Errorf("lines = %d, want 6 (the gateways' only)", scan.lines)
	}
	if !scan.handled["chaos-3"] || scan.handled["chaos-2"] || scan.handled["chaos-1"] {
		t.Errorf("handled = %v, want chaos-3 only", scan.handled)
	}
	want := map[string]int{"WARN cache read failed; going on without it": 1, "ERROR internal error": 1, "(not JSON) panic: something": 1}
	if len(scan.byMessage) != len(want) {
		t.Errorf("byMessage = %v, want %v", scan.byMessage, want)
	}
	for k, v := range want {
		if scan.byMessage[k] != v {
			t.Errorf("byMessage[%q] = %d, want %d", k, scan.byMessage[k], v)
		}
	}
	if len(scan.cacheErrs) != 1 {
		t.Errorf("cache errors = %v, want the one at 12:00:02", scan.cacheErrs)
	}
	if got := strings.Join(scan.leaks, "; "); got != "gateway-b.1.log: secret #1; redis.log: secret #1" {
		t.Errorf("leaks = %q, want the first secret in gateway-b.1.log and redis.log", got)
	}
}
