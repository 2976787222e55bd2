package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"runtime/debug"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"passerelle/gateway"
	"passerelle/handlers/quota"
)

// task is what an article endpoint does, and what a batch does to each of
// its articles.
type task struct {
	endpoint string // the path under /v1, and the task's name in a batch
	call     func(context.Context, gateway.Request) (*gateway.Result, error)
	// document shapes the part of the reply that a kept reply stores.
	document func(*gateway.Result) articleDocument
	// summarizes: the task's articles go through the summarizing route too.
	summarizes bool
	// streams: the endpoint answers Accept: text/event-stream with the
	// article as it is translated (see streamArticle).
	streams bool
}

func (h *handler) tasks() []task {
	return []task{
		{endpoint: "translate", call: h.gw.Translate, document: fullDocument},
		{endpoint: "summarize", call: h.gw.Summarize, document: briefDocument, summarizes: true},
		{endpoint: "articles", call: h.gw.Article, document: fullDocument, summarizes: true, streams: true},
	}
}

// reply is the reply t answers with res.
func (t task) reply(res *gateway.Result) articleResponse {
	return articleResponse{articleDocument: t.document(res), requestFields: fieldsOf(res)}
}

// batchRequest is the JSON body of POST /v1/batch: one task, done on each
// article, every article as the task's own endpoint takes it.
type batchRequest struct {
	Task     string            `json:"task"`
	Articles []json.RawMessage `json:"articles"`
}

// batchResponse answers a batch: a result per article, in their order.
type batchResponse struct {
	Results   []batchResult `json:"results"`
	Succeeded int           `json:"succeeded"`
	Failed    int           `json:"failed"`
}

// batchResult is one article's outcome: the status its own endpoint would
// have answered, with the reply that endpoint sends or the error.
type batchResult struct {
	Status int             `json:"status"`
	Result json.RawMessage `json:"result,omitempty"`
	Error  *errorDetail    `json:"error,omitempty"`
}

// batchArticle is an article of a batch, decoded, or the reason it cannot
// be.
type batchArticle struct {
	raw []byte // its bytes as sent, which key its kept reply
	req gateway.Request
	err error
}

// batch does one task on up to MaxBatchArticles articles. A malformed batch
// is refused whole; an article that fails gets its error in its place and
// the others are still answered. Each valid article costs what one request
// to its endpoint costs: a request of the per-minute limit, spent for all
// of them before any work starts (an article refused for its form costs
// none), and its characters of the daily allowance, spent as the article
// starts, once its text is known (extracted from its page, fetched from its
// URL): an article they do not fit gets its own 429 and is not translated,
// the others are. The batch has the deadline of one request: a job that
// needs longer is split in batches.
func (h *handler) batch(c *gin.Context) {
	body, err := h.readBody(c, h.opts.MaxBatchBytes)
	if err != nil {
		h.writeError(c, err)
		return
	}
	in, t, err := h.decodeBatch(body)
	if err != nil {
		h.writeError(c, err)
		return
	}
	articles, valid := h.batchArticles(in.Articles, callerCachePolicy(c))
	if !h.limitBatchRequests(c, valid) {
		return
	}
	ctx, cancel := h.requestContext(c.Request.Context())
	defer cancel()
	run := &batchRun{h: h, ctx: ctx, requestID: requestID(c), task: t, replies: h.gw.Replies(),
		allowance: &batchAllowance{h: h, who: callerOf(c), limiter: h.rulesOf(c).access.Limiter}}
	results, notStarted := run.all(articles)
	run.allowance.describe(c)
	if notStarted > 0 {
		h.log.WarnContext(c.Request.Context(), "batch: articles not started before its deadline or shutdown", "request_id", run.requestID,
			"not_started", notStarted, "articles", len(articles), "err", context.Cause(ctx))
	}
	out := batchResponse{Results: results}
	for _, r := range results {
		if r.Error == nil {
			out.Succeeded++
		} else {
			out.Failed++
		}
	}
	sendJSON(c, out)
}

