package jobclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
	"time"
)

// Options are what `passerelle translate` is asked.
type Options struct {
	Server, Key string
	// Task is "articles" (translation and summary), "translate" or "summarize".
	Task             string
	SummarySentences int
	Glossary         map[string]string
	// Out is the output folder; Format "md" or "json".
	Out, Format string
	// Feed is the address of an RSS or Atom feed whose items join the job.
	Feed string
	// Inputs are files, folders and URLs.
	Inputs []string
	// Progress receives the progress: a bar when Terminal, else one plain
	// line per article.
	Progress io.Writer
	Terminal bool
	// HTTP sends the requests; nil for http.DefaultClient.
	HTTP *http.Client
	// Poll is how often the job is looked at when no event comes; 0 is 2s.
	Poll time.Duration
	// Patience is how long a gateway that does not answer is waited for
	// before giving up; 0 is 10 minutes.
	Patience time.Duration
}

func (o Options) poll() time.Duration {
	if o.Poll > 0 {
		return o.Poll
	}
	return 2 * time.Second
}

func (o Options) patience() time.Duration {
	if o.Patience > 0 {
		return o.Patience
	}
	return 10 * time.Minute
}

// Summary counts a run's articles.
type Summary struct{ Translated, Failed, Skipped int }

func (s Summary) String() string {
	return fmt.Sprintf("%d translated, %d failed, %d skipped", s.Translated, s.Failed, s.Skipped)
}

// Run translates o.Inputs and o.Feed through one job of the gateway and
// writes each result into o.Out as it arrives. It follows the job kept in
// o.Out when that job was started for the same request and has not
// finished; otherwise it submits the articles whose output is not written
// yet (the failures of an earlier run among them). It returns when every
// result is written, or with ctx's error when stopped: running it again
// then resumes.
func Run(ctx context.Context, o Options) (Summary, error) {
	o, ins, err := prepare(o)
	if err != nil {
		return Summary{}, err
	}
	f := &follower{c: &Client{Server: o.Server, Key: o.Key, HTTP: o.HTTP}, o: o, p: newProgress(o.Progress, o.Terminal),
		counted: map[string]bool{}, request: fingerprint(o, ins)}
	defer f.p.finish()
	if followed, err := f.followKept(ctx); followed || err != nil {
		return f.sum, err
	}
	return f.sum, f.submit(ctx, ins)
}

// prepare checks o, gives its defaults, and reads the inputs.
func prepare(o Options) (Options, []input, error) {
	if o.Task == "" {
		o.Task = "articles"
	}
	if o.Format == "" {
		o.Format = "md"
	}
	if o.Format != "md" && o.Format != "json" {
		return o, nil, fmt.Errorf("--format %q: md or json", o.Format)
	}
	if o.Task != "articles" && o.Task != "translate" && o.Task != "summarize" {
		return o, nil, fmt.Errorf("--task %q: articles, translate or summarize", o.Task)
	}
	ins, err := collect(o.Inputs)
	if err != nil {
		return o, nil, err
	}
	if len(ins) == 0 && o.Feed == "" {
		return o, nil, errors.New("nothing to translate: give files, folders or URLs, or --feed")
	}
	return o, ins, nil
}

// followKept follows the job kept in the output folder when it was started
// for this very request, and reports whether that was the run's whole work:
// a job still running is (its failures are for the next run), a finished
// one is read again only to write what an interrupted run left unwritten.
func (f *follower) followKept(ctx context.Context) (bool, error) {
	kept, err := loadState(f.o.Out)
	if err != nil || kept == nil || kept.Server != f.o.Server || kept.Request != f.request {
		return false, err
	}
	job, err := f.c.Job(ctx, kept.ID)
	switch {
	case errors.Is(err, ErrNoJob):
		return false, nil // expired, or unknown here: a new job
	case err != nil:
		return false, err
	case job.Finished():
		return false, f.follow(ctx, job, kept.Names, false)
	}
	f.p.note(fmt.Sprintf("resuming job %s (%d of %d finished)", job.ID, job.Done+job.Failed, job.Total))
	return true, f.follow(ctx, job, kept.Names, true)
}

// submit sends the inputs whose output is not written, and the feed, as one
// job, keeps its id in the output folder, and follows it.
func (f *follower) submit(ctx context.Context, ins []input) error {
	req := JobRequest{Task: f.o.Task, Feed: f.o.Feed, SummarySentences: f.o.SummarySentences, Glossary: f.o.Glossary}
	var names []string
	for _, in := range ins {
		if exists(outputPath(f.o.Out, in.name, f.o.Format)) {
			f.skip(in.name)
			continue
		}
		req.Articles = append(req.Articles, in.source)
		names = append(names, in.name)
	}
	if len(names) == 0 && f.o.Feed == "" {
		return nil
	}
	job, err := f.c.Submit(ctx, req)
	if err != nil {
		return err
	}
	if err := saveState(f.o.Out, &state{Server: f.o.Server, ID: job.ID, Request: f.request, Names: names}); err != nil {
		return err
	}
	f.p.note(fmt.Sprintf("job %s: %d articles", job.ID, job.Total))
	return f.follow(ctx, job, names, true)
}

// skip counts an output written before this run, once.
func (f *follower) skip(name string) {
	if !f.counted[name] {
		f.counted[name] = true
		f.sum.Skipped++
	}
}

// follower writes the results of a job as they come.
type follower struct {
	c       *Client
	o       Options
	p       progress
	sum     Summary
	request string          // the fingerprint of the run's request
	counted map[string]bool // outputs counted by this run
	taken   map[string]bool // names given to feed items in this job
}

