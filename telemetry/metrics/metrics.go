// Package metrics exposes what the gateway does as Prometheus metrics:
// requests, cache lookups by level, provider calls with their latency and
// usage, coalesced requests and cache errors. Names follow Prometheus
// conventions (passerelle_..._total, _seconds).
package metrics

import (
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"passerelle/providers"
)

// Metrics holds every collector, registered in its own registry (no global
// state, so tests and reloads build as many as they like).
type Metrics struct {
	registry *prometheus.Registry

	requests        *prometheus.CounterVec
	requestDuration *prometheus.HistogramVec
	cacheLookups    *prometheus.CounterVec
	cacheErrors     *prometheus.CounterVec
	providerCalls   *prometheus.CounterVec
	providerLatency *prometheus.HistogramVec
	tokens          *prometheus.CounterVec
	characters      *prometheus.CounterVec
	coalesced       prometheus.Counter
	cost            *prometheus.CounterVec
	jobArticles     *prometheus.CounterVec
	jobArticleTime  prometheus.Histogram
	jobWorkersBusy  prometheus.Gauge

	prices atomic.Pointer[map[string]Price]
}

// Price is what a provider bills, in US dollars per million units.
type Price struct {
	PromptTokens     float64
	CompletionTokens float64
	Characters       float64
}

// New returns Metrics with the Go runtime and process collectors included.
func New() *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "passerelle_http_requests_total",
			Help: "HTTP requests answered, by route and status code.",
		}, []string{"route", "code"}),
		requestDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "passerelle_http_request_duration_seconds",
			Help:    "Time to answer an HTTP request, by route.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
		}, []string{"route"}),
		cacheLookups: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "passerelle_cache_lookups_total",
			Help: "Cache lookups, by level (document, segment, summary) and result (hit, miss, error).",
		}, []string{"level", "result"}),
		cacheErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "passerelle_cache_errors_total",
			Help: "Cache calls that failed (the request went on without the cache), by operation.",
		}, []string{"op"}),
		providerCalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "passerelle_provider_calls_total",
			Help: "Calls to providers, retries included, by provider, task and outcome (ok or the error kind).",
		}, []string{"provider", "task", "outcome"}),
		providerLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "passerelle_provider_call_duration_seconds",
			Help:    "Duration of provider calls, retries included, by provider and task.",
			Buckets: []float64{.01, .05, .1, .25, .5, 1, 2.5, 5, 10, 20, 40, 80},
		}, []string{"provider", "task"}),
		tokens: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "passerelle_provider_tokens_total",
			Help: "Tokens billed by LLM providers, by provider, model and direction (prompt, completion).",
		}, []string{"provider", "model", "direction"}),
		characters: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "passerelle_provider_characters_total",
			Help: "Characters billed or sent to translation engines, by provider and model.",
		}, []string{"provider", "model"}),
		cost: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "passerelle_provider_cost_usd_total",
			Help: "Estimated spend at providers, in US dollars, from the prices in the configuration, by provider and model.",
		}, []string{"provider", "model"}),
		coalesced: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "passerelle_coalesced_requests_total",
			Help: "Requests served by an identical request's provider call already in flight.",
		}),
		jobArticles: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "passerelle_job_articles_total",
			Help: "Job articles this process's workers ended, by outcome: done, failed, delivery_limit, handed_back (cut by a stop), paused (the key's allowance), cancelled (cut by its job's cancellation).",
		}, []string{"outcome"}),
		jobArticleTime: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "passerelle_job_article_duration_seconds",
			Help:    "Time a worker spent on one job article, its storing included.",
			Buckets: []float64{.01, .05, .1, .25, .5, 1, 2.5, 5, 10, 20, 40, 80, 160},
		}),
		jobWorkersBusy: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "passerelle_job_workers_busy",
			Help: "Job workers of this process working on an article now.",
		}),
	}
	m.registry.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.requests, m.requestDuration, m.cacheLookups, m.cacheErrors,
		m.providerCalls, m.providerLatency, m.tokens, m.characters, m.coalesced, m.cost,
		m.jobArticles, m.jobArticleTime, m.jobWorkersBusy,
	)
	return m
}

