package anthropic

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"passerelle/prompts"
	"passerelle/providers"
)

func TestNewRejectsBadOptions(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		want string
	}{
		{"no key", Options{}, "API key"},
		{"relative URL", Options{APIKey: testKey, BaseURL: "api.anthropic.com"}, "base URL"},
		{"other scheme", Options{APIKey: testKey, BaseURL: "ftp://example.com"}, "base URL"},
		{"negative timeout", Options{APIKey: testKey, Timeout: -1}, "timeout"},
		{"negative max tokens", Options{APIKey: testKey, MaxTokens: -1}, "max tokens"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.opts, nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New error = %v, want one about the %s", err, tt.want)
			}
		})
	}
}

func TestNewDefaults(t *testing.T) {
	p, err := New(Options{APIKey: testKey}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if p.name != "anthropic" || p.baseURL != DefaultBaseURL || p.model != DefaultModel ||
		p.maxTokens != DefaultMaxTokens || p.timeout != DefaultTimeout {
		t.Errorf("defaults = {%q %q %q %d %v}, want {anthropic %q %q %d %v}", p.name, p.baseURL, p.model, p.maxTokens,
			p.timeout, DefaultBaseURL, DefaultModel, DefaultMaxTokens, DefaultTimeout)
	}
	// A base URL written with /v1 reaches the same endpoints.
	if p, err := New(Options{APIKey: testKey, BaseURL: "https://api.anthropic.com/v1/"}, nil); err != nil || p.baseURL != DefaultBaseURL {
		t.Errorf("base URL with /v1 = %q (%v), want %q", p.baseURL, err, DefaultBaseURL)
	}
}

func TestFingerprint(t *testing.T) {
	set, err := prompts.Load("")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, prompts.TranslateSystem), []byte("Translate {{.SourceLang}} to {{.TargetLang}}."), 0o644); err != nil {
		t.Fatal(err)
	}
	edited, err := prompts.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	fingerprint := func(opts Options, set *prompts.Set) string {
		t.Helper()
		if opts.APIKey == "" {
			opts.APIKey = testKey
		}
		p, err := New(opts, set)
		if err != nil {
			t.Fatal(err)
		}
		return p.Fingerprint()
	}

	base := fingerprint(Options{}, set)
	want := "anthropic|" + DefaultModel + "|" + set.Hash(prompts.TranslateSystem) + "+" + set.Hash(prompts.SummarizeSystem)
	if base != want {
		t.Errorf("Fingerprint = %q, want %q", base, want)
	}
	tests := []struct {
		name    string
		opts    Options
		set     *prompts.Set
		changes bool
	}{
		{"model", Options{Model: "claude-sonnet-4-5"}, set, true},
		{"edited prompt", Options{}, edited, true},
		{"name, key and limits", Options{Name: "other", APIKey: "sk-ant-other", MaxTokens: 8192}, set, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := fingerprint(tt.opts, tt.set)
			if (got != base) != tt.changes {
				t.Errorf("Fingerprint = %q against %q, want changed = %v", got, base, tt.changes)
			}
			if strings.Contains(got, "sk-ant") {
				t.Errorf("Fingerprint = %q contains the API key", got)
			}
		})
	}
}

func TestPing(t *testing.T) {
	f := newFakeServer(t, translating)
	if err := newProvider(t, f, Options{}).Ping(context.Background()); err != nil {
		t.Errorf("Ping: %v", err)
	}
	err := newProvider(t, f, Options{APIKey: "sk-ant-wrong"}).Ping(context.Background())
	var pe *providers.Error
	if !errors.As(err, &pe) || pe.Kind != providers.KindAuth || pe.Status != http.StatusUnauthorized {
		t.Errorf("Ping with a wrong key = %v, want KindAuth with HTTP 401", err)
	}
	if n := len(f.calls()); n != 0 {
		t.Errorf("Ping made %d Messages requests, want 0", n)
	}
}
