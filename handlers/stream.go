package handlers

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"mime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"passerelle/gateway"
)

// The stream of POST /v1/articles with Accept: text/event-stream, for a
// client that shows the article as it is translated (the web page):
//
//	event: article    the article as the gateway read it (its text
//	                  cleaned, its page extracted, its address fetched):
//	                  the title and paragraphs the indexes below refer to,
//	                  sent before any provider is called, a cached or
//	                  passed through article included
//	event: paragraph  each paragraph (index -1: the title) once it has its
//	                  final output, with the count of paragraphs done and
//	                  their total; again, with its warning, when the
//	                  finished translation flags it
//	event: summary    the summary, and who wrote it
//	event: reply      the reply the same request without the header gets
//	event: end        nothing more follows
//
// or, once the stream has begun, "error" with the error reply's body and
// the status it would have had, then "end"; an article refused once read
// (its size, the allowance, its language) gets no "article" event. A
// request refused before its article is read (its body, its form) gets
// the ordinary error reply. A
// comment is sent when nothing happened for a while, and each write has its
// own deadline: the server's write timeout does not cut a long stream.
// A client that closes the stream stops the request: no paragraph is sent
// to a provider afterwards.
//
// A streamed request reads no kept reply (it would have no progress to
// show), but keeps its reply for the requests that follow, as any does.

// wantsStream tells whether the request asks for the event stream.
func wantsStream(c *gin.Context) bool {
	for _, part := range strings.Split(c.GetHeader("Accept"), ",") {
		if media, _, err := mime.ParseMediaType(strings.TrimSpace(part)); err == nil && media == "text/event-stream" {
			return true
		}
	}
	return false
}

// progressQueue holds what the gateway announces until the handler writes
// it: add and start never block, whatever the client's pace.
type progressQueue struct {
	mu     sync.Mutex
	source *gateway.Source // told by Request.Started; nil once taken
	items  []gateway.Progress
	ready  chan struct{} // has a value when items may be waiting
}

func newProgressQueue() *progressQueue { return &progressQueue{ready: make(chan struct{}, 1)} }

func (q *progressQueue) add(p gateway.Progress) {
	q.mu.Lock()
	q.items = append(q.items, p)
	q.mu.Unlock()
	q.signal()
}

// start keeps the article the request read; the gateway tells it before
// any paragraph, so that take hands it out first.
func (q *progressQueue) start(src gateway.Source) {
	q.mu.Lock()
	q.source = &src
	q.mu.Unlock()
	q.signal()
}

func (q *progressQueue) signal() {
	select {
	case q.ready <- struct{}{}:
	default:
	}
}

func (q *progressQueue) take() (*gateway.Source, []gateway.Progress) {
	q.mu.Lock()
	defer q.mu.Unlock()
	src, items := q.source, q.items
	q.source, q.items = nil, nil
	return src, items
}

// streamSource is the data of the "article" event.
type streamSource struct {
	Title      string   `json:"title"` // "" when the article has none
	Paragraphs []string `json:"paragraphs"`
	Total      int      `json:"total"` // len(Paragraphs), as the paragraph events count them
	Byline     string   `json:"byline,omitempty"`
	Published  string   `json:"published,omitempty"`
}

// streamParagraph is the data of a "paragraph" event.
type streamParagraph struct {
	Index int    `json:"index"` // in translation.paragraphs; -1 for the title
	Text  string `json:"text"`
	// Provider made the text; "none" when it was kept as it was (already
	// in the target language). A paragraph sent at the end names the
	// article's providers, comma-separated when several took turns.
	Provider string       `json:"provider"`
	Warning  *warningBody `json:"warning,omitempty"`
	Done     int          `json:"done"`  // paragraphs sent so far, the title not counted
	Total    int          `json:"total"` // the article's paragraphs
}

// streamSummary is the data of a "summary" event.
type streamSummary struct {
	Text      string `json:"text"`
	Sentences int    `json:"sentences"`
	Provider  string `json:"provider"`
	Model     string `json:"model"`
}

// streamError is the data of an "error" event: the error reply's body,
// the status it would have had, and when a refusal that passes by itself
// may be retried.
type streamError struct {
	Status int `json:"status"`
	errorBody
	RetryAfter int `json:"retry_after,omitempty"` // seconds
}

// callOutcome is what a gateway call returned.
type callOutcome struct {
	res *gateway.Result
	err error
}

// streamArticle answers an article request with the event stream.
func (h *handler) streamArticle(c *gin.Context, t task, body []byte, policy gateway.CachePolicy) {
	req, err := decodeArticle(body)
	if err != nil {
		h.writeError(c, err)
		return
	}
	slot := newReplySlot(h.gw.Replies(), t.endpoint, body, policy)
	var characters int
	var retryAfter time.Duration
	req.Charge = h.streamCharge(c, &characters, &retryAfter)
	req.Cache = policy
	queue := newProgressQueue()
	req.Progress = queue.add
	req.Started = queue.start
	ctx, cancel := h.requestContext(c.Request.Context())
	defer cancel()
	done := make(chan callOutcome, 1)
	go func() { done <- h.callRecovering(ctx, t, req) }()

	s := openStream(c, 2*h.opts.jobHeartbeat)
	heartbeat := time.NewTicker(h.opts.jobHeartbeat)
	defer heartbeat.Stop()
	for {
		select {
		case <-queue.ready:
			s.progress(queue.take())
		case <-heartbeat.C:
			s.comment("heartbeat")
		case out := <-done:
			// What was announced just before the end comes first.
			s.progress(queue.take())
			if out.err != nil {
				h.streamFailure(c, s, cutByShutdown(ctx, out.err), retryAfter)
				return
			}
			c.Set(ctxKeyCache, out.res.Cache.Status)
			if out.res.Translation != nil {
				c.Set(ctxKeyProvider, out.res.Translation.Provider)
			}
			// Kept before the end is sent: a client that repeats the
			// request once it has the end finds it.
			h.keepReply(c.Request.Context(), slot, t, out.res, characters)
			s.finish(t, out.res)
			return
		}
	}
}

