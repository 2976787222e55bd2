package libretranslate_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"passerelle/providers"
	"passerelle/providers/libretranslate"
)

// TestTranslateErrors replays LibreTranslate's error answers, {"error":
// "..."} with the messages and statuses of its app.py, and those of proxies
// in front of it.
func TestTranslateErrors(t *testing.T) {
	tests := []struct {
		name        string
		status      int
		header      http.Header
		body        string
		want        providers.Error // Kind, Status and RetryAfter are compared
		wantMessage string
	}{
		{name: "missing q", status: 400, body: `{"error": "Invalid request: missing q parameter"}`,
			want: providers.Error{Kind: providers.KindBadRequest, Status: 400}, wantMessage: "missing q parameter"},
		{name: "unsupported target", status: 400, body: `{"error": "xx is not supported"}`,
			want: providers.Error{Kind: providers.KindBadRequest, Status: 400}, wantMessage: "xx is not supported"},
		{name: "unsupported source", status: 400, body: `{"error": "{'confidence': 100.0, 'language': 'xx'} is not supported"}`,
			want: providers.Error{Kind: providers.KindBadRequest, Status: 400}, wantMessage: "is not supported"},
		{name: "pair not installed", status: 400, body: `{"error": "English (en) is not available as a target language from French (fr)"}`,
			want: providers.Error{Kind: providers.KindBadRequest, Status: 400}, wantMessage: "not available"},
		{name: "key required", status: 400, body: `{"error": "Please contact the server operator to get an API key"}`,
			want: providers.Error{Kind: providers.KindAuth, Status: 400}, wantMessage: "get an API key"},
		{name: "key required, with a link", status: 400, body: `{"error": "Visit https://portal.libretranslate.com to get an API key"}`,
			want: providers.Error{Kind: providers.KindAuth, Status: 400}, wantMessage: "get an API key"},
		{name: "invalid key", status: 403, body: `{"error": "Invalid API key"}`,
			want: providers.Error{Kind: providers.KindAuth, Status: 403}, wantMessage: "Invalid API key"},
		{name: "banned for a while", status: 403, body: `{"error": "Too many request limits violations"}`,
			want: providers.Error{Kind: providers.KindRateLimited, Status: 403}, wantMessage: "limits violations"},
		{name: "slow down", status: 429, header: http.Header{"Retry-After": {"60"}}, body: `{"error": "Slowdown: 20 per 1 minute"}`,
			want: providers.Error{Kind: providers.KindRateLimited, Status: 429, RetryAfter: time.Minute}, wantMessage: "Slowdown"},
		{name: "slow down, no header", status: 429, body: `{"error": "Slowdown: 1000 per 1 day"}`,
			want: providers.Error{Kind: providers.KindRateLimited, Status: 429}, wantMessage: "per 1 day"},
		{name: "over the char limit", status: 400, body: `{"error": "Invalid request: request (6000) exceeds text limit (5000)"}`,
			want: providers.Error{Kind: providers.KindContextLength, Status: 400}, wantMessage: "exceeds text limit"},
		{name: "translation failed", status: 500, body: `{"error": "Cannot translate text: list index out of range"}`,
			want: providers.Error{Kind: providers.KindUnavailable, Status: 500}, wantMessage: "Cannot translate text"},
		{name: "bad gateway page", status: 502, header: http.Header{"Retry-After": {"4"}}, body: `<html><head><title>502 Bad Gateway</title></head></html>`,
			want: providers.Error{Kind: providers.KindUnavailable, Status: 502, RetryAfter: 4 * time.Second}, wantMessage: "502 Bad Gateway"},
		{name: "gateway timeout", status: 504, body: `<html><head><title>504 Gateway Time-out</title></head></html>`,
			want: providers.Error{Kind: providers.KindTimeout, Status: 504}, wantMessage: "504"},
		{name: "not found", status: 404, body: `<!doctype html><html lang=en><title>404 Not Found</title><h1>Not Found</h1>`,
			want: providers.Error{Kind: providers.KindBadRequest, Status: 404}, wantMessage: "Not Found"},
		{name: "proxy quoting the key", status: 401, body: `unauthorized request {"api_key": "` + testKey + `"}`,
			want: providers.Error{Kind: providers.KindAuth, Status: 401}, wantMessage: "[redacted]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeLT(t)
			f.key = testKey
			f.answer = func(w http.ResponseWriter, _ ltRequest) {
				for k, v := range tt.header {
					w.Header()[k] = v
				}
				writeJSON(w, tt.status, tt.body)
			}
			p := f.provider(libretranslate.Options{Name: "lt", APIKey: testKey})
			_, err := p.Translate(context.Background(), providers.TranslateRequest{SourceLang: "fr", TargetLang: "en", Segments: french[:1]})
			got := wantKind(t, err, tt.want.Kind)
			if got.Status != tt.want.Status || got.RetryAfter != tt.want.RetryAfter {
				t.Errorf("error = {Status: %d, RetryAfter: %v}, want {Status: %d, RetryAfter: %v}", got.Status, got.RetryAfter, tt.want.Status, tt.want.RetryAfter)
			}
			if !strings.Contains(got.Message, tt.wantMessage) {
				t.Errorf("Message = %q, want it to contain %q", got.Message, tt.wantMessage)
			}
			if got.Provider != "lt" {
				t.Errorf("Provider = %q, want the configured name %q", got.Provider, "lt")
			}
			if strings.Contains(err.Error(), testKey) {
				t.Errorf("error %q contains the API key", err)
			}
		})
	}
}

// TestTranslateKeyRefused goes through the fake's own key check, which
// answers as LibreTranslate's access_check does.
func TestTranslateKeyRefused(t *testing.T) {
	f := newFakeLT(t)
	f.key = testKey
	_, err := f.provider(libretranslate.Options{}).Translate(context.Background(), providers.TranslateRequest{SourceLang: "fr", TargetLang: "en", Segments: french[:1]})
	wantKind(t, err, providers.KindAuth)
	const wrong = "00000000-wrong-key"
	_, err = f.provider(libretranslate.Options{APIKey: wrong}).Translate(context.Background(), providers.TranslateRequest{SourceLang: "fr", TargetLang: "en", Segments: french[:1]})
	wantKind(t, err, providers.KindAuth)
	if strings.Contains(err.Error(), wrong) {
		t.Errorf("error %q contains the key", err)
	}
}
