package deepl

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"passerelle/providers"
)

// TestTranslateErrors replays DeepL's error answers. The bodies are DeepL's
// own where it sends one (its 403, 404 and 429 usually come without), and a
// proxy's page for the statuses DeepL does not document for /v2/translate.
func TestTranslateErrors(t *testing.T) {
	tests := []struct {
		name        string
		status      int
		body        string
		header      http.Header
		wantKind    providers.Kind
		wantRetry   time.Duration
		wantMessage string
	}{
		{"unsupported target", 400, `{"message":"Value for 'target_lang' not supported."}`, nil,
			providers.KindBadRequest, 0, "Value for 'target_lang' not supported."},
		{"bad request with detail", 400, `{"message":"Bad request","detail":"Reason: Value for 'source_lang' not supported."}`, nil,
			providers.KindBadRequest, 0, "Bad request: Reason: Value for 'source_lang' not supported."},
		{"formality for English", 400, `{"message":"'formality' is not supported for given 'target_lang'."}`, nil,
			providers.KindBadRequest, 0, "formality"},
		{"wrong key", 403, ``, nil,
			providers.KindAuth, 0, "Authorization failed"},
		{"wrong endpoint", 403, `{"message":"Wrong endpoint. Use https://api-free.deepl.com"}`, nil,
			providers.KindAuth, 0, "Wrong endpoint. Use https://api-free.deepl.com"},
		{"not found", 404, ``, nil,
			providers.KindBadRequest, 0, "could not be found"},
		{"too large", 413, `{"message":"Request Entity Too Large"}`, nil,
			providers.KindBadRequest, 0, "request too large"},
		{"URI too long", 414, ``, nil,
			providers.KindBadRequest, 0, "request too large"},
		{"too many requests", 429, `{"message":"Too many requests"}`, http.Header{"Retry-After": {"3"}},
			providers.KindRateLimited, 3 * time.Second, "Too many requests"},
		{"too many requests, no body nor header", 429, ``, nil,
			providers.KindRateLimited, 0, "Please wait and resend your request"},
		{"quota", 456, `{"message":"Quota Exceeded"}`, nil,
			providers.KindQuota, 0, "Quota Exceeded"},
		{"quota, no body", 456, ``, nil,
			providers.KindQuota, 0, "Quota exceeded. The character limit has been reached."},
		{"internal error", 500, ``, nil,
			providers.KindUnavailable, 0, "Internal error."},
		{"bad gateway page", 502, `<html><head><title>502 Bad Gateway</title></head></html>`, nil,
			providers.KindUnavailable, 0, "502 Bad Gateway"},
		{"unavailable behind a proxy", 503, `Service Unavailable`, http.Header{"Retry-After": {"1"}},
			providers.KindUnavailable, time.Second, "Service Unavailable"},
		{"504", 504, ``, nil,
			providers.KindUnavailable, 0, "Resource currently unavailable"},
		{"high load", 529, `{"message":"Too many requests, DeepL servers are currently experiencing high load"}`, http.Header{"Retry-After": {"2"}},
			providers.KindUnavailable, 2 * time.Second, "high load"},
		{"high load, no header", 529, ``, nil,
			providers.KindUnavailable, 0, "high load"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeServer(t, func(f *fakeServer, w http.ResponseWriter, _ *http.Request, _ translateCall) {
				f.writeError(w, "POST /v2/translate", tt.status, tt.body, tt.header)
			})
			p := newProvider(t, f, Options{})
			_, err := p.Translate(context.Background(), providers.TranslateRequest{SourceLang: "fr", TargetLang: "en", Segments: frenchSegments})
			var got *providers.Error
			if !errors.As(err, &got) {
				t.Fatalf("Translate error = %#v, want a *providers.Error", err)
			}
			if got.Kind != tt.wantKind || got.Status != tt.status || got.RetryAfter != tt.wantRetry {
				t.Errorf("error = {Kind: %v, Status: %d, RetryAfter: %v}, want {Kind: %v, Status: %d, RetryAfter: %v}",
					got.Kind, got.Status, got.RetryAfter, tt.wantKind, tt.status, tt.wantRetry)
			}
			if got.Provider != "translator" || !strings.Contains(got.Error(), tt.wantMessage) {
				t.Errorf("Error() = %q, want the provider name and %q", got.Error(), tt.wantMessage)
			}
			// The provider does not retry: the gateway's loop is the only one.
			if n := len(f.calls()); n != 1 {
				t.Errorf("%d requests, want 1", n)
			}
		})
	}
}

func TestErrorCode(t *testing.T) {
	f := newFakeServer(t, func(f *fakeServer, w http.ResponseWriter, _ *http.Request, _ translateCall) {
		f.writeError(w, "POST /v2/translate", 400, `{"message":"Invalid content type","code":"invalid_content_type"}`, nil)
	})
	p := newProvider(t, f, Options{})
	_, err := p.Translate(context.Background(), providers.TranslateRequest{SourceLang: "fr", TargetLang: "en", Segments: frenchSegments})
	var got *providers.Error
	if !errors.As(err, &got) || got.Code != "invalid_content_type" {
		t.Errorf("Translate error = %v, want Code invalid_content_type", err)
	}
}

