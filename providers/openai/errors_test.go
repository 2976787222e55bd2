package openai

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"passerelle/providers"
)

func TestTranslateErrors(t *testing.T) {
	tests := []struct {
		name    string
		status  int
		typ     string
		code    string
		message string
		header  http.Header
		want    providers.Error // Kind, Status, Code and RetryAfter are compared
	}{
		{"rate limited, Retry-After seconds", 429, "requests", "rate_limit_exceeded", "Rate limit reached for gpt-4o-mini on requests per min (RPM): Limit 3, Used 3.",
			http.Header{"Retry-After": {"7"}},
			providers.Error{Kind: providers.KindRateLimited, Status: 429, Code: "rate_limit_exceeded", RetryAfter: 7 * time.Second}},
		{"rate limited, retry-after-ms wins", 429, "tokens", "rate_limit_exceeded", "Rate limit reached for gpt-4o-mini on tokens per min (TPM).",
			http.Header{"Retry-After": {"2"}, "Retry-After-Ms": {"1500"}},
			providers.Error{Kind: providers.KindRateLimited, Status: 429, Code: "rate_limit_exceeded", RetryAfter: 1500 * time.Millisecond}},
		{"rate limited, no header", 429, "requests", "rate_limit_exceeded", "Rate limit reached.", nil,
			providers.Error{Kind: providers.KindRateLimited, Status: 429, Code: "rate_limit_exceeded"}},
		{"out of quota", 429, "insufficient_quota", "insufficient_quota", "You exceeded your current quota, please check your plan and billing details.", nil,
			providers.Error{Kind: providers.KindQuota, Status: 429, Code: "insufficient_quota"}},
		{"forbidden", 403, "invalid_request_error", "unsupported_country_region_territory", "Country, region, or territory not supported", nil,
			providers.Error{Kind: providers.KindAuth, Status: 403, Code: "unsupported_country_region_territory"}},
		{"context length", 400, "invalid_request_error", "context_length_exceeded", "This model's maximum context length is 128000 tokens. However, your messages resulted in 130000 tokens.", nil,
			providers.Error{Kind: providers.KindContextLength, Status: 400, Code: "context_length_exceeded"}},
		{"bad request", 400, "invalid_request_error", "invalid_value", "Invalid value for 'response_format'.", nil,
			providers.Error{Kind: providers.KindBadRequest, Status: 400, Code: "invalid_value"}},
		{"unknown model", 404, "invalid_request_error", "model_not_found", "The model `gpt-9` does not exist or you do not have access to it.", nil,
			providers.Error{Kind: providers.KindBadRequest, Status: 404, Code: "model_not_found"}},
		{"server error", 500, "server_error", "", "The server had an error while processing your request. Sorry about that!", nil,
			providers.Error{Kind: providers.KindUnavailable, Status: 500, Code: "server_error"}},
		{"overloaded", 503, "server_error", "", "The engine is currently overloaded, please try again later.", nil,
			providers.Error{Kind: providers.KindUnavailable, Status: 503, Code: "server_error"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeServer(t, func(f *fakeServer, w http.ResponseWriter, _ *http.Request, _ chatRequest) {
				f.writeError(w, tt.status, tt.typ, tt.code, tt.message, tt.header)
			})
			p := newProvider(t, f, Options{})
			_, err := p.Translate(context.Background(), providers.TranslateRequest{SourceLang: "fr", TargetLang: "en", Segments: frenchSegments[:1]})
			var got *providers.Error
			if !errors.As(err, &got) {
				t.Fatalf("Translate error = %#v, want a *providers.Error", err)
			}
			if got.Kind != tt.want.Kind || got.Status != tt.want.Status || got.Code != tt.want.Code || got.RetryAfter != tt.want.RetryAfter {
				t.Errorf("error = {Kind: %v, Status: %d, Code: %q, RetryAfter: %v}, want {Kind: %v, Status: %d, Code: %q, RetryAfter: %v}",
					got.Kind, got.Status, got.Code, got.RetryAfter, tt.want.Kind, tt.want.Status, tt.want.Code, tt.want.RetryAfter)
			}
			if got.Provider != "gpt" || !strings.Contains(got.Error(), tt.message) {
				t.Errorf("Error() = %q, want the provider name and the vendor's message", got.Error())
			}
			// go-openai does not retry, and neither does the provider: the
			// gateway's loop is the only one.
			if n := len(f.calls()); n != 1 {
				t.Errorf("%d chat completions, want 1", n)
			}
		})
	}
}

