// Package config defines Passerelle's configuration: a YAML file with ${VAR}
// expansion, environment variables that override the common fields and work
// with no file at all, documented defaults, and Validate.
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
)

// Default provider names used when no configuration file names any.
const (
	DefaultOpenAIName     = "openai"
	DefaultApertiumName   = "apertium"
	DefaultExtractiveName = "extractive"
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

// Environment variables read by Load.
const (
	EnvConfig        = "PASSERELLE_CONFIG"
	EnvAddr          = "PASSERELLE_ADDR"
	EnvRedisURL      = "REDIS_URL"
	EnvOpenAIKey     = "OPENAI_API_KEY"
	EnvOpenAIBaseURL = "OPENAI_BASE_URL"
	EnvOpenAIModel   = "OPENAI_MODEL"
	EnvApertiumURL   = "APERTIUM_URL"

	EnvAnthropicKey          = "ANTHROPIC_API_KEY"
	EnvDeepLKey              = "DEEPL_API_KEY"
	EnvGoogleKey             = "GOOGLE_TRANSLATE_API_KEY"
	EnvLibreTranslateURL     = "LIBRETRANSLATE_URL"
	EnvLibreTranslateKey     = "LIBRETRANSLATE_API_KEY"
	EnvAuth                  = "PASSERELLE_AUTH"
	EnvOTLPEndpoint          = "OTEL_EXPORTER_OTLP_ENDPOINT"
	EnvTranslationProvider   = "PASSERELLE_TRANSLATION_PROVIDER"
	EnvSummarizationProvider = "PASSERELLE_SUMMARIZATION_PROVIDER"
)

// envProviders are the providers an environment variable alone defines,
// under these names, when the file does not define a provider of that name.
var envProviders = []struct {
	name, typ, keyEnv, urlEnv string
}{
	{DefaultOpenAIName, TypeOpenAI, EnvOpenAIKey, EnvOpenAIBaseURL},
	{"anthropic", TypeAnthropic, EnvAnthropicKey, ""},
	{"deepl", TypeDeepL, EnvDeepLKey, ""},
	{"google", TypeGoogle, EnvGoogleKey, ""},
	{"libretranslate", TypeLibreTranslate, EnvLibreTranslateKey, EnvLibreTranslateURL},
}

// Defaults of fields that have one.
const (
	DefaultAddr           = ":8080"
	DefaultMaxBodyBytes   = 1 << 20
	DefaultTTL            = 720 * time.Hour
	DefaultMemoryMaxBytes = 256 << 20
	DefaultOpenAIBaseURL  = "https://api.openai.com/v1"
	DefaultOpenAIModel    = "gpt-4o-mini"
	DefaultApertiumURL    = "http://127.0.0.1:2737"
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

// Default returns the configuration used when there is no file and no
// environment variable: Apertium for translation, the extractive summarizer
// for summaries, the embedded cache.
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
	for _, e := range envProviders {
		key, url := getenv(e.keyEnv), ""
		if e.urlEnv != "" {
			url = getenv(e.urlEnv)
		}
		p, exists := cfg.Providers[e.name]
		if exists && p.Type != e.typ {
			continue // the file uses the name for another provider
		}
		// OPENAI_BASE_URL alone does not define a provider: a local server
		// still needs OPENAI_API_KEY (any value) to be chosen by default.
		if !exists && key == "" && (url == "" || e.typ == TypeOpenAI) {
			continue
		}
		p.Type = e.typ
		if key != "" {
			p.APIKey = key
		}
		if url != "" {
			if e.typ == TypeOpenAI {
				p.BaseURL = url
			} else {
				p.URL = url
			}
		}
		if e.typ == TypeOpenAI {
			if v := getenv(EnvOpenAIModel); v != "" {
				p.Model = v
			}
		}
		cfg.Providers[e.name] = p
	}
	if v := getenv(EnvTranslationProvider); v != "" {
		cfg.Translation = envRoute(cfg.Translation, v, DefaultApertiumName)
	}
	if v := getenv(EnvSummarizationProvider); v != "" {
		cfg.Summarization.Route = envRoute(cfg.Summarization.Route, v, DefaultExtractiveName)
	}
	apertium, ok := cfg.Providers[DefaultApertiumName]
	if !ok {
		apertium = Provider{Type: TypeApertium}
	}
	if apertium.Type == TypeApertium {
		if v := getenv(EnvApertiumURL); v != "" {
			apertium.URL = v
		}
		cfg.Providers[DefaultApertiumName] = apertium
	}
	if _, ok := cfg.Providers[DefaultExtractiveName]; !ok {
		cfg.Providers[DefaultExtractiveName] = Provider{Type: TypeExtractive}
	}
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
	_, hasOpenAI := c.Providers[DefaultOpenAIName]
	if c.Translation.Provider == "" {
		if hasOpenAI {
			c.Translation.Provider = DefaultOpenAIName
			c.Translation.Fallbacks = []string{DefaultApertiumName}
		} else {
			c.Translation.Provider = DefaultApertiumName
		}
	}
	if c.Summarization.Provider == "" {
		if hasOpenAI {
			c.Summarization.Provider = DefaultOpenAIName
		} else {
			c.Summarization.Provider = DefaultExtractiveName
		}
		if c.Summarization.Provider != DefaultExtractiveName {
			c.Summarization.Fallbacks = []string{DefaultExtractiveName}
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
		switch p.Type {
		case TypeOpenAI:
			if p.BaseURL == "" && p.APIType != "azure" {
				p.BaseURL = DefaultOpenAIBaseURL
			}
			if p.Model == "" {
				p.Model = DefaultOpenAIModel
			}
			if p.ResponseFormat == "" {
				p.ResponseFormat = "json_schema"
			}
			if p.APIType == "" {
				p.APIType = "openai"
			}
		case TypeApertium:
			if p.URL == "" {
				p.URL = DefaultApertiumURL
			}
		case TypeDeepL:
			if p.TargetVariant == "" {
				p.TargetVariant = "EN-US"
			}
		}
		if p.Timeout == 0 {
			p.Timeout = 30 * time.Second
			if caps := TypeCapabilities[p.Type]; caps.Summarize && p.Type != TypeExtractive {
				p.Timeout = 60 * time.Second // an LLM writes for longer
			}
		}
		if p.MaxConcurrency == 0 {
			p.MaxConcurrency = 4
		}
		c.Providers[name] = p
	}
}

// Validate reports every problem of the configuration at once, each with how
// to fix it.
func (c Config) Validate() error {
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	if c.Server.Addr == "" {
		add("server.addr is empty: set it (or %s) to a listen address such as \":8080\"", EnvAddr)
	}
	if c.Server.GoMaxProcs < 0 {
		add("server.gomaxprocs (%d) must not be negative: 0 leaves Go's GOMAXPROCS as Go chooses it", c.Server.GoMaxProcs)
	}
	if c.Server.GCPercent < 0 {
		add("server.gc_percent (%d) must be positive: it is Go's GOGC (the collector's target, 100 in Go, 400 by default here)", c.Server.GCPercent)
	}
	if c.Server.MaxBodyBytes <= 0 {
		add("server.max_body_bytes must be positive, e.g. 1048576")
	}
	for _, p := range c.Server.TrustedProxies {
		if _, err := netip.ParsePrefix(p); err != nil {
			if _, err := netip.ParseAddr(p); err != nil {
				add("server.trusted_proxies: %q is neither an address nor a CIDR range, e.g. 10.0.0.0/8", p)
			}
		}
	}
	if c.Server.MaxBatchBytes <= 0 || c.Server.MaxBatchArticles <= 0 || c.Server.BatchConcurrency <= 0 {
		add("server.max_batch_bytes (%d), server.max_batch_articles (%d) and server.batch_concurrency (%d) must be positive",
			c.Server.MaxBatchBytes, c.Server.MaxBatchArticles, c.Server.BatchConcurrency)
	}
	if c.Server.RequestTimeout <= 0 || c.Server.WriteTimeout <= c.Server.RequestTimeout {
		add("server.write_timeout (%s) must exceed server.request_timeout (%s), both positive: the reply is written after the work, within what is left of write_timeout",
			c.Server.WriteTimeout, c.Server.RequestTimeout)
	}
	if c.Server.ReadHeaderTimeout <= 0 || c.Server.ReadTimeout <= c.Server.ReadHeaderTimeout {
		add("server.read_header_timeout (%s) must be positive and under server.read_timeout (%s), e.g. 5s: a connection that sends no request holds a slot that long",
			c.Server.ReadHeaderTimeout, c.Server.ReadTimeout)
	}
	if c.Server.MaxConnections <= 0 {
		add("server.max_connections (%d) must be positive, e.g. %d", c.Server.MaxConnections, DefaultMaxConnections)
	}
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
	if c.Server.ShutdownGrace <= 0 {
		add("server.shutdown_grace (%s) must be positive, e.g. 30s: requests in flight at SIGTERM get that long to answer", c.Server.ShutdownGrace)
	}
	switch c.Cache.Backend {
	case "memory":
		if c.Cache.Memory.MaxBytes <= 0 {
			add("cache.memory.max_bytes must be positive, e.g. 268435456")
		}
	case "redis":
		if c.Cache.Redis.URL == "" && len(c.Cache.Redis.Addrs) == 0 {
			add("cache.backend is redis but neither cache.redis.url nor cache.redis.addrs is set: set %s=redis://127.0.0.1:6379/0", EnvRedisURL)
		}
	default:
		add("cache.backend %q is unknown: use memory or redis", c.Cache.Backend)
	}
	if c.Cache.TTL < 0 {
		add("cache.ttl must not be negative")
	}
	if c.Cache.ReplyTTL < 0 {
		add("cache.reply_ttl must not be negative")
	}
	for _, name := range sortedKeys(c.Providers) {
		p := c.Providers[name]
		if p.Type == "" {
			add("providers.%s has no type: use one of %s", name, typeList())
			continue
		}
		if _, ok := TypeCapabilities[p.Type]; !ok {
			add("providers.%s.type %q is unknown: use one of %s", name, p.Type, typeList())
			continue
		}
		switch p.Type {
		case TypeOpenAI:
			if !oneOf(p.ResponseFormat, "json_schema", "json_object", "text") {
				add("providers.%s.response_format %q is unknown: use json_schema, json_object or text", name, p.ResponseFormat)
			}
			if !oneOf(p.APIType, "openai", "azure") {
				add("providers.%s.api_type %q is unknown: use openai or azure", name, p.APIType)
			}
			if p.APIType == "azure" && (p.BaseURL == "" || p.Deployment == "") {
				add("providers.%s: api_type azure needs base_url (https://RESOURCE.openai.azure.com) and deployment", name)
			}
		case TypeLibreTranslate:
			if p.URL == "" {
				add("providers.%s.url is empty: give the LibreTranslate server's URL, e.g. http://127.0.0.1:5000", name)
			}
		case TypeDeepL:
			if !oneOf(p.TargetVariant, "EN-US", "EN-GB") {
				add("providers.%s.target_variant %q is unknown: use EN-US or EN-GB", name, p.TargetVariant)
			}
			if !oneOf(p.Formality, "", "default", "more", "less", "prefer_more", "prefer_less") {
				add("providers.%s.formality %q is unknown: use default, more, less, prefer_more or prefer_less", name, p.Formality)
			}
			if !oneOf(p.ModelType, "", "quality_optimized", "prefer_quality_optimized", "latency_optimized") {
				add("providers.%s.model_type %q is unknown: use quality_optimized, prefer_quality_optimized or latency_optimized", name, p.ModelType)
			}
		}
		if p.MaxConcurrency < 0 || p.RequestsPerMinute < 0 || p.Retry.MaxAttempts < 0 || p.Breaker.Failures < 0 {
			add("providers.%s: max_concurrency, requests_per_minute, retry.max_attempts and breaker.failures must not be negative", name)
		}
		if p.QueueWait < 0 {
			add("providers.%s.queue_wait (%s) must not be negative: 0 lets a call wait for a slot as long as the request's deadline allows", name, p.QueueWait)
		}
	}
	checkRoute := func(what string, r Route, canServe func(Provider) bool) {
		for _, name := range append(r.Chain(), r.AllowOverride...) {
			p, ok := c.Providers[name]
			if !ok {
				add("%s names provider %q, which is not configured: add it under providers or remove it from the route", what, name)
				continue
			}
			if !canServe(p) {
				add("%s names provider %q of type %s, which cannot serve it", what, name, p.Type)
			}
		}
	}
	checkRoute("translation", c.Translation, func(p Provider) bool { return TypeCapabilities[p.Type].Translate })
	checkRoute("summarization", c.Summarization.Route, func(p Provider) bool { return TypeCapabilities[p.Type].Summarize })
	if c.Summarization.Sentences < 1 || c.Summarization.Sentences > MaxSummarySentences {
		add("summarization.sentences must be between 1 and %d", MaxSummarySentences)
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		add("log.level %q is unknown: use debug, info, warn or error", c.Log.Level)
	}
	c.Auth.validate(add)
	c.CORS.validate(add)
	if c.Limits.MaxParagraphs <= 0 || c.Limits.MaxCharacters <= 0 {
		add("limits.max_paragraphs and limits.max_characters must be positive")
	}
	if c.Log.Format != "json" && c.Log.Format != "text" {
		add("log.format %q is unknown: use json or text", c.Log.Format)
	}
	if len(problems) > 0 {
		return fmt.Errorf("config: invalid:\n  - %s", strings.Join(problems, "\n  - "))
	}
	return nil
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
		p.APIKey = mask(p.APIKey)
		p.BaseURL = redact.URL(p.BaseURL)
		p.URL = redact.URL(p.URL)
		if len(p.Headers) > 0 {
			headers := make(map[string]string, len(p.Headers))
			for h, v := range p.Headers {
				headers[h] = mask(v)
			}
			p.Headers = headers
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

func oneOf(v string, allowed ...string) bool {
	for _, a := range allowed {
		if v == a {
			return true
		}
	}
	return false
}

func typeList() string { return strings.Join(sortedKeys(TypeCapabilities), ", ") }

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