func TestKeyNeverInErrors(t *testing.T) {
	const wrongKey = "0c1d2e3f-aaaa-bbbb-cccc-1234567890ab:fx"
	t.Run("refused key", func(t *testing.T) {
		f := newFakeServer(t, translating)
		p := newProvider(t, f, Options{APIKey: wrongKey})
		_, err := p.Translate(context.Background(), providers.TranslateRequest{SourceLang: "fr", TargetLang: "en", Segments: frenchSegments})
		var got *providers.Error
		if !errors.As(err, &got) || got.Kind != providers.KindAuth || got.Status != 403 {
			t.Fatalf("Translate error = %v, want KindAuth, HTTP 403", err)
		}
		if strings.Contains(err.Error(), wrongKey) {
			t.Errorf("error text contains the key: %q", err)
		}
	})
	t.Run("quoted by the server", func(t *testing.T) {
		f := newFakeServer(t, func(f *fakeServer, w http.ResponseWriter, _ *http.Request, _ translateCall) {
			f.writeError(w, "POST /v2/translate", 400, `{"message":"Bad request","detail":"key `+testKey+` is not allowed here"}`, nil)
		})
		p := newProvider(t, f, Options{})
		_, err := p.Translate(context.Background(), providers.TranslateRequest{SourceLang: "fr", TargetLang: "en", Segments: frenchSegments})
		if err == nil || strings.Contains(err.Error(), testKey) || !strings.Contains(err.Error(), "is not allowed here") {
			t.Errorf("error = %v, want the message without the key", err)
		}
	})
	t.Run("transport error", func(t *testing.T) {
		// Something on the way (a proxy, a resolver) quotes the header.
		p := newProvider(t, newFakeServer(t, translating), Options{})
		cause := fmt.Errorf("proxy refused Authorization %q: %w", "DeepL-Auth-Key "+testKey, context.DeadlineExceeded)
		err := p.transportError(cause)
		for _, text := range []string{err.Error(), err.Err.Error()} {
			if strings.Contains(text, testKey) || !strings.Contains(text, "proxy refused") {
				t.Errorf("error text = %q, want the cause without the key", text)
			}
		}
		if !errors.Is(err, context.DeadlineExceeded) || err.Kind != providers.KindTimeout {
			t.Errorf("error = %v (kind %v), want KindTimeout wrapping the cause", err, err.Kind)
		}
	})
}

func TestTimeouts(t *testing.T) {
	// The fake holds every request until the client gives up.
	slow := func(f *fakeServer, w http.ResponseWriter, r *http.Request, req translateCall) {
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
			translating(f, w, r, req)
		}
	}
	t.Run("client timeout", func(t *testing.T) {
		f := newFakeServer(t, slow)
		p := newProvider(t, f, Options{Timeout: 50 * time.Millisecond})
		_, err := p.Translate(context.Background(), providers.TranslateRequest{SourceLang: "fr", TargetLang: "en", Segments: frenchSegments})
		if kind := providers.KindOf(err); err == nil || kind != providers.KindTimeout {
			t.Errorf("Translate error = %v (kind %v), want KindTimeout", err, kind)
		}
	})
	t.Run("caller deadline", func(t *testing.T) {
		f := newFakeServer(t, slow)
		p := newProvider(t, f, Options{})
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		_, err := p.Translate(ctx, providers.TranslateRequest{SourceLang: "fr", TargetLang: "en", Segments: frenchSegments})
		if kind := providers.KindOf(err); err == nil || kind != providers.KindTimeout || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Translate error = %v (kind %v), want KindTimeout wrapping context.DeadlineExceeded", err, kind)
		}
	})
}

func TestConnectionRefused(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nothing listens there any more
	p, err := New(Options{BaseURL: url, APIKey: testKey})
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Translate(context.Background(), providers.TranslateRequest{SourceLang: "fr", TargetLang: "en", Segments: frenchSegments})
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

func TestRetryAfterOnlyWhenTransient(t *testing.T) {
	// A Retry-After on a refusal that waiting cannot mend is not passed on.
	f := newFakeServer(t, func(f *fakeServer, w http.ResponseWriter, _ *http.Request, _ translateCall) {
		f.writeError(w, "POST /v2/translate", 456, `{"message":"Quota Exceeded"}`, http.Header{"Retry-After": {"3600"}})
	})
	p := newProvider(t, f, Options{})
	_, err := p.Translate(context.Background(), providers.TranslateRequest{SourceLang: "fr", TargetLang: "en", Segments: frenchSegments})
	var got *providers.Error
	if !errors.As(err, &got) || got.Kind != providers.KindQuota || got.RetryAfter != 0 {
		t.Errorf("Translate error = %+v, want KindQuota without RetryAfter", err)
	}
}
