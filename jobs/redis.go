package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// NewRedis returns an Engine whose jobs live in Redis, shared by every
// replica that reaches the same server or cluster. client should allow
// blocking reads (its read timeout is extended by go-redis for them).
func NewRedis(client redis.UniversalClient, opts Options) *Engine {
	opts = opts.withDefaults()
	return newEngine(&redisBackend{c: client, opts: opts}, opts, true)
}

// The keys. Every key of one job carries {ID}, its hash tag: one slot.
// The set of jobs with work left is the one key shared by all jobs.
const group = "workers"

func (r *redisBackend) active() string { return r.opts.KeyPrefix + ":jobs:active" }

func (r *redisBackend) keyOf(id, part string) string {
	return r.opts.KeyPrefix + ":job:{" + id + "}:" + part
}

type jobKeys struct{ meta, todo, tries, seen, results, events string }

func (r *redisBackend) keysOf(id string) jobKeys {
	return jobKeys{
		meta:    r.keyOf(id, "meta"),    // hash: the job's state
		todo:    r.keyOf(id, "todo"),    // stream: the articles to do, read by the group
		tries:   r.keyOf(id, "tries"),   // hash: index -> deliveries so far
		seen:    r.keyOf(id, "seen"),    // hash: index -> 1 once its result is stored
		results: r.keyOf(id, "results"), // list: result lines in the order they finished
		events:  r.keyOf(id, "events"),  // stream: the job's events
	}
}

func (k jobKeys) all() []string {
	return []string{k.meta, k.todo, k.tries, k.seen, k.results, k.events}
}

type redisBackend struct {
	c    redis.UniversalClient
	opts Options
}

func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromMS(s string) time.Time {
	n, _ := strconv.ParseInt(s, 10, 64)
	if n == 0 {
		return time.Time{}
	}
	return time.UnixMilli(n).UTC()
}

func (r *redisBackend) ttlSeconds() int64 { return int64(r.opts.TTL / time.Second) }

func (r *redisBackend) create(ctx context.Context, j *Job, articles []json.RawMessage) error {
	k := r.keysOf(j.ID)
	if err := r.c.XGroupCreateMkStream(ctx, k.todo, group, "0").Err(); err != nil {
		return fmt.Errorf("jobs: create the job's stream: %w", err)
	}
	const chunk = 500
	for start := 0; start < len(articles); start += chunk {
		p := r.c.Pipeline()
		for i := start; i < min(start+chunk, len(articles)); i++ {
			p.XAdd(ctx, &redis.XAddArgs{Stream: k.todo, Values: []any{"i", i, "a", []byte(articles[i])}})
		}
		if _, err := p.Exec(ctx); err != nil {
			return fmt.Errorf("jobs: queue the articles: %w", err)
		}
	}
	p := r.c.TxPipeline()
	p.HSet(ctx, k.meta, "id", j.ID, "owner", j.Owner, "task", j.Task, "params", []byte(j.Params),
		"status", string(j.Status), "total", j.Total, "done", 0, "failed", 0, "created_at", ms(j.CreatedAt))
	for _, key := range k.all() {
		p.Expire(ctx, key, r.opts.TTL)
	}
	p.XAdd(ctx, &redis.XAddArgs{Stream: k.events, Values: []any{"k", EventStatus, "st", string(Queued), "d", 0, "f", 0, "t", j.Total}})
	p.Expire(ctx, k.events, r.opts.TTL)
	if _, err := p.Exec(ctx); err != nil {
		return fmt.Errorf("jobs: store the job: %w", err)
	}
	// Listed last: a worker finds the job whole.
	return r.c.ZAdd(ctx, r.active(), redis.Z{Score: float64(ms(j.CreatedAt)), Member: j.ID}).Err()
}

func jobFrom(m map[string]string) *Job {
	atoi := func(s string) int { n, _ := strconv.Atoi(s); return n }
	return &Job{
		ID: m["id"], Owner: m["owner"], Task: m["task"], Params: json.RawMessage(m["params"]),
		Status: Status(m["status"]), Reason: m["reason"], ResumeAt: fromMS(m["resume_at"]),
		Total: atoi(m["total"]), Done: atoi(m["done"]), Failed: atoi(m["failed"]),
		CreatedAt: fromMS(m["created_at"]), StartedAt: fromMS(m["started_at"]), FinishedAt: fromMS(m["finished_at"]),
		Usage: Usage{PromptTokens: atoi(m["u_pt"]), CompletionTokens: atoi(m["u_ct"]), Characters: atoi(m["u_ch"])},
	}
}

