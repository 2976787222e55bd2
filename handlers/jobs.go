package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"passerelle/article/feed"
	"passerelle/article/fetch"
	"passerelle/gateway"
	"passerelle/jobs"
	"passerelle/providers"
)

// Codes of the jobs API.
const (
	codeJobFinished = "job_finished" // DELETE on a job that is over
	codeNotAFeed    = "not_a_feed"   // the feed's address answers something else than RSS or Atom
)

// The jobs API's defaults.
const (
	defaultMaxJobArticles = 10000
	defaultMaxJobBytes    = 32 << 20
	// defaultJobHeartbeat is how often an idle event stream gets a
	// comment, so that proxies and clients see it alive.
	defaultJobHeartbeat = 15 * time.Second
	// resultsChunk is how many result lines are read from the store at once.
	resultsChunk = 200
)

// jobRequest is the JSON body of POST /v1/jobs: a task, the fields of an
// article request that apply to every article, and the articles from any
// mix of sources.
type jobRequest struct {
	Task             string            `json:"task"`
	Articles         []json.RawMessage `json:"articles"`
	URLs             []string          `json:"urls"`
	Feed             string            `json:"feed"`
	SummarySentences int               `json:"summary_sentences"`
	Glossary         map[string]string `json:"glossary"`
	Provider         string            `json:"provider"`
	SourceLang       string            `json:"source_lang"`
	TargetLang       string            `json:"target_lang"`
	Strict           bool              `json:"strict"`
}

// jobParams are the fields of a job that apply to every article: kept with
// the job, and read by the worker that does an article.
type jobParams struct {
	SummarySentences int               `json:"summary_sentences,omitempty"`
	Glossary         map[string]string `json:"glossary,omitempty"`
	Provider         string            `json:"provider,omitempty"`
	SourceLang       string            `json:"source_lang,omitempty"`
	TargetLang       string            `json:"target_lang,omitempty"`
	Strict           bool              `json:"strict,omitempty"`
}

// jobBody is the JSON shape of a job.
type jobBody struct {
	ID         string      `json:"id"`
	Task       string      `json:"task"`
	Status     jobs.Status `json:"status"`
	Reason     string      `json:"reason,omitempty"`    // why it is paused
	ResumeAt   *time.Time  `json:"resume_at,omitempty"` // when a paused job goes on
	Total      int         `json:"total"`
	Done       int         `json:"done"`
	Failed     int         `json:"failed"`
	CreatedAt  time.Time   `json:"created_at"`
	StartedAt  *time.Time  `json:"started_at"`
	FinishedAt *time.Time  `json:"finished_at"`
	Usage      jobs.Usage  `json:"usage"`
	Links      jobLinks    `json:"links"`
}