func TestWrongKeyIsNotRepeated(t *testing.T) {
	const wrongKey = "sk-proj-WRONGKEY0123456789abcdef"
	f := newFakeServer(t, translating)
	p := newProvider(t, f, Options{APIKey: wrongKey})
	_, err := p.Translate(context.Background(), providers.TranslateRequest{SourceLang: "fr", TargetLang: "en", Segments: frenchSegments[:1]})
	var got *providers.Error
	if !errors.As(err, &got) || got.Kind != providers.KindAuth || got.Status != 401 || got.Code != "invalid_api_key" {
		t.Fatalf("Translate error = %v, want KindAuth, HTTP 401, invalid_api_key", err)
	}
	// The fake, like some servers, quotes the key it refused.
	for _, text := range []string{err.Error(), got.Err.Error()} {
		if strings.Contains(text, wrongKey) {
			t.Errorf("error text contains the API key: %q", text)
		}
	}
}

func TestNonJSONErrorBody(t *testing.T) {
	// A proxy in front of the API answers with its own page.
	f := newFakeServer(t, func(_ *fakeServer, w http.ResponseWriter, _ *http.Request, _ chatRequest) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		w.Write([]byte("<html><body><h1>502 Bad Gateway</h1></body></html>"))
	})
	p := newProvider(t, f, Options{})
	_, err := p.Translate(context.Background(), providers.TranslateRequest{SourceLang: "fr", TargetLang: "en", Segments: frenchSegments[:1]})
	var got *providers.Error
	if !errors.As(err, &got) || got.Kind != providers.KindUnavailable || got.Status != 502 {
		t.Fatalf("Translate error = %v, want KindUnavailable with HTTP 502", err)
	}
}

func TestTimeouts(t *testing.T) {
	// The fake holds every request until the client gives up.
	slow := func(f *fakeServer, w http.ResponseWriter, r *http.Request, req chatRequest) {
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
			translating(f, w, r, req)
		}
	}
	t.Run("client timeout", func(t *testing.T) {
		f := newFakeServer(t, slow)
		p := newProvider(t, f, Options{Timeout: 50 * time.Millisecond})
		_, err := p.Translate(context.Background(), providers.TranslateRequest{SourceLang: "fr", TargetLang: "en", Segments: frenchSegments[:1]})
		if kind := providers.KindOf(err); err == nil || kind != providers.KindTimeout {
			t.Errorf("Translate error = %v (kind %v), want KindTimeout", err, kind)
		}
	})
	t.Run("caller deadline", func(t *testing.T) {
		f := newFakeServer(t, slow)
		p := newProvider(t, f, Options{})
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		_, err := p.Summarize(ctx, providers.SummarizeRequest{Lang: "en", Text: "Texte."})
		if kind := providers.KindOf(err); err == nil || kind != providers.KindTimeout || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Summarize error = %v (kind %v), want KindTimeout wrapping context.DeadlineExceeded", err, kind)
		}
	})
}

func TestConnectionRefused(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL + "/v1"
	srv.Close() // nothing listens there any more
	p, err := New(Options{BaseURL: url, APIKey: testKey}, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Translate(context.Background(), providers.TranslateRequest{SourceLang: "fr", TargetLang: "en", Segments: frenchSegments[:1]})
	var got *providers.Error
	if !errors.As(err, &got) || got.Kind != providers.KindUnavailable || got.Status != 0 {
		t.Errorf("Translate error = %v, want KindUnavailable without an HTTP status", err)
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		header http.Header
		want   time.Duration
	}{
		{"seconds", http.Header{"Retry-After": {"20"}}, 20 * time.Second},
		{"fractional seconds", http.Header{"Retry-After": {"0.5"}}, 500 * time.Millisecond},
		{"HTTP date", http.Header{"Retry-After": {"Mon, 10 Mar 2025 12:01:30 GMT"}}, 90 * time.Second},
		{"HTTP date in the past", http.Header{"Retry-After": {"Mon, 10 Mar 2025 11:00:00 GMT"}}, 0},
		{"milliseconds first", http.Header{"Retry-After-Ms": {"250"}, "Retry-After": {"1"}}, 250 * time.Millisecond},
		{"bad milliseconds, good seconds", http.Header{"Retry-After-Ms": {"soon"}, "Retry-After": {"3"}}, 3 * time.Second},
		{"garbage", http.Header{"Retry-After": {"later"}}, 0},
		{"negative", http.Header{"Retry-After": {"-4"}}, 0},
		{"absent", http.Header{}, 0},
		{"nil", nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := providers.RetryAfter(tt.header, now); got != tt.want {
				t.Errorf("providers.RetryAfter(%v) = %v, want %v", tt.header, got, tt.want)
			}
		})
	}
}