func (r *redisBackend) get(ctx context.Context, id string) (*Job, error) {
	m, err := r.c.HGetAll(ctx, r.keysOf(id).meta).Result()
	if err != nil {
		return nil, err
	}
	if len(m) == 0 {
		return nil, ErrNotFound
	}
	return jobFrom(m), nil
}

// startScript marks a queued job, or a paused one whose wait is over,
// running. KEYS: meta, events. ARGV: now (ms).
var startScript = redis.NewScript(`
local st = redis.call('HGET', KEYS[1], 'status')
if st == 'queued' or st == 'paused' then
  redis.call('HSET', KEYS[1], 'status', 'running', 'reason', '', 'resume_at', 0)
  redis.call('HSETNX', KEYS[1], 'started_at', ARGV[1])
  local m = redis.call('HMGET', KEYS[1], 'done', 'failed', 'total')
  redis.call('XADD', KEYS[2], '*', 'k', 'status', 'st', 'running', 'd', m[1], 'f', m[2], 't', m[3])
  return 1
end
return 0
`)

func (r *redisBackend) take(ctx context.Context, consumer string) (*delivery, error) {
	ids, err := r.c.ZRange(ctx, r.active(), 0, -1).Result()
	if err != nil {
		return nil, err
	}
	// Each worker starts at another job, so that a long job does not hold
	// the short ones behind it.
	n := len(ids)
	if n == 0 {
		return nil, nil
	}
	start := int(time.Now().UnixNano() % int64(n))
	for k := 0; k < n; k++ {
		id := ids[(start+k)%n]
		d, err := r.takeFrom(ctx, id, consumer)
		if err != nil || d != nil {
			return d, err
		}
	}
	return nil, nil
}

func (r *redisBackend) takeFrom(ctx context.Context, id, consumer string) (*delivery, error) {
	k := r.keysOf(id)
	j, err := r.get(ctx, id)
	if errors.Is(err, ErrNotFound) {
		// Expired: nothing of it is left to do.
		return nil, r.c.ZRem(ctx, r.active(), id).Err()
	}
	if err != nil {
		return nil, err
	}
	if j.Status.Finished() {
		return nil, r.c.ZRem(ctx, r.active(), id).Err()
	}
	if j.Status == Paused && time.Now().Before(j.ResumeAt) {
		return nil, nil
	}
	// An article held past the visibility timeout by a worker that gave no
	// sign of life first, then a new one.
	claimed, _, err := r.c.XAutoClaim(ctx, &redis.XAutoClaimArgs{
		Stream: k.todo, Group: group, Consumer: consumer, MinIdle: r.opts.VisibilityTimeout, Start: "0-0", Count: 1,
	}).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, err
	}
	var msg *redis.XMessage
	if len(claimed) > 0 {
		msg = &claimed[0]
	} else {
		streams, err := r.c.XReadGroup(ctx, &redis.XReadGroupArgs{
			Group: group, Consumer: consumer, Streams: []string{k.todo, ">"}, Count: 1, Block: -1,
		}).Result()
		if err != nil && !errors.Is(err, redis.Nil) {
			return nil, err
		}
		if len(streams) > 0 && len(streams[0].Messages) > 0 {
			msg = &streams[0].Messages[0]
		}
	}
	if msg == nil {
		return nil, nil
	}
	index, _ := strconv.Atoi(fmt.Sprint(msg.Values["i"]))
	article, _ := msg.Values["a"].(string)
	tries, err := r.c.HIncrBy(ctx, k.tries, strconv.Itoa(index), 1).Result()
	if err != nil {
		return nil, err
	}
	d := &delivery{job: j, index: index, article: json.RawMessage(article), deliveries: int(tries), ref: msg.ID}
	// Cancelled between the look and the read: not started.
	if st, err := r.c.HGet(ctx, k.meta, "status").Result(); err == nil && Status(st).Finished() {
		return nil, r.release(ctx, d)
	}
	if err := startScript.Run(ctx, r.c, []string{k.meta, k.events}, time.Now().UnixMilli()).Err(); err != nil {
		return nil, err
	}
	return d, nil
}

func (r *redisBackend) extend(ctx context.Context, consumer string, d *delivery) error {
	// XCLAIM by the holder resets the entry's idle time.
	return r.c.XClaimJustID(ctx, &redis.XClaimArgs{Stream: r.keysOf(d.job.ID).todo, Group: group, Consumer: consumer, Messages: []string{d.ref}}).Err()
}

