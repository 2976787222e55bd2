// Package handlers is Passerelle's HTTP surface: the Gin router and its
// middleware, request and response JSON, and the one mapping of errors to
// HTTP status.
//
// An article endpoint is a task: the gateway call it makes and the document
// it renders of the result (fullDocument, or briefDocument for
// /v1/summarize, which leaves the translated text out). A reply is two
// parts: that document, which a repeat of the request would get the same,
// and the fields of the request that answers (requestFields: its timings).
// When a repeat would get the same reply from the cache, the encoded
// document is kept under the request's bytes (replies.go), and the repeat,
// sent alone or in a batch, is answered by the one replay: the document as
// it was encoded, with the repeat's own fields encoded beside it, without
// parsing or encoding the article again. A batch runs its articles on
// goroutines that share a batchRun (the batch's context, request id, task
// and allowance), never the gin.Context. Every error reply, of a request or
// of a batch's article, takes its status from errorTable (errors.go).
package handlers

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"passerelle/article/fetch"
	"passerelle/gateway"
	"passerelle/internal/admission"
	"passerelle/jobs"
)

// Gateway is what the handlers need of the core service.
type Gateway interface {
	Translate(ctx context.Context, req gateway.Request) (*gateway.Result, error)
	Summarize(ctx context.Context, req gateway.Request) (*gateway.Result, error)
	Article(ctx context.Context, req gateway.Request) (*gateway.Result, error)
	Extract(ctx context.Context, req gateway.Request) (*gateway.Extraction, error)
	Readiness(ctx context.Context) (string, []gateway.Check)
	Providers() []gateway.ProviderStatus
	// CheckProvider refuses a provider name a request may not choose for
	// a task (wantSummary: the task summarizes), as the request would be.
	CheckProvider(name string, wantSummary bool) error
	// CheckPageURL refuses an article's URL as a request with it would
	// be, before anything is fetched (fetching off, not http).
	CheckPageURL(rawURL string) error
	// DetectLanguage tells the language of a text as the gateway decides
	// an article's: an ISO 639-1 code and a confidence from 0 to 1, "" when
	// unsure.
	DetectLanguage(text string) (lang string, confidence float64)
	// MaxCharacters bounds the characters of one request's texts; 0: none.
	MaxCharacters() int
	// Replies is where finished replies are kept by request bytes; nil
	// when there is no cache. A reload may give a new one.
	Replies() *gateway.Replies
}

// Options configures the router.
type Options struct {
	// MaxBodyBytes bounds a request body, and each article of a batch;
	// larger ones get 413 too_large. Default 1 MiB.
	MaxBodyBytes int64
	// TrustedProxies are the reverse proxies whose X-Forwarded-For names
	// the client. Default none: the TCP peer is the client.
	TrustedProxies []string
	// MaxBatchBytes bounds the body of POST /v1/batch. Default 8 MiB.
	MaxBatchBytes int64
	// MaxBatchArticles bounds the articles of one batch. Default 100.
	MaxBatchArticles int
	// BatchConcurrency bounds the articles of one batch worked on at once.
	// Default 4.
	BatchConcurrency int
	// RequestTimeout is the deadline of one API call, provider calls
	// included. Default 180s.
	RequestTimeout time.Duration
	Logger         *slog.Logger // default: slog.Default()
	// Metrics, when set, records every request and is served at /metrics
	// (unless MetricsElsewhere).
	Metrics Metrics
	// MetricsElsewhere leaves /metrics off this router: it has a listener
	// of its own.
	MetricsElsewhere bool
	// Access is authentication and per-client limits.
	Access Access
	// CORSOrigins are the browser origins allowed to call the API. Default
	// none.
	CORSOrigins []string
	// Rules, when set, are the access rules and CORS origins in force,
	// which a reload replaces; Access and CORSOrigins are then unused.
	Rules *Rules
	// Reload, when set, is called by POST /admin/reload.
	Reload func() error
	// Tracer opens a span per request. Default: none.
	Tracer trace.Tracer
	// Budget, when set, bounds the bytes of work in flight: an API request
	// that does not fit gets 503 overloaded before its body is read.
	Budget *admission.Budget
	// WriteTimeout, when set, is the time a reply has to be written from
	// the moment its request's body was read (the server's own write
	// deadline counts from the headers, before a slow upload).
	WriteTimeout time.Duration
	// Shutdown tells the handlers when the process stops. Default: never.
	Shutdown Shutdown
	// Jobs, when set, serves the jobs API (/v1/jobs); its workers are
	// started by the caller, with JobWork.
	Jobs *jobs.Engine
	// Fetcher reads the feeds given to jobs; nil refuses them.
	Fetcher *fetch.Fetcher
	// MaxJobArticles bounds the articles of one job. Default 10,000.
	MaxJobArticles int
	// jobHeartbeat is how often an idle event stream gets a comment.
	// Default 15s; tests shorten it.
	jobHeartbeat time.Duration
	// MaxJobBytes bounds the body of POST /v1/jobs. Default 32 MiB: room for
	// 10,000 short articles, within the default budget of bytes in flight.
	MaxJobBytes int64
}

