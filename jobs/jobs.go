// Package jobs runs durable bulk work: a job is a list of articles, each
// worked on by whichever worker of whichever replica takes it, its results
// kept for a while so that a client can come back for them.
//
// The engine knows nothing of HTTP, of the gateway or of what an article
// becomes: it stores what it is given, hands each article to a Work
// function (the handlers give one that calls the gateway, the same path as
// the single-article endpoints), and keeps the line that function answers.
// It lives at the top level, beside gateway and cache, because both the
// handlers (the API) and the binary (the workers' lifetime) use it and
// neither owns it.
//
// Two backends stand behind one Engine:
//   - Redis (NewRedis): every replica shares the work. The articles to do
//     are a Redis Stream read through a consumer group; an article a worker
//     holds past the visibility timeout without a sign of life is claimed by
//     another (XAUTOCLAIM); one delivered more than MaxDeliveries times is
//     failed with the reason. The job's state is a hash, its results a list,
//     its events a stream, and every key of a job carries the job's hash tag
//     (passerelle:job:{ID}:…), so that one job's commands and scripts stay
//     in one slot of a Redis Cluster.
//   - Memory (NewMemory): the same semantics inside the process, for the
//     embedded cache. Its jobs do not survive a restart.
package jobs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Status is where a job is.
type Status string

// The statuses of a job.
const (
	Queued    Status = "queued"    // no article taken yet
	Running   Status = "running"   // articles are being worked on
	Paused    Status = "paused"    // waiting for its owner's allowance (Reason says why, ResumeAt until when)
	Done      Status = "done"      // every article has a result, at least one a success
	Failed    Status = "failed"    // every article has a result, none a success
	Cancelled Status = "cancelled" // cancelled by its owner: no article started since
)

// Finished reports whether s is final.
func (s Status) Finished() bool { return s == Done || s == Failed || s == Cancelled }

// Usage is what a job's articles paid upstream, summed.
type Usage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	Characters       int `json:"characters"`
}

// Job is the state of one job.
type Job struct {
	ID    string
	Owner string // the API key's name (or client address) that made it
	Task  string
	// Params are the request fields shared by every article, as the API
	// received them: opaque to the engine, given back to Work.
	Params json.RawMessage
	Status Status
	// Reason says why the job is paused.
	Reason   string
	ResumeAt time.Time

	Total, Done, Failed int

	CreatedAt, StartedAt, FinishedAt time.Time
	Usage                            Usage
}

// Outcome is what Work made of one article: a result (Status 200) or an
// error (another status), or a pause when the owner's allowance is spent
// for now: the article is put back and the job waits until Pause.Until.
type Outcome struct {
	Status int
	Result json.RawMessage // the article endpoint's reply, when Status is 200
	Error  json.RawMessage // the error object, otherwise
	Usage  Usage
	Pause  *Pause
}

// Pause asks the engine to hold the job until Until, saying why.
type Pause struct {
	Reason string
	Until  time.Time
}

// Work does one article of job: index is its place in the job, article
// its JSON as submitted. It is called once per delivery; ctx is cancelled
// when the process stops before it returns (the article is then handed
// back to another worker).
type Work func(ctx context.Context, job *Job, index int, article json.RawMessage) Outcome

// Event is one entry of a job's event log: an article's result, a change
// of status, or the end.
type Event struct {
	ID                  string // opaque, increasing: Events(after=ID) resumes after it
	Kind                string // EventArticle, EventStatus or EventEnd
	Index               int    // of EventArticle
	Code                int    // of EventArticle: its status
	Status              Status // the job's status after it
	Reason              string
	Done, Failed, Total int
}

// Event kinds.
const (
	EventArticle = "article"
	EventStatus  = "status"
	EventEnd     = "end"
)

// Errors of the engine.
var (
	// ErrNotFound: no such job, or not the caller's.
	ErrNotFound = errors.New("jobs: no such job")
	// ErrFinished: the job is over and cannot be cancelled.
	ErrFinished = errors.New("jobs: the job is over")
)

// CodeDeliveryLimit is the error code of an article given up after
// MaxDeliveries deliveries.
const CodeDeliveryLimit = "delivery_limit"

// StatusDeliveryLimit is the status of such an article's result line.
const StatusDeliveryLimit = 500

