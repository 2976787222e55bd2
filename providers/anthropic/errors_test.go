package anthropic

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

// TestTranslateErrors replays the error answers of
// https://docs.claude.com/en/api/errors, with the messages the API gives.
func TestTranslateErrors(t *testing.T) {
	tests := []struct {
		name   string
		status int
		errObj map[string]any // the "error" object of the body
		header http.Header
		want   providers.Error // Kind, Status, Code and RetryAfter are compared
	}{
		{"invalid request", 400, errObject("invalid_request_error", "messages.0.content: Input should be a valid list"), nil,
			providers.Error{Kind: providers.KindBadRequest, Status: 400, Code: "invalid_request_error"}},
		{"prompt too long", 400, errObject("invalid_request_error", "prompt is too long: 215034 tokens > 200000 maximum"), nil,
			providers.Error{Kind: providers.KindContextLength, Status: 400, Code: "invalid_request_error"}},
		{"input and max_tokens over the context window", 400, errObject("invalid_request_error", "input length and `max_tokens` exceed context limit: 198000 + 4096 > 200000, decrease input length or `max_tokens` and try again"), nil,
			providers.Error{Kind: providers.KindContextLength, Status: 400, Code: "invalid_request_error"}},
		{"credit balance too low", 400, errObject("invalid_request_error", "Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits."), nil,
			providers.Error{Kind: providers.KindQuota, Status: 400, Code: "invalid_request_error"}},
		{"workspace usage limit", 400, errObject("invalid_request_error", "You have reached your specified workspace API usage limits. You will regain access on 2026-06-01 at 00:00 UTC."), nil,
			providers.Error{Kind: providers.KindQuota, Status: 400, Code: "invalid_request_error"}},
		{"billing", 402, errObject("billing_error", "There is an issue with your billing or payment information."), nil,
			providers.Error{Kind: providers.KindQuota, Status: 402, Code: "billing_error"}},
		{"authentication", 401, errObject("authentication_error", "invalid x-api-key"), nil,
			providers.Error{Kind: providers.KindAuth, Status: 401, Code: "authentication_error"}},
		{"permission", 403, errObject("permission_error", "Your API key does not have permission to use the specified resource."), nil,
			providers.Error{Kind: providers.KindAuth, Status: 403, Code: "permission_error"}},
		{"unknown model", 404, errObject("not_found_error", "model: claude-9"), nil,
			providers.Error{Kind: providers.KindBadRequest, Status: 404, Code: "not_found_error"}},
		{"request too large", 413, errObject("request_too_large", "Request exceeds the maximum allowed number of bytes."), nil,
			providers.Error{Kind: providers.KindContextLength, Status: 413, Code: "request_too_large"}},
		{"rate limited, retry-after", 429, errObject("rate_limit_error", "This request would exceed the rate limit for your organization of 50,000 input tokens per minute."),
			http.Header{"Retry-After": {"17"}, "Anthropic-Ratelimit-Input-Tokens-Reset": {"2025-03-10T12:00:17Z"}},
			providers.Error{Kind: providers.KindRateLimited, Status: 429, Code: "rate_limit_error", RetryAfter: 17 * time.Second}},
		{"rate limited, no header", 429, errObject("rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit"), nil,
			providers.Error{Kind: providers.KindRateLimited, Status: 429, Code: "rate_limit_error"}},
		{"monthly spend limit", 429, map[string]any{"type": "rate_limit_error", "message": "Your organization has reached its monthly usage limit for this tier.",
			"details": map[string]any{"error_code": "enforced_spend_limit_reached"}}, nil,
			providers.Error{Kind: providers.KindQuota, Status: 429, Code: "enforced_spend_limit_reached"}},
		{"internal error", 500, errObject("api_error", "Internal server error"), nil,
			providers.Error{Kind: providers.KindUnavailable, Status: 500, Code: "api_error"}},
		{"overloaded", 529, errObject("overloaded_error", "Overloaded"), http.Header{"Retry-After": {"3"}},
			providers.Error{Kind: providers.KindUnavailable, Status: 529, Code: "overloaded_error"}},
		{"timeout", 504, errObject("timeout_error", "Request timed out"), nil,
			providers.Error{Kind: providers.KindTimeout, Status: 504, Code: "timeout_error"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeServer(t, func(f *fakeServer, w http.ResponseWriter, _ *http.Request, _ messagesCall) {
				f.writeErrorBody(w, tt.status, tt.errObj, tt.header)
			})
			_, err := translateFR(t, newProvider(t, f, Options{}), frenchSegments[:1])
			var got *providers.Error
			if !errors.As(err, &got) {
				t.Fatalf("Translate error = %#v, want a *providers.Error", err)
			}
			if got.Kind != tt.want.Kind || got.Status != tt.want.Status || got.Code != tt.want.Code || got.RetryAfter != tt.want.RetryAfter {
				t.Errorf("error = {Kind: %v, Status: %d, Code: %q, RetryAfter: %v}, want {Kind: %v, Status: %d, Code: %q, RetryAfter: %v}",
					got.Kind, got.Status, got.Code, got.RetryAfter, tt.want.Kind, tt.want.Status, tt.want.Code, tt.want.RetryAfter)
			}
			msg, _ := tt.errObj["message"].(string)
			if got.Provider != "claude" || !strings.Contains(got.Error(), msg) || !strings.Contains(got.Error(), "req_011CSHoEeqs5C35K2UUqR7Fy") {
				t.Errorf("Error() = %q, want the provider name, the vendor's message and the request id", got.Error())
			}
			// The provider does not retry: the gateway's loop is the only one.
			if n := len(f.calls()); n != 1 {
				t.Errorf("%d Messages requests, want 1", n)
			}
		})
	}
}

