package jobs

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"passerelle/internal/testenv"
)

// backends are the engines every behaviour is checked on.
var backends = []struct {
	name string
	new  func(t *testing.T, opts Options) *Engine
}{
	{"memory", func(t *testing.T, opts Options) *Engine { return NewMemory(opts) }},
	{"redis", func(t *testing.T, opts Options) *Engine {
		return NewRedis(redisClient(t), withPrefix(t, opts))
	}},
	// A cluster refuses a command or script whose keys are in several
	// slots: every key of a job carries its hash tag.
	{"redis-cluster", func(t *testing.T, opts Options) *Engine {
		c := redis.NewClusterClient(&redis.ClusterOptions{Addrs: startRedisCluster(t)})
		t.Cleanup(func() { _ = c.Close() })
		return NewRedis(c, withPrefix(t, opts))
	}},
}

func redisClient(t *testing.T) redis.UniversalClient {
	t.Helper()
	o, err := redis.ParseURL(testenv.RedisURL(t))
	if err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(o)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// withPrefix gives the test keys of its own on a shared server.
func withPrefix(t *testing.T, opts Options) Options {
	opts.KeyPrefix = "test-" + NewID()[:12]
	return opts
}

func articles(n int) []json.RawMessage {
	out := make([]json.RawMessage, n)
	for i := range out {
		out[i] = json.RawMessage(fmt.Sprintf(`{"text":"article %d"}`, i))
	}
	return out
}

// echo succeeds with the article as its result, counting calls.
func echo(calls *atomic.Int64) Work {
	return func(ctx context.Context, job *Job, index int, article json.RawMessage) Outcome {
		calls.Add(1)
		return Outcome{Status: 200, Result: article, Usage: Usage{Characters: 10}}
	}
}

func waitFinished(t *testing.T, e *Engine, owner, id string, within time.Duration) *Job {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		j, err := e.Job(context.Background(), owner, id)
		if err != nil {
			t.Fatal(err)
		}
		if j.Status.Finished() {
			return j
		}
		if time.Now().After(deadline) {
			t.Fatalf("job still %s after %s: %+v", j.Status, within, j)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

type line struct {
	Index  int             `json:"index"`
	Status int             `json:"status"`
	Result json.RawMessage `json:"result"`
	Error  struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// exactlyOnce checks that every article of a job of n has one result.
func exactlyOnce(t *testing.T, e *Engine, owner, id string, n int) []line {
	t.Helper()
	raw, err := e.Results(context.Background(), owner, id, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(raw) != n {
		t.Fatalf("%d results, want %d", len(raw), n)
	}
	seen := map[int]bool{}
	var out []line
	for _, r := range raw {
		var l line
		if err := json.Unmarshal(r, &l); err != nil {
			t.Fatalf("result %s: %v", r, err)
		}
		if seen[l.Index] {
			t.Fatalf("article %d has two results", l.Index)
		}
		seen[l.Index] = true
		out = append(out, l)
	}
	return out
}

func TestJobRunsToTheEnd(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			e := b.new(t, Options{Workers: 3})
			var calls atomic.Int64
			e.Start(echo(&calls))
			defer e.Stop(context.Background())
			ctx := context.Background()
			j, err := e.Submit(ctx, "alice", "translate", json.RawMessage(`{"summary_sentences":2}`), articles(25))
			if err != nil {
				t.Fatal(err)
			}
			if j.Status != Queued || j.Total != 25 || !ValidID(j.ID) {
				t.Fatalf("submitted: %+v", j)
			}
			j = waitFinished(t, e, "alice", j.ID, 10*time.Second)
			if j.Status != Done || j.Done != 25 || j.Failed != 0 || j.Usage.Characters != 250 {
				t.Fatalf("finished: %+v", j)
			}
			if j.StartedAt.IsZero() || j.FinishedAt.Before(j.StartedAt) || string(j.Params) != `{"summary_sentences":2}` {
				t.Fatalf("times or params: %+v", j)
			}
			lines := exactlyOnce(t, e, "alice", j.ID, 25)
			for _, l := range lines {
				if l.Status != 200 || string(l.Result) != fmt.Sprintf(`{"text":"article %d"}`, l.Index) {
					t.Fatalf("line %+v", l)
				}
			}
			if calls.Load() != 25 {
				t.Fatalf("%d calls for 25 articles", calls.Load())
			}
			// Paging: after the first 20, the 5 others.
			rest, _ := e.Results(ctx, "alice", j.ID, 20, 0)
			if len(rest) != 5 {
				t.Fatalf("after=20: %d lines", len(rest))
			}
			page, _ := e.Results(ctx, "alice", j.ID, 10, 3)
			all, _ := e.Results(ctx, "alice", j.ID, 0, 0)
			if len(page) != 3 || string(page[0]) != string(all[10]) {
				t.Fatalf("after=10 limit=3: %q", page)
			}

			// Events: every article, then the end; resuming after one
			// gives what follows it.
			evs, err := e.Events(ctx, "alice", j.ID, "", 0, 0)
			if err != nil {
				t.Fatal(err)
			}
			var articlesSeen int
			for _, ev := range evs {
				if ev.Kind == EventArticle {
					articlesSeen++
				}
			}
			last := evs[len(evs)-1]
			if articlesSeen != 25 || last.Kind != EventEnd || last.Status != Done || last.Done != 25 {
				t.Fatalf("%d article events, last %+v", articlesSeen, last)
			}
			after, _ := e.Events(ctx, "alice", j.ID, evs[5].ID, 0, 0)
			if len(after) != len(evs)-6 || after[0].ID != evs[6].ID {
				t.Fatalf("resumed after %s: %d events, want %d", evs[5].ID, len(after), len(evs)-6)
			}
			// Waiting on a finished job's events returns at the timeout.
			start := time.Now()
			none, err := e.Events(ctx, "alice", j.ID, last.ID, 0, 100*time.Millisecond)
			if err != nil || len(none) != 0 || time.Since(start) < 80*time.Millisecond {
				t.Fatalf("after the end: %v %v in %s", none, err, time.Since(start))
			}
		})
	}
}

func TestJobBelongsToItsOwner(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			e := b.new(t, Options{})
			ctx := context.Background()
			j, err := e.Submit(ctx, "alice", "translate", nil, articles(1))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := e.Job(ctx, "bob", j.ID); err != ErrNotFound {
				t.Fatalf("another owner: %v", err)
			}
			if _, err := e.Results(ctx, "bob", j.ID, 0, 0); err != ErrNotFound {
				t.Fatalf("another owner's results: %v", err)
			}
			if _, err := e.Cancel(ctx, "bob", j.ID); err != ErrNotFound {
				t.Fatalf("another owner cancels: %v", err)
			}
			if _, err := e.Job(ctx, "alice", NewID()); err != ErrNotFound {
				t.Fatalf("no such job: %v", err)
			}
			if _, err := e.Job(ctx, "alice", "../x"); err != ErrNotFound {
				t.Fatalf("not an id: %v", err)
			}
		})
	}
}

