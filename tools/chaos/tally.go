package main

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// class is how the run judges one request.
type class string

const (
	classOK         class = "ok"
	classDeliberate class = "deliberate" // a wrong key refused with 401, as it must be
	classServable   class = "servable"   // 5xx, 429 or no answer: a fallback could have served it
	classWrong      class = "wrong"      // 200 with a body that is not the article's translation
	classUnexpected class = "unexpected" // another 4xx, or a wrong key not refused
	classDropped    class = "dropped"    // handled by a replica that closed the connection unanswered
)

// classify judges a request. Every provider fault of the run leaves a healthy
// fallback, and a replica that refuses connections leaves the other: a valid
// request has no reason to fail.
func classify(r result) class {
	if r.dropped {
		return classDropped
	}
	if r.kind == kindBadKey {
		if r.status == http.StatusUnauthorized {
			return classDeliberate
		}
		return classUnexpected
	}
	switch {
	case r.status >= 200 && r.status < 300:
		if r.wrong {
			return classWrong
		}
		return classOK
	case r.status == 0, r.status >= 500, r.status == http.StatusTooManyRequests:
		return classServable
	}
	return classUnexpected
}

// statusLabel names a request's outcome: its status, or why there was none.
func statusLabel(r result) string {
	if r.status != 0 {
		return strconv.Itoa(r.status)
	}
	e := r.err
	for _, known := range []string{"connection refused", "connection reset", "EOF", "Client.Timeout", "deadline exceeded"} {
		if strings.Contains(e, known) {
			return "no answer (" + known + ")"
		}
	}
	return "no answer"
}

// phaseStats are the figures of one phase.
type phaseStats struct {
	name            string
	planned, actual time.Duration
	sent, ok        int
	failed          map[string]int // by status label, every non-OK class but deliberate ones
	rerouted        int            // refused by a replica that was down, answered by the other
	deliberate      int
	xcache          map[string]int
	servedBy        map[string]int
	latencies       []time.Duration
}

// tally sums results by phase, in the order of phases.
func tally(results []result, phases []phase, actual map[string]time.Duration) []*phaseStats {
	byName := map[string]*phaseStats{}
	var out []*phaseStats
	for _, p := range phases {
		s := &phaseStats{name: p.name, planned: p.length, actual: actual[p.name],
			failed: map[string]int{}, xcache: map[string]int{}, servedBy: map[string]int{}}
		byName[p.name] = s
		out = append(out, s)
	}
	for _, r := range results {
		s := byName[r.phase]
		if s == nil {
			s = &phaseStats{name: r.phase, failed: map[string]int{}, xcache: map[string]int{}, servedBy: map[string]int{}}
			byName[r.phase] = s
			out = append(out, s)
		}
		s.sent++
		if r.rerouted {
			s.rerouted++
		}
		switch classify(r) {
		case classOK:
			s.ok++
			s.xcache[cmp.Or(r.xcache, "(none)")]++
			s.servedBy[r.provider]++
			s.latencies = append(s.latencies, r.end.Sub(r.start))
		case classDeliberate:
			s.deliberate++
		case classWrong:
			s.failed["200 wrong body"]++
		case classDropped:
			s.failed["answer lost"]++
		default:
			s.failed[statusLabel(r)]++
		}
	}
	return out
}

// percentile returns the p-th percentile (0-100) of ds, which it sorts.
func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	i := int(float64(len(ds)-1) * p / 100)
	return ds[i]
}

// outage is a stretch when Redis could not answer: from its kill until it
// answered PING again.
type outage struct{ down, up time.Time }

// duplicate is an article text a provider translated more than once when
// nothing the run did explains it.
type duplicate struct {
	provider, segment string
	first, second     providerCall
	why               string // "at once, same article", "at once, shared paragraph", "after the first was answered"
}

// findDuplicates looks, provider by provider, at the segments answered more
// than once. A second answer is explained when Redis was down at any moment
// between the start of the first call and the start of the second (the
// first result was lost with Redis's memory, or the second request could not
// read the cache or take the article's lease), counting settle after Redis
// answered again for the gateways' connections to come back. Any other is a
// duplicate. It returns the duplicates and how many second answers outages
// explained.
func findDuplicates(calls []providerCall, outages []outage, settle time.Duration) ([]duplicate, int) {
	type key struct{ provider, segment string }
	answered := map[key][]providerCall{}
	for _, c := range calls {
		if !c.ok {
			continue
		}
		for _, seg := range c.segments {
			k := key{c.provider, seg}
			answered[k] = append(answered[k], c)
		}
	}
	var dups []duplicate
	explained := 0
	for k, cs := range answered {
		slices.SortFunc(cs, func(a, b providerCall) int { return a.start.Compare(b.start) })
		for i := 1; i < len(cs); i++ {
			a, b := cs[i-1], cs[i]
			if duringOutage(a.start, b.start, outages, settle) {
				explained++
				continue
			}
			why := "after the first was answered"
			if b.start.Before(a.end) {
				why = "at once, shared paragraph"
				if slices.Equal(a.segments, b.segments) {
					why = "at once, same article"
				}
			}
			dups = append(dups, duplicate{provider: k.provider, segment: k.segment, first: a, second: b, why: why})
		}
	}
	slices.SortFunc(dups, func(a, b duplicate) int { return a.second.start.Compare(b.second.start) })
	return dups, explained
}

// duringOutage reports whether [from, to] meets an outage extended by settle.
func duringOutage(from, to time.Time, outages []outage, settle time.Duration) bool {
	for _, o := range outages {
		up := o.up
		if up.IsZero() {
			return true // never came back: nothing after the kill is comparable
		}
		if !from.After(up.Add(settle)) && !o.down.After(to) {
			return true
		}
	}
	return false
}

// inFlightAt returns how many requests replica was handling at t, and how
// many of them it answered with a 2xx. A request it refused, or never read
// before closing the connection, was not in flight there; one it handled but
// left unanswered was.
func inFlightAt(results []result, replica int, t time.Time) (inFlight, ok int) {
	for _, r := range results {
		if r.replica != replica || (r.rerouted && !r.dropped) || !r.start.Before(t) || !r.end.After(t) {
			continue
		}
		inFlight++
		if !r.rerouted && classify(r) == classOK {
			ok++
		}
	}
	return inFlight, ok
}

// sortedCounts formats a count map as "k1 n1, k2 n2" by decreasing count.
func sortedCounts(m map[string]int) string {
	if len(m) == 0 {
		return "-"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int { return cmp.Or(cmp.Compare(m[b], m[a]), cmp.Compare(a, b)) })
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", cmp.Or(k, `""`), m[k])
	}
	return strings.Join(parts, ", ")
}