// Options configures an Engine.
type Options struct {
	// Workers is the number of articles this process works on at once; 0
	// makes it serve the API only. Default: none (set it).
	Workers int
	// TTL is how long a job and its results are kept after their last
	// change. Default 7 days.
	TTL time.Duration
	// VisibilityTimeout is how long an article held by a worker that gives
	// no sign of life stays its own before another takes it. A worker
	// renews its hold every third of it. Default 60s.
	VisibilityTimeout time.Duration
	// MaxDeliveries is how many times an article is handed to a worker
	// before it is failed. Default 5.
	MaxDeliveries int
	// Poll is how long an idle worker waits before looking for work again.
	// Default 250ms.
	Poll time.Duration
	// KeyPrefix begins every Redis key. Default "passerelle".
	KeyPrefix string
	Logger    *slog.Logger
	// Observer is told when a worker starts and ends an article. Default:
	// none.
	Observer Observer
}

// Observer is what the engine reports of its workers' articles (metrics).
// Outcomes are OutcomeDone, OutcomeFailed, OutcomeDeliveryLimit,
// OutcomeHandedBack, OutcomePaused and OutcomeCancelled.
type Observer interface {
	JobArticleStarted()
	JobArticleEnded(outcome string, d time.Duration)
}

// The outcomes of a worker's article, as an Observer is told them.
const (
	OutcomeDone          = "done"
	OutcomeFailed        = "failed"
	OutcomeDeliveryLimit = "delivery_limit"
	OutcomeHandedBack    = "handed_back"
	OutcomePaused        = "paused"
	OutcomeCancelled     = "cancelled" // cut by its job's cancellation, no result
)

// noObserver is the Observer of an engine given none.
type noObserver struct{}

func (noObserver) JobArticleStarted()                    {}
func (noObserver) JobArticleEnded(string, time.Duration) {}