type jobLinks struct {
	Self    string `json:"self"`
	Results string `json:"results"`
	Events  string `json:"events"`
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func jobPath(id string) string { return "/v1/jobs/" + id }

func jobBodyOf(j *jobs.Job) jobBody {
	out := jobBody{ID: j.ID, Task: j.Task, Status: j.Status, Total: j.Total, Done: j.Done, Failed: j.Failed,
		CreatedAt: j.CreatedAt, StartedAt: timePtr(j.StartedAt), FinishedAt: timePtr(j.FinishedAt), Usage: j.Usage,
		Links: jobLinks{Self: jobPath(j.ID), Results: jobPath(j.ID) + "/results", Events: jobPath(j.ID) + "/events"}}
	if j.Status == jobs.Paused {
		out.Reason, out.ResumeAt = j.Reason, timePtr(j.ResumeAt)
	}
	return out
}

// jobError answers the engine's errors in the API's terms.
func jobError(err error) error {
	switch {
	case errors.Is(err, jobs.ErrNotFound):
		return gateway.Errorf(codeNotFound, "no such job")
	case errors.Is(err, jobs.ErrFinished):
		return gateway.Errorf(codeJobFinished, "the job is over: there is nothing left to cancel")
	}
	return err
}

// createJob answers POST /v1/jobs: the articles are checked, the feed
// read, and the job queued for the workers of every replica.
func (h *handler) createJob(c *gin.Context) {
	body, err := h.readBody(c, h.opts.MaxJobBytes)
	if err != nil {
		h.writeError(c, err)
		return
	}
	in, err := h.decodeJob(body)
	if err != nil {
		h.writeError(c, err)
		return
	}
	ctx, cancel := h.requestContext(c.Request.Context())
	defer cancel()
	p := jobParams{SummarySentences: in.SummarySentences, Glossary: in.Glossary, Provider: strings.TrimSpace(in.Provider),
		SourceLang: in.SourceLang, TargetLang: in.TargetLang, Strict: in.Strict}
	articles, err := h.jobArticles(ctx, in, p)
	if err != nil {
		h.writeError(c, cutByShutdown(ctx, err))
		return
	}
	params, _ := json.Marshal(p)
	j, err := h.opts.Jobs.Submit(ctx, callerOf(c).name, in.Task, params, articles)
	if err != nil {
		h.writeError(c, err)
		return
	}
	c.Header("Location", jobPath(j.ID))
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusAccepted, jobBodyOf(j))
}