// completeScript stores an article's result once, counts it, ends the job
// when it was the last, and lets the stream entry go.
// KEYS: meta, seen, results, events, todo, tries.
// ARGV: index, line, ok (1/0), code, now ms, ttl s, entry id, group, prompt
// tokens, completion tokens, characters.
var completeScript = redis.NewScript(`
local stored = 0
if redis.call('HSETNX', KEYS[2], ARGV[1], 1) == 1 then
  stored = 1
  redis.call('RPUSH', KEYS[3], ARGV[2])
  if ARGV[3] == '1' then redis.call('HINCRBY', KEYS[1], 'done', 1) else redis.call('HINCRBY', KEYS[1], 'failed', 1) end
  redis.call('HINCRBY', KEYS[1], 'u_pt', ARGV[9])
  redis.call('HINCRBY', KEYS[1], 'u_ct', ARGV[10])
  redis.call('HINCRBY', KEYS[1], 'u_ch', ARGV[11])
  local m = redis.call('HMGET', KEYS[1], 'done', 'failed', 'total', 'status')
  local done, failed, total, st = tonumber(m[1]), tonumber(m[2]), tonumber(m[3]), m[4]
  local ended = false
  if done + failed >= total and st ~= 'done' and st ~= 'failed' and st ~= 'cancelled' then
    st = 'done'
    if done == 0 then st = 'failed' end
    redis.call('HSET', KEYS[1], 'status', st, 'finished_at', ARGV[5])
    ended = true
  end
  redis.call('XADD', KEYS[4], '*', 'k', 'article', 'i', ARGV[1], 'c', ARGV[4], 'st', st, 'd', done, 'f', failed, 't', total)
  if ended then
    redis.call('XADD', KEYS[4], '*', 'k', 'end', 'st', st, 'd', done, 'f', failed, 't', total)
    stored = 2
  end
  for i = 1, 6 do redis.call('EXPIRE', KEYS[i], ARGV[6]) end
end
redis.call('XACK', KEYS[5], ARGV[8], ARGV[7])
redis.call('XDEL', KEYS[5], ARGV[7])
return stored
`)

func (r *redisBackend) complete(ctx context.Context, d *delivery, line []byte, ok bool, code int, u Usage) error {
	k := r.keysOf(d.job.ID)
	okArg := 0
	if ok {
		okArg = 1
	}
	n, err := completeScript.Run(ctx, r.c, []string{k.meta, k.seen, k.results, k.events, k.todo, k.tries},
		d.index, line, okArg, code, time.Now().UnixMilli(), r.ttlSeconds(), d.ref, group,
		u.PromptTokens, u.CompletionTokens, u.Characters).Int()
	if err != nil {
		return err
	}
	if n == 2 {
		return r.c.ZRem(ctx, r.active(), d.job.ID).Err()
	}
	return nil
}

// handBackScript queues the article again as a new entry, not counting
// the delivery, and pauses the job when asked.
// KEYS: todo, tries, meta, events, seen. ARGV: entry id, group, index,
// article, pause (1/0), reason, resume at ms.
var handBackScript = redis.NewScript(`
redis.call('XACK', KEYS[1], ARGV[2], ARGV[1])
redis.call('XDEL', KEYS[1], ARGV[1])
redis.call('HINCRBY', KEYS[2], ARGV[3], -1)
if redis.call('HEXISTS', KEYS[5], ARGV[3]) == 1 then return 0 end
redis.call('XADD', KEYS[1], '*', 'i', ARGV[3], 'a', ARGV[4])
if ARGV[5] == '1' then
  local m = redis.call('HMGET', KEYS[3], 'done', 'failed', 'total', 'status')
  if m[4] == 'running' or m[4] == 'queued' or m[4] == 'paused' then
    redis.call('HSET', KEYS[3], 'status', 'paused', 'reason', ARGV[6], 'resume_at', ARGV[7])
    redis.call('XADD', KEYS[4], '*', 'k', 'status', 'st', 'paused', 'r', ARGV[6], 'd', m[1], 'f', m[2], 't', m[3])
  end
end
return 1
`)

