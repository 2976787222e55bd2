package openai

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"passerelle/providers"
)

func TestExtraHeaders(t *testing.T) {
	// The fake sits behind a recorder that sees every request, Ping's too.
	f := newFakeServer(t, translating)
	var mu sync.Mutex
	var seen []http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Header.Clone())
		mu.Unlock()
		f.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	p, err := New(Options{BaseURL: srv.URL + "/v1", APIKey: testKey, Headers: map[string]string{
		"HTTP-Referer": "https://passerelle.example",
		"X-Title":      "Passerelle",
		"x-gateway-id": "news-fr",
	}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Translate(context.Background(), providers.TranslateRequest{SourceLang: "fr", TargetLang: "en", Segments: frenchSegments[:1]}); err != nil {
		t.Fatalf("Translate: %v", err)
	}
	if err := p.Ping(context.Background()); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	if len(seen) != 2 {
		t.Fatalf("%d requests, want 2", len(seen))
	}
	for i, h := range seen {
		for name, want := range map[string]string{"Http-Referer": "https://passerelle.example", "X-Title": "Passerelle", "X-Gateway-Id": "news-fr"} {
			if got := h.Values(name); len(got) != 1 || got[0] != want {
				t.Errorf("request %d: %s = %q, want [%q]", i+1, name, got, want)
			}
		}
		// The client's own headers are still there.
		if auth := h.Get("Authorization"); auth != "Bearer "+testKey {
			t.Errorf("request %d: Authorization = %q, want the bearer token", i+1, auth)
		}
	}
}

func TestAuthHeaderValueNotRepeated(t *testing.T) {
	// A gateway authenticating with its own header quotes it back.
	const token = "gw-secret-0123456789"
	f := newFakeServer(t, func(f *fakeServer, w http.ResponseWriter, r *http.Request, _ chatRequest) {
		f.writeError(w, http.StatusForbidden, "invalid_request_error", "", "gateway refused X-Gateway-Token "+r.Header.Get("X-Gateway-Token"), nil)
	})
	p := newProvider(t, f, Options{Headers: map[string]string{"X-Gateway-Token": token}})
	_, err := p.Translate(context.Background(), providers.TranslateRequest{SourceLang: "fr", TargetLang: "en", Segments: frenchSegments[:1]})
	var pe *providers.Error
	if !errors.As(err, &pe) || pe.Kind != providers.KindAuth {
		t.Fatalf("Translate error = %v, want KindAuth", err)
	}
	if strings.Contains(err.Error(), token) {
		t.Errorf("error text contains the header's secret: %q", err)
	}
}

func TestBadHeaders(t *testing.T) {
	for _, h := range []map[string]string{
		{"X Title": "Passerelle"},
		{"": "x"},
		{"X-Title": "Passerelle\r\nX-Injected: 1"},
	} {
		if _, err := New(Options{Headers: h}, nil); err == nil || !strings.Contains(err.Error(), "header") {
			t.Errorf("New(Headers: %q) error = %v, want one about the header", h, err)
		}
	}
}