// decodeJob checks the body of POST /v1/jobs.
func (h *handler) decodeJob(body []byte) (jobRequest, error) {
	example := `send JSON such as {"task": "translate", "articles": [{"text": "..."}], "urls": ["https://..."], "feed": "https://..."}`
	body = bytes.TrimPrefix(body, []byte("\ufeff"))
	if len(bytes.TrimSpace(body)) == 0 {
		return jobRequest{}, gateway.Errorf(gateway.CodeInvalidJSON, "the request body is empty: %s", example)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	var in jobRequest
	if err := dec.Decode(&in); err != nil {
		if gateway.ErrorCode(jsonError(err)) == gateway.CodeInvalidRequest {
			return jobRequest{}, gateway.Errorf(gateway.CodeInvalidRequest,
				"%v: a job has the fields task, articles, urls, feed, summary_sentences, glossary, provider, source_lang, target_lang, strict", err)
		}
		return jobRequest{}, jsonError(err)
	}
	if dec.More() {
		return jobRequest{}, gateway.Errorf(gateway.CodeInvalidJSON, "the request body holds more than one JSON value")
	}
	if h.jobTask(in.Task).call == nil {
		return jobRequest{}, gateway.Errorf(gateway.CodeInvalidRequest, "task %q is not one of translate, summarize, articles: %s", in.Task, example)
	}
	if len(in.Articles) == 0 && len(in.URLs) == 0 && strings.TrimSpace(in.Feed) == "" {
		return jobRequest{}, gateway.Errorf(gateway.CodeInvalidRequest, "the job has no articles: %s", example)
	}
	if n := len(in.Articles) + len(in.URLs); n > h.opts.MaxJobArticles {
		return jobRequest{}, gateway.Errorf(gateway.CodeTooLarge, "the job has %d articles; at most %d are accepted", n, h.opts.MaxJobArticles)
	}
	return in, nil
}

// jobTask returns the task named name, or the zero task.
func (h *handler) jobTask(name string) task {
	for _, t := range h.tasks() {
		if t.endpoint == name {
			return t
		}
	}
	return task{}
}

// jobArticles returns every article of a job, as the article endpoints
// take them: those given, then the URLs, then the feed's items. An article
// that its endpoint would refuse for its form refuses the job, saying
// which: better now than a failed line in the morning.
func (h *handler) jobArticles(ctx context.Context, in jobRequest, p jobParams) ([]json.RawMessage, error) {
	summarizes := h.jobTask(in.Task).summarizes
	if err := h.gw.CheckProvider(p.Provider, summarizes); err != nil {
		return nil, err
	}
	out := make([]json.RawMessage, 0, len(in.Articles)+len(in.URLs))
	for i, raw := range in.Articles {
		if int64(len(raw)) > h.opts.MaxBodyBytes {
			return nil, gateway.Errorf(gateway.CodeTooLarge, "articles[%d]: the article is over %d bytes", i, h.opts.MaxBodyBytes)
		}
		req, err := decodeArticle(raw)
		if err == nil {
			err = h.checkJobArticle(withJobParams(req, p))
		}
		if err == nil && req.Provider != "" && req.Provider != p.Provider {
			err = h.gw.CheckProvider(req.Provider, summarizes)
		}
		if err != nil {
			return nil, &gateway.Error{Code: gateway.ErrorCode(err), Message: fmt.Sprintf("articles[%d]: %s", i, gateway.ErrorMessage(err)), Err: err}
		}
		out = append(out, raw)
	}
	for i, u := range in.URLs {
		if strings.TrimSpace(u) == "" {
			return nil, gateway.Errorf(gateway.CodeInvalidRequest, "urls[%d] is empty", i)
		}
		a := articleRequest{URL: strings.TrimSpace(u)}
		if err := h.checkJobArticle(withJobParams(gateway.Request{URL: a.URL}, p)); err != nil {
			return nil, &gateway.Error{Code: gateway.ErrorCode(err), Message: fmt.Sprintf("urls[%d]: %s", i, gateway.ErrorMessage(err)), Err: err}
		}
		raw, _ := json.Marshal(a)
		out = append(out, raw)
	}
	if f := strings.TrimSpace(in.Feed); f != "" {
		room := h.opts.MaxJobArticles - len(out)
		if room <= 0 {
			return nil, gateway.Errorf(gateway.CodeTooLarge, "the job has %d articles before its feed; at most %d are accepted", len(out), h.opts.MaxJobArticles)
		}
		items, err := h.readFeed(ctx, f, room)
		if err != nil {
			return nil, err
		}
		for _, it := range items {
			a := articleRequest{Title: it.Title, HTML: it.HTML}
			if it.HTML == "" {
				a.URL = it.URL
			}
			raw, _ := json.Marshal(a)
			out = append(out, raw)
		}
	}
	if len(out) == 0 {
		return nil, gateway.Errorf(gateway.CodeInvalidRequest, "the job has no articles: the feed has no items")
	}
	return out, nil
}

// checkJobArticle returns the error the article's endpoint would answer
// req with for its form alone, its URL's included: nothing is fetched.
func (h *handler) checkJobArticle(req gateway.Request) error {
	if err := gateway.CheckInput(req); err != nil {
		return err
	}
	if strings.TrimSpace(req.URL) != "" {
		return h.gw.CheckPageURL(req.URL)
	}
	return nil
}

// readFeed reads the feed at url, at most max items.
func (h *handler) readFeed(ctx context.Context, url string, max int) ([]feed.Item, error) {
	if h.opts.Fetcher == nil {
		return nil, gateway.Errorf(gateway.CodeURLNotAllowed, "fetching by URL is turned off here: a feed cannot be read")
	}
	items, err := feed.Fetch(ctx, h.opts.Fetcher, url, max)
	switch {
	case err == nil:
		return items, nil
	case errors.Is(err, feed.ErrNotAFeed):
		return nil, &gateway.Error{Code: codeNotAFeed, Message: "the feed could not be read: " + err.Error(), Err: err}
	case errors.Is(err, fetch.ErrFetchFailed):
		return nil, &gateway.Error{Code: gateway.CodeFetchFailed, Message: "the feed could not be fetched: " + err.Error(), Err: err}
	case errors.Is(err, fetch.ErrTooLarge):
		return nil, &gateway.Error{Code: gateway.CodeTooLarge, Message: "the feed is too large", Err: err}
	}
	return nil, &gateway.Error{Code: gateway.CodeURLNotAllowed, Message: "the feed's address cannot be fetched: " + err.Error(), Err: err}
}

// getJob answers GET /v1/jobs/{id}.
func (h *handler) getJob(c *gin.Context) {
	j, err := h.opts.Jobs.Job(c.Request.Context(), callerOf(c).name, c.Param("id"))
	if err != nil {
		h.writeError(c, jobError(err))
		return
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, jobBodyOf(j))
}

// cancelJob answers DELETE /v1/jobs/{id}: no article not started yet is
// sent to a provider from now on.
func (h *handler) cancelJob(c *gin.Context) {
	j, err := h.opts.Jobs.Cancel(c.Request.Context(), callerOf(c).name, c.Param("id"))
	if err != nil {
		h.writeError(c, jobError(err))
		return
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, jobBodyOf(j))
}

// jobResults answers GET /v1/jobs/{id}/results: one line per finished
// article, in the order they finished; ?after=N leaves out the first N
// (those a client has), ?limit=M sends at most M.
func (h *handler) jobResults(c *gin.Context) {
	after, err := queryInt(c, "after")
	if err != nil {
		h.writeError(c, err)
		return
	}
	limit, err := queryInt(c, "limit")
	if err != nil {
		h.writeError(c, err)
		return
	}
	ctx := c.Request.Context()
	owner, id := callerOf(c).name, c.Param("id")
	first, err := h.opts.Jobs.Results(ctx, owner, id, after, min(resultsChunk, limitOr(limit, resultsChunk)))
	if err != nil {
		h.writeError(c, jobError(err))
		return
	}
	c.Header("Content-Type", "application/x-ndjson")
	c.Header("Cache-Control", "no-store")
	c.Status(http.StatusOK)
	rc := http.NewResponseController(c.Writer)
	sent, lines := 0, first
	for {
		_ = rc.SetWriteDeadline(time.Now().Add(time.Minute))
		for _, l := range lines {
			_, _ = c.Writer.Write(l)
			_, _ = c.Writer.Write([]byte{'\n'})
		}
		sent += len(lines)
		if len(lines) < resultsChunk || (limit > 0 && sent >= limit) || ctx.Err() != nil {
			break
		}
		want := resultsChunk
		if limit > 0 {
			want = min(want, limit-sent)
		}
		if lines, err = h.opts.Jobs.Results(ctx, owner, id, after+sent, want); err != nil {
			h.log.WarnContext(ctx, "jobs: results cut short", "job", id, "err", err)
			break
		}
	}
	c.Writer.Flush()
}

func limitOr(n, def int) int {
	if n > 0 {
		return n
	}
	return def
}

// queryInt reads a non-negative integer query parameter; 0 when absent.
func queryInt(c *gin.Context, name string) (int, error) {
	s := c.Query(name)
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, gateway.Errorf(gateway.CodeInvalidRequest, "%s must be a whole number of 0 or more, not %q", name, s)
	}
	return n, nil
}

