// Package config defines Passerelle's configuration: a YAML file with ${VAR}
// expansion, environment variables that override the common fields and work
// with no file at all, documented defaults, and Validate.
//
// It knows no provider type by name. A provider block's common fields
// (Common) are decoded here; the rest of the block is its type's options,
// which the type's row in providers/registry makes, defaults and checks,
// and whose environment shortcuts it declares. An unknown key is refused
// everywhere, in a provider block too.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"slices"
	"sort"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"passerelle/internal/admission"
	"passerelle/internal/redact"
	"passerelle/providers/registry"
)

// Config is the whole configuration, loaded once at start.
type Config struct {
	Server        Server              `yaml:"server"`
	Cache         Cache               `yaml:"cache"`
	Translation   Route               `yaml:"translation"`
	Summarization SummaryRoute        `yaml:"summarization"`
	Providers     map[string]Provider `yaml:"providers"`
	// PromptsDir is a folder whose *.tmpl files override the embedded prompt
	// templates. Default: "" (embedded templates only).
	PromptsDir string        `yaml:"prompts_dir"`
	Log        Log           `yaml:"log"`
	Auth       Auth          `yaml:"auth"`
	CORS       CORS          `yaml:"cors"`
	Limits     RequestLimits `yaml:"limits"`
	Fetch      Fetch         `yaml:"fetch"`
	// Glossary maps French terms to the English every translation must use
	// ("Élysée": "Élysée Palace"); a term mapped to itself is never
	// translated. A request's own glossary adds to it.
	Glossary map[string]string `yaml:"glossary"`
	Tracing  Tracing           `yaml:"tracing"`
	Jobs     Jobs              `yaml:"jobs"`
}

// Jobs configures bulk jobs (/v1/jobs). With cache.backend redis they are
// kept in Redis and every replica works on them; with the memory cache they
// run in this process and do not survive a restart.
type Jobs struct {
	// Workers is how many articles of jobs this replica works on at once.
	// Default 4; 0 serves the jobs API without working on them.
	Workers *int `yaml:"workers"`
	// MaxArticles bounds the articles of one job. Default 10000.
	MaxArticles int `yaml:"max_articles"`
	// TTL is how long a job and its results are kept after its last
	// change. Default 168h (7 days).
	TTL time.Duration `yaml:"ttl"`
	// VisibilityTimeout is how long an article held by a replica that
	// stopped giving signs of life (killed, cut off) waits before another
	// replica takes it. Default 60s.
	VisibilityTimeout time.Duration `yaml:"visibility_timeout"`
	// MaxDeliveries is how many times an article is handed to a worker
	// before it is failed with the reason, rather than loop for ever.
	// Default 5.
	MaxDeliveries int `yaml:"max_deliveries"`
}

// WorkerCount is the number of workers, default applied.
func (j Jobs) WorkerCount() int {
	if j.Workers == nil {
		return DefaultJobWorkers
	}
	return *j.Workers
}

// DefaultJobWorkers is jobs.workers when unset.
const DefaultJobWorkers = 4

func (j Jobs) validate(add addFunc) {
	if j.Workers != nil && *j.Workers < 0 {
		add("jobs.workers (%d) must not be negative: 0 serves the jobs API without working on jobs", *j.Workers)
	}
	if j.MaxArticles <= 0 {
		add("jobs.max_articles (%d) must be positive, e.g. 10000", j.MaxArticles)
	}
	if j.TTL < time.Minute {
		add("jobs.ttl (%s) must be a minute or more, e.g. 168h: results are kept that long", j.TTL)
	}
	if j.VisibilityTimeout < time.Second {
		add("jobs.visibility_timeout (%s) must be a second or more, e.g. 60s: a live worker renews its hold every third of it", j.VisibilityTimeout)
	}
	if j.MaxDeliveries <= 0 {
		add("jobs.max_deliveries (%d) must be positive, e.g. 5", j.MaxDeliveries)
	}
}

// Tracing configures OpenTelemetry tracing, off by default.
type Tracing struct {
	// OTLPEndpoint is the OTLP/HTTP collector ("http://127.0.0.1:4318");
	// env OTEL_EXPORTER_OTLP_ENDPOINT. Empty: tracing is off.
	OTLPEndpoint string `yaml:"otlp_endpoint"`
	// SampleRatio is the share of new traces kept. Default 1.
	SampleRatio float64 `yaml:"sample_ratio"`
}

