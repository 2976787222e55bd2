package jobclient

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
)

// progress shows how a job goes: a bar on a terminal, plain lines
// elsewhere (a log, a pipe, cron's mail).
type progress interface {
	// start begins reading the results of a job of total articles,
	// finished of them already, from the first.
	start(total, finished int)
	// set is the job's count from its events.
	set(finished, total int)
	// advance is one article written (or found written).
	advance(what string)
	// line is an article worth a line of its own (a failure, a warning).
	line(s string)
	// note is a message about the job.
	note(s string)
	finish()
}

func newProgress(w io.Writer, terminal bool) progress {
	if w == nil {
		w = io.Discard
	}
	if terminal {
		return &bar{w: w}
	}
	return &plain{w: w}
}

// plain writes one line per article: "[3/120] out/a.en.md".
type plain struct {
	w            io.Writer
	total, count int
}

func (p *plain) start(total, _ int) { p.total, p.count = total, 0 }
func (p *plain) set(int, int)       {}
func (p *plain) advance(what string) {
	p.count++
	fmt.Fprintf(p.w, "[%d/%d] %s\n", p.count, p.total, what)
}
func (p *plain) line(s string) { p.advance(s) }
func (p *plain) note(s string) { fmt.Fprintln(p.w, s) }
func (p *plain) finish()       {}

// bar is a progress bar with the count, the rate and the time left; lines
// are written above it.
type bar struct {
	w  io.Writer
	mu sync.Mutex
	b  *progressbar.ProgressBar
	// count is what the bar shows: the most of the job's own count and
	// the results read.
	count, results int
}

func (b *bar) start(total, finished int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.b != nil {
		_ = b.b.Finish()
	}
	b.count, b.results = finished, 0
	b.b = progressbar.NewOptions(total,
		progressbar.OptionSetWriter(b.w),
		progressbar.OptionSetDescription("translating"),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("articles"),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionOnCompletion(func() { fmt.Fprintln(b.w) }),
	)
	_ = b.b.Set(finished)
}

func (b *bar) set(finished, total int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.b == nil {
		return
	}
	if total > 0 && int64(total) != b.b.GetMax64() {
		b.b.ChangeMax(total)
	}
	if finished > b.count {
		b.count = finished
		_ = b.b.Set(finished)
	}
}

func (b *bar) advance(string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.results++
	if b.b != nil && b.results > b.count {
		b.count = b.results
		_ = b.b.Set(b.count)
	}
}

func (b *bar) line(s string) {
	b.note(s)
	b.advance(s)
}

func (b *bar) note(s string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.b != nil {
		_ = b.b.Clear()
	}
	fmt.Fprintln(b.w, s)
}

func (b *bar) finish() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.b != nil {
		_ = b.b.Finish()
	}
}