// jobEvents answers GET /v1/jobs/{id}/events with Server-Sent Events:
// "article" when an article finishes, "progress" with the counts after it
// or a change of status, and "end" with the job once it is over, after
// which the stream closes. Every entry has an id: a client that reconnects
// with Last-Event-ID gets what followed it. A comment is sent when nothing
// happened for a while. The stream ends when the process stops: the client
// reconnects, to another replica, where it left off.
func (h *handler) jobEvents(c *gin.Context) {
	ctx := c.Request.Context()
	owner, id := callerOf(c).name, c.Param("id")
	last := c.GetHeader("Last-Event-ID")
	if last == "" {
		last = c.Query("last_event_id")
	}
	j, err := h.opts.Jobs.Job(ctx, owner, id)
	if err != nil {
		h.writeError(c, jobError(err))
		return
	}
	s := openSSE(c, 2*h.opts.jobHeartbeat)
	if last == "" {
		// Where the job is, before its history.
		s.event("progress", "", progressData(j.Status, j.Reason, j.Done, j.Failed, j.Total))
	}
	s.flush()
	stopping := h.stopping()
	for {
		select {
		case <-stopping:
			return
		default:
		}
		evs, err := h.opts.Jobs.Events(ctx, owner, id, last, 100, h.opts.jobHeartbeat)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			h.log.WarnContext(ctx, "jobs: event stream cut", "job", id, "err", err)
			return
		}
		if len(evs) == 0 {
			s.comment("heartbeat")
			continue
		}
		for _, ev := range evs {
			last = ev.ID
			switch ev.Kind {
			case jobs.EventArticle:
				s.event("article", ev.ID, map[string]int{"index": ev.Index, "status": ev.Code})
				s.event("progress", ev.ID, progressData(ev.Status, ev.Reason, ev.Done, ev.Failed, ev.Total))
			case jobs.EventStatus:
				s.event("progress", ev.ID, progressData(ev.Status, ev.Reason, ev.Done, ev.Failed, ev.Total))
			case jobs.EventEnd:
				final, err := h.opts.Jobs.Job(ctx, owner, id)
				if err != nil {
					return
				}
				s.event("end", ev.ID, jobBodyOf(final))
				s.flush()
				return
			}
		}
		s.flush()
	}
}