// Fetch configures articles given by URL.
type Fetch struct {
	// Enabled allows "url" input. Default true.
	Enabled bool `yaml:"enabled"`
	// Timeout bounds one fetch, redirects included. Default 10s.
	Timeout time.Duration `yaml:"timeout"`
	// MaxBytes bounds a page. Default 5 MiB.
	MaxBytes int64 `yaml:"max_bytes"`
	// MaxRedirects bounds the redirects followed. Default 5.
	MaxRedirects int `yaml:"max_redirects"`
	// AllowHosts are hosts (or host:port) fetched even though they resolve to
	// loopback or private addresses, which are refused otherwise.
	AllowHosts []string `yaml:"allow_hosts"`
}

// Server configures the HTTP listener.
type Server struct {
	// Addr is the listen address. Default ":8080"; env PASSERELLE_ADDR.
	Addr string `yaml:"addr"`
	// MaxBodyBytes bounds a request body; larger bodies get 413. Default 1 MiB.
	// In a batch it bounds each article.
	MaxBodyBytes int64 `yaml:"max_body_bytes"`
	// TrustedProxies are the addresses or CIDR ranges of the reverse proxies
	// in front of the gateway, whose X-Forwarded-For names the client (for
	// per-address limits when auth is off, and the access log). Default
	// none: the TCP peer is the client, and a forwarding header, which any
	// client can write, is not believed.
	TrustedProxies []string `yaml:"trusted_proxies"`
	// MaxBatchBytes bounds the body of POST /v1/batch. Default 8 MiB.
	MaxBatchBytes int64 `yaml:"max_batch_bytes"`
	// MaxBatchArticles bounds the articles of one batch. Default 100.
	MaxBatchArticles int `yaml:"max_batch_articles"`
	// BatchConcurrency bounds the articles of one batch worked on at once
	// (each provider's max_concurrency bounds its calls as well). Default 4.
	BatchConcurrency int `yaml:"batch_concurrency"`
	// ReadTimeout bounds reading a whole request. Default 30s.
	ReadTimeout time.Duration `yaml:"read_timeout"`
	// ReadHeaderTimeout bounds reading a request's headers, from the
	// connection's first byte or its last request; a connection that sends
	// none in time is closed, and its slot freed for another. It must be
	// under ReadTimeout. Default 5s.
	ReadHeaderTimeout time.Duration `yaml:"read_header_timeout"`
	// WriteTimeout bounds the work and the reply of a request from the end
	// of its body, provider calls included, so it must exceed
	// RequestTimeout. Default 190s.
	WriteTimeout time.Duration `yaml:"write_timeout"`
	// IdleTimeout closes idle keep-alive connections. Default 120s.
	IdleTimeout time.Duration `yaml:"idle_timeout"`
	// RequestTimeout is the deadline of one API request, provider calls
	// included. Default 180s.
	RequestTimeout time.Duration `yaml:"request_timeout"`
	// ShutdownGrace is how long in-flight requests may finish after SIGTERM
	// (after DrainDelay). Batches start no new article once SIGTERM comes;
	// what is still in flight a tenth of the grace (1s to 3s) before its end
	// is cut and answered 503 shutting_down. Default 30s.
	ShutdownGrace time.Duration `yaml:"shutdown_grace"`
	// DrainDelay is how long, after SIGTERM, /readyz answers 503 while
	// requests are still accepted, so that a load balancer stops sending
	// before the listener closes. Default 0; a few seconds behind one.
	DrainDelay time.Duration `yaml:"drain_delay"`
	// MetricsAddr, when set, serves /metrics on its own listener (say
	// "127.0.0.1:9090") instead of the API's.
	MetricsAddr string `yaml:"metrics_addr"`
	// DebugAddr, when set, serves the Go profiler (/debug/pprof/) on its own
	// listener. Keep it on loopback: profiles show the program's insides.
	DebugAddr string `yaml:"debug_addr"`
	// GCPercent is the garbage collector's target (Go's GOGC): the heap may
	// grow by this percentage of the live heap between collections. The
	// gateway's live heap is small and each request allocates its body and
	// reply, so Go's 100 means a collection every few hundred requests,
	// each taking one of the CPUs for a while. Default 400; the GOGC
	// environment variable, when set, wins. Memory under load grows with it
	// (see the README's Performance section); GOMEMLIMIT caps it.
	GCPercent int `yaml:"gc_percent"`
	// MaxConnections bounds the connections served at once. Beyond it a
	// connection is still accepted, and served on a small overflow path
	// (OverflowConnections of them at most) that answers /healthz, /readyz
	// and /metrics and refuses anything else with 503 overloaded; beyond
	// that it is closed. The process raises its descriptor limit to the hard
	// one at start, and refuses to start when MaxConnections, the overflow
	// and DescriptorReserve do not fit under it. Default 2048.
	MaxConnections int `yaml:"max_connections"`
	// MaxInflightBytes bounds the memory held by the work in flight: request
	// bodies (4 times their size: read, decoded, translated, replied),
	// fetched pages (fetch.max_bytes each, reserved before the fetch) and
	// pages being extracted (32 times their size while the DOM lives). Work
	// that does not fit is refused before it starts with 503 overloaded and
	// Retry-After. It must hold the largest request. Default 256 MiB.
	MaxInflightBytes int64 `yaml:"max_inflight_bytes"`
	// MemoryLimit is the Go runtime's soft memory limit (Go's GOMEMLIMIT),
	// in bytes: as memory nears it the garbage collector works harder,
	// whatever GCPercent says, before the kernel kills the process. It must
	// hold the memory cache, MaxInflightBytes and the connections. Default
	// 768 MiB; 0 sets none; the GOMEMLIMIT environment variable, when set,
	// wins.
	MemoryLimit int64 `yaml:"memory_limit"`
	// HealthAddr, when set, serves /healthz and /readyz on a listener of
	// their own (say "127.0.0.1:8081"), out of reach of the API's clients
	// and their connections.
	HealthAddr string `yaml:"health_addr"`
	// GoMaxProcs bounds the CPUs that run Go code at once (Go's
	// GOMAXPROCS). Default 0: Go's own choice, the machine's CPUs or the
	// container's quota. On a small host shared with Redis or the provider,
	// fewer than the CPUs saves the scheduler's spinning and wake-ups, about
	// a sixth of the gateway's CPU per request on 2 cores (see the README's
	// Performance section); a long request then delays the others more. The
	// GOMAXPROCS environment variable, when set, wins.
	GoMaxProcs int `yaml:"gomaxprocs"`
}

