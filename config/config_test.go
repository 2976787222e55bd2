package config

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"passerelle/providers/registry"
)

// optionsOf returns the options of the provider named name, of type O.
func optionsOf[O registry.Options](t *testing.T, cfg Config, name string) O {
	t.Helper()
	opts, ok := cfg.Providers[name].Options.(O)
	if !ok {
		t.Fatalf("provider %s has options %T", name, cfg.Providers[name].Options)
	}
	return opts
}

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestLoadWithoutFile(t *testing.T) {
	tests := []struct {
		name            string
		env             map[string]string
		wantTranslation []string
		wantSummary     []string
		wantBackend     string
	}{
		{
			name:            "nothing set: local engines, embedded cache",
			env:             map[string]string{},
			wantTranslation: []string{"apertium"},
			wantSummary:     []string{"extractive"},
			wantBackend:     "memory",
		},
		{
			name:            "an OpenAI key: the LLM first, local engines behind",
			env:             map[string]string{"OPENAI_API_KEY": "sk-test", EnvRedisURL: "redis://127.0.0.1:6379/0"},
			wantTranslation: []string{"openai", "apertium"},
			wantSummary:     []string{"openai", "extractive"},
			wantBackend:     "redis",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := Load(envOf(tt.env))
			if err != nil {
				t.Fatal(err)
			}
			if got := cfg.Translation.Chain(); !slices.Equal(got, tt.wantTranslation) {
				t.Errorf("translation chain = %v, want %v", got, tt.wantTranslation)
			}
			if got := cfg.Summarization.Chain(); !slices.Equal(got, tt.wantSummary) {
				t.Errorf("summarization chain = %v, want %v", got, tt.wantSummary)
			}
			if cfg.Cache.Backend != tt.wantBackend {
				t.Errorf("cache backend = %q, want %q", cfg.Cache.Backend, tt.wantBackend)
			}
			if cfg.Server.Addr != DefaultAddr {
				t.Errorf("addr = %q, want %q", cfg.Server.Addr, DefaultAddr)
			}
			if got := optionsOf[*registry.ApertiumOptions](t, cfg, "apertium").URL; got != "http://127.0.0.1:2737" {
				t.Errorf("apertium url = %q, want the default http://127.0.0.1:2737", got)
			}
		})
	}
}

func TestEnvironmentOverrides(t *testing.T) {
	cfg, err := Load(envOf(map[string]string{
		EnvAddr:           "127.0.0.1:9999",
		"OPENAI_API_KEY":  "sk-secret-value",
		"OPENAI_BASE_URL": "http://127.0.0.1:11434/v1",
		"OPENAI_MODEL":    "llama3.1",
		"APERTIUM_URL":    "http://127.0.0.1:2800",
	}))
	if err != nil {
		t.Fatal(err)
	}
	gpt := optionsOf[*registry.OpenAIOptions](t, cfg, "openai")
	if gpt.BaseURL != "http://127.0.0.1:11434/v1" || gpt.Model != "llama3.1" || gpt.APIKey != "sk-secret-value" {
		t.Errorf("openai provider = %+v", gpt)
	}
	if apertium := optionsOf[*registry.ApertiumOptions](t, cfg, "apertium"); cfg.Server.Addr != "127.0.0.1:9999" || apertium.URL != "http://127.0.0.1:2800" {
		t.Errorf("addr %q, apertium %q", cfg.Server.Addr, apertium.URL)
	}
	if masked := cfg.Masked(); strings.Contains(masked, "sk-secret-value") {
		t.Errorf("Masked() shows the key:\n%s", masked)
	}
}

func TestLoadFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "passerelle.yaml")
	yaml := `
server: {addr: ":9090", max_body_bytes: 2048}
cache:
  backend: redis
  ttl: 1h
  redis: {url: "redis://:${REDIS_PASSWORD}@127.0.0.1:6379/1"}
translation: {provider: gpt, fallbacks: [apertium]}
summarization: {provider: gpt, fallbacks: [extractive], sentences: 3}
providers:
  gpt: {type: openai, api_key: "${MY_KEY}", model: gpt-4o, timeout: 20s}
  apertium: {type: apertium, url: "http://127.0.0.1:2737"}
  extractive: {type: extractive}
`
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(envOf(map[string]string{EnvConfig: path, "MY_KEY": "sk-from-env", "REDIS_PASSWORD": "hunter2"}))
	if err != nil {
		t.Fatal(err)
	}
	if got, opts := cfg.Providers["gpt"], optionsOf[*registry.OpenAIOptions](t, cfg, "gpt"); opts.APIKey != "sk-from-env" || opts.Model != "gpt-4o" || got.Timeout.Seconds() != 20 || opts.BaseURL != "https://api.openai.com/v1" {
		t.Errorf("gpt = %+v, options %+v", got, opts)
	}
	if cfg.Server.GCPercent != 400 || cfg.Server.GoMaxProcs != 0 {
		t.Errorf("server.gc_percent default = %d, want 400; server.gomaxprocs %d, want 0", cfg.Server.GCPercent, cfg.Server.GoMaxProcs)
	}
	if cfg.Summarization.Sentences != 3 || cfg.Server.MaxBodyBytes != 2048 || cfg.Cache.TTL.Hours() != 1 {
		t.Errorf("sentences %d, max body %d, ttl %v", cfg.Summarization.Sentences, cfg.Server.MaxBodyBytes, cfg.Cache.TTL)
	}
	if !slices.Equal(cfg.Translation.AllowOverride, []string{"gpt", "apertium"}) {
		t.Errorf("allow_override default = %v, want the route's providers", cfg.Translation.AllowOverride)
	}
	masked := cfg.Masked()
	for _, secret := range []string{"sk-from-env", "hunter2"} {
		if strings.Contains(masked, secret) {
			t.Errorf("Masked() shows %q:\n%s", secret, masked)
		}
	}
}

