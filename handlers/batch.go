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
	endpoint        string // the path under /v1, and the task's name in a batch
	call            func(context.Context, gateway.Request) (*gateway.Result, error)
	withTranslation bool // whether the reply holds the translated text
}

func (h *handler) tasks() []task {
	return []task{
		{endpoint: "translate", call: h.gw.Translate, withTranslation: true},
		{endpoint: "summarize", call: h.gw.Summarize},
		{endpoint: "articles", call: h.gw.Article, withTranslation: true},
	}
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
	policy := callerCachePolicy(c)
	articles := make([]batchArticle, len(in.Articles))
	valid := 0
	for i, raw := range in.Articles {
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
	if !h.limitBatchRequests(c, valid) {
		return
	}
	allowance := &batchAllowance{h: h, who: callerOf(c), limiter: h.rulesOf(c).access.Limiter}

	ctx, cancel := h.requestContext(c.Request.Context())
	defer cancel()
	replies := h.gw.Replies()
	results := make([]batchResult, len(articles))
	slots := make(chan struct{}, h.opts.BatchConcurrency)
	stopping := h.stopping()
	var wg sync.WaitGroup
	notStarted := 0
	for i := range articles {
		if articles[i].err != nil {
			results[i] = h.failedArticle(c, articles[i].err)
			continue
		}
		if !acquire(ctx, stopping, slots) {
			// The deadline passed, the client left or the process is
			// stopping: the articles not started are not paid for, and
			// logged once, below.
			var err error = &gateway.Error{Code: gateway.CodeProviderTimeout, Err: ctx.Err(),
				Message: "not started: the batch's deadline passed first; send this article again"}
			if ctx.Err() == nil || errors.Is(context.Cause(ctx), errShuttingDown) {
				err = errShuttingDown
			}
			status, detail := errorOf(c, err)
			results[i] = batchResult{Status: status, Error: &detail}
			notStarted++
			continue
		}
		wg.Go(func() {
			defer func() { <-slots }()
			defer func() {
				// A panic here is out of reach of the recover middleware:
				// it would end the process.
				if v := recover(); v != nil {
					results[i] = h.failedArticle(c, fmt.Errorf("panic in a batch article: %v\n%s", v, debug.Stack()))
				}
			}()
			results[i] = h.batchOne(ctx, c, t, replies, allowance, articles[i])
		})
	}
	wg.Wait()
	allowance.describe(c)
	if notStarted > 0 {
		h.log.WarnContext(c.Request.Context(), "batch: articles not started before its deadline or shutdown", "request_id", requestID(c),
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

// batchOne does t on one article, from its kept reply when there is one,
// and keeps its reply as the article's own endpoint does: either way, its
// characters are charged before it is answered.
func (h *handler) batchOne(ctx context.Context, c *gin.Context, t task, replies *gateway.Replies, allowance *batchAllowance, a batchArticle) batchResult {
	start := time.Now()
	var key string
	if replies != nil && !a.req.Cache.NoWrite {
		key = replies.Key(t.endpoint, a.raw)
		if !a.req.Cache.NoRead {
			if raw, ok := replies.Get(ctx, key); ok {
				if st, ok := decodeStored(raw); ok {
					tail := replayedTimings(start)
					// A new slice: the stored value may be shared with the
					// cache's other readers.
					result := make([]byte, 0, len(st.body)+len(tail))
					result = append(append(result, st.body...), tail...)
					// The bytes go into the batch's reply as they are: an
					// entry that is not JSON would spoil every article's.
					if json.Valid(result) {
						if err := allowance.spend(ctx, st.characters); err != nil {
							return h.failedArticle(c, err)
						}
						return batchResult{Status: http.StatusOK, Result: result}
					}
				}
				h.log.WarnContext(ctx, "cache: ignoring an unreadable reply entry", "key", key)
			}
		}
	}
	var characters int
	a.req.Charge = allowance.charge(&characters)
	res, err := t.call(ctx, a.req)
	if err != nil {
		return h.failedArticle(c, cutByShutdown(ctx, err))
	}
	out, err := json.Marshal(renderResult(res, t.withTranslation))
	if err != nil {
		return h.failedArticle(c, err)
	}
	h.keepReply(ctx, replies, key, res, characters, t.withTranslation)
	return batchResult{Status: http.StatusOK, Result: out}
}

func (h *handler) failedArticle(c *gin.Context, err error) batchResult {
	status, detail := h.describeError(c, err)
	return batchResult{Status: status, Error: &detail}
}