// Cache configures where results are kept.
type Cache struct {
	// Backend is "memory" (embedded, the default) or "redis". Setting env
	// REDIS_URL selects "redis".
	Backend string `yaml:"backend"`
	// TTL is how long a result is kept. Default 720h (30 days).
	TTL time.Duration `yaml:"ttl"`
	// ReplyTTL is how long a finished reply is kept for requests with the
	// same bytes; the translations under it stay for TTL. It bounds how
	// long a reply outlives a refresh (Cache-Control: no-cache) sent with
	// other bytes. Default 24h; never more than TTL.
	ReplyTTL time.Duration `yaml:"reply_ttl"`
	// OperationTimeout bounds each cache call so that a slow cache never holds a
	// request: past it the request goes on without the cache. Default 300ms.
	OperationTimeout time.Duration `yaml:"operation_timeout"`
	Memory           MemoryCache   `yaml:"memory"`
	Redis            RedisCache    `yaml:"redis"`
	// MemoryTier, with the redis backend, keeps a bounded in-memory tier
	// (cache.memory.max_bytes) in front of Redis: hot entries skip the
	// network, and it keeps serving while Redis is down. Default false.
	MemoryTier bool `yaml:"memory_tier"`
}

// MemoryCache configures the embedded cache.
type MemoryCache struct {
	// MaxBytes bounds the memory held by cached values. Default 256 MiB.
	MaxBytes int64 `yaml:"max_bytes"`
}

// RedisCache configures the Redis cache. Give URL for one server, or Addrs
// (several: Cluster; with MasterName: Sentinel).
type RedisCache struct {
	URL        string   `yaml:"url"` // env REDIS_URL; redis:// or rediss://
	Addrs      []string `yaml:"addrs"`
	MasterName string   `yaml:"master_name"`
	Username   string   `yaml:"username"`
	Password   string   `yaml:"password"`
	DB         int      `yaml:"db"`
	// DialTimeout, ReadTimeout, WriteTimeout: short by default (500ms, 250ms,
	// 250ms) so that a Redis outage costs a request little.
	DialTimeout  time.Duration `yaml:"dial_timeout"`
	ReadTimeout  time.Duration `yaml:"read_timeout"`
	WriteTimeout time.Duration `yaml:"write_timeout"`
	PoolSize     int           `yaml:"pool_size"` // 0: go-redis default (10 per CPU)
}

// Route names the provider that serves a task and those tried after it.
type Route struct {
	Provider  string   `yaml:"provider"`
	Fallbacks []string `yaml:"fallbacks"`
	// AllowOverride lists the providers a request may name in "provider".
	// Default: the route's own providers.
	AllowOverride []string `yaml:"allow_override"`
}

