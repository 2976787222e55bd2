package main

import (
	"bufio"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// settle is how long after Redis answers again a second provider call is
// still put down to the outage: the gateways' pools reconnect on their next
// command, and a lease or a write may fail once more.
const settle = time.Second

// report is everything the run observed.
type report struct {
	schedule  []phase
	actual    map[string]time.Duration
	results   []result
	calls     []providerCall
	unknown   int
	events    *events
	readiness map[string]map[string]int
	pauses    []outage
	logs      logScan
	elapsed   time.Duration
}

// print writes the figures and the verdict; it returns whether the run
// failed.
func (r *report) print(w io.Writer) (failed bool) {
	stats := tally(r.results, r.schedule, r.actual)
	fmt.Fprintf(w, "\n%-16s %7s %7s %6s %6s %6s  %-26s %-30s %-28s %7s %7s\n",
		"phase", "planned", "actual", "sent", "ok", "rerout", "failed (by status)", "X-Cache", "served by", "p50", "p99")
	total := &phaseStats{name: "total", failed: map[string]int{}, xcache: map[string]int{}, servedBy: map[string]int{}}
	for _, s := range stats {
		r.printPhase(w, s)
		total.planned += s.planned
		total.actual += s.actual
		total.sent += s.sent
		total.ok += s.ok
		total.rerouted += s.rerouted
		total.deliberate += s.deliberate
		total.latencies = append(total.latencies, s.latencies...)
		for _, pair := range []struct{ from, to map[string]int }{{s.failed, total.failed}, {s.xcache, total.xcache}, {s.servedBy, total.servedBy}} {
			for k, v := range pair.from {
				pair.to[k] += v
			}
		}
	}
	r.printPhase(w, total)

	byClass := map[class][]result{}
	badKeys := 0
	for _, res := range r.results {
		c := classify(res)
		byClass[c] = append(byClass[c], res)
		if res.kind == kindBadKey {
			badKeys++
		}
	}
	fmt.Fprintf(w, "\nrequests sent                       %d (%d with a wrong key, on purpose)\n", total.sent, badKeys)
	refused, closed := 0, 0
	for _, res := range byClass[classOK] {
		switch {
		case res.closed:
			closed++
		case res.rerouted:
			refused++
		}
	}
	fmt.Fprintf(w, "succeeded                           %d; rerouted to the other replica: %d refused by a replica that was down, %d closed or reset unanswered by a replica shutting down (not in its log)\n",
		total.ok, refused, closed)
	fmt.Fprintf(w, "wrong key refused with 401          %d of %d\n", len(byClass[classDeliberate]), badKeys)
	fmt.Fprintf(w, "failed                              %d: %s\n", total.sent-total.ok-total.deliberate, sortedCounts(total.failed))
	fmt.Fprintf(w, "  a fallback could have served      %d\n", len(byClass[classServable]))
	fmt.Fprintf(w, "  200 with another article's text   %d\n", len(byClass[classWrong]))
	fmt.Fprintf(w, "  other (4xx not provoked)          %d\n", len(byClass[classUnexpected]))
	fmt.Fprintf(w, "  answer lost by a closing replica  %d (it handled the request, then closed the connection unanswered)\n", len(byClass[classDropped]))
	for _, c := range []class{classServable, classWrong, classUnexpected, classDropped} {
		for i, res := range byClass[c] {
			if i == 5 {
				fmt.Fprintf(w, "    … %d more\n", len(byClass[c])-i)
				break
			}
			fmt.Fprintf(w, "    %s %s %s to %s%s: %s after %v: %s\n", res.phase, res.kind, res.endpoint, replicaName(res.replica),
				map[bool]string{true: " (rerouted)"}[res.rerouted], statusLabel(res), res.end.Sub(res.start).Round(time.Millisecond), oneLine(res.err))
		}
	}

	ev := r.events
	for _, o := range ev.outages {
		fmt.Fprintf(w, "redis-server                        killed, answering again %.1fs later\n", o.up.Sub(o.down).Seconds())
		before, during, after, last := r.logs.cacheErrorsAround(o, settle)
		fmt.Fprintf(w, "  cache failures logged             %d before the kill, %d from the kill to %v after Redis answered, %d later",
			before, during, settle, after)
		if after > 0 {
			fmt.Fprintf(w, " (the last %.1fs after Redis answered)", last.Seconds())
		}
		fmt.Fprintln(w)
	}
	for i, at := range ev.stopAt {
		inFlight, ok := inFlightAt(r.results, i, at)
		x := ev.exits[i]
		fmt.Fprintf(w, "%s SIGTERM                   %d requests in flight on it, %d completed with 2xx; exited (%s) %.2fs after the signal; answering again after %.1fs\n",
			replicaName(i), inFlight, ok, exitText(x.err), x.at.Sub(at).Seconds(), ev.restarted[i].Sub(at).Seconds())
		if inFlight == 0 {
			fmt.Fprintf(w, "  (no request was in flight at the signal: graceful shutdown was not exercised)\n")
		}
	}

	r.printProviders(w)
	dups, explained := findDuplicates(r.calls, ev.outages, settle)
	fmt.Fprintf(w, "duplicated provider calls           %d unexplained (%d more explained by the Redis outage)\n", len(dups), explained)
	why := map[string]int{}
	for _, d := range dups {
		why[d.why]++
	}
	if len(dups) > 0 {
		fmt.Fprintf(w, "  by kind: %s\n", sortedCounts(why))
	}
	began := r.firstStart()
	for i, d := range dups {
		if i == 5 {
			fmt.Fprintf(w, "  … %d more\n", len(dups)-i)
			break
		}
		paused := ""
		if duringOutage(d.first.start, d.second.start, r.pauses, 0) {
			paused = "; this process paused in between"
		}
		fmt.Fprintf(w, "  %s %q: +%.2fs and +%.2fs (%s%s)\n", d.provider, d.segment,
			d.first.start.Sub(began).Seconds(), d.second.start.Sub(began).Seconds(), d.why, paused)
	}
	var longest outage
	for _, p := range r.pauses {
		if p.up.Sub(p.down) > longest.up.Sub(longest.down) {
			longest = p
		}
	}
	fmt.Fprintf(w, "pauses of this process over 300ms   %d", len(r.pauses))
	if len(r.pauses) > 0 {
		fmt.Fprintf(w, " (the longest %.1fs at +%.1fs: the machine is busy, and timeouts in that time are its)",
			longest.up.Sub(longest.down).Seconds(), longest.down.Sub(began).Seconds())
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "cache statuses seen (X-Cache)       %s\n", sortedCounts(total.xcache))
	for _, p := range r.schedule {
		fmt.Fprintf(w, "readyz during %-21s %s\n", p.name, sortedCounts(r.readiness[p.name]))
	}
	fmt.Fprintf(w, "gateway logs                        %d lines; warnings and errors: %s\n", r.logs.lines, sortedCounts(r.logs.byMessage))
	leak := "none"
	if len(r.logs.leaks) > 0 {
		leak = strings.Join(r.logs.leaks, "; ")
	}
	fmt.Fprintf(w, "API keys found in the logs          %s\n", leak)
	fmt.Fprintf(w, "time per phase                      ")
	for i, p := range r.schedule {
		if i > 0 {
			fmt.Fprint(w, ", ")
		}
		fmt.Fprintf(w, "%s %.1fs", p.name, r.actual[p.name].Seconds())
	}
	fmt.Fprintf(w, "; whole run %.1fs\n", r.elapsed.Seconds())

	var reasons []string
	if n := len(byClass[classServable]); n > 0 {
		reasons = append(reasons, fmt.Sprintf("%d requests failed that a fallback could have served", n))
	}
	if n := len(byClass[classWrong]); n > 0 {
		reasons = append(reasons, fmt.Sprintf("%d answers carried another text than the article's translation", n))
	}
	if n := len(byClass[classDropped]); n > 0 {
		reasons = append(reasons, fmt.Sprintf("%d requests were handled by a replica shutting down that never sent the answer", n))
	}
	if n := len(byClass[classUnexpected]); n > 0 {
		reasons = append(reasons, fmt.Sprintf("%d requests got a 4xx the run did not provoke (or a wrong key was not refused)", n))
	}
	if r.unknown > 0 {
		reasons = append(reasons, fmt.Sprintf("the stand-ins were sent %d segments that are not the run's phrases", r.unknown))
	}
	if len(r.logs.leaks) > 0 {
		reasons = append(reasons, "an API key is written in a log")
	}
	reasons = append(reasons, ev.problems...)
	if len(reasons) > 0 {
		fmt.Fprintf(w, "\nFAIL: %s\n", strings.Join(reasons, "; "))
		return true
	}
	fmt.Fprintf(w, "\nPASS: every request with the valid key got its article's translation\n")
	return false
}

func (r *report) printPhase(w io.Writer, s *phaseStats) {
	p50, p99 := percentile(s.latencies, 50), percentile(s.latencies, 99)
	fmt.Fprintf(w, "%-16s %7s %6.1fs %6d %6d %6d  %-26s %-30s %-28s %7s %7s\n", s.name, s.planned, s.actual.Seconds(),
		s.sent, s.ok, s.rerouted, sortedCounts(s.failed), sortedCounts(s.xcache), sortedCounts(s.servedBy),
		p50.Round(time.Millisecond), p99.Round(time.Millisecond))
}

// printProviders writes the stand-ins' calls by outcome.
func (r *report) printProviders(w io.Writer) {
	byProvider := map[string]map[string]int{}
	segments := map[string]int{}
	for _, c := range r.calls {
		if byProvider[c.provider] == nil {
			byProvider[c.provider] = map[string]int{}
		}
		outcome := string(c.fault)
		if !c.ok && (c.fault == faultNone || c.fault == faultSlow) {
			outcome += " (unanswered)"
		}
		byProvider[c.provider][outcome]++
		if c.ok {
			segments[c.provider] += len(c.segments)
		}
	}
	for _, name := range []string{"primary", "fallback"} {
		n := 0
		for _, v := range byProvider[name] {
			n += v
		}
		fmt.Fprintf(w, "%-8s provider calls            %d (%s), %d segments answered\n", name, n, sortedCounts(byProvider[name]), segments[name])
	}
}

func (r *report) firstStart() time.Time {
	var t time.Time
	for _, res := range r.results {
		if t.IsZero() || res.start.Before(t) {
			t = res.start
		}
	}
	return t
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

// logScan is what the gateways' logs say.
type logScan struct {
	lines     int
	byMessage map[string]int // "WARN cache read failed; going on without it" -> count
	cacheErrs []time.Time    // when a cache or Redis failure was logged
	leaks     []string       // "gateway-a.1.log: secret #1"
	handled   map[string]bool
}

// cacheErrorsAround counts the logged cache failures before the outage,
// during it (settle included), and after it, with the time of the last one
// after it, measured from when Redis answered again.
func (s logScan) cacheErrorsAround(o outage, settle time.Duration) (before, during, after int, last time.Duration) {
	for _, t := range s.cacheErrs {
		switch {
		case t.Before(o.down):
			before++
		case !t.After(o.up.Add(settle)):
			during++
		default:
			after++
			last = max(last, t.Sub(o.up))
		}
	}
	return before, during, after, last
}

// scanLogs reads the gateways' JSON logs in dir, counting warnings and errors
// by message, and looks for every secret in every log of the run. watch maps
// request ids to a replica's name: handled says which of them that replica
// logged.
func scanLogs(dir string, secrets []string, watch map[string]string) logScan {
	scan := logScan{byMessage: map[string]int{}, handled: map[string]bool{}}
	paths, _ := filepath.Glob(filepath.Join(dir, "*.log"))
	slices.Sort(paths)
	for _, path := range paths {
		f, err := os.Open(path)
		if err != nil {
			continue
		}
		gateway := strings.HasPrefix(filepath.Base(path), "gateway-")
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		leaked := map[int]bool{}
		for sc.Scan() {
			line := sc.Text()
			for i, s := range secrets {
				if s != "" && strings.Contains(line, s) {
					leaked[i] = true
				}
			}
			if !gateway {
				continue
			}
			scan.lines++
			var entry struct {
				Time      time.Time `json:"time"`
				Level     string    `json:"level"`
				Msg       string    `json:"msg"`
				RequestID string    `json:"request_id"`
			}
			if json.Unmarshal([]byte(line), &entry) != nil {
				scan.byMessage["(not JSON) "+oneLine(line)]++
				continue
			}
			if r, ok := watch[entry.RequestID]; ok && strings.HasPrefix(filepath.Base(path), r+".") {
				scan.handled[entry.RequestID] = true
			}
			if entry.Level == "WARN" || entry.Level == "ERROR" {
				scan.byMessage[entry.Level+" "+entry.Msg]++
				if strings.HasPrefix(entry.Msg, "cache ") || strings.HasPrefix(entry.Msg, "redis ") {
					scan.cacheErrs = append(scan.cacheErrs, entry.Time)
				}
			}
		}
		f.Close()
		for i := range leaked {
			scan.leaks = append(scan.leaks, fmt.Sprintf("%s: secret #%d", filepath.Base(path), i+1))
		}
	}
	slices.SortFunc(scan.leaks, func(a, b string) int { return cmp.Compare(a, b) })
	return scan
}
