package main

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestJudgeOutcome(t *testing.T) {
	tests := []struct {
		name  string
		o     floodOutcome
		kind  outcomeKind
		label string
	}{
		{"200 whole", floodOutcome{status: 200, complete: true}, outcomeOK, "200"},
		{"200 cut short", floodOutcome{status: 200, err: "not JSON"}, outcomeOther, "200 cut short"},
		{"503 overloaded, seconds", floodOutcome{status: 503, code: "overloaded", retryAfter: "2"}, outcomeOverloaded, "503 overloaded"},
		{"503 overloaded, a date", floodOutcome{status: 503, code: "overloaded", retryAfter: "Wed, 21 Oct 2015 07:28:00 GMT"}, outcomeOverloaded, "503 overloaded"},
		{"503 overloaded without Retry-After", floodOutcome{status: 503, code: "overloaded"}, outcomeOther, "503 overloaded without Retry-After"},
		{"503 overloaded, Retry-After garbage", floodOutcome{status: 503, code: "overloaded", retryAfter: "soon"}, outcomeOther, "503 overloaded without Retry-After"},
		{"503 another code", floodOutcome{status: 503, code: "no_provider", retryAfter: "1"}, outcomeOther, "503 no_provider"},
		{"502", floodOutcome{status: 502, code: "fetch_failed"}, outcomeOther, "502 fetch_failed"},
		{"500 without a JSON body", floodOutcome{status: 500}, outcomeOther, "500"},
		{"413", floodOutcome{status: 413, code: "too_large"}, outcomeOther, "413 too_large"},
		{"reset", floodOutcome{err: `Post "http://127.0.0.1:1/v1/extract": read tcp: connection reset by peer`}, outcomeOther, "no answer (connection reset)"},
		{"empty reply", floodOutcome{err: `Post "http://127.0.0.1:1/v1/batch": EOF`}, outcomeOther, "no answer (EOF)"},
		{"client timeout", floodOutcome{err: "context deadline exceeded (Client.Timeout exceeded while awaiting headers)"}, outcomeOther, "no answer (Client.Timeout)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kind, label := judgeOutcome(tt.o)
			if kind != tt.kind || label != tt.label {
				t.Errorf("judgeOutcome(%+v) = %d %q, want %d %q", tt.o, kind, label, tt.kind, tt.label)
			}
		})
	}
}

func TestScenarioFailures(t *testing.T) {
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	passing := func() *scenarioStats {
		s := newScenarioStats("x")
		s.add(floodOutcome{status: 200, complete: true})
		s.add(floodOutcome{status: 503, code: "overloaded", retryAfter: "1"})
		s.peak = 900 << 20
		s.health = []time.Duration{ms(2), ms(40), ms(999)}
		return s
	}
	if why := passing().failures(); len(why) != 0 {
		t.Fatalf("a passing scenario fails: %q", why)
	}
	if s := passing(); s.sent != 2 || s.ok != 1 || s.overloaded != 1 || s.otherCount() != 0 {
		t.Fatalf("tally: sent %d, ok %d, overloaded %d, other %d", s.sent, s.ok, s.overloaded, s.otherCount())
	}
	tests := []struct {
		name  string
		spoil func(*scenarioStats)
		want  string
	}{
		{"peak at 1 GiB", func(s *scenarioStats) { s.peak = 1 << 30 }, "peak RSS 1024 MiB"},
		{"guard kill", func(s *scenarioStats) { s.guardKill, s.killRSS = true, 2<<30 }, "killed by the memory guard at 2048 MiB"},
		{"died by itself", func(s *scenarioStats) { s.died = true }, "the gateway exited during the scenario"},
		{"a dropped request", func(s *scenarioStats) { s.add(floodOutcome{err: "EOF"}) }, "1 of 3 requests ended neither"},
		{"a probe of 1s", func(s *scenarioStats) { s.health = append(s.health, time.Second) }, "1 of 4 /healthz probes took 1s or more"},
		{"a probe unanswered", func(s *scenarioStats) { s.healthBad["no answer (Client.Timeout)"]++ }, "1 /healthz probes failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := passing()
			tt.spoil(s)
			why := s.failures()
			if len(why) != 1 || !strings.Contains(why[0], tt.want) {
				t.Errorf("failures() = %q, want one containing %q", why, tt.want)
			}
		})
	}
}

func TestBatchStatuses(t *testing.T) {
	raw := []byte(`{"results":[{"status":200,"result":{}},{"status":504,"error":{"code":"provider_timeout"}},` +
		`{"status":503,"error":{"code":"overloaded"}},{"status":504,"error":{"code":"provider_timeout"}}],"succeeded":1,"failed":3}`)
	got, err := batchStatuses(raw, 4)
	if err != nil {
		t.Fatal(err)
	}
	if want := "504 provider_timeout 2, 200 1, 503 overloaded 1"; sortedCounts(got) != want {
		t.Errorf("statuses %s, want %s", sortedCounts(got), want)
	}
	if _, err := batchStatuses(raw, 100); err == nil {
		t.Error("a reply with 4 results for 100 articles passed")
	}
	if _, err := batchStatuses([]byte(`{"results":[`), 1); err == nil {
		t.Error("a reply cut short passed")
	}
}

func TestParsePhases(t *testing.T) {
	tests := []struct {
		in       string
		faults   bool
		flood    []string // in the flood's order; nil: all of them
		shutdown bool
	}{
		{"all", true, nil, true},
		{"faults", true, []string{}, false},
		{"flood", false, nil, false},
		{"batch-8mb, extract-html", false, []string{"extract-html", "batch-8mb"}, false},
		{"shutdown-batch", false, []string{}, true},
		{"faults,slow-connections,shutdown-batch", true, []string{"slow-connections"}, true},
		{"extract-html,flood", false, nil, false},
	}
	for _, tt := range tests {
		sel, err := parsePhases(tt.in)
		if err != nil {
			t.Fatalf("%q: %v", tt.in, err)
		}
		var flood []string
		if sel.flood != nil {
			flood = []string{}
			for _, n := range floodNames() {
				if sel.flood[n] {
					flood = append(flood, n)
				}
			}
		}
		if sel.faults != tt.faults || sel.shutdown != tt.shutdown || (flood == nil) != (tt.flood == nil) ||
			strings.Join(flood, " ") != strings.Join(tt.flood, " ") {
			t.Errorf("%q: faults %v, flood %q, shutdown %v; want %v, %q, %v", tt.in, sel.faults, flood, sel.shutdown,
				tt.faults, tt.flood, tt.shutdown)
		}
	}
	if _, err := parsePhases("flod"); err == nil {
		t.Error("a misspelt phase was accepted")
	}
}

// TestPostReadsAnEarlyRefusal: a gateway that refuses a large body before
// reading it (the cheap refusal) must be seen as refusing, not as dropping
// the connection: the client reads the answer that came while it wrote.
func TestPostReadsAnEarlyRefusal(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "1")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = io.WriteString(w, `{"error":{"code":"overloaded","message":"busy"}}`)
	}))
	defer srv.Close()
	body := bytes.Repeat([]byte("x"), 8<<20)
	client := floodClient(10 * time.Second)
	for range 5 {
		o := post(client, srv.URL+"/v1/batch", bytes.NewReader(body), int64(len(body)), nil)
		if kind, label := judgeOutcome(o); kind != outcomeOverloaded {
			t.Fatalf("an early 503 overloaded judged %q (%s)", label, o.err)
		}
	}
}