// follow reads the job's results until it has finished and every result is
// read. Events say when to look; without them the job is looked at every
// o.Poll. countFailures is false for a finished job read again, whose
// failures are submitted anew.
func (f *follower) follow(ctx context.Context, job Job, names []string, countFailures bool) error {
	f.taken = map[string]bool{}
	f.p.start(job.Total, job.Done+job.Failed)
	wake := make(chan struct{}, 1)
	var ended atomic.Bool
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if !job.Finished() {
		go f.watch(ctx, job.ID, wake, &ended)
	}
	ticker := time.NewTicker(f.o.poll())
	defer ticker.Stop()
	cursor := 0
	var down time.Time // since when the gateway has not answered
	for {
		n, err := f.c.Results(ctx, job.ID, cursor, func(r Result) error {
			f.handle(r, names, countFailures)
			return nil
		})
		cursor += n
		if err := f.unanswered(ctx, err, &down); err != nil {
			return err
		}
		if job.Finished() && cursor >= job.Done+job.Failed {
			f.unfinished(job, cursor, countFailures)
			return nil
		}
		look := false
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-wake:
			look = ended.Load()
		case <-ticker.C:
			look = true
		}
		if look {
			j, err := f.c.Job(ctx, job.ID)
			if err := f.unanswered(ctx, err, &down); err != nil {
				return err
			}
			if err == nil {
				f.noteStatus(job, j)
				job = j
			}
		}
	}
}

// unanswered judges an error of a request about the job: nil when there is
// none or when the gateway may still come back (a restart, a deploy), the
// error when the job is gone, ctx is done, or the gateway has not answered
// for o.Patience. down is when the gateway stopped answering.
func (f *follower) unanswered(ctx context.Context, err error, down *time.Time) error {
	switch {
	case err == nil:
		if !down.IsZero() {
			f.p.note("the gateway answers again")
		}
		*down = time.Time{}
		return nil
	case ctx.Err() != nil:
		return ctx.Err()
	case errors.Is(err, ErrNoJob):
		return err
	case down.IsZero():
		*down = time.Now()
		f.p.note(fmt.Sprintf("the gateway does not answer (%v): waiting for it", err))
		return nil
	case time.Since(*down) > f.o.patience():
		return fmt.Errorf("the gateway has not answered for %s: %w (run the same command again to resume)", f.o.patience(), err)
	}
	return nil
}

// unfinished counts as failed the articles of a job that ended without
// their result (cancelled, or failed as a whole), and says so.
func (f *follower) unfinished(job Job, results int, countFailures bool) {
	missing := job.Total - results
	if missing <= 0 || !countFailures {
		return
	}
	f.sum.Failed += missing
	msg := fmt.Sprintf("job %s %s: %d articles not translated", job.ID, job.Status, missing)
	if job.Reason != "" {
		msg += " (" + job.Reason + ")"
	}
	f.p.note(msg)
}

// noteStatus says when a job pauses (its key's allowance is spent) or
// resumes.
func (f *follower) noteStatus(was, is Job) {
	if was.Status == is.Status || (is.Status != "paused" && was.Status != "paused") {
		return
	}
	msg := "job " + is.ID + " " + is.Status
	if is.Reason != "" {
		msg += ": " + is.Reason
	}
	f.p.note(msg)
}

// watch follows the job's events, resuming the stream from the last event
// it saw when it is cut, and wakes the reader of results at each. It ends
// with the stream's end event or ctx.
func (f *follower) watch(ctx context.Context, id string, wake chan<- struct{}, ended *atomic.Bool) {
	lastID := ""
	signal := func() {
		select {
		case wake <- struct{}{}:
		default:
		}
	}
	for ctx.Err() == nil && !ended.Load() {
		seen := false
		_ = f.c.Events(ctx, id, lastID, func(ev Event) error {
			seen = true
			if ev.ID != "" {
				lastID = ev.ID
			}
			switch ev.Name {
			case "progress":
				var p struct{ Done, Failed, Total int }
				if json.Unmarshal(ev.Data, &p) == nil {
					f.p.set(p.Done+p.Failed, p.Total)
				}
			case "end":
				ended.Store(true)
			}
			signal()
			return nil
		})
		if ended.Load() || seen {
			continue // a stream cut after it gave events is resumed at once
		}
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
}

// handle writes one result, or counts it failed or skipped.
func (f *follower) handle(r Result, names []string, countFailures bool) {
	name := f.name(r, names)
	if r.Status != http.StatusOK || r.Error != nil || len(r.Result) == 0 {
		if countFailures {
			f.sum.Failed++
			f.p.line(fmt.Sprintf("%s: failed: %s", name, describe(r)))
		}
		return
	}
	path := outputPath(f.o.Out, name, f.o.Format)
	if exists(path) {
		f.skip(name)
		f.p.advance(name + ": already written")
		return
	}
	b, err := render(r.Result, f.o.Format, name)
	if err == nil {
		err = writeFile(path, b)
	}
	if err != nil {
		f.sum.Failed++
		f.p.line(fmt.Sprintf("%s: failed: %v", name, err))
		return
	}
	f.counted[name] = true
	f.sum.Translated++
	if isIncomplete(r.Result) {
		f.p.line(fmt.Sprintf("%s: written incomplete, see its warnings", path))
		return
	}
	f.p.advance(path)
}

// name is the output name of a result: its input's, or for a feed item a
// slug of its English title, unique within the job.
func (f *follower) name(r Result, names []string) string {
	if r.Index >= 0 && r.Index < len(names) {
		return names[r.Index]
	}
	var rep reply
	_ = json.Unmarshal(r.Result, &rep)
	base := fmt.Sprintf("item-%d", r.Index)
	if t := rep.title(); t != "" {
		base = slug(t)
	}
	name := base
	for n := 2; f.taken[name]; n++ {
		name = fmt.Sprintf("%s-%d", base, n)
	}
	f.taken[name] = true
	return name
}