// Chain returns the route's provider followed by its fallbacks.
func (r Route) Chain() []string {
	return append([]string{r.Provider}, r.Fallbacks...)
}

// SummaryRoute is a Route with the default summary length.
type SummaryRoute struct {
	Route `yaml:",inline"`
	// Sentences is the default summary length. Default 2.
	Sentences int `yaml:"sentences"`
}

// Log configures logging.
type Log struct {
	Level  string `yaml:"level"`  // debug | info (default) | warn | error
	Format string `yaml:"format"` // json (default) | text
	// FlushInterval is how long an information line (the access log) may
	// wait to be written with others; warnings and errors are written at
	// once. 0 writes every line at once. Default 100ms.
	FlushInterval time.Duration `yaml:"flush_interval"`
}

// Environment variables read by Load. Those that define a provider
// (OPENAI_API_KEY, APERTIUM_URL...) are in its row's registry.Env.
const (
	EnvConfig                = "PASSERELLE_CONFIG"
	EnvAddr                  = "PASSERELLE_ADDR"
	EnvRedisURL              = "REDIS_URL"
	EnvAuth                  = "PASSERELLE_AUTH"
	EnvOTLPEndpoint          = "OTEL_EXPORTER_OTLP_ENDPOINT"
	EnvTranslationProvider   = "PASSERELLE_TRANSLATION_PROVIDER"
	EnvSummarizationProvider = "PASSERELLE_SUMMARIZATION_PROVIDER"
)

// Defaults of fields that have one.
const (
	DefaultAddr           = ":8080"
	DefaultMaxBodyBytes   = 1 << 20
	DefaultTTL            = 720 * time.Hour
	DefaultMemoryMaxBytes = 256 << 20
	DefaultSentences      = 2

	DefaultMaxConnections   = 2048
	DefaultMaxInflightBytes = 256 << 20
	DefaultMemoryLimit      = 768 << 20
)

// What the connection and memory bounds must leave room for.
const (
	// OverflowConnections bounds the connections served on the overflow
	// path, beyond server.max_connections.
	OverflowConnections = 1024
	// DescriptorReserve is the file descriptors kept for what is not a
	// client's connection: Redis's pool, the providers', fetched pages,
	// the metrics and health listeners, the logs.
	DescriptorReserve = 512
	// ConnectionMemory is what an open connection holds: its read and
	// write buffers and the stack of the goroutine that serves it.
	ConnectionMemory = 32 << 10
	// BaseMemory is what the gateway holds idle (about 40 MB) with room for
	// the garbage collector's own work.
	BaseMemory = 64 << 20
)

// Default returns the configuration before any file or environment
// variable: the embedded cache and no provider. Load adds the offline
// engines of providers/registry and routes to them.
func Default() Config {
	return Config{
		Server: Server{
			Addr:              DefaultAddr,
			MaxBodyBytes:      DefaultMaxBodyBytes,
			MaxBatchBytes:     8 << 20,
			MaxBatchArticles:  100,
			BatchConcurrency:  4,
			ReadTimeout:       30 * time.Second,
			ReadHeaderTimeout: 5 * time.Second,
			WriteTimeout:      190 * time.Second,
			IdleTimeout:       120 * time.Second,
			RequestTimeout:    180 * time.Second,
			ShutdownGrace:     30 * time.Second,
			GCPercent:         400,
			MaxConnections:    DefaultMaxConnections,
			MaxInflightBytes:  DefaultMaxInflightBytes,
			MemoryLimit:       DefaultMemoryLimit,
		},
		Cache: Cache{
			Backend:          "memory",
			TTL:              DefaultTTL,
			ReplyTTL:         24 * time.Hour,
			OperationTimeout: 300 * time.Millisecond,
			Memory:           MemoryCache{MaxBytes: DefaultMemoryMaxBytes},
			Redis: RedisCache{
				DialTimeout:  500 * time.Millisecond,
				ReadTimeout:  250 * time.Millisecond,
				WriteTimeout: 250 * time.Millisecond,
			},
		},
		Log:    Log{Level: "info", Format: "json", FlushInterval: 100 * time.Millisecond},
		Limits: RequestLimits{MaxParagraphs: 1000, MaxCharacters: 200000},
		Auth:   Auth{LimitsOnOutage: OutageLocal},
		Fetch:  Fetch{Enabled: true, Timeout: 10 * time.Second, MaxBytes: 5 << 20, MaxRedirects: 5},
		Jobs:   Jobs{MaxArticles: 10000, TTL: 7 * 24 * time.Hour, VisibilityTimeout: 60 * time.Second, MaxDeliveries: 5},
	}
}