func progressData(st jobs.Status, reason string, done, failed, total int) any {
	return struct {
		Status jobs.Status `json:"status"`
		Reason string      `json:"reason,omitempty"`
		Done   int         `json:"done"`
		Failed int         `json:"failed"`
		Total  int         `json:"total"`
	}{st, reason, done, failed, total}
}

// JobWork returns what a worker does with one article of a job: what the
// task's own endpoint does, through the same gateway call (its cache, its
// coalescing, its fallbacks and checks), charged to the job's owner as the
// article starts. When the owner's daily allowance is spent, the article
// is put back and the job paused until the allowance has room again.
func JobWork(gw Gateway, opts Options) jobs.Work {
	h := &handler{gw: gw, opts: opts.withDefaults()}
	h.log = h.opts.Logger
	h.rules = h.opts.Rules
	if h.rules == nil {
		h.rules, _ = NewRules(h.opts.Access, nil)
	}
	return h.jobWork
}

// overloadedRetryAfter is how long a job waits when its article was refused
// as overloaded.
const overloadedRetryAfter = 2 * time.Second

func (h *handler) jobWork(ctx context.Context, job *jobs.Job, index int, article json.RawMessage) jobs.Outcome {
	req, err := jobRequestOf(job, article)
	t := h.jobTask(job.Task)
	if err == nil && t.call == nil {
		err = gateway.Errorf(gateway.CodeInvalidRequest, "task %q is not one of translate, summarize, articles", job.Task)
	}
	who, err2 := h.ownerOf(job.Owner)
	if err == nil {
		err = err2
	}
	if err != nil {
		return h.failedOutcome(ctx, job, index, err)
	}
	limiter := h.rules.current.Load().access.Limiter
	var pause *jobs.Pause
	req.Charge = func(ctx context.Context, characters int) error {
		d, checked, err := h.chargeCharacters(ctx, limiter, who, characters)
		switch {
		case err == nil:
		case gateway.ErrorCode(err) == codeRateLimited && checked:
			pause = &jobs.Pause{Until: time.Now().Add(roundUp(d.RetryAfter)),
				Reason: fmt.Sprintf("the %d characters a day allowed to this key are spent: the job goes on in %s", who.limits.CharactersPerDay, roundUp(d.RetryAfter))}
		case gateway.ErrorCode(err) == codeQuotaUnavailable:
			pause = &jobs.Pause{Until: time.Now().Add(quotaRetryAfter),
				Reason: "the allowance of this key cannot be checked now: the job goes on once it can"}
		}
		return err
	}
	ctx, cancel := h.requestContext(ctx)
	defer cancel()
	res, err := t.call(ctx, req)
	if pause != nil {
		return jobs.Outcome{Pause: pause}
	}
	if gateway.ErrorCode(err) == gateway.CodeOverloaded {
		// A provider's queue or this process's budget is full for now: the
		// article waits its turn rather than failing for good.
		return jobs.Outcome{Pause: &jobs.Pause{Until: time.Now().Add(overloadedRetryAfter),
			Reason: "the gateway is at capacity: the job goes on in a moment"}}
	}
	if err != nil {
		return h.failedOutcome(ctx, job, index, err)
	}
	out, err := json.Marshal(t.reply(res))
	if err != nil {
		return h.failedOutcome(ctx, job, index, err)
	}
	var usage providers.Usage
	if res.Translation != nil {
		usage = usage.Add(res.Translation.Usage)
	}
	if res.Summary != nil {
		usage = usage.Add(res.Summary.Usage)
	}
	return jobs.Outcome{Status: http.StatusOK, Result: out,
		Usage: jobs.Usage{PromptTokens: usage.PromptTokens, CompletionTokens: usage.CompletionTokens, Characters: usage.Characters}}
}