// Metrics is what the handlers need of the metrics registry.
type Metrics interface {
	Request(route string, code int, d time.Duration)
	Handler() http.Handler
}

type handler struct {
	gw     Gateway
	opts   Options
	rules  *Rules
	log    *slog.Logger
	tracer trace.Tracer
}

// New returns the HTTP handler of the whole API.
func New(gw Gateway, opts Options) http.Handler {
	opts = opts.withDefaults()
	h := &handler{gw: gw, opts: opts, rules: opts.Rules, log: opts.Logger, tracer: opts.Tracer}
	if h.rules == nil {
		rules, err := NewRules(opts.Access, opts.CORSOrigins)
		if err != nil {
			opts.Logger.Error("cors.allowed_origins: not used", "err", err)
			rules, _ = NewRules(opts.Access, nil)
		}
		h.rules = rules
	}

	r := gin.New()
	// Gin believes X-Forwarded-For from anyone by default; the client's
	// address counts its requests when auth is off, so only the configured
	// proxies are believed.
	if err := r.SetTrustedProxies(opts.TrustedProxies); err != nil {
		opts.Logger.Error("server.trusted_proxies: not used", "err", err)
		_ = r.SetTrustedProxies(nil)
	}
	r.HandleMethodNotAllowed = true
	r.ContextWithFallback = true
	r.Use(h.requestID)
	if _, off := opts.Tracer.(noop.Tracer); !off {
		// Without an exporter every span is a no-op; the middleware would
		// still parse trace headers and copy the request for nothing.
		r.Use(h.trace)
	}
	r.Use(h.accessLog, h.recover, securityHeaders, h.withRules)
	h.routes(r)
	return router{engine: r}
}

// withDefaults returns o with the default of every field left unset.
func (o Options) withDefaults() Options {
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = 1 << 20
	}
	if o.RequestTimeout <= 0 {
		o.RequestTimeout = 180 * time.Second
	}
	if o.MaxBatchBytes <= 0 {
		o.MaxBatchBytes = 8 << 20
	}
	if o.MaxBatchArticles <= 0 {
		o.MaxBatchArticles = 100
	}
	if o.BatchConcurrency <= 0 {
		o.BatchConcurrency = 4
	}
	if o.MaxJobArticles <= 0 {
		o.MaxJobArticles = defaultMaxJobArticles
	}
	if o.jobHeartbeat <= 0 {
		o.jobHeartbeat = defaultJobHeartbeat
	}
	if o.MaxJobBytes <= 0 {
		o.MaxJobBytes = defaultMaxJobBytes
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Tracer == nil {
		o.Tracer = noop.NewTracerProvider().Tracer("")
	}
	return o
}

// routes registers every endpoint on r.
func (h *handler) routes(r *gin.Engine) {
	if h.opts.Metrics != nil && !h.opts.MetricsElsewhere {
		r.GET("/metrics", gin.WrapH(h.opts.Metrics.Handler()))
	}
	r.NoRoute(func(c *gin.Context) {
		speakDeepLUnderV2(c)
		h.writeError(c, gateway.Errorf(codeNotFound, "no such endpoint: %s %s", c.Request.Method, c.Request.URL.Path))
	})
	r.NoMethod(func(c *gin.Context) {
		speakDeepLUnderV2(c)
		h.writeError(c, gateway.Errorf(codeMethodNotAllowed, "method %s is not allowed on %s", c.Request.Method, c.Request.URL.Path))
	})

	r.GET("/", h.index)
	r.GET("/assets/:name", h.asset)
	r.GET("/docs", h.docs)
	r.GET("/favicon.ico", func(c *gin.Context) { c.Status(http.StatusNoContent) })
	r.GET("/healthz", h.healthz)
	r.GET("/readyz", h.readyz)
	r.GET("/openapi.json", h.openapi)
	r.GET("/license", h.license)
	v1 := r.Group("/v1", h.authenticate, h.admit, h.limitRequests)
	for _, t := range h.tasks() {
		v1.POST("/"+t.endpoint, h.serve(t))
	}
	v1.POST("/batch", h.batch)
	v1.POST("/extract", h.extract)
	v1.GET("/providers", h.providers)
	if h.opts.Jobs != nil {
		v1.POST("/jobs", h.createJob)
		v1.GET("/jobs/:id", h.getJob)
		v1.DELETE("/jobs/:id", h.cancelJob)
		v1.GET("/jobs/:id/results", h.jobResults)
		v1.GET("/jobs/:id/events", h.jobEvents)
	}
	h.libreRoutes(r)
	h.deeplRoutes(r)
	if h.opts.Reload != nil {
		admin := r.Group("/admin", h.authenticate, h.requireAdmin)
		admin.POST("/reload", h.reload)
	}
}