// batchArticles decodes the articles of a batch, each with the cache
// policy of the batch, and counts those that are valid.
func (h *handler) batchArticles(in []json.RawMessage, policy gateway.CachePolicy) ([]batchArticle, int) {
	articles := make([]batchArticle, len(in))
	valid := 0
	for i, raw := range in {
		a := &articles[i]
		a.raw = raw
		if int64(len(raw)) > h.opts.MaxBodyBytes {
			a.err = gateway.Errorf(gateway.CodeTooLarge, "the article is over %d bytes", h.opts.MaxBodyBytes)
			continue
		}
		if a.req, a.err = decodeArticle(raw); a.err != nil {
			continue
		}
		if a.err = gateway.CheckInput(a.req); a.err != nil {
			continue
		}
		a.req.Cache = policy
		valid++
	}
	return articles, valid
}

// batchRun is what the articles of one batch share. They run on goroutines
// of their own, which never touch the batch's gin.Context: it is not safe
// to use from them, and is recycled once the handler returns.
type batchRun struct {
	h         *handler
	ctx       context.Context // the batch's work: its deadline, shutdown
	requestID string
	task      task
	replies   *gateway.Replies // as the batch started
	allowance *batchAllowance
}

// all answers every article, up to BatchConcurrency at once, and counts
// those not started: the deadline passed, the client left or the process
// is stopping.
func (b *batchRun) all(articles []batchArticle) (results []batchResult, notStarted int) {
	results = make([]batchResult, len(articles))
	slots := make(chan struct{}, b.h.opts.BatchConcurrency)
	stopping := b.h.stopping()
	var wg sync.WaitGroup
	for i := range articles {
		if articles[i].err != nil {
			results[i] = b.failed(articles[i].err)
			continue
		}
		if !acquire(b.ctx, stopping, slots) {
			// Not paid for, and logged once by the batch.
			results[i] = b.notStarted()
			notStarted++
			continue
		}
		wg.Go(func() {
			defer func() { <-slots }()
			defer b.recoverInto(&results[i])
			results[i] = b.one(articles[i])
		})
	}
	wg.Wait()
	return results, notStarted
}

// recoverInto answers an article whose work panicked with an internal
// error: a panic on an article's goroutine is out of reach of the recover
// middleware, and would end the process.
func (b *batchRun) recoverInto(result *batchResult) {
	if v := recover(); v != nil {
		*result = b.failed(fmt.Errorf("panic in a batch article: %v\n%s", v, debug.Stack()))
	}
}

// notStarted is the result of an article the batch did not start.
func (b *batchRun) notStarted() batchResult {
	var err error = &gateway.Error{Code: gateway.CodeProviderTimeout, Err: b.ctx.Err(),
		Message: "not started: the batch's deadline passed first; send this article again"}
	if b.ctx.Err() == nil || errors.Is(context.Cause(b.ctx), errShuttingDown) {
		err = errShuttingDown
	}
	status, detail := errorOf(b.requestID, err)
	return batchResult{Status: status, Error: &detail}
}

// one does the task on one article, from its kept reply when there is
// one, and keeps its reply as the article's own endpoint does: either way,
// its characters are charged before it is answered.
func (b *batchRun) one(a batchArticle) batchResult {
	start := time.Now()
	slot := newReplySlot(b.replies, b.task.endpoint, a.raw, a.req.Cache)
	if r, ok := b.h.replay(b.ctx, slot, start); ok {
		// The bytes go into the batch's reply as they are: an entry that
		// is not JSON would spoil every article's.
		if json.Valid(r.body) {
			if err := b.allowance.spend(b.ctx, r.characters); err != nil {
				return b.failed(err)
			}
			return batchResult{Status: http.StatusOK, Result: r.body}
		}
		b.h.unreadableReply(b.ctx, slot)
	}
	var characters int
	a.req.Charge = b.allowance.charge(&characters)
	res, err := b.task.call(b.ctx, a.req)
	if err != nil {
		return b.failed(cutByShutdown(b.ctx, err))
	}
	out, err := json.Marshal(b.task.reply(res))
	if err != nil {
		return b.failed(err)
	}
	b.h.keepReply(b.ctx, slot, b.task, res, characters)
	return batchResult{Status: http.StatusOK, Result: out}
}