func (o Options) withDefaults() Options {
	if o.TTL <= 0 {
		o.TTL = 7 * 24 * time.Hour
	}
	if o.VisibilityTimeout <= 0 {
		o.VisibilityTimeout = 60 * time.Second
	}
	if o.MaxDeliveries <= 0 {
		o.MaxDeliveries = 5
	}
	if o.Poll <= 0 {
		o.Poll = 250 * time.Millisecond
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.KeyPrefix == "" {
		o.KeyPrefix = "passerelle"
	}
	if o.Observer == nil {
		o.Observer = noObserver{}
	}
	return o
}

// delivery is one article handed to one worker.
type delivery struct {
	job        *Job
	index      int
	article    json.RawMessage
	deliveries int    // this one included
	ref        string // the backend's handle (a stream entry id)
}

// backend is what an Engine needs of where jobs live.
type backend interface {
	create(ctx context.Context, j *Job, articles []json.RawMessage) error
	get(ctx context.Context, id string) (*Job, error)
	// take hands one article of any job that has work to consumer, or nil.
	take(ctx context.Context, consumer string) (*delivery, error)
	// extend renews consumer's hold on d.
	extend(ctx context.Context, consumer string, d *delivery) error
	// complete stores d's result line, once per article whatever the
	// deliveries, and releases d.
	complete(ctx context.Context, d *delivery, line []byte, ok bool, code int, u Usage) error
	// handBack puts d back for another worker, not counting its delivery;
	// with a pause, the job waits until then.
	handBack(ctx context.Context, d *delivery, pause *Pause) error
	// release lets d go without a result: its job is over.
	release(ctx context.Context, d *delivery) error
	cancel(ctx context.Context, id string) error
	// held counts the articles of job id that live workers hold: those of
	// a worker that gave no sign of life for the visibility timeout are
	// not counted.
	held(ctx context.Context, id string) (int, error)
	results(ctx context.Context, id string, after, limit int) ([][]byte, error)
	// events returns the events after the one with id after ("" for the
	// first), waiting up to wait for one when there is none yet.
	events(ctx context.Context, id, after string, limit int, wait time.Duration) ([]Event, error)
}

// Engine submits jobs and runs this process's workers on them.
type Engine struct {
	b       backend
	opts    Options
	durable bool

	mu       sync.Mutex
	started  bool
	stopping chan struct{} // closed: take nothing more
	hard     context.Context
	cut      context.CancelFunc // cancels the work in flight
	wg       sync.WaitGroup
}

func newEngine(b backend, opts Options, durable bool) *Engine {
	hard, cut := context.WithCancel(context.Background())
	return &Engine{b: b, opts: opts, durable: durable, stopping: make(chan struct{}), hard: hard, cut: cut}
}

// Durable reports whether jobs survive a restart of this process (Redis),
// or not (memory).
func (e *Engine) Durable() bool { return e.durable }

// Options returns the options in force, defaults applied.
func (e *Engine) Options() Options { return e.opts }

// NewID returns a new job id: 32 hex digits, not guessable.
func NewID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// ValidID reports whether id could be a job's: the API answers 404 at once
// to anything else, and no other byte reaches a key.
func ValidID(id string) bool {
	if len(id) != 32 {
		return false
	}
	_, err := hex.DecodeString(id)
	return err == nil
}

// Submit creates a job of owner doing task on articles, queued.
func (e *Engine) Submit(ctx context.Context, owner, task string, params json.RawMessage, articles []json.RawMessage) (*Job, error) {
	if len(articles) == 0 {
		return nil, errors.New("jobs: a job needs at least one article")
	}
	j := &Job{ID: NewID(), Owner: owner, Task: task, Params: params, Status: Queued, Total: len(articles), CreatedAt: time.Now().UTC()}
	if err := e.b.create(ctx, j, articles); err != nil {
		return nil, err
	}
	return j, nil
}

// Job returns owner's job id; ErrNotFound when there is none or it is
// another's.
func (e *Engine) Job(ctx context.Context, owner, id string) (*Job, error) {
	if !ValidID(id) {
		return nil, ErrNotFound
	}
	j, err := e.b.get(ctx, id)
	if err != nil {
		return nil, err
	}
	if j.Owner != owner {
		return nil, ErrNotFound
	}
	return j, nil
}

// Results returns at most limit result lines of owner's job id, after the
// first after of them, in the order they finished.
func (e *Engine) Results(ctx context.Context, owner, id string, after, limit int) ([][]byte, error) {
	if _, err := e.Job(ctx, owner, id); err != nil {
		return nil, err
	}
	return e.b.results(ctx, id, max(after, 0), limit)
}

// Events returns at most limit events of owner's job id after the one with
// id after ("" for all), waiting up to wait when there is none yet.
func (e *Engine) Events(ctx context.Context, owner, id, after string, limit int, wait time.Duration) ([]Event, error) {
	if _, err := e.Job(ctx, owner, id); err != nil {
		return nil, err
	}
	return e.b.events(ctx, id, after, limit, wait)
}

// Cancel cancels owner's job id: no article not yet started is started,
// and the work on those in flight is cut (a result already in hand is still
// kept). It returns once no live worker holds an article of the job, or
// after cancelWait, with the job as it is then, or ErrFinished when it was
// over.
func (e *Engine) Cancel(ctx context.Context, owner, id string) (*Job, error) {
	j, err := e.Job(ctx, owner, id)
	if err != nil {
		return nil, err
	}
	if j.Status.Finished() {
		return j, ErrFinished
	}
	if err := e.b.cancel(ctx, id); err != nil {
		return nil, err
	}
	// The workers holding its articles notice and let them go, cutting
	// their work: once they have, nothing of the job is sent upstream any
	// more, which is what the caller is told when this returns.
	wait, stop := context.WithTimeout(ctx, cancelWait)
	defer stop()
	for {
		n, err := e.b.held(wait, id)
		if err == nil && n == 0 {
			break
		}
		select {
		case <-wait.Done():
			e.opts.Logger.Warn("jobs: cancelled while articles are still held", "job", id, "held", n, "err", err)
			return e.b.get(ctx, id)
		case <-time.After(cancelCheck / 2):
		}
	}
	return e.b.get(ctx, id)
}

// cancelCheck is how often a worker holding an article asks whether its job
// was cancelled; cancelWait bounds how long Cancel waits for them to let go.
const (
	cancelCheck = 200 * time.Millisecond
	cancelWait  = 10 * time.Second
)

// Start runs the workers of this process on work. It is called once.
func (e *Engine) Start(work Work) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.started {
		return
	}
	e.started = true
	host, _ := os.Hostname()
	prefix := fmt.Sprintf("%s-%d-%s", host, os.Getpid(), NewID()[:8])
	for i := 0; i < e.opts.Workers; i++ {
		e.wg.Add(1)
		go e.worker(prefix+"-"+strconv.Itoa(i), work)
	}
}

// Stop makes the workers take no more articles and waits for those they
// hold until ctx is done; what is still held then is cut and handed back
// to the other replicas' workers. A result is stored before its article is
// let go: nothing is lost.
func (e *Engine) Stop(ctx context.Context) {
	e.mu.Lock()
	select {
	case <-e.stopping:
	default:
		close(e.stopping)
	}
	e.mu.Unlock()
	done := make(chan struct{})
	go func() { e.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		e.cut()
		<-done
	}
}

func (e *Engine) worker(consumer string, work Work) {
	defer e.wg.Done()
	log := e.opts.Logger
	for {
		select {
		case <-e.stopping:
			return
		default:
		}
		d, err := e.b.take(e.hard, consumer)
		if err != nil {
			log.Warn("jobs: looking for work failed", "err", err)
		}
		if d == nil {
			select {
			case <-e.stopping:
				return
			case <-time.After(e.opts.Poll):
			}
			continue
		}
		e.handle(consumer, work, d)
	}
}