// Cancel starts nothing more of the job, cuts the articles in flight (one
// may be waiting to call its provider) and returns once they are let go.
func TestCancelStartsNothingMore(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			e := b.new(t, Options{Workers: 2, Poll: 10 * time.Millisecond})
			var calls, running atomic.Int64
			started := make(chan struct{}, 100)
			e.Start(func(ctx context.Context, job *Job, index int, article json.RawMessage) Outcome {
				calls.Add(1)
				running.Add(1)
				defer running.Add(-1)
				started <- struct{}{}
				// Waiting, as an article waits on a lease held elsewhere
				// before it calls its provider.
				<-ctx.Done()
				return Outcome{Status: 503, Error: json.RawMessage(`{"code":"cut"}`)}
			})
			defer e.Stop(context.Background())
			ctx := context.Background()
			j, _ := e.Submit(ctx, "alice", "translate", nil, articles(20))
			<-started
			<-started
			c, err := e.Cancel(ctx, "alice", j.ID)
			if err != nil || c.Status != Cancelled {
				t.Fatalf("cancel: %+v %v", c, err)
			}
			// The work in flight was cut before Cancel returned: nothing of
			// the job can reach a provider after it.
			if n := running.Load(); n != 0 {
				t.Fatalf("%d articles still worked on when Cancel returned", n)
			}
			time.Sleep(300 * time.Millisecond)
			if n := calls.Load(); n != 2 {
				t.Fatalf("%d articles started, want the 2 in flight at the cancel", n)
			}
			j, _ = e.Job(ctx, "alice", j.ID)
			if j.Status != Cancelled || j.Done+j.Failed != 0 {
				t.Fatalf("after: %+v: the articles cut by the cancel have no result", j)
			}
			if _, err := e.Cancel(ctx, "alice", j.ID); err != ErrFinished {
				t.Fatalf("cancel again: %v", err)
			}
			evs, _ := e.Events(ctx, "alice", j.ID, "", 0, 0)
			var ends int
			for _, ev := range evs {
				if ev.Kind == EventEnd {
					ends++
					if ev.Status != Cancelled {
						t.Fatalf("end %+v", ev)
					}
				}
			}
			if ends != 1 {
				t.Fatalf("%d end events", ends)
			}
		})
	}
}