// serve returns the handler of an endpoint that takes an article: a reply
// kept for the same bytes is sent as it is; otherwise parse, call the
// gateway, render, and keep the reply for the next identical request.
func (h *handler) serve(t task) gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		body, err := h.readBody(c, h.opts.MaxBodyBytes)
		if err != nil {
			h.writeError(c, err)
			return
		}
		policy := callerCachePolicy(c)
		if t.streams && wantsStream(c) {
			h.streamArticle(c, t, body, policy)
			return
		}
		slot := newReplySlot(h.gw.Replies(), t.endpoint, body, policy)
		if r, ok := h.replay(c.Request.Context(), slot, start); ok {
			h.sendReplayed(c, r)
			return
		}
		req, err := decodeArticle(body)
		if err != nil {
			h.writeError(c, err)
			return
		}
		// The allowance is spent by the gateway once it has the article
		// as it will be translated: an HTML page or a URL is counted by
		// what is extracted from it, not by the bytes sent.
		var characters int
		req.Charge = h.characterCharge(c, &characters)
		req.Cache = policy
		ctx, cancel := h.requestContext(c.Request.Context())
		defer cancel()
		res, err := t.call(ctx, req)
		if err != nil {
			h.writeError(c, cutByShutdown(ctx, err))
			return
		}
		c.Set(ctxKeyCache, res.Cache.Status)
		if res.Translation != nil {
			c.Set(ctxKeyProvider, res.Translation.Provider)
		}
		c.Header("X-Cache", headerCacheStatus(res.Cache.Status))
		sendJSON(c, t.reply(res))
		h.keepReply(c.Request.Context(), slot, t, res, characters)
	}
}

// reload loads the configuration file again; an invalid one is refused and
// the running configuration stays.
func (h *handler) reload(c *gin.Context) {
	if err := h.opts.Reload(); err != nil {
		h.writeError(c, gateway.Errorf(gateway.CodeInvalidRequest, "the new configuration was refused; the running one stays: %v", err))
		return
	}
	c.JSON(http.StatusOK, gin.H{"status": "reloaded"})
}

// Header values set on every reply, shared by all replies rather than
// allocated for each: nothing modifies a header value in place.
var (
	valueNoSniff    = []string{"nosniff"}
	valueDeny       = []string{"DENY"}
	valueNoReferrer = []string{"no-referrer"}
	valueJSON       = []string{"application/json; charset=utf-8"}
	valueHit        = []string{"HIT"}
)

// securityHeaders are set on every reply.
func securityHeaders(c *gin.Context) {
	h := c.Writer.Header()
	h["X-Content-Type-Options"] = valueNoSniff
	h["X-Frame-Options"] = valueDeny
	h["Referrer-Policy"] = valueNoReferrer
	c.Next()
}

// extract answers what would be translated, without calling a provider.
func (h *handler) extract(c *gin.Context) {
	body, err := h.readBody(c, h.opts.MaxBodyBytes)
	if err != nil {
		h.writeError(c, err)
		return
	}
	req, err := decodeArticle(body)
	if err != nil {
		h.writeError(c, err)
		return
	}
	ctx, cancel := h.requestContext(c.Request.Context())
	defer cancel()
	res, err := h.gw.Extract(ctx, req)
	if err != nil {
		h.writeError(c, cutByShutdown(ctx, err))
		return
	}
	c.JSON(http.StatusOK, res)
}

func (h *handler) healthz(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
}

// providers lists every configured provider: capabilities, credentials,
// where the routes use it, breaker state and recent error rate.
func (h *handler) providers(c *gin.Context) {
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, gin.H{"providers": h.gw.Providers()})
}

func (h *handler) readyz(c *gin.Context) {
	state, checks := h.gw.Readiness(c.Request.Context())
	if check, ok := h.jobsCheck(); ok {
		checks = append(checks, check)
	}
	status := http.StatusOK
	if state == gateway.Unready {
		status = http.StatusServiceUnavailable
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(status, gin.H{"status": state, "checks": checks})
}
