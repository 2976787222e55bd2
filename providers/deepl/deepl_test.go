package deepl

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"passerelle/providers"
)

func TestNewDefaults(t *testing.T) {
	p, err := New(Options{APIKey: testKey})
	if err != nil {
		t.Fatal(err)
	}
	if p.name != "deepl" || p.targetVariant != "EN-US" || p.timeout != 30*time.Second || cap(p.sem) != 4 {
		t.Errorf("defaults: name %q, variant %q, timeout %v, concurrency %d; want deepl, EN-US, 30s, 4",
			p.name, p.targetVariant, p.timeout, cap(p.sem))
	}
	if p.formality != "" || p.modelType != "" || p.glossaryID != "" || p.context != "" {
		t.Errorf("optional parameters set by default: %+v", p)
	}
}

func TestNewRejects(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		want string // in the error
	}{
		{"no key", Options{}, "API key is required"},
		{"key with a newline", Options{APIKey: testKey + "\n"}, "white space"},
		{"plain EN variant", Options{APIKey: testKey, TargetVariant: "EN"}, `"EN": want EN-US or EN-GB`},
		{"other variant", Options{APIKey: testKey, TargetVariant: "en-au"}, "want EN-US or EN-GB"},
		{"formality", Options{APIKey: testKey, Formality: "formal"}, "want one of default, more, less, prefer_more, prefer_less"},
		{"model type", Options{APIKey: testKey, ModelType: "fast"}, "want one of quality_optimized, prefer_quality_optimized, latency_optimized"},
		{"base URL scheme", Options{APIKey: testKey, BaseURL: "api.deepl.com"}, "http or https URL"},
		{"base URL with a query", Options{APIKey: testKey, BaseURL: "https://api.deepl.com/?auth_key=x"}, "without query"},
		{"negative timeout", Options{APIKey: testKey, Timeout: -time.Second}, "positive duration"},
		{"negative concurrency", Options{APIKey: testKey, MaxConcurrency: -1}, "positive number"},
		{"huge context", Options{APIKey: testKey, Context: strings.Repeat("x", 65<<10)}, "128 KiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("New error = %v, want one containing %q", err, tt.want)
			}
			if strings.Contains(err.Error(), testKey) {
				t.Errorf("New error contains the key: %v", err)
			}
		})
	}
	if _, err := New(Options{APIKey: testKey, TargetVariant: "en-gb"}); err != nil {
		t.Errorf("New with target variant en-gb: %v, want it accepted as EN-GB", err)
	}
}

// hostRecorder answers every request as DeepL would and records the URL.
type hostRecorder struct {
	mu   sync.Mutex
	urls []string
}

func (h *hostRecorder) RoundTrip(r *http.Request) (*http.Response, error) {
	h.mu.Lock()
	h.urls = append(h.urls, r.URL.String())
	h.mu.Unlock()
	body := `{"translations":[{"detected_source_language":"FR","text":"Hello"}]}`
	if r.URL.Path == "/v2/usage" {
		body = `{"character_count":1,"character_limit":500000}`
	}
	return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(strings.NewReader(body)), Request: r}, nil
}

func TestHostFromKey(t *testing.T) {
	tests := []struct {
		name, key, baseURL string
		want               string
	}{
		{"free key", "8f3b2c1d-4e5f-6a7b-8c9d-0e1f2a3b4c5d:fx", "", "https://api-free.deepl.com/v2/translate"},
		{"pro key", "8f3b2c1d-4e5f-6a7b-8c9d-0e1f2a3b4c5d", "", "https://api.deepl.com/v2/translate"},
		{"key with fx elsewhere", "fx:8f3b2c1d-4e5f", "", "https://api.deepl.com/v2/translate"},
		{"free key, own base URL", "k:fx", "http://proxy.internal:8080/deepl/", "http://proxy.internal:8080/deepl/v2/translate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := New(Options{APIKey: tt.key, BaseURL: tt.baseURL})
			if err != nil {
				t.Fatal(err)
			}
			rec := &hostRecorder{}
			p.client.Transport = rec
			if _, err := p.Translate(context.Background(), providers.TranslateRequest{SourceLang: "fr", TargetLang: "en", Segments: []string{"Bonjour"}}); err != nil {
				t.Fatal(err)
			}
			if len(rec.urls) != 1 || rec.urls[0] != tt.want {
				t.Errorf("requests to %q, want one to %s", rec.urls, tt.want)
			}
			if strings.Contains(rec.urls[0], tt.key) {
				t.Errorf("the key is in the URL %s", rec.urls[0])
			}
		})
	}
}