func (r *redisBackend) handBack(ctx context.Context, d *delivery, pause *Pause) error {
	k := r.keysOf(d.job.ID)
	p, reason, until := 0, "", int64(0)
	if pause != nil {
		p, reason, until = 1, pause.Reason, pause.Until.UnixMilli()
	}
	return handBackScript.Run(ctx, r.c, []string{k.todo, k.tries, k.meta, k.events, k.seen},
		d.ref, group, d.index, []byte(d.article), p, reason, until).Err()
}

func (r *redisBackend) release(ctx context.Context, d *delivery) error {
	k := r.keysOf(d.job.ID)
	p := r.c.TxPipeline()
	p.XAck(ctx, k.todo, group, d.ref)
	p.XDel(ctx, k.todo, d.ref)
	_, err := p.Exec(ctx)
	return err
}

// cancelScript ends a job that is not over. KEYS: meta, events. ARGV: now.
var cancelScript = redis.NewScript(`
local m = redis.call('HMGET', KEYS[1], 'done', 'failed', 'total', 'status')
if not m[4] then return -1 end
if m[4] == 'done' or m[4] == 'failed' or m[4] == 'cancelled' then return 0 end
redis.call('HSET', KEYS[1], 'status', 'cancelled', 'reason', '', 'finished_at', ARGV[1])
redis.call('XADD', KEYS[2], '*', 'k', 'end', 'st', 'cancelled', 'd', m[1], 'f', m[2], 't', m[3])
return 1
`)

func (r *redisBackend) cancel(ctx context.Context, id string) error {
	k := r.keysOf(id)
	n, err := cancelScript.Run(ctx, r.c, []string{k.meta, k.events}, time.Now().UnixMilli()).Int()
	if err != nil {
		return err
	}
	if n < 0 {
		return ErrNotFound
	}
	// The articles left in the stream are never read: the job is off the
	// list, and a worker that read one just now finds it cancelled.
	return r.c.ZRem(ctx, r.active(), id).Err()
}

func (r *redisBackend) held(ctx context.Context, id string) (int, error) {
	// A job's articles are held by its workers at once: a few.
	pending, err := r.c.XPendingExt(ctx, &redis.XPendingExtArgs{
		Stream: r.keysOf(id).todo, Group: group, Start: "-", End: "+", Count: 10000,
	}).Result()
	if err != nil {
		if errors.Is(err, redis.Nil) || strings.Contains(err.Error(), "NOGROUP") {
			return 0, nil // expired
		}
		return 0, err
	}
	n := 0
	for _, p := range pending {
		if p.Idle < r.opts.VisibilityTimeout {
			n++
		}
	}
	return n, nil
}

func (r *redisBackend) results(ctx context.Context, id string, after, limit int) ([][]byte, error) {
	stop := int64(-1)
	if limit > 0 {
		stop = int64(after + limit - 1)
	}
	lines, err := r.c.LRange(ctx, r.keysOf(id).results, int64(after), stop).Result()
	if err != nil {
		return nil, err
	}
	out := make([][]byte, len(lines))
	for i, l := range lines {
		out[i] = []byte(l)
	}
	return out, nil
}

func (r *redisBackend) events(ctx context.Context, id, after string, limit int, wait time.Duration) ([]Event, error) {
	if !validStreamID(after) {
		after = "0-0" // none, or not one of ours: from the start
	}
	args := &redis.XReadArgs{Streams: []string{r.keysOf(id).events, after}, Block: -1}
	if limit > 0 {
		args.Count = int64(limit)
	}
	if wait > 0 {
		args.Block = wait
	}
	streams, err := r.c.XRead(ctx, args).Result()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []Event
	for _, s := range streams {
		for _, m := range s.Messages {
			out = append(out, eventFrom(m))
		}
	}
	return out, nil
}

func eventFrom(m redis.XMessage) Event {
	str := func(k string) string { s, _ := m.Values[k].(string); return s }
	atoi := func(k string) int { n, _ := strconv.Atoi(str(k)); return n }
	return Event{ID: m.ID, Kind: str("k"), Index: atoi("i"), Code: atoi("c"), Status: Status(str("st")), Reason: str("r"),
		Done: atoi("d"), Failed: atoi("f"), Total: atoi("t")}
}

// validStreamID reports whether s is a stream entry id (ms-seq).
func validStreamID(s string) bool {
	ms, seq, ok := strings.Cut(s, "-")
	if !ok {
		return false
	}
	_, err1 := strconv.ParseUint(ms, 10, 64)
	_, err2 := strconv.ParseUint(seq, 10, 64)
	return err1 == nil && err2 == nil
}