func errObject(typ, message string) map[string]any {
	return map[string]any{"type": typ, "message": message}
}

func TestNonJSONErrorBodies(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
		want   providers.Kind
	}{
		// Cloudflare answers 413 itself, before the request reaches the API.
		{"413 from Cloudflare", 413, "<html><head><title>413 Request Entity Too Large</title></head><body><center><h1>413 Request Entity Too Large</h1></center><hr><center>cloudflare</center></body></html>", providers.KindContextLength},
		{"502 from a proxy", 502, "<html><body><h1>502 Bad Gateway</h1></body></html>", providers.KindUnavailable},
		{"429 from a proxy", 429, "Too Many Requests", providers.KindRateLimited},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeServer(t, func(_ *fakeServer, w http.ResponseWriter, _ *http.Request, _ messagesCall) {
				w.Header().Set("Content-Type", "text/html")
				w.WriteHeader(tt.status)
				w.Write([]byte(tt.body))
			})
			_, err := translateFR(t, newProvider(t, f, Options{}), frenchSegments[:1])
			var got *providers.Error
			if !errors.As(err, &got) || got.Kind != tt.want || got.Status != tt.status {
				t.Fatalf("Translate error = %v, want kind %v with HTTP %d", err, tt.want, tt.status)
			}
		})
	}
}

func TestMalformedAnswer(t *testing.T) {
	f := newFakeServer(t, func(_ *fakeServer, w http.ResponseWriter, _ *http.Request, _ messagesCall) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"id": "msg_01", "type": "message", "content": [`))
	})
	_, err := translateFR(t, newProvider(t, f, Options{}), frenchSegments[:1])
	if kind := providers.KindOf(err); err == nil || kind != providers.KindUnavailable {
		t.Errorf("Translate error = %v (kind %v), want KindUnavailable", err, kind)
	}
}

func TestWrongKeyIsNotRepeated(t *testing.T) {
	const wrongKey = "sk-ant-api03-WRONGKEY0123456789abcdef"
	f := newFakeServer(t, translating)
	_, err := translateFR(t, newProvider(t, f, Options{APIKey: wrongKey}), frenchSegments[:1])
	var got *providers.Error
	if !errors.As(err, &got) || got.Kind != providers.KindAuth || got.Status != 401 || got.Code != "authentication_error" {
		t.Fatalf("Translate error = %v, want KindAuth, HTTP 401, authentication_error", err)
	}
	// The fake, like some proxies, quotes the key it refused.
	if strings.Contains(err.Error(), wrongKey) || strings.Contains(got.Message, wrongKey) {
		t.Errorf("error text contains the API key: %q", err.Error())
	}
	if !strings.Contains(err.Error(), "invalid x-api-key") {
		t.Errorf("error text = %q, want the vendor's message", err.Error())
	}
}

func TestTimeouts(t *testing.T) {
	// The fake holds every request until the client gives up.
	slow := func(f *fakeServer, w http.ResponseWriter, r *http.Request, c messagesCall) {
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
			translating(f, w, r, c)
		}
	}
	t.Run("client timeout", func(t *testing.T) {
		f := newFakeServer(t, slow)
		_, err := translateFR(t, newProvider(t, f, Options{Timeout: 50 * time.Millisecond}), frenchSegments[:1])
		if kind := providers.KindOf(err); err == nil || kind != providers.KindTimeout {
			t.Errorf("Translate error = %v (kind %v), want KindTimeout", err, kind)
		}
	})
	t.Run("caller deadline", func(t *testing.T) {
		f := newFakeServer(t, slow)
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		_, err := newProvider(t, f, Options{}).Summarize(ctx, providers.SummarizeRequest{Lang: "en", Text: "Texte."})
		if kind := providers.KindOf(err); err == nil || kind != providers.KindTimeout || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Summarize error = %v (kind %v), want KindTimeout wrapping context.DeadlineExceeded", err, kind)
		}
	})
}

func TestConnectionRefused(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nothing listens there any more
	p, err := New(Options{BaseURL: url, APIKey: testKey}, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = translateFR(t, p, frenchSegments[:1])
	var got *providers.Error
	if !errors.As(err, &got) || got.Kind != providers.KindUnavailable || got.Status != 0 {
		t.Errorf("Translate error = %v, want KindUnavailable without an HTTP status", err)
	}
	if strings.Contains(err.Error(), testKey) {
		t.Errorf("error text contains the API key: %q", err)
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
		{"garbage", http.Header{"Retry-After": {"later"}}, 0},
		{"negative", http.Header{"Retry-After": {"-4"}}, 0},
		{"absent", http.Header{}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := providers.RetryAfter(tt.header, now); got != tt.want {
				t.Errorf("providers.RetryAfter(%v) = %v, want %v", tt.header, got, tt.want)
			}
		})
	}
}