// failed is the result of an article that failed with err.
func (b *batchRun) failed(err error) batchResult {
	status, detail := b.h.describeError(b.ctx, b.requestID, err)
	return batchResult{Status: status, Error: &detail}
}

// acquire takes a slot, unless ctx ends or stopping is closed first (or
// has been: a free slot does not win over them).
func acquire(ctx context.Context, stopping <-chan struct{}, slots chan struct{}) bool {
	select {
	case <-stopping:
		return false
	default:
	}
	if ctx.Err() != nil {
		return false
	}
	select {
	case slots <- struct{}{}:
		return true
	case <-ctx.Done():
		return false
	case <-stopping:
		return false
	}
}

// decodeBatch checks a batch's body and returns it with its task.
func (h *handler) decodeBatch(body []byte) (batchRequest, task, error) {
	example := `send JSON such as {"task": "translate", "articles": [{"text": "..."}]}`
	if len(bytes.TrimSpace(body)) == 0 {
		return batchRequest{}, task{}, gateway.Errorf(gateway.CodeInvalidJSON, "the request body is empty: %s", example)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	var in batchRequest
	if err := dec.Decode(&in); err != nil {
		if gateway.ErrorCode(jsonError(err)) == gateway.CodeInvalidRequest {
			return batchRequest{}, task{}, gateway.Errorf(gateway.CodeInvalidRequest, "%v: a batch has the fields task and articles", err)
		}
		return batchRequest{}, task{}, jsonError(err)
	}
	if dec.More() {
		return batchRequest{}, task{}, gateway.Errorf(gateway.CodeInvalidJSON, "the request body holds more than one JSON value")
	}
	var t task
	for _, candidate := range h.tasks() {
		if candidate.endpoint == in.Task {
			t = candidate
		}
	}
	switch {
	case t.call == nil:
		return batchRequest{}, task{}, gateway.Errorf(gateway.CodeInvalidRequest, "task %q is not one of translate, summarize, articles: %s", in.Task, example)
	case len(in.Articles) == 0:
		return batchRequest{}, task{}, gateway.Errorf(gateway.CodeInvalidRequest, "the batch has no articles: %s", example)
	case len(in.Articles) > h.opts.MaxBatchArticles:
		return batchRequest{}, task{}, gateway.Errorf(gateway.CodeTooLarge, "the batch has %d articles; at most %d are accepted", len(in.Articles), h.opts.MaxBatchArticles)
	}
	return in, t, nil
}

// batchAllowance spends the characters of a batch's articles, which run
// at once, and remembers the last decision for the batch's reply headers.
type batchAllowance struct {
	h       *handler
	who     client
	limiter quota.Limiter // of the rules the batch started with
	mu      sync.Mutex
	last    quota.Decision
	checked bool
}

// charge returns the gateway.Request.Charge of one article, recording in
// *charged what it counted.
func (b *batchAllowance) charge(charged *int) func(context.Context, int) error {
	return func(ctx context.Context, characters int) error {
		*charged = characters
		return b.spend(ctx, characters)
	}
}

func (b *batchAllowance) spend(ctx context.Context, characters int) error {
	d, checked, err := b.h.chargeCharacters(ctx, b.limiter, b.who, characters)
	if checked {
		b.mu.Lock()
		b.last, b.checked = d, true
		b.mu.Unlock()
	}
	return err
}

// describe sets the RateLimit-* headers of the batch's reply from the last
// decision, when they describe the characters a day: an article refused
// says when to retry in its own error.
func (b *batchAllowance) describe(c *gin.Context) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.checked && advertisesCharacters(b.who) {
		d := b.last
		d.Allowed = true
		setLimitHeaders(c, d, true)
	}
}