// A worker that takes an article and dies loses it to another after the
// visibility timeout, and no article gets two results.
func TestDeadWorkerLosesItsArticle(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			opts := Options{Workers: 2, VisibilityTimeout: 300 * time.Millisecond, Poll: 20 * time.Millisecond}
			e := b.new(t, opts)
			ctx := context.Background()
			j, _ := e.Submit(ctx, "alice", "translate", nil, articles(6))
			d, err := e.b.take(ctx, "dead")
			if err != nil || d == nil {
				t.Fatalf("take: %v %v", d, err)
			}
			var calls atomic.Int64
			start := time.Now()
			e.Start(echo(&calls))
			defer e.Stop(context.Background())
			j = waitFinished(t, e, "alice", j.ID, 10*time.Second)
			if j.Status != Done || j.Done != 6 {
				t.Fatalf("%+v", j)
			}
			if time.Since(start) < opts.VisibilityTimeout {
				t.Fatalf("finished in %s, before the held article could be claimed", time.Since(start))
			}
			exactlyOnce(t, e, "alice", j.ID, 6)
			// The dead worker coming back late stores nothing twice.
			if err := e.b.complete(ctx, d, resultLine(d.index, Outcome{Status: 200, Result: json.RawMessage(`{}`)}), true, 200, Usage{}); err != nil {
				t.Fatal(err)
			}
			exactlyOnce(t, e, "alice", j.ID, 6)
			if j2, _ := e.Job(ctx, "alice", j.ID); j2.Done != 6 {
				t.Fatalf("counted twice: %+v", j2)
			}
		})
	}
}

// The same, with the dead worker reading the stream itself, as another
// process of another version would: the group is what hands work out.
func TestRedisDeadConsumerLosesItsArticle(t *testing.T) {
	c := redisClient(t)
	opts := withPrefix(t, Options{Workers: 1, VisibilityTimeout: 300 * time.Millisecond, Poll: 20 * time.Millisecond})
	e := NewRedis(c, opts)
	ctx := context.Background()
	j, _ := e.Submit(ctx, "alice", "translate", nil, articles(4))
	k := e.b.(*redisBackend).keysOf(j.ID)
	if !strings.Contains(k.todo, "{"+j.ID+"}") || !strings.Contains(k.meta, "{"+j.ID+"}") {
		t.Fatalf("keys without the job's hash tag: %+v", k)
	}
	got, err := c.XReadGroup(ctx, &redis.XReadGroupArgs{Group: group, Consumer: "crashed", Streams: []string{k.todo, ">"}, Count: 2, Block: -1}).Result()
	if err != nil || len(got[0].Messages) != 2 {
		t.Fatalf("read: %v %v", got, err)
	}
	var calls atomic.Int64
	e.Start(echo(&calls))
	defer e.Stop(context.Background())
	j = waitFinished(t, e, "alice", j.ID, 10*time.Second)
	exactlyOnce(t, e, "alice", j.ID, 4)
	if calls.Load() != 4 {
		t.Fatalf("%d calls", calls.Load())
	}
	pending, err := c.XPending(ctx, k.todo, group).Result()
	if err != nil || pending.Count != 0 {
		t.Fatalf("pending after the end: %+v %v", pending, err)
	}
}

func TestDeliveryLimitFailsTheArticle(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			opts := Options{Workers: 1, VisibilityTimeout: 200 * time.Millisecond, MaxDeliveries: 2, Poll: 20 * time.Millisecond}
			e := b.new(t, opts)
			ctx := context.Background()
			j, _ := e.Submit(ctx, "alice", "translate", nil, articles(1))
			// Two workers take it in turn and die.
			for _, who := range []string{"dead1", "dead2"} {
				var d *delivery
				deadline := time.Now().Add(3 * time.Second)
				for d == nil && time.Now().Before(deadline) {
					d, _ = e.b.take(ctx, who)
					time.Sleep(20 * time.Millisecond)
				}
				if d == nil {
					t.Fatalf("%s took nothing", who)
				}
			}
			var calls atomic.Int64
			e.Start(echo(&calls))
			defer e.Stop(context.Background())
			j = waitFinished(t, e, "alice", j.ID, 5*time.Second)
			if j.Status != Failed || j.Failed != 1 || calls.Load() != 0 {
				t.Fatalf("%+v, %d calls", j, calls.Load())
			}
			l := exactlyOnce(t, e, "alice", j.ID, 1)[0]
			if l.Status != StatusDeliveryLimit || l.Error.Code != CodeDeliveryLimit || !strings.Contains(l.Error.Message, "2 deliveries") {
				t.Fatalf("%+v", l)
			}
		})
	}
}