func TestInvalidConfigSaysHowToFix(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want string
	}{
		{name: "unknown key", yaml: "server: {adr: ':1'}", want: "field adr not found"},
		{name: "unknown backend", yaml: "cache: {backend: memcached}", want: "use memory or redis"},
		{name: "redis without address", yaml: "cache: {backend: redis}", want: "REDIS_URL"},
		{name: "route to a missing provider", yaml: "translation: {provider: deepl}", want: `provider "deepl", which is not configured`},
		{name: "summarizer cannot translate", yaml: "translation: {provider: extractive}", want: "cannot serve it"},
		{name: "unknown provider type", yaml: "providers: {x: {type: nope}}", want: `unknown: use one of anthropic, apertium, deepl`},
		{name: "summary too long", yaml: "summarization: {sentences: 40}", want: "between 1 and 10"},
		{name: "log level", yaml: "log: {level: loud}", want: "use debug, info, warn or error"},
		{name: "negative GC target", yaml: "server: {gc_percent: -1}", want: "Go's GOGC"},
		{name: "negative GOMAXPROCS", yaml: "server: {gomaxprocs: -2}", want: "server.gomaxprocs (-2) must not be negative"},
		{name: "trusted proxy", yaml: "server: {trusted_proxies: [10.0.0.0/8, 'proxy.internal']}", want: `"proxy.internal" is neither an address nor a CIDR range`},
		{name: "no batch", yaml: "server: {max_batch_articles: -1}", want: "server.max_batch_articles (-1)"},
		{name: "limits on outage", yaml: "auth: {limits_on_outage: open}", want: `it must be "local" (count in each process while Redis is down) or "refuse"`},
		{name: "cors origin without scheme", yaml: "cors: {allowed_origins: [newsroom.example]}", want: `such as "https://newsroom.example"`},
		{name: "reply after the request's deadline", yaml: "server: {request_timeout: 60s, write_timeout: 60s}", want: "server.write_timeout (1m0s) must exceed server.request_timeout (1m0s)"},
		{name: "headers as slow as the body", yaml: "server: {read_header_timeout: 30s, read_timeout: 30s}", want: "server.read_header_timeout (30s) must be positive and under server.read_timeout (30s)"},
		{name: "no connection", yaml: "server: {max_connections: 0}", want: "server.max_connections (0) must be positive"},
		{name: "budget under the largest request", yaml: "server: {max_inflight_bytes: 10485760}", want: "server.max_inflight_bytes (10485760) cannot hold the largest request"},
		{name: "memory limit under the cache", yaml: "server: {memory_limit: 268435456}", want: "server.memory_limit: 268435456 bytes cannot hold what the gateway may hold"},
		{name: "key no type reads", yaml: "providers: {gpt: {type: openai, formalty: more}}", want: "line 1: field formalty not found in a provider of type openai"},
		{name: "misspelt common key", yaml: "providers:\n  gpt:\n    type: openai\n    timout: 2s", want: "line 4: field timout not found"},
		{name: "misspelt nested key", yaml: "providers: {gpt: {type: openai, retry: {max_atempts: 1}}}", want: "field max_atempts not found in retry of a provider of type openai"},
		{name: "option of the wrong kind", yaml: "providers: {gpt: {type: openai, max_summary_input: many}}", want: "cannot unmarshal !!str `many` into int"},
		{name: "provider without type", yaml: "providers: {x: {timeout: 1s}}", want: "providers.x has no type: use one of anthropic, apertium, deepl"},
		{name: "response format", yaml: "providers: {gpt: {type: openai, response_format: xml}}", want: `providers.gpt.response_format "xml" is unknown: use json_schema, json_object or text`},
		{name: "azure without deployment", yaml: "providers: {az: {type: openai, api_type: azure, base_url: 'https://r.openai.azure.com'}}", want: "providers.az: api_type azure needs base_url"},
		{name: "deepl variant", yaml: "providers: {d: {type: deepl, target_variant: EN-AU}}", want: `providers.d.target_variant "EN-AU" is unknown: use EN-US or EN-GB`},
		{name: "deepl formality", yaml: "providers: {d: {type: deepl, formality: very}}", want: `providers.d.formality "very" is unknown`},
		{name: "deepl model type", yaml: "providers: {d: {type: deepl, model_type: fast}}", want: `providers.d.model_type "fast" is unknown`},
		{name: "libretranslate without url", yaml: "providers: {lt: {type: libretranslate}}", want: "providers.lt.url is empty: give the LibreTranslate server's URL"},
		{name: "negative concurrency", yaml: "providers: {e: {type: extractive, max_concurrency: -1}}", want: "providers.e: max_concurrency, requests_per_minute"},
		{name: "negative queue wait", yaml: "providers: {e: {type: extractive, queue_wait: -1s}}", want: "providers.e.queue_wait (-1s) must not be negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "c.yaml")
			if err := os.WriteFile(path, []byte(tt.yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := Load(envOf(map[string]string{EnvConfig: path}))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

// The defaults hold together: the budget takes the largest request, and the
// memory limit the cache, the budget and the connections, under 1 GiB.
func TestDefaultBoundsHold(t *testing.T) {
	cfg, err := Load(envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	if need := cfg.MemoryNeeded(); need > cfg.Server.MemoryLimit || cfg.Server.MemoryLimit >= 1<<30 {
		t.Errorf("memory needed %d, limit %d: want needed <= limit < 1 GiB", need, cfg.Server.MemoryLimit)
	}
	if err := cfg.CheckDescriptors(4096); err != nil {
		t.Errorf("the default connections do not fit under the common hard limit of 4096 open files: %v", err)
	}
	if err := cfg.CheckDescriptors(2048); err == nil || !strings.Contains(err.Error(), "lower server.max_connections to 512 or less, or raise the limit to 3584") {
		t.Errorf("CheckDescriptors(2048) = %v, want a refusal that says how far to lower", err)
	}
	if err := cfg.CheckDescriptors(1024); err == nil || !strings.Contains(err.Error(), "raise the limit to 3584") || strings.Contains(err.Error(), "lower") {
		t.Errorf("CheckDescriptors(1024) = %v, want a refusal that says how far to lower", err)
	}
}

func TestEmptyFileMeansDefaults(t *testing.T) {
	path := filepath.Join(t.TempDir(), "empty.yaml")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(envOf(map[string]string{EnvConfig: path}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Translation.Provider != "apertium" {
		t.Errorf("translation = %q, want apertium", cfg.Translation.Provider)
	}
}

func TestEnvironmentDefinesProvidersAndRoutes(t *testing.T) {
	tests := []struct {
		name            string
		env             map[string]string
		wantTranslation []string
		wantSummary     []string
		wantProvider    string // a provider that must exist
		wantType        string
	}{
		{
			name:            "DeepL for translation, one variable each",
			env:             map[string]string{"DEEPL_API_KEY": "k:fx", EnvTranslationProvider: "deepl"},
			wantTranslation: []string{"deepl", "apertium"},
			wantSummary:     []string{"extractive"},
			wantProvider:    "deepl", wantType: "deepl",
		},
		{
			name:            "Anthropic for summaries, OpenAI for translation",
			env:             map[string]string{"OPENAI_API_KEY": "sk", "ANTHROPIC_API_KEY": "ak", EnvSummarizationProvider: "anthropic"},
			wantTranslation: []string{"openai", "apertium"},
			wantSummary:     []string{"anthropic", "extractive"},
			wantProvider:    "anthropic", wantType: "anthropic",
		},
		{
			name:            "LibreTranslate needs only its URL",
			env:             map[string]string{"LIBRETRANSLATE_URL": "http://127.0.0.1:5000", EnvTranslationProvider: "libretranslate"},
			wantTranslation: []string{"libretranslate", "apertium"},
			wantSummary:     []string{"extractive"},
			wantProvider:    "libretranslate", wantType: "libretranslate",
		},
		{
			name:            "Google",
			env:             map[string]string{"GOOGLE_TRANSLATE_API_KEY": "g", EnvTranslationProvider: "google"},
			wantTranslation: []string{"google", "apertium"},
			wantSummary:     []string{"extractive"},
			wantProvider:    "google", wantType: "google",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := Load(envOf(tt.env))
			if err != nil {
				t.Fatal(err)
			}
			if got := cfg.Translation.Chain(); !slices.Equal(got, tt.wantTranslation) {
				t.Errorf("translation chain = %v, want %v", got, tt.wantTranslation)
			}
			if got := cfg.Summarization.Chain(); !slices.Equal(got, tt.wantSummary) {
				t.Errorf("summarization chain = %v, want %v", got, tt.wantSummary)
			}
			if got := cfg.Providers[tt.wantProvider].Type; got != tt.wantType {
				t.Errorf("provider %s has type %q, want %q", tt.wantProvider, got, tt.wantType)
			}
		})
	}
	if _, err := Load(envOf(map[string]string{EnvTranslationProvider: "deepl"})); err == nil || !strings.Contains(err.Error(), `"deepl", which is not configured`) {
		t.Errorf("routing to deepl without its key: err = %v, want one naming the missing provider", err)
	}
}

// TestMaskedHidesEverySecret: the start-up line shows the configuration,
// and a secret may sit in any of these fields.
func TestMaskedHidesEverySecret(t *testing.T) {
	cfg := Default()
	cfg.Providers = map[string]Provider{
		"gpt": {Common: Common{Type: "openai"}, Options: &registry.OpenAIOptions{APIKey: "sk-s3cret-key", BaseURL: "https://proxy-user:pr0xy-pass@proxy.example/v1?key=qu3ry-key",
			Headers: map[string]string{"api-key": "h3ader-key", "X-Title": "t1tle-value"}}},
		"lt": {Common: Common{Type: "libretranslate"}, Options: &registry.LibreTranslateOptions{URL: "http://lt-us3r:lt-pa55@lt.example:5000/?api_key=lt-qu3ry", APIKey: "lt-k3y"}},
	}
	cfg.Cache.Redis.URL = "rediss://default:r3dis-pass@cache.example:6380/0"
	cfg.Cache.Redis.Password = "r3dis-pass-2"
	cfg.Tracing.OTLPEndpoint = "https://otel-us3r:otel-pa55@collector.example/v1/traces?token=otel-t0ken"
	cfg.Auth.Keys = []APIKey{{Name: "ops", SHA256: strings.Repeat("ab", 32)}}

	masked := cfg.Masked()
	for _, secret := range []string{"sk-s3cret-key", "proxy-user", "pr0xy-pass", "qu3ry-key", "h3ader-key", "t1tle-value",
		"lt-us3r", "lt-pa55", "lt-qu3ry", "lt-k3y", "r3dis-pass", "otel-us3r", "otel-pa55", "otel-t0ken", strings.Repeat("ab", 32)} {
		if strings.Contains(masked, secret) {
			t.Errorf("Masked() shows %q", secret)
		}
	}
	// What is not secret stays, so that the line still helps.
	for _, kept := range []string{"proxy.example/v1?key=***", "api-key: '***'", "lt.example:5000", "cache.example:6380", "collector.example/v1/traces", "name: ops"} {
		if !strings.Contains(masked, kept) {
			t.Errorf("Masked() lacks %q:\n%s", kept, masked)
		}
	}
	if optionsOf[*registry.OpenAIOptions](t, cfg, "gpt").Headers["api-key"] != "h3ader-key" || cfg.Auth.Keys[0].SHA256 == "***" {
		t.Errorf("Masked() changed the configuration it masks")
	}
}

// TestEnvironmentShortcuts: each variable sets its field of the provider
// it names, and defines that provider only as it always has.
func TestEnvironmentShortcuts(t *testing.T) {
	writeFile := func(t *testing.T, body string) string {
		path := filepath.Join(t.TempDir(), "c.yaml")
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	t.Run("a base URL alone defines no OpenAI provider", func(t *testing.T) {
		cfg, err := Load(envOf(map[string]string{"OPENAI_BASE_URL": "http://127.0.0.1:11434/v1"}))
		if err != nil {
			t.Fatal(err)
		}
		if p, ok := cfg.Providers["openai"]; ok {
			t.Errorf("openai defined by its base URL alone: %+v", p)
		}
	})
	t.Run("variables lay over the file's provider of that name", func(t *testing.T) {
		path := writeFile(t, "providers: {openai: {type: openai, api_key: sk-file, model: gpt-4o, timeout: 5s}, deepl: {type: deepl, api_key: file-key}}")
		cfg, err := Load(envOf(map[string]string{EnvConfig: path, "OPENAI_MODEL": "llama3.1", "DEEPL_API_KEY": "env-key"}))
		if err != nil {
			t.Fatal(err)
		}
		gpt := optionsOf[*registry.OpenAIOptions](t, cfg, "openai")
		if gpt.APIKey != "sk-file" || gpt.Model != "llama3.1" || cfg.Providers["openai"].Timeout != 5e9 {
			t.Errorf("openai = %+v %+v, want the file's key and timeout, the environment's model", cfg.Providers["openai"].Common, gpt)
		}
		if got := optionsOf[*registry.DeepLOptions](t, cfg, "deepl"); got.APIKey != "env-key" || got.TargetVariant != "EN-US" {
			t.Errorf("deepl = %+v, want the environment's key and the default variant", got)
		}
	})
	t.Run("a name the file gives another type is left alone", func(t *testing.T) {
		path := writeFile(t, "providers: {apertium: {type: libretranslate, url: 'http://127.0.0.1:5000'}, apy: {type: apertium}}\ntranslation: {provider: apy}")
		cfg, err := Load(envOf(map[string]string{EnvConfig: path, "APERTIUM_URL": "http://127.0.0.1:2800"}))
		if err != nil {
			t.Fatal(err)
		}
		if got := optionsOf[*registry.LibreTranslateOptions](t, cfg, "apertium"); got.URL != "http://127.0.0.1:5000" {
			t.Errorf("the file's libretranslate named apertium has url %q", got.URL)
		}
		if got := optionsOf[*registry.ApertiumOptions](t, cfg, "apy"); got.URL != "http://127.0.0.1:2737" {
			t.Errorf("apy url = %q, want the default: APERTIUM_URL names the provider called apertium", got.URL)
		}
	})
	t.Run("a key of its own defines LibreTranslate, which then needs its URL", func(t *testing.T) {
		_, err := Load(envOf(map[string]string{"LIBRETRANSLATE_API_KEY": "k"}))
		if err == nil || !strings.Contains(err.Error(), "providers.libretranslate.url is empty") {
			t.Errorf("err = %v, want the missing URL reported", err)
		}
	})
}

// TestMaskedKeepsTheFileFormat: the logged configuration shows each
// provider as the one block the file gives, its options beside its common
// fields.
func TestMaskedKeepsTheFileFormat(t *testing.T) {
	cfg, err := Load(envOf(map[string]string{"DEEPL_API_KEY": "k:fx", EnvTranslationProvider: "deepl"}))
	if err != nil {
		t.Fatal(err)
	}
	tree := cfg.MaskedTree()
	deepl, _ := tree["providers"].(map[string]any)["deepl"].(map[string]any)
	if deepl["type"] != "deepl" || deepl["api_key"] != "***" || deepl["target_variant"] != "EN-US" || deepl["timeout"] != "30s" {
		t.Errorf("masked deepl block = %v", deepl)
	}
	var back Config
	if err := decodeYAML([]byte(cfg.Masked()), envOf(nil), &back); err != nil {
		t.Fatalf("the masked configuration does not decode as a file: %v", err)
	}
}

// TestOptionsKeepToTheirKeys: no type's options take a key of the common
// fields, which would then be decoded twice.
func TestOptionsKeepToTheirKeys(t *testing.T) {
	common := map[string]reflect.Type{}
	yamlFields(reflect.TypeOf(Common{}), common)
	for _, row := range registry.Rows() {
		own := map[string]reflect.Type{}
		yamlFields(reflect.TypeOf(row.Options()), own)
		for key := range own {
			if _, ok := common[key]; ok {
				t.Errorf("the options of %s take the common key %q", row.Type, key)
			}
		}
	}
}

// Switching a provider's type is one line: the keys the old type read and
// the new one does not are ignored and named, not refused, while a key no
// type reads is still a typo.
func TestSwitchingTypeKeepsTheOldTypesKeys(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.yaml")
	yaml := "providers:\n  main:\n    type: deepl\n    api_key: k\n    model: gpt-4o\n    max_summary_input: 9000\n" +
		"translation: {provider: main}\n"
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(envOf(map[string]string{EnvConfig: path}))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if got := cfg.Providers["main"].Ignored; !slices.Equal(got, []string{"model", "max_summary_input"}) {
		t.Errorf("Ignored = %q, want [model max_summary_input]", got)
	}
	if err := os.WriteFile(path, []byte(strings.Replace(yaml, "model:", "modle:", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(envOf(map[string]string{EnvConfig: path})); err == nil || !strings.Contains(err.Error(), "field modle not found in a provider of type deepl") {
		t.Errorf("a key no type reads: err = %v, want it refused", err)
	}
}
