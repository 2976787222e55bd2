package jobs

import (
	"context"
	"encoding/json"
	"strconv"
	"sync"
	"time"
)

// NewMemory returns an Engine whose jobs live in this process: with the
// embedded cache there is no shared store, so only this process's workers
// see them, and a restart loses every job, finished or not.
func NewMemory(opts Options) *Engine {
	opts = opts.withDefaults()
	return newEngine(&memory{opts: opts, jobs: map[string]*memJob{}}, opts, false)
}

type memory struct {
	opts Options

	mu    sync.Mutex
	jobs  map[string]*memJob
	order []string // job ids in creation order
	next  int      // where take starts, for fairness between jobs
}

type memJob struct {
	job      Job
	articles []json.RawMessage
	queue    []int
	held     map[int]memHold
	tries    map[int]int
	seen     map[int]bool
	results  [][]byte
	events   []Event
	changed  chan struct{} // closed when an event is added
	touched  time.Time
}

type memHold struct {
	consumer string
	until    time.Time
}

func (m *memory) create(_ context.Context, j *Job, articles []json.RawMessage) error {
	mj := &memJob{job: *j, articles: articles, held: map[int]memHold{}, tries: map[int]int{}, seen: map[int]bool{},
		changed: make(chan struct{}), touched: time.Now()}
	mj.queue = make([]int, len(articles))
	for i := range mj.queue {
		mj.queue[i] = i
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sweep()
	m.jobs[j.ID] = mj
	m.order = append(m.order, j.ID)
	mj.event(Event{Kind: EventStatus})
	return nil
}

// sweep forgets the jobs untouched for the TTL.
func (m *memory) sweep() {
	keep := m.order[:0]
	for _, id := range m.order {
		if time.Since(m.jobs[id].touched) > m.opts.TTL {
			delete(m.jobs, id)
			continue
		}
		keep = append(keep, id)
	}
	m.order = keep
}

func (m *memory) get(_ context.Context, id string) (*Job, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	mj, ok := m.jobs[id]
	if !ok || time.Since(mj.touched) > m.opts.TTL {
		return nil, ErrNotFound
	}
	j := mj.job
	return &j, nil
}

func (mj *memJob) event(ev Event) {
	ev.ID = strconv.Itoa(len(mj.events) + 1)
	ev.Status, ev.Done, ev.Failed, ev.Total = mj.job.Status, mj.job.Done, mj.job.Failed, mj.job.Total
	if ev.Reason == "" {
		ev.Reason = mj.job.Reason
	}
	mj.events = append(mj.events, ev)
	close(mj.changed)
	mj.changed = make(chan struct{})
	mj.touched = time.Now()
}

func (m *memory) take(_ context.Context, consumer string) (*delivery, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := time.Now()
	n := len(m.order)
	for k := 0; k < n; k++ {
		mj := m.jobs[m.order[(m.next+k)%n]]
		if mj == nil || mj.job.Status.Finished() {
			continue
		}
		if mj.job.Status == Paused && now.Before(mj.job.ResumeAt) {
			continue
		}
		index := -1
		for i, h := range mj.held {
			if now.After(h.until) {
				index = i
				break
			}
		}
		if index < 0 && len(mj.queue) > 0 {
			index, mj.queue = mj.queue[0], mj.queue[1:]
		}
		if index < 0 {
			continue
		}
		m.next = (m.next + k + 1) % n
		mj.held[index] = memHold{consumer: consumer, until: now.Add(m.opts.VisibilityTimeout)}
		mj.tries[index]++
		if mj.job.Status == Queued || mj.job.Status == Paused {
			mj.job.Status, mj.job.Reason, mj.job.ResumeAt = Running, "", time.Time{}
			if mj.job.StartedAt.IsZero() {
				mj.job.StartedAt = now.UTC()
			}
			mj.event(Event{Kind: EventStatus})
		}
		j := mj.job
		return &delivery{job: &j, index: index, article: mj.articles[index], deliveries: mj.tries[index]}, nil
	}
	return nil, nil
}

func (m *memory) extend(_ context.Context, consumer string, d *delivery) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if mj := m.jobs[d.job.ID]; mj != nil {
		if h, ok := mj.held[d.index]; ok && h.consumer == consumer {
			mj.held[d.index] = memHold{consumer: consumer, until: time.Now().Add(m.opts.VisibilityTimeout)}
		}
	}
	return nil
}