// JobArticleStarted counts a worker busy with a job article.
func (m *Metrics) JobArticleStarted() { m.jobWorkersBusy.Inc() }

// JobArticleEnded records how a job article ended and how long it took.
func (m *Metrics) JobArticleEnded(outcome string, d time.Duration) {
	m.jobWorkersBusy.Dec()
	m.jobArticles.WithLabelValues(outcome).Inc()
	m.jobArticleTime.Observe(d.Seconds())
}

// Register adds more collectors (for instance a provider's breaker state).
func (m *Metrics) Register(c prometheus.Collector) error { return m.registry.Register(c) }

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{Registry: m.registry})
}

// Request records one answered HTTP request. route is the matched route
// pattern, never the raw path, so that labels stay few.
func (m *Metrics) Request(route string, code int, d time.Duration) {
	if route == "" {
		route = "unmatched"
	}
	m.requests.WithLabelValues(route, strconv.Itoa(code)).Inc()
	m.requestDuration.WithLabelValues(route).Observe(d.Seconds())
}

// CacheLookup records lookups at one level: hits and misses among n keys,
// or one error.
func (m *Metrics) CacheLookup(level string, hits, misses int, err error) {
	if err != nil {
		m.cacheLookups.WithLabelValues(level, "error").Inc()
		m.cacheErrors.WithLabelValues("get").Inc()
		return
	}
	m.cacheLookups.WithLabelValues(level, "hit").Add(float64(hits))
	m.cacheLookups.WithLabelValues(level, "miss").Add(float64(misses))
}

// CacheWriteFailed records a failed cache write.
func (m *Metrics) CacheWriteFailed() { m.cacheErrors.WithLabelValues("set").Inc() }

// CacheError records a failed cache call of operation op.
func (m *Metrics) CacheError(op string) { m.cacheErrors.WithLabelValues(op).Inc() }

// ProviderCall records one call to a provider and what it cost.
func (m *Metrics) ProviderCall(provider, task, model string, d time.Duration, usage providers.Usage, err error) {
	outcome := "ok"
	if err != nil {
		outcome = providers.KindOf(err).String()
	}
	m.providerCalls.WithLabelValues(provider, task, outcome).Inc()
	m.providerLatency.WithLabelValues(provider, task).Observe(d.Seconds())
	if err != nil {
		return
	}
	if usage.PromptTokens > 0 {
		m.tokens.WithLabelValues(provider, model, "prompt").Add(float64(usage.PromptTokens))
	}
	if usage.CompletionTokens > 0 {
		m.tokens.WithLabelValues(provider, model, "completion").Add(float64(usage.CompletionTokens))
	}
	if usage.Characters > 0 {
		m.characters.WithLabelValues(provider, model).Add(float64(usage.Characters))
	}
	m.addCost(provider, model, usage)
}

// SetPrices sets the prices that turn usage into estimated cost, by provider
// name; a provider without a price costs nothing here.
func (m *Metrics) SetPrices(prices map[string]Price) { m.prices.Store(&prices) }

func (m *Metrics) addCost(provider, model string, usage providers.Usage) {
	prices := m.prices.Load()
	if prices == nil {
		return
	}
	p, ok := (*prices)[provider]
	if !ok {
		return
	}
	usd := (float64(usage.PromptTokens)*p.PromptTokens + float64(usage.CompletionTokens)*p.CompletionTokens +
		float64(usage.Characters)*p.Characters) / 1e6
	if usd > 0 {
		m.cost.WithLabelValues(provider, model).Add(usd)
	}
}

// Coalesced records a request that joined an identical one in flight.
func (m *Metrics) Coalesced() { m.coalesced.Inc() }
