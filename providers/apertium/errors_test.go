package apertium_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"passerelle/providers"
	"passerelle/providers/apertium"
)

// listPairsBody is what APy answered to GET /listPairs with Debian's
// apertium-fr-es and apertium-eng-spa installed.
const listPairsBody = `{"responseData": [{"sourceLanguage": "spa", "targetLanguage": "eng"}, {"sourceLanguage": "spa", "targetLanguage": "fra"}, {"sourceLanguage": "spa", "targetLanguage": "eng_US"}, {"sourceLanguage": "eng", "targetLanguage": "spa"}, {"sourceLanguage": "fra", "targetLanguage": "spa"}], "responseDetails": null, "responseStatus": 200}`

// TestTranslateErrors replays answers APy (or a proxy before it) gives and
// that a healthy server cannot be made to give on demand. The error bodies
// are APy's own: see write_error in its handlers/base.py.
func TestTranslateErrors(t *testing.T) {
	tests := []struct {
		name        string
		status      int
		body        string
		wantKind    providers.Kind
		wantStatus  int
		wantMessage string
	}{
		{
			name:   "no path",
			status: 400, body: `{"status": "error", "code": 400, "message": "Bad Request", "explanation": "No path found for fra-deu"}`,
			wantKind: providers.KindBadRequest, wantStatus: 400, wantMessage: "No path found for fra-deu",
		},
		{
			name:   "pipeline stuck",
			status: 503, body: `{"status": "error", "code": 503, "message": "Service Unavailable", "explanation": "internal error"}`,
			wantKind: providers.KindUnavailable, wantStatus: 503, wantMessage: "internal error",
		},
		{
			name:   "uncaught exception",
			status: 500, body: `{"status": "error", "code": 500, "message": "Internal Server Error", "explanation": "Internal Server Error"}`,
			wantKind: providers.KindUnavailable, wantStatus: 500, wantMessage: "Internal Server Error",
		},
		{
			name:   "request timeout",
			status: 408, body: `{"status": "error", "code": 408, "message": "Request Timeout", "explanation": "Server did not receive a complete request within the time it was prepared to wait. Try again"}`,
			wantKind: providers.KindTimeout, wantStatus: 408, wantMessage: "Try again",
		},
		{
			name:   "rate limited by a proxy",
			status: 429, body: `Too Many Requests`,
			wantKind: providers.KindRateLimited, wantStatus: 429, wantMessage: "Too Many Requests",
		},
		{
			name:   "refused by a proxy",
			status: 403, body: `<html><body>Forbidden</body></html>`,
			wantKind: providers.KindAuth, wantStatus: 403, wantMessage: "Forbidden",
		},
		{
			name:   "bad gateway page",
			status: 502, body: `<html><head><title>502 Bad Gateway</title></head></html>`,
			wantKind: providers.KindUnavailable, wantStatus: 502, wantMessage: "502 Bad Gateway",
		},
		{
			name:   "error in a success-shaped body",
			status: 200, body: `{"responseData": null, "responseDetails": "pipeline failed", "responseStatus": 500}`,
			wantKind: providers.KindUnavailable, wantStatus: 500, wantMessage: "pipeline failed",
		},
		{
			name:   "not JSON",
			status: 200, body: `Has < b`,
			wantKind: providers.KindBadOutput, wantStatus: 200, wantMessage: "not APy JSON",
		},
		{
			name:   "no translatedText",
			status: 200, body: `{"responseData": {"translationChain": ["fra", "spa", "eng"]}, "responseDetails": null, "responseStatus": 200}`,
			wantKind: providers.KindBadOutput, wantStatus: 200, wantMessage: "no translatedText",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/listPairs" {
					_, _ = w.Write([]byte(listPairsBody))
					return
				}
				w.WriteHeader(tt.status)
				_, _ = w.Write([]byte(tt.body))
			}))
			t.Cleanup(srv.Close)
			p, err := apertium.New(apertium.Options{Name: "offline", URL: srv.URL})
			if err != nil {
				t.Fatal(err)
			}
			_, err = p.Translate(context.Background(), providers.TranslateRequest{SourceLang: "fr", TargetLang: "en", Segments: []string{"Bonjour."}})
			pe := wantKind(t, err, tt.wantKind)
			if pe.Status != tt.wantStatus {
				t.Errorf("Status = %d, want %d", pe.Status, tt.wantStatus)
			}
			if !strings.Contains(pe.Message, tt.wantMessage) {
				t.Errorf("Message = %q, want it to contain %q", pe.Message, tt.wantMessage)
			}
			if pe.Provider != "offline" {
				t.Errorf("Provider = %q, want the configured name %q", pe.Provider, "offline")
			}
		})
	}
}

func TestListPairsErrors(t *testing.T) {
	tests := []struct {
		name     string
		status   int
		body     string
		wantKind providers.Kind
	}{
		{name: "not APy", status: 200, body: `<html>hello</html>`, wantKind: providers.KindUnavailable},
		{name: "not found", status: 404, body: `<html><title>404: Not Found</title><body>404: Not Found</body></html>`, wantKind: providers.KindBadRequest},
		{name: "server error", status: 500, body: `{"status": "error", "code": 500, "message": "Internal Server Error", "explanation": "Internal Server Error"}`, wantKind: providers.KindUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tt.status)
				_, _ = w.Write([]byte(tt.body))
			}))
			t.Cleanup(srv.Close)
			p, err := apertium.New(apertium.Options{URL: srv.URL})
			if err != nil {
				t.Fatal(err)
			}
			wantKind(t, p.Ping(context.Background()), tt.wantKind)
		})
	}
}
