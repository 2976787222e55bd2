package openai

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
		{"relative URL", Options{BaseURL: "api.openai.com/v1"}, "base URL"},
		{"other scheme", Options{BaseURL: "ftp://example.com/v1"}, "base URL"},
		{"unknown response format", Options{ResponseFormat: "yaml"}, "response format"},
		{"negative timeout", Options{Timeout: -1}, "timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.opts, nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New(%+v) error = %v, want one about the %s", tt.opts, err, tt.want)
			}
		})
	}
}

func TestFingerprint(t *testing.T) {
	set, err := prompts.Load("")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, prompts.SummarizeSystem), []byte("Summarize in {{.Lang}}."), 0o644); err != nil {
		t.Fatal(err)
	}
	edited, err := prompts.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	fingerprint := func(opts Options, set *prompts.Set) string {
		t.Helper()
		p, err := New(opts, set)
		if err != nil {
			t.Fatal(err)
		}
		return p.Fingerprint()
	}

	base := fingerprint(Options{}, set)
	want := "openai|gpt-4o-mini|" + set.Hash(prompts.TranslateSystem) + "+" + set.Hash(prompts.SummarizeSystem) + "|json_schema"
	if base != want {
		t.Errorf("Fingerprint = %q, want %q", base, want)
	}
	// What changes the output changes the fingerprint; what does not, does not.
	tests := []struct {
		name    string
		opts    Options
		set     *prompts.Set
		changes bool
	}{
		{"model", Options{Model: "gpt-4o"}, set, true},
		{"edited prompt", Options{}, edited, true},
		{"response format", Options{ResponseFormat: FormatJSONObject}, set, true},
		{"text format", Options{ResponseFormat: FormatText}, set, true},
		{"headers", Options{Headers: map[string]string{"X-Title": "Passerelle"}}, set, false},
		{"name and key", Options{Name: "other", APIKey: "sk-other"}, set, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := fingerprint(tt.opts, tt.set)
			if (got != base) != tt.changes {
				t.Errorf("Fingerprint = %q against %q, want changed = %v", got, base, tt.changes)
			}
			if strings.Contains(got, "sk-") {
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
	err := newProvider(t, f, Options{APIKey: "sk-wrong"}).Ping(context.Background())
	var pe *providers.Error
	if !errors.As(err, &pe) || pe.Kind != providers.KindAuth || pe.Status != http.StatusUnauthorized {
		t.Errorf("Ping with a wrong key = %v, want KindAuth with HTTP 401", err)
	}
	if n := len(f.calls()); n != 0 {
		t.Errorf("Ping made %d chat completions, want 0", n)
	}
}

func TestFingerprintPrompts(t *testing.T) {
	set, err := prompts.Load("")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		opts Options
		want string
	}{
		{"numbered prompt for text", Options{ResponseFormat: FormatText},
			"openai|gpt-4o-mini|" + set.Hash(prompts.TranslateNumbered) + "+" + set.Hash(prompts.SummarizeSystem) + "|text"},
		{"azure deployment", Options{APIType: APITypeAzure, BaseURL: "https://res.openai.azure.com", APIKey: "k", Deployment: "prod"},
			"openai|prod|" + set.Hash(prompts.TranslateSystem) + "+" + set.Hash(prompts.SummarizeSystem) + "|json_schema|azure:prod"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := New(tt.opts, set)
			if err != nil {
				t.Fatal(err)
			}
			if got := p.Fingerprint(); got != tt.want {
				t.Errorf("Fingerprint = %q, want %q", got, tt.want)
			}
		})
	}
}
