package metrics

import (
	"errors"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"passerelle/providers"
)

func TestRecordedFiguresAreExported(t *testing.T) {
	m := New()
	m.SetPrices(map[string]Price{"gpt": {PromptTokens: 0.15, CompletionTokens: 0.60}, "deepl": {Characters: 25}})
	m.Request("/v1/articles", 200, 3*time.Millisecond)
	m.Request("", 404, time.Millisecond)
	m.CacheLookup("segment", 5, 2, nil)
	m.CacheLookup("document", 0, 0, errors.New("down"))
	m.CacheWriteFailed()
	m.ProviderCall("gpt", "translate", "gpt-4o-mini", time.Second, providers.Usage{PromptTokens: 120, CompletionTokens: 80}, nil)
	m.ProviderCall("deepl", "translate", "deepl", time.Second, providers.Usage{Characters: 900}, nil)
	m.ProviderCall("gpt", "translate", "", time.Second, providers.Usage{}, &providers.Error{Kind: providers.KindRateLimited})
	m.Coalesced()
	if err := m.RegisterProviderStates(func() []ProviderState {
		return []ProviderState{{Provider: "gpt", Breaker: "open", ErrorRate: 0.25}}
	}); err != nil {
		t.Fatal(err)
	}

	checks := []struct {
		got  float64
		want float64
		what string
	}{
		{testutil.ToFloat64(m.requests.WithLabelValues("/v1/articles", "200")), 1, "requests"},
		{testutil.ToFloat64(m.requests.WithLabelValues("unmatched", "404")), 1, "unmatched requests"},
		{testutil.ToFloat64(m.cacheLookups.WithLabelValues("segment", "hit")), 5, "segment hits"},
		{testutil.ToFloat64(m.cacheLookups.WithLabelValues("segment", "miss")), 2, "segment misses"},
		{testutil.ToFloat64(m.cacheLookups.WithLabelValues("document", "error")), 1, "document errors"},
		{testutil.ToFloat64(m.cacheErrors.WithLabelValues("set")), 1, "write errors"},
		{testutil.ToFloat64(m.tokens.WithLabelValues("gpt", "gpt-4o-mini", "prompt")), 120, "prompt tokens"},
		{testutil.ToFloat64(m.characters.WithLabelValues("deepl", "deepl")), 900, "characters"},
		{testutil.ToFloat64(m.providerCalls.WithLabelValues("gpt", "translate", "rate_limited")), 1, "failed calls"},
		{testutil.ToFloat64(m.coalesced), 1, "coalesced"},
		{testutil.ToFloat64(m.cost.WithLabelValues("gpt", "gpt-4o-mini")) * 1e6, 120*0.15 + 80*0.60, "gpt cost (micro-dollars)"},
		{testutil.ToFloat64(m.cost.WithLabelValues("deepl", "deepl")) * 1e6, 900 * 25, "deepl cost (micro-dollars)"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.what, c.got, c.want)
		}
	}

	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	for _, want := range []string{
		`passerelle_provider_breaker_state{provider="gpt",state="open"} 1`,
		`passerelle_provider_breaker_state{provider="gpt",state="closed"} 0`,
		`passerelle_provider_recent_error_ratio{provider="gpt"} 0.25`,
		`passerelle_http_request_duration_seconds_bucket{route="/v1/articles"`,
		"go_goroutines",
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if problems, err := testutil.GatherAndLint(m.registry); err != nil || len(problems) > 0 {
		t.Errorf("metric names break Prometheus conventions: %v %v", problems, err)
	}
}