// handle works on d and stores what comes of it.
func (e *Engine) handle(consumer string, work Work, d *delivery) {
	start := time.Now()
	e.opts.Observer.JobArticleStarted()
	outcome := OutcomeHandedBack
	defer func() { e.opts.Observer.JobArticleEnded(outcome, time.Since(start)) }()
	log := e.opts.Logger.With("job", d.job.ID, "index", d.index)
	// Storing must happen even when the work was cut: its own deadline.
	store := func() (context.Context, context.CancelFunc) {
		return context.WithTimeout(context.Background(), 10*time.Second)
	}
	if d.deliveries > e.opts.MaxDeliveries {
		msg := fmt.Sprintf("given up after %d deliveries: every worker that took this article stopped before finishing it", e.opts.MaxDeliveries)
		ctx, cancel := store()
		defer cancel()
		errObj, _ := json.Marshal(map[string]string{"code": CodeDeliveryLimit, "message": msg})
		line := resultLine(d.index, Outcome{Status: StatusDeliveryLimit, Error: errObj})
		outcome = OutcomeDeliveryLimit
		if err := e.b.complete(ctx, d, line, false, StatusDeliveryLimit, Usage{}); err != nil {
			log.Warn("jobs: storing a result failed", "err", err)
		}
		return
	}

	workCtx, stopWork := context.WithCancel(e.hard)
	defer stopWork()
	renewed := make(chan struct{})
	var cancelled atomic.Bool
	go func() {
		defer close(renewed)
		t := time.NewTicker(e.opts.VisibilityTimeout / 3)
		defer t.Stop()
		check := time.NewTicker(cancelCheck)
		defer check.Stop()
		for {
			select {
			case <-workCtx.Done():
				return
			case <-t.C:
				if err := e.b.extend(workCtx, consumer, d); err != nil && workCtx.Err() == nil {
					log.Warn("jobs: renewing the hold on an article failed", "err", err)
				}
			case <-check.C:
				// Cancelled: the work is cut, so that nothing more of the
				// job goes upstream (it may be waiting on another replica's
				// lease, or between two provider calls).
				if j, err := e.b.get(workCtx, d.job.ID); err == nil && j.Status == Cancelled {
					cancelled.Store(true)
					stopWork()
					return
				}
			}
		}
	}()
	out := work(workCtx, d.job, d.index, d.article)
	cut := e.hard.Err() != nil
	stopWork()
	<-renewed

	ctx, cancel := store()
	defer cancel()
	switch {
	case cancelled.Load() && out.Status != 200:
		// Cut by the cancellation: no result, the job is over.
		outcome = OutcomeCancelled
		if err := e.b.release(ctx, d); err != nil {
			log.Warn("jobs: letting go of an article of a cancelled job failed", "err", err)
		}
	case cut:
		if err := e.b.handBack(ctx, d, nil); err != nil {
			log.Warn("jobs: handing an article back failed; another worker takes it after the visibility timeout", "err", err)
		}
	case out.Pause != nil:
		outcome = OutcomePaused
		log.Info("jobs: paused", "reason", out.Pause.Reason, "until", out.Pause.Until)
		if err := e.b.handBack(ctx, d, out.Pause); err != nil {
			log.Warn("jobs: pausing failed", "err", err)
		}
	default:
		outcome = OutcomeFailed
		if out.Status == 200 {
			outcome = OutcomeDone
		}
		if err := e.b.complete(ctx, d, resultLine(d.index, out), out.Status == 200, out.Status, out.Usage); err != nil {
			log.Warn("jobs: storing a result failed; another worker does the article again after the visibility timeout", "err", err)
		}
	}
}

// resultLine is the results line of an article: {"index", "status",
// "result"} or {"index", "status", "error"}.
func resultLine(index int, out Outcome) []byte {
	type line struct {
		Index  int             `json:"index"`
		Status int             `json:"status"`
		Result json.RawMessage `json:"result,omitempty"`
		Error  json.RawMessage `json:"error,omitempty"`
	}
	l := line{Index: index, Status: out.Status}
	if out.Status == 200 {
		l.Result = out.Result
	} else {
		l.Error = out.Error
	}
	b, _ := json.Marshal(l)
	return b
}

// finalStatus is the status of a job whose every article has a result.
func finalStatus(done int) Status {
	if done == 0 {
		return Failed
	}
	return Done
}