// Load builds the configuration: defaults, then the YAML file named by
// PASSERELLE_CONFIG (with ${VAR} expanded from the environment), then the
// environment overrides, then default routes and provider fields; it returns
// an error when the file cannot be read or parsed or the result is invalid.
func Load(getenv func(string) string) (Config, error) {
	cfg := Default()
	if path := getenv(EnvConfig); path != "" {
		raw, err := os.ReadFile(path)
		if err != nil {
			return Config{}, fmt.Errorf("config: read %s (from %s): %w", path, EnvConfig, err)
		}
		if err := decodeYAML(raw, getenv, &cfg); err != nil {
			return Config{}, fmt.Errorf("config: %s: %w", path, err)
		}
	}
	applyEnv(&cfg, getenv)
	cfg.fillDefaults()
	if err := cfg.Validate(); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// decodeYAML expands ${VAR} from getenv and decodes strictly: an unknown key is
// an error, because a misspelt key silently ignored is a misconfigured gateway.
func decodeYAML(raw []byte, getenv func(string) string, cfg *Config) error {
	expanded := os.Expand(string(raw), getenv)
	dec := yaml.NewDecoder(strings.NewReader(expanded))
	dec.KnownFields(true)
	// An empty file decodes to io.EOF: it means "the defaults".
	if err := dec.Decode(cfg); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	return nil
}

// applyEnv lays the environment variables over the file. With no file they
// define the providers on their own.
func applyEnv(cfg *Config, getenv func(string) string) {
	if v := getenv(EnvAddr); v != "" {
		cfg.Server.Addr = v
	}
	if v := getenv(EnvOTLPEndpoint); v != "" {
		cfg.Tracing.OTLPEndpoint = v
	}
	if v := getenv(EnvAuth); v != "" {
		cfg.Auth.Enabled = v == "on" || v == "true" || v == "1"
	}
	if v := getenv(EnvRedisURL); v != "" {
		cfg.Cache.Backend = "redis"
		cfg.Cache.Redis.URL = v
		cfg.Cache.Redis.Addrs = nil
	}
	if cfg.Providers == nil {
		cfg.Providers = map[string]Provider{}
	}
	for _, row := range registry.Rows() {
		if row.Env != nil {
			applyProviderEnv(cfg.Providers, row, getenv)
		}
	}
	if v := getenv(EnvTranslationProvider); v != "" {
		cfg.Translation = envRoute(cfg.Translation, v, registry.OfflineTranslator())
	}
	if v := getenv(EnvSummarizationProvider); v != "" {
		cfg.Summarization.Route = envRoute(cfg.Summarization.Route, v, registry.OfflineSummarizer())
	}
}

// applyProviderEnv lays the variables of row's Env over the provider of
// its name, or defines that provider: always for an offline engine, else
// when its key is set (or, for a server of one's own, its URL). A provider
// of that name and another type in the file is left alone.
func applyProviderEnv(providers map[string]Provider, row registry.Row, getenv func(string) string) {
	e := row.Env
	get := func(name string) string {
		if name == "" {
			return ""
		}
		return getenv(name)
	}
	key, url, model := get(e.Key), get(e.URL), get(e.Model)
	p, exists := providers[e.Name]
	if exists && p.Type != row.Type {
		return // the file uses the name for another provider
	}
	// A URL alone defines a provider only when the row says so: a local
	// OpenAI-compatible server still needs OPENAI_API_KEY (any value) to
	// be chosen by default.
	if !exists && !e.Offline && key == "" && (url == "" || !e.URLAlone) {
		return
	}
	p.Type = row.Type
	if p.Options == nil {
		p.Options = row.Options()
	}
	p.Options.FromEnv(key, url, model)
	providers[e.Name] = p
}

// envRoute makes provider the primary of r. With no route configured, the
// local engine becomes its fallback; otherwise the configured fallbacks stay,
// less the new primary.
func envRoute(r Route, provider, local string) Route {
	fallbacks := r.Fallbacks
	if r.Provider == "" {
		fallbacks = []string{local}
	} else if r.Provider != provider {
		fallbacks = append([]string{r.Provider}, fallbacks...)
	}
	out := Route{Provider: provider, AllowOverride: r.AllowOverride}
	for _, f := range fallbacks {
		if f != provider && !slices.Contains(out.Fallbacks, f) {
			out.Fallbacks = append(out.Fallbacks, f)
		}
	}
	return out
}

// fillDefaults chooses the routes when none is configured and gives each
// provider its default fields.
func (c *Config) fillDefaults() {
	preferred, translator, summarizer := registry.Preferred(), registry.OfflineTranslator(), registry.OfflineSummarizer()
	_, hasPreferred := c.Providers[preferred]
	if c.Translation.Provider == "" {
		if hasPreferred {
			c.Translation.Provider = preferred
			c.Translation.Fallbacks = []string{translator}
		} else {
			c.Translation.Provider = translator
		}
	}
	if c.Summarization.Provider == "" {
		if hasPreferred {
			c.Summarization.Provider = preferred
		} else {
			c.Summarization.Provider = summarizer
		}
		if c.Summarization.Provider != summarizer {
			c.Summarization.Fallbacks = []string{summarizer}
		}
	}
	if c.Translation.AllowOverride == nil {
		c.Translation.AllowOverride = c.Translation.Chain()
	}
	if c.Summarization.AllowOverride == nil {
		c.Summarization.AllowOverride = c.Summarization.Chain()
	}
	if c.Summarization.Sentences == 0 {
		c.Summarization.Sentences = DefaultSentences
	}
	for name, p := range c.Providers {
		c.Providers[name] = p.withDefaults()
	}
}

// withDefaults returns p with the defaults of its common fields and of its
// type's options.
func (p Provider) withDefaults() Provider {
	row, ok := p.Row()
	if !ok {
		return p
	}
	if p.Options == nil {
		p.Options = row.Options()
	}
	p.Options.Default()
	if p.Timeout == 0 {
		p.Timeout = row.Timeout
	}
	if p.MaxConcurrency == 0 {
		p.MaxConcurrency = 4
	}
	return p
}

// Validate reports every problem of the configuration at once, each with how
// to fix it.
func (c Config) Validate() error {
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	c.Server.validate(add)
	c.Server.validateTimeouts(add)
	c.validateMemory(add)
	c.Cache.validate(add)
	for _, name := range sortedKeys(c.Providers) {
		c.Providers[name].validate(name, add)
	}
	c.validateRoutes(add)
	c.Log.validate(add)
	c.Auth.validate(add)
	c.CORS.validate(add)
	c.Jobs.validate(add)
	if c.Limits.MaxParagraphs <= 0 || c.Limits.MaxCharacters <= 0 {
		add("limits.max_paragraphs and limits.max_characters must be positive")
	}
	if len(problems) > 0 {
		return fmt.Errorf("config: invalid:\n  - %s", strings.Join(problems, "\n  - "))
	}
	return nil
}

// addFunc collects one problem of the configuration.
type addFunc func(format string, args ...any)

func (s Server) validate(add addFunc) {
	if s.Addr == "" {
		add("server.addr is empty: set it (or %s) to a listen address such as \":8080\"", EnvAddr)
	}
	if s.GoMaxProcs < 0 {
		add("server.gomaxprocs (%d) must not be negative: 0 leaves Go's GOMAXPROCS as Go chooses it", s.GoMaxProcs)
	}
	if s.GCPercent < 0 {
		add("server.gc_percent (%d) must be positive: it is Go's GOGC (the collector's target, 100 in Go, 400 by default here)", s.GCPercent)
	}
	if s.MaxBodyBytes <= 0 {
		add("server.max_body_bytes must be positive, e.g. 1048576")
	}
	for _, p := range s.TrustedProxies {
		if _, err := netip.ParsePrefix(p); err != nil {
			if _, err := netip.ParseAddr(p); err != nil {
				add("server.trusted_proxies: %q is neither an address nor a CIDR range, e.g. 10.0.0.0/8", p)
			}
		}
	}
	if s.MaxBatchBytes <= 0 || s.MaxBatchArticles <= 0 || s.BatchConcurrency <= 0 {
		add("server.max_batch_bytes (%d), server.max_batch_articles (%d) and server.batch_concurrency (%d) must be positive",
			s.MaxBatchBytes, s.MaxBatchArticles, s.BatchConcurrency)
	}
	if s.MaxConnections <= 0 {
		add("server.max_connections (%d) must be positive, e.g. %d", s.MaxConnections, DefaultMaxConnections)
	}
}

func (s Server) validateTimeouts(add addFunc) {
	if s.RequestTimeout <= 0 || s.WriteTimeout <= s.RequestTimeout {
		add("server.write_timeout (%s) must exceed server.request_timeout (%s), both positive: the reply is written after the work, within what is left of write_timeout",
			s.WriteTimeout, s.RequestTimeout)
	}
	if s.ReadHeaderTimeout <= 0 || s.ReadTimeout <= s.ReadHeaderTimeout {
		add("server.read_header_timeout (%s) must be positive and under server.read_timeout (%s), e.g. 5s: a connection that sends no request holds a slot that long",
			s.ReadHeaderTimeout, s.ReadTimeout)
	}
	if s.ShutdownGrace <= 0 {
		add("server.shutdown_grace (%s) must be positive, e.g. 30s: requests in flight at SIGTERM get that long to answer", s.ShutdownGrace)
	}
}

// validateMemory checks the bounds of memory, which depend on the server,
// the cache and the fetcher together.
func (c Config) validateMemory(add addFunc) {
	if c.Server.MaxInflightBytes <= 0 {
		add("server.max_inflight_bytes (%d) must be positive, e.g. %d", c.Server.MaxInflightBytes, DefaultMaxInflightBytes)
	} else if need := c.largestRequest(); c.Server.MaxInflightBytes < need {
		add("server.max_inflight_bytes (%d) cannot hold the largest request the limits allow (%d bytes in memory, from server.max_batch_bytes, server.max_body_bytes and fetch.max_bytes): raise it or lower those",
			c.Server.MaxInflightBytes, need)
	}
	if c.Server.MemoryLimit < 0 {
		add("server.memory_limit (%d) must not be negative: 0 sets no limit", c.Server.MemoryLimit)
	} else if c.Server.MemoryLimit > 0 {
		if err := c.CheckMemoryLimit(c.Server.MemoryLimit); err != nil {
			add("server.memory_limit: %v", err)
		}
	}
}

func (c Cache) validate(add addFunc) {
	switch c.Backend {
	case "memory":
		if c.Memory.MaxBytes <= 0 {
			add("cache.memory.max_bytes must be positive, e.g. 268435456")
		}
	case "redis":
		if c.Redis.URL == "" && len(c.Redis.Addrs) == 0 {
			add("cache.backend is redis but neither cache.redis.url nor cache.redis.addrs is set: set %s=redis://127.0.0.1:6379/0", EnvRedisURL)
		}
	default:
		add("cache.backend %q is unknown: use memory or redis", c.Backend)
	}
	if c.TTL < 0 {
		add("cache.ttl must not be negative")
	}
	if c.ReplyTTL < 0 {
		add("cache.reply_ttl must not be negative")
	}
}

// validate checks the provider named name: its type, its common fields,
// and its options through its type's row.
func (p Provider) validate(name string, add addFunc) {
	if p.Type == "" {
		add("providers.%s has no type: use one of %s", name, registry.TypeList())
		return
	}
	if _, ok := p.Row(); !ok || p.Options == nil {
		add("providers.%s.type %q is unknown: use one of %s", name, p.Type, registry.TypeList())
		return
	}
	for _, problem := range p.Options.Check() {
		if problem.Key == "" {
			add("providers.%s: %s", name, problem.Text)
		} else {
			add("providers.%s.%s %s", name, problem.Key, problem.Text)
		}
	}
	if p.MaxConcurrency < 0 || p.RequestsPerMinute < 0 || p.Retry.MaxAttempts < 0 || p.Breaker.Failures < 0 {
		add("providers.%s: max_concurrency, requests_per_minute, retry.max_attempts and breaker.failures must not be negative", name)
	}
	if p.QueueWait < 0 {
		add("providers.%s.queue_wait (%s) must not be negative: 0 lets a call wait for a slot as long as the request's deadline allows", name, p.QueueWait)
	}
}

// validateRoutes checks that each route names configured providers that
// can serve its task.
func (c Config) validateRoutes(add addFunc) {
	checkRoute := func(what string, r Route, canServe func(registry.Capabilities) bool) {
		for _, name := range append(r.Chain(), r.AllowOverride...) {
			p, ok := c.Providers[name]
			if !ok {
				add("%s names provider %q, which is not configured: add it under providers or remove it from the route", what, name)
				continue
			}
			if row, _ := p.Row(); !canServe(row.Capabilities) {
				add("%s names provider %q of type %s, which cannot serve it", what, name, p.Type)
			}
		}
	}
	checkRoute("translation", c.Translation, func(c registry.Capabilities) bool { return c.Translate })
	checkRoute("summarization", c.Summarization.Route, func(c registry.Capabilities) bool { return c.Summarize })
	if c.Summarization.Sentences < 1 || c.Summarization.Sentences > MaxSummarySentences {
		add("summarization.sentences must be between 1 and %d", MaxSummarySentences)
	}
}

func (l Log) validate(add addFunc) {
	switch l.Level {
	case "debug", "info", "warn", "error":
	default:
		add("log.level %q is unknown: use debug, info, warn or error", l.Level)
	}
	if l.Format != "json" && l.Format != "text" {
		add("log.format %q is unknown: use json or text", l.Format)
	}
}

// largestRequest is the memory the largest request the limits allow holds
// at once, as the budget of work in flight counts it.
func (c Config) largestRequest() int64 {
	body := max(c.Server.MaxBodyBytes, c.Server.MaxBatchBytes)
	need := admission.BodyCost(body)
	// An article given as HTML is extracted while its body is held.
	need = max(need, admission.BodyCost(c.Server.MaxBodyBytes)+admission.ExtractionCost(c.Server.MaxBodyBytes))
	if c.Fetch.Enabled {
		need = max(need, admission.BodyCost(c.Server.MaxBodyBytes)+c.Fetch.MaxBytes+admission.ExtractionCost(c.Fetch.MaxBytes))
	}
	return need
}

// MemoryNeeded is the memory the configuration lets the gateway hold: the
// in-memory cache, the work in flight, the connections and the idle
// process.
func (c Config) MemoryNeeded() int64 {
	need := c.Server.MaxInflightBytes + BaseMemory +
		int64(c.Server.MaxConnections+OverflowConnections)*ConnectionMemory
	if c.Cache.Backend == "memory" || c.Cache.MemoryTier {
		need += c.Cache.Memory.MaxBytes
	}
	return need
}

// CheckMemoryLimit returns an error saying what to change when a Go memory
// limit of limit bytes cannot hold what the configuration lets the gateway
// hold: the collector would run without end, and the kernel kill the
// process all the same.
func (c Config) CheckMemoryLimit(limit int64) error {
	if need := c.MemoryNeeded(); limit < need {
		return fmt.Errorf("%d bytes cannot hold what the gateway may hold, %d bytes (server.max_inflight_bytes %d, cache.memory.max_bytes when the memory cache is used, %d per connection of server.max_connections, %d idle): raise the limit or lower those",
			limit, need, c.Server.MaxInflightBytes, ConnectionMemory, BaseMemory)
	}
	return nil
}

// CheckDescriptors returns an error saying what to change when the
// connections do not fit under a descriptor limit of limit.
func (c Config) CheckDescriptors(limit uint64) error {
	need := uint64(c.Server.MaxConnections + OverflowConnections + DescriptorReserve)
	if limit >= need {
		return nil
	}
	fix := fmt.Sprintf("raise the limit to %d or more (ulimit -n, LimitNOFILE=, docker --ulimit nofile=)", need)
	if fits := int64(limit) - OverflowConnections - DescriptorReserve; fits > 0 {
		fix = fmt.Sprintf("lower server.max_connections to %d or less, or %s", fits, fix)
	}
	return fmt.Errorf("server.max_connections (%d) does not fit under the open-file limit (%d) with %d overflow connections and %d descriptors for Redis, providers and logs: %s",
		c.Server.MaxConnections, limit, OverflowConnections, DescriptorReserve, fix)
}

// MaxSummarySentences bounds the summary length a request or the
// configuration may ask for.
const MaxSummarySentences = 10

// Masked returns the configuration as YAML with every secret replaced, for
// logging at start.
func (c Config) Masked() string {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	_ = enc.Encode(c.masked())
	return buf.String()
}

// MaskedTree returns the masked configuration as nested maps keyed like the
// YAML file, for structured logs.
func (c Config) MaskedTree() map[string]any {
	var tree map[string]any
	_ = yaml.Unmarshal([]byte(c.Masked()), &tree)
	return tree
}

// masked returns c with every secret replaced by redact.Mask: API keys,
// passwords, the value of every extra header (an api-key or a proxy's auth
// travels there), the user info and query values of every URL, and the
// hashes of API keys (a key's name says which it is).
func (c Config) masked() Config {
	m := c
	m.Providers = make(map[string]Provider, len(c.Providers))
	for name, p := range c.Providers {
		if p.Options != nil {
			p.Options = p.Options.Masked()
		}
		m.Providers[name] = p
	}
	m.Cache.Redis.Password = mask(c.Cache.Redis.Password)
	m.Cache.Redis.URL = redact.URL(c.Cache.Redis.URL)
	m.Tracing.OTLPEndpoint = redact.URL(c.Tracing.OTLPEndpoint)
	m.Auth.Keys = make([]APIKey, len(c.Auth.Keys))
	for i, k := range c.Auth.Keys {
		k.SHA256 = mask(k.SHA256)
		m.Auth.Keys[i] = k
	}
	return m
}

func mask(secret string) string {
	if secret == "" {
		return ""
	}
	return redact.Mask
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