// failedOutcome is the result line of an article that failed with err.
func (h *handler) failedOutcome(ctx context.Context, job *jobs.Job, index int, err error) jobs.Outcome {
	status, detail := h.describeError(ctx, fmt.Sprintf("job:%s/%d", job.ID, index), err)
	detail.RequestID = ""
	raw, _ := json.Marshal(detail)
	return jobs.Outcome{Status: status, Error: raw}
}

// ownerOf returns the client a job's owner is counted as by the rules in
// force: its key's limits, or the default ones of a client known by its
// address. A key removed since the job was made does no more of it.
func (h *handler) ownerOf(owner string) (client, error) {
	a := &h.rules.current.Load().access
	if strings.HasPrefix(owner, "ip:") || !a.Enabled {
		return client{name: owner, limits: a.Default}, nil
	}
	for _, k := range a.Keys {
		if k.Name == owner {
			limits := k.Limits
			if limits == (Limits{}) {
				limits = a.Default
			}
			return client{name: k.Name, limits: limits}, nil
		}
	}
	return client{}, gateway.Errorf(codeUnauthorized, "the API key that made this job is no longer accepted")
}

// jobRequestOf is the gateway request of one article of job: the article's
// own fields, and the job's where the article leaves them out.
func jobRequestOf(job *jobs.Job, article json.RawMessage) (gateway.Request, error) {
	req, err := decodeArticle(article)
	if err != nil {
		return req, err
	}
	var p jobParams
	if len(job.Params) > 0 {
		if err := json.Unmarshal(job.Params, &p); err != nil {
			return req, err
		}
	}
	return withJobParams(req, p), nil
}

// withJobParams is req with p where req leaves a field out.
func withJobParams(req gateway.Request, p jobParams) gateway.Request {
	if req.SummarySentences == 0 {
		req.SummarySentences = p.SummarySentences
	}
	if req.Provider == "" {
		req.Provider = p.Provider
	}
	if req.SourceLang == "" {
		req.SourceLang = p.SourceLang
	}
	if req.TargetLang == "" {
		req.TargetLang = p.TargetLang
	}
	req.Strict = req.Strict || p.Strict
	if len(p.Glossary) > 0 {
		g := make(map[string]string, len(p.Glossary)+len(req.Glossary))
		for k, v := range p.Glossary {
			g[k] = v
		}
		for k, v := range req.Glossary {
			g[k] = v
		}
		req.Glossary = g
	}
	return req
}

// jobsCheck is what /readyz says of the jobs: where they are kept.
func (h *handler) jobsCheck() (gateway.Check, bool) {
	if h.opts.Jobs == nil {
		return gateway.Check{}, false
	}
	if h.opts.Jobs.Durable() {
		return gateway.Check{Name: "jobs", OK: true, Detail: "kept in Redis, shared by every replica"}, true
	}
	return gateway.Check{Name: "jobs", OK: true, Detail: "kept in this process (memory cache): jobs do not survive a restart"}, true
}