// callRecovering makes t's gateway call, a panic made an internal error:
// it runs on a goroutine of its own, out of the recovering middleware's
// reach.
func (h *handler) callRecovering(ctx context.Context, t task, req gateway.Request) (out callOutcome) {
	defer func() {
		if p := recover(); p != nil {
			h.log.ErrorContext(ctx, "panic", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			out = callOutcome{err: gateway.Errorf(gateway.CodeInternal, "internal error")}
		}
	}()
	res, err := t.call(ctx, req)
	return callOutcome{res: res, err: err}
}

// streamCharge is characterCharge for a streamed request, whose headers
// are sent before the gateway counts the article: the wait a refusal
// names goes in *retryAfter, for the error event, rather than in headers.
func (h *handler) streamCharge(c *gin.Context, charged *int, retryAfter *time.Duration) func(context.Context, int) error {
	who, limiter := callerOf(c), h.rulesOf(c).access.Limiter
	return func(ctx context.Context, characters int) error {
		*charged = characters
		d, _, err := h.chargeCharacters(ctx, limiter, who, characters)
		if err != nil {
			*retryAfter = d.RetryAfter
		}
		return err
	}
}

// streamFailure writes err as the stream's "error" event, then "end".
func (h *handler) streamFailure(c *gin.Context, s *eventStream, err error, retryAfter time.Duration) {
	status, detail := h.describeError(c.Request.Context(), requestID(c), err)
	ev := streamError{Status: status, errorBody: errorBody{Error: detail}}
	if ra := classOf(detail.Code).retryAfter; ra != nil {
		ev.RetryAfter, _ = strconv.Atoi(ra[0])
	}
	if retryAfter > 0 {
		ev.RetryAfter = int(math.Ceil(retryAfter.Seconds()))
	}
	s.event("error", ev)
	s.event("end", struct{}{})
	s.flush()
	// The reply's status was 200, sent before the failure: the access log
	// and the metrics count the request by the status it would have had.
	c.Set(ctxKeyOutcome, status)
}

// eventStream is the article stream: Server-Sent Events to one client,
// counting the paragraphs it sent.
type eventStream struct {
	sse
	sent  map[int]string // the text sent of each paragraph, by index
	done  int            // paragraphs sent, the title not counted
	total int
}

// openStream sends the stream's headers.
func openStream(c *gin.Context, timeout time.Duration) *eventStream {
	return &eventStream{sse: openSSE(c, timeout), sent: map[int]string{}}
}

func (s *eventStream) event(name string, data any) { s.sse.event(name, "", data) }

// progress sends the "article" event, when src is told, then a
// "paragraph" event for each paragraph announced.
func (s *eventStream) progress(src *gateway.Source, items []gateway.Progress) {
	if src == nil && len(items) == 0 {
		return
	}
	if src != nil {
		s.article(*src)
	}
	for _, p := range items {
		s.total = p.Total
		s.paragraph(p.Paragraph, p.Text, p.Provider, nil)
	}
	s.flush()
}

// article sends the "article" event.
func (s *eventStream) article(src gateway.Source) {
	paragraphs := src.Paragraphs
	if paragraphs == nil {
		paragraphs = []string{}
	}
	s.total = len(paragraphs)
	s.event("article", streamSource{Title: src.Title, Paragraphs: paragraphs, Total: s.total, Byline: src.Byline, Published: src.Published})
}

// paragraph sends one paragraph's event.
func (s *eventStream) paragraph(index int, text, provider string, warning *warningBody) {
	if _, again := s.sent[index]; !again && index >= 0 {
		s.done++
	}
	s.sent[index] = text
	if provider == "" {
		provider = "none"
	}
	s.event("paragraph", streamParagraph{Index: index, Text: text, Provider: provider, Warning: warning, Done: s.done, Total: s.total})
}

// finish sends what the stream has not said of res (the paragraphs not
// announced, those whose warning is known only now), its summary and
// the whole reply, then the end.
func (s *eventStream) finish(t task, res *gateway.Result) {
	reply := t.reply(res)
	if tr := reply.Translation; tr != nil {
		s.total = len(tr.Paragraphs)
		warnings := map[int]*warningBody{}
		for i := range reply.Warnings {
			if w := &reply.Warnings[i]; warnings[w.Paragraph] == nil {
				warnings[w.Paragraph] = w
			}
		}
		provider := reply.Provider.Translation
		if tr.Title != "" {
			s.settle(-1, tr.Title, provider, warnings[-1])
		}
		for i, text := range tr.Paragraphs {
			s.settle(i, text, provider, warnings[i])
		}
	}
	if sum := reply.Summary; sum != nil {
		s.event("summary", streamSummary{Text: sum.Text, Sentences: sum.Sentences, Provider: reply.Provider.Summary, Model: reply.Model.Summary})
	}
	raw, err := json.Marshal(reply)
	if err != nil { // not for the plain structs rendered here
		raw = []byte("{}")
	}
	s.event("reply", json.RawMessage(raw))
	s.event("end", struct{}{})
	s.flush()
}

// settle sends paragraph index as the finished translation has it, unless
// it was sent so already; provider is then the article's (several,
// comma-separated, when they took turns).
func (s *eventStream) settle(index int, text, provider string, warning *warningBody) {
	if sent, ok := s.sent[index]; ok && sent == text && warning == nil {
		return
	}
	s.paragraph(index, text, provider, warning)
}