func TestPausedJobResumes(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			e := b.new(t, Options{Workers: 2, Poll: 20 * time.Millisecond})
			until := time.Now().Add(500 * time.Millisecond)
			var calls atomic.Int64
			var mu sync.Mutex
			var pausedCalls int
			e.Start(func(ctx context.Context, job *Job, index int, article json.RawMessage) Outcome {
				if time.Now().Before(until) && index >= 2 {
					mu.Lock()
					pausedCalls++
					mu.Unlock()
					return Outcome{Pause: &Pause{Reason: "the daily allowance of characters is spent", Until: until}}
				}
				calls.Add(1)
				return Outcome{Status: 200, Result: article}
			})
			defer e.Stop(context.Background())
			ctx := context.Background()
			j, _ := e.Submit(ctx, "alice", "translate", nil, articles(5))
			var sawPause bool
			deadline := time.Now().Add(400 * time.Millisecond)
			for time.Now().Before(deadline) && !sawPause {
				cur, _ := e.Job(ctx, "alice", j.ID)
				sawPause = cur.Status == Paused && strings.Contains(cur.Reason, "allowance") && !cur.ResumeAt.IsZero()
				time.Sleep(10 * time.Millisecond)
			}
			if !sawPause {
				t.Fatal("the job was never seen paused with its reason")
			}
			j = waitFinished(t, e, "alice", j.ID, 5*time.Second)
			if j.Status != Done || j.Done != 5 || calls.Load() != 5 {
				t.Fatalf("%+v, %d calls", j, calls.Load())
			}
			exactlyOnce(t, e, "alice", j.ID, 5)
			mu.Lock()
			defer mu.Unlock()
			if pausedCalls > 4 {
				t.Fatalf("%d calls while paused: the workers kept asking", pausedCalls)
			}
		})
	}
}

// Stopping hands what a worker holds back at once: another process's
// worker finishes it, without waiting for the visibility timeout.
func TestStopHandsBack(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			opts := Options{Workers: 1, VisibilityTimeout: time.Hour, Poll: 10 * time.Millisecond}
			e := b.new(t, opts)
			other := newEngine(e.b, e.opts, e.durable)
			started := make(chan struct{}, 1)
			e.Start(func(ctx context.Context, job *Job, index int, article json.RawMessage) Outcome {
				started <- struct{}{}
				<-ctx.Done()
				return Outcome{Status: 503, Error: json.RawMessage(`{"code":"shutting_down"}`)}
			})
			ctx := context.Background()
			j, _ := e.Submit(ctx, "alice", "translate", nil, articles(1))
			<-started
			stopCtx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
			e.Stop(stopCtx)
			cancel()
			var calls atomic.Int64
			other.Start(echo(&calls))
			defer other.Stop(context.Background())
			j = waitFinished(t, e, "alice", j.ID, 5*time.Second)
			l := exactlyOnce(t, e, "alice", j.ID, 1)[0]
			if j.Status != Done || l.Status != 200 || calls.Load() != 1 {
				t.Fatalf("%+v %+v", j, l)
			}
		})
	}
}

// Redis restarted mid-job, with its append-only file: the job finishes,
// every article with exactly one result.
func TestJobSurvivesARedisRestart(t *testing.T) {
	srv := startAOFRedis(t)
	o, _ := redis.ParseURL(srv.url())
	o.MaxRetries = 0
	c := redis.NewClient(o)
	defer c.Close()
	e := NewRedis(c, withPrefix(t, Options{Workers: 3, VisibilityTimeout: time.Second, Poll: 20 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}))
	var calls atomic.Int64
	e.Start(func(ctx context.Context, job *Job, index int, article json.RawMessage) Outcome {
		calls.Add(1)
		time.Sleep(30 * time.Millisecond)
		return Outcome{Status: 200, Result: article}
	})
	defer e.Stop(context.Background())
	ctx := context.Background()
	const n = 60
	j, err := e.Submit(ctx, "alice", "translate", nil, articles(n))
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if cur, _ := e.Job(ctx, "alice", j.ID); cur != nil && cur.Done >= 10 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the job did not start")
		}
	}
	srv.stop()
	time.Sleep(300 * time.Millisecond)
	srv.start()
	var final *Job
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if cur, err := e.Job(ctx, "alice", j.ID); err == nil && cur.Status.Finished() {
			final = cur
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the job did not finish after the restart")
		}
	}
	if final.Status != Done || final.Done != n {
		t.Fatalf("%+v", final)
	}
	exactlyOnce(t, e, "alice", j.ID, n)
	t.Logf("%d calls for %d articles", calls.Load(), n)
}
