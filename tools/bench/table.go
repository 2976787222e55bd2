package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// Row statuses. INFO rows measure something with no floor of its own.
const (
	statusPass = "PASS"
	statusFail = "FAIL"
	statusInfo = "INFO"
	statusSkip = "SKIP"
)

// row is one line of the table: what was measured, against what, the ratio
// that is judged and the floor it must meet.
type row struct {
	id       string
	what     string
	measured string
	ratio    string
	floor    string
	status   string
}

// judged returns a row whose status says whether ok holds.
func judged(id, what, measured, ratio, floor string, ok bool) row {
	status := statusFail
	if ok {
		status = statusPass
	}
	return row{id, what, measured, ratio, floor, status}
}

func info(id, what, measured, ratio string) row {
	return row{id, what, measured, ratio, "-", statusInfo}
}

func skipped(id, what, reason string) row {
	return row{id, what, "skipped: " + reason, "-", "-", statusSkip}
}

// printTable writes the rows aligned, and returns how many failed.
func printTable(w io.Writer, rows []row) int {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "#\tcheck\tmeasured (same run)\tratio\tfloor\tresult")
	fmt.Fprintln(tw, "-\t-----\t-------------------\t-----\t-----\t------")
	failed := 0
	for _, r := range rows {
		if r.status == statusFail {
			failed++
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.id, r.what, r.measured, r.ratio, r.floor, r.status)
	}
	tw.Flush()
	return failed
}

// dur writes a duration with a unit that suits it: µs under a millisecond.
func dur(d time.Duration) string {
	switch {
	case d < 0:
		return "-" + dur(-d)
	case d < time.Millisecond:
		return fmt.Sprintf("%dµs", d.Microseconds())
	case d < time.Second:
		return fmt.Sprintf("%.2fms", float64(d.Microseconds())/1000)
	}
	return fmt.Sprintf("%.2fs", d.Seconds())
}

func mb(b int64) string { return fmt.Sprintf("%.1fMB", float64(b)/1e6) }

func ratio(a, b float64) string {
	if b == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.2f", a/b)
}

// errNote says how many requests of a phase failed, and the first reason.
func errNote(results ...*result) string {
	var parts []string
	for _, r := range results {
		if r.errors > 0 || r.dropped > 0 {
			part := fmt.Sprintf("%d errors, %d skipped (in-flight cap)", r.errors, r.dropped)
			if r.firstErr != "" {
				part += " (" + r.firstErr + ")"
			}
			parts = append(parts, part)
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return "; " + strings.Join(parts, "; ")
}