func TestFingerprint(t *testing.T) {
	base := Options{APIKey: testKey}
	fp := func(o Options) string {
		t.Helper()
		p, err := New(o)
		if err != nil {
			t.Fatal(err)
		}
		return p.Fingerprint()
	}
	if got, want := fp(base), "deepl|EN-US|formality=default|glossary=|model_type=default|context=none"; got != want {
		t.Errorf("Fingerprint() = %q, want %q", got, want)
	}
	changes := map[string]Options{
		"variant":    {APIKey: testKey, TargetVariant: "EN-GB"},
		"formality":  {APIKey: testKey, Formality: "prefer_more"},
		"glossary":   {APIKey: testKey, GlossaryID: "def3a26b"},
		"model type": {APIKey: testKey, ModelType: "quality_optimized"},
		"context":    {APIKey: testKey, Context: "Politique internationale."},
		"context 2":  {APIKey: testKey, Context: "Sport."},
	}
	seen := map[string]string{fp(base): "defaults"}
	for name, o := range changes {
		got := fp(o)
		if other, dup := seen[got]; dup {
			t.Errorf("%s and %s share the fingerprint %q", name, other, got)
		}
		seen[got] = name
	}
	// What does not change the output does not change the fingerprint.
	same := []Options{
		{APIKey: testKey, Formality: "default"},
		{APIKey: "other:fx", Name: "deepl-free", Timeout: time.Minute, MaxConcurrency: 9, TargetVariant: "en-us"},
	}
	for _, o := range same {
		if got := fp(o); got != fp(base) {
			t.Errorf("Fingerprint(%+v) = %q, want %q", o, got, fp(base))
		}
	}
	if strings.Contains(fp(changes["context"]), "Politique") {
		t.Errorf("the fingerprint holds the context itself, want its hash")
	}
}

func TestPing(t *testing.T) {
	f := newFakeServer(t, translating)
	p := newProvider(t, f, Options{})
	if err := p.Ping(context.Background()); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	q, err := p.Quota(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if q.CharacterCount != 180118 || q.CharacterLimit != 1250000 {
		t.Errorf("Quota = %+v, want the fake's 180118 of 1250000", q)
	}
	wrong := newProvider(t, f, Options{APIKey: "wrong-key"})
	if err := wrong.Ping(context.Background()); providers.KindOf(err) != providers.KindAuth {
		t.Errorf("Ping with a wrong key = %v, want KindAuth", err)
	}
}

func TestPingQuotaExhausted(t *testing.T) {
	tests := []struct {
		name string
		body string
		want providers.Kind
		ok   bool
	}{
		{"free plan used up", `{"character_count":500000,"character_limit":500000}`, providers.KindQuota, false},
		{"pro key used up", `{"character_count":5947223,"character_limit":1000000000000,"api_key_character_count":1000,"api_key_character_limit":1000}`, providers.KindQuota, false},
		{"pro plan, room left", `{"character_count":5947223,"character_limit":1000000000000,"api_key_character_count":636,"api_key_character_limit":1000000000000,"start_time":"2025-05-13T09:18:42Z","end_time":"2025-06-13T09:18:42Z"}`, 0, true},
		{"no limit reported", `{}`, 0, true},
	}
	s := loadSpec(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := s.ValidateSchema("UsageResponse", []byte(tt.body)); err != nil {
				t.Fatalf("the test's own answer breaks UsageResponse: %v", err)
			}
			p, err := New(Options{APIKey: testKey})
			if err != nil {
				t.Fatal(err)
			}
			p.client.Transport = roundTripFunc(func(r *http.Request) (*http.Response, error) {
				return &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader(tt.body)), Request: r}, nil
			})
			err = p.Ping(context.Background())
			if tt.ok {
				if err != nil {
					t.Errorf("Ping = %v, want nil", err)
				}
				return
			}
			var pe *providers.Error
			if !errors.As(err, &pe) || pe.Kind != tt.want || !strings.Contains(pe.Message, "quota") {
				t.Errorf("Ping = %v, want %v saying the quota is used up", err, tt.want)
			}
		})
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
