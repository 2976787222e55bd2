package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// floodOutcome is what one request of the flood got.
type floodOutcome struct {
	status     int    // 0: no HTTP answer
	code       string // error.code of a JSON error body
	retryAfter string // the Retry-After header
	complete   bool   // a 200's body is the whole JSON reply
	err        string // why there was no answer, or why a 200 is not whole
}

// outcomeKind is how the flood judges a request: the only acceptable ends
// are the answer, or a refusal that tells the client when to come back.
type outcomeKind int

const (
	outcomeOK         outcomeKind = iota // 200 with a whole reply
	outcomeOverloaded                    // 503 overloaded with Retry-After
	outcomeOther                         // anything else: a failure of the run
)

// judgeOutcome classifies a request and names its outcome for the report.
func judgeOutcome(o floodOutcome) (outcomeKind, string) {
	switch {
	case o.status == 0:
		return outcomeOther, "no answer (" + errorLabel(o.err) + ")"
	case o.status == http.StatusOK && o.complete:
		return outcomeOK, "200"
	case o.status == http.StatusOK:
		return outcomeOther, "200 cut short"
	case o.status == http.StatusServiceUnavailable && o.code == "overloaded":
		if !validRetryAfter(o.retryAfter) {
			return outcomeOther, "503 overloaded without Retry-After"
		}
		return outcomeOverloaded, "503 overloaded"
	}
	label := strconv.Itoa(o.status)
	if o.code != "" {
		label += " " + o.code
	}
	return outcomeOther, label
}

// validRetryAfter reports whether v is a Retry-After value: seconds, or an
// HTTP date.
func validRetryAfter(v string) bool {
	v = strings.TrimSpace(v)
	if n, err := strconv.Atoi(v); err == nil {
		return n >= 0
	}
	_, err := http.ParseTime(v)
	return v != "" && err == nil
}

// errorLabel shortens a transport error to its cause.
func errorLabel(e string) string {
	for _, known := range []string{"connection refused", "connection reset", "broken pipe", "unexpected EOF", "EOF",
		"Client.Timeout", "deadline exceeded", "context canceled"} {
		if strings.Contains(e, known) {
			return known
		}
	}
	if e == "" {
		return "unknown"
	}
	return oneLine(e)
}

// errorCode reads error.code from a JSON error body; "" when it is not one.
func errorCode(body []byte) string {
	var e struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &e) != nil {
		return ""
	}
	return e.Error.Code
}

// scenarioStats are the figures of one flood scenario.
type scenarioStats struct {
	name       string
	sent       int
	ok         int
	overloaded int
	other      map[string]int // by outcome label
	examples   []string       // a few of the other outcomes, with their error
	peak       int64          // the gateway's peak RSS, bytes
	guardKill  bool           // the memory guard killed the gateway
	killRSS    int64
	killAfter  time.Duration   // from the start of the load to the kill
	died       bool            // the gateway exited by itself (a crash, the kernel's OOM killer)
	health     []time.Duration // latency of every /healthz probe, failures included
	healthBad  map[string]int  // failed probes by outcome
	elapsed    time.Duration
	notes      []string // what the scenario adds (connections held, page fetches)
}

func newScenarioStats(name string) *scenarioStats {
	return &scenarioStats{name: name, other: map[string]int{}, healthBad: map[string]int{}}
}

// add counts one request's outcome.
func (s *scenarioStats) add(o floodOutcome) {
	s.sent++
	switch k, label := judgeOutcome(o); k {
	case outcomeOK:
		s.ok++
	case outcomeOverloaded:
		s.overloaded++
	default:
		s.other[label]++
		if len(s.examples) < 3 {
			s.examples = append(s.examples, label+": "+oneLine(o.err))
		}
	}
}

// otherCount is the number of requests that ended in neither acceptable way.
func (s *scenarioStats) otherCount() int {
	n := 0
	for _, v := range s.other {
		n += v
	}
	return n
}

// Bounds the flood holds the gateway to.
const (
	rssBound    = 1 << 30 // peak resident memory
	healthBound = time.Second
)

// failures says why the scenario fails the run; nil when it passes.
func (s *scenarioStats) failures() []string {
	var why []string
	if s.guardKill {
		why = append(why, fmt.Sprintf("killed by the memory guard at %s RSS, %.1fs in", mib(s.killRSS), s.killAfter.Seconds()))
	} else if s.peak >= rssBound {
		why = append(why, fmt.Sprintf("peak RSS %s, not under %s", mib(s.peak), mib(rssBound)))
	}
	if s.died {
		why = append(why, "the gateway exited during the scenario")
	}
	if n := s.otherCount(); n > 0 {
		why = append(why, fmt.Sprintf("%d of %d requests ended neither with 200 nor with 503 overloaded and Retry-After (%s)",
			n, s.sent, sortedCounts(s.other)))
	}
	slow := 0
	for _, d := range s.health {
		if d >= healthBound {
			slow++
		}
	}
	bad := 0
	for _, v := range s.healthBad {
		bad += v
	}
	if bad > 0 {
		why = append(why, fmt.Sprintf("%d /healthz probes failed (%s)", bad, sortedCounts(s.healthBad)))
	}
	if slow > 0 {
		why = append(why, fmt.Sprintf("%d of %d /healthz probes took %v or more (max %v)", slow, len(s.health), healthBound,
			slices.Max(s.health).Round(time.Millisecond)))
	}
	return why
}