func (m *memory) complete(_ context.Context, d *delivery, line []byte, ok bool, code int, u Usage) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	mj := m.jobs[d.job.ID]
	if mj == nil {
		return nil
	}
	delete(mj.held, d.index)
	if mj.seen[d.index] {
		return nil
	}
	mj.seen[d.index] = true
	mj.results = append(mj.results, line)
	if ok {
		mj.job.Done++
	} else {
		mj.job.Failed++
	}
	mj.job.Usage.PromptTokens += u.PromptTokens
	mj.job.Usage.CompletionTokens += u.CompletionTokens
	mj.job.Usage.Characters += u.Characters
	end := mj.job.Done+mj.job.Failed >= mj.job.Total && !mj.job.Status.Finished()
	if end {
		mj.job.Status = finalStatus(mj.job.Done)
		mj.job.FinishedAt = time.Now().UTC()
	}
	mj.event(Event{Kind: EventArticle, Index: d.index, Code: code})
	if end {
		mj.event(Event{Kind: EventEnd})
	}
	return nil
}

func (m *memory) handBack(_ context.Context, d *delivery, pause *Pause) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	mj := m.jobs[d.job.ID]
	if mj == nil {
		return nil
	}
	delete(mj.held, d.index)
	mj.tries[d.index]--
	if mj.seen[d.index] {
		return nil
	}
	mj.queue = append([]int{d.index}, mj.queue...)
	if pause != nil && !mj.job.Status.Finished() {
		mj.job.Status, mj.job.Reason, mj.job.ResumeAt = Paused, pause.Reason, pause.Until.UTC()
		mj.event(Event{Kind: EventStatus})
	}
	return nil
}

func (m *memory) release(_ context.Context, d *delivery) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if mj := m.jobs[d.job.ID]; mj != nil {
		delete(mj.held, d.index)
	}
	return nil
}

func (m *memory) cancel(_ context.Context, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	mj := m.jobs[id]
	if mj == nil {
		return ErrNotFound
	}
	if mj.job.Status.Finished() {
		return nil
	}
	mj.job.Status, mj.job.Reason, mj.job.FinishedAt = Cancelled, "", time.Now().UTC()
	mj.queue = nil
	mj.event(Event{Kind: EventEnd})
	return nil
}

func (m *memory) held(_ context.Context, id string) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	mj := m.jobs[id]
	if mj == nil {
		return 0, nil
	}
	n, now := 0, time.Now()
	for _, h := range mj.held {
		if now.Before(h.until) {
			n++
		}
	}
	return n, nil
}

func (m *memory) results(_ context.Context, id string, after, limit int) ([][]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	mj := m.jobs[id]
	if mj == nil {
		return nil, ErrNotFound
	}
	if after >= len(mj.results) {
		return nil, nil
	}
	out := mj.results[after:]
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return append([][]byte(nil), out...), nil
}

func (m *memory) events(ctx context.Context, id, after string, limit int, wait time.Duration) ([]Event, error) {
	from := 0
	if after != "" {
		n, err := strconv.Atoi(after)
		if err == nil && n > 0 {
			from = n
		}
	}
	var timer <-chan time.Time
	for {
		m.mu.Lock()
		mj := m.jobs[id]
		if mj == nil {
			m.mu.Unlock()
			return nil, ErrNotFound
		}
		if from < len(mj.events) {
			out := mj.events[from:]
			if limit > 0 && len(out) > limit {
				out = out[:limit]
			}
			out = append([]Event(nil), out...)
			m.mu.Unlock()
			return out, nil
		}
		changed := mj.changed
		m.mu.Unlock()
		if wait <= 0 {
			return nil, nil
		}
		if timer == nil {
			t := time.NewTimer(wait)
			defer t.Stop()
			timer = t.C
		}
		select {
		case <-changed:
		case <-timer:
			return nil, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}
