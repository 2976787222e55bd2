package handlers

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"passerelle/handlers/quota"
)

func routerWithAccess(t *testing.T, access Access, reload func() error) http.Handler {
	t.Helper()
	return New(markService(t, nil), Options{Access: access, Reload: reload, CORSOrigins: []string{"https://newsroom.example"},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
}

func keyOf(name, secret string, admin bool, limits Limits) Key {
	return Key{Name: name, SHA256: sha256.Sum256([]byte(secret)), Admin: admin, Limits: limits}
}

func TestAuthentication(t *testing.T) {
	access := Access{Enabled: true, Keys: []Key{
		keyOf("newsroom", "psl_newsroom", false, Limits{}),
		keyOf("ops", "psl_ops", true, Limits{}),
	}}
	reloaded := 0
	h := routerWithAccess(t, access, func() error { reloaded++; return nil })
	body := `{"text": "Un paragraphe."}`
	tests := []struct {
		name       string
		method     string
		path       string
		header     []string
		wantStatus int
		wantCode   string
	}{
		{name: "no key", path: "/v1/translate", wantStatus: 401, wantCode: "unauthorized"},
		{name: "wrong key", path: "/v1/translate", header: []string{"Authorization", "Bearer psl_nope"}, wantStatus: 401, wantCode: "unauthorized"},
		{name: "other scheme", path: "/v1/translate", header: []string{"Authorization", "Basic psl_newsroom"}, wantStatus: 401, wantCode: "unauthorized"},
		{name: "bearer", path: "/v1/translate", header: []string{"Authorization", "Bearer psl_newsroom"}, wantStatus: 200},
		{name: "x-api-key", path: "/v1/translate", header: []string{"X-API-Key", "psl_newsroom"}, wantStatus: 200},
		{name: "providers need a key", method: "GET", path: "/v1/providers", wantStatus: 401, wantCode: "unauthorized"},
		{name: "reload needs admin", path: "/admin/reload", header: []string{"X-API-Key", "psl_newsroom"}, wantStatus: 403, wantCode: "forbidden"},
		{name: "admin reloads", path: "/admin/reload", header: []string{"X-API-Key", "psl_ops"}, wantStatus: 200},
		{name: "health is open", method: "GET", path: "/healthz", wantStatus: 200},
		{name: "readiness is open", method: "GET", path: "/readyz", wantStatus: 200},
		{name: "the page is open", method: "GET", path: "/", wantStatus: 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			method := tt.method
			if method == "" {
				method = "POST"
			}
			rec := do(t, h, method, tt.path, body, tt.header...)
			if rec.Code != tt.wantStatus {
				t.Fatalf("status = %d, want %d: %s", rec.Code, tt.wantStatus, rec.Body)
			}
			if tt.wantCode != "" {
				var e errorBody
				_ = json.Unmarshal(rec.Body.Bytes(), &e)
				if e.Error.Code != tt.wantCode {
					t.Errorf("code = %q, want %q", e.Error.Code, tt.wantCode)
				}
			}
			if tt.wantStatus == 401 && rec.Header().Get("WWW-Authenticate") == "" {
				t.Errorf("401 without WWW-Authenticate")
			}
			if strings.Contains(rec.Body.String(), "psl_") {
				t.Errorf("the reply repeats a key: %s", rec.Body)
			}
		})
	}
	if reloaded != 1 {
		t.Errorf("reload called %d times, want 1", reloaded)
	}
}

// With auth off, clients are counted by address: a forwarding header is
// believed only from a configured proxy.
func TestClientAddressComesFromTrustedProxiesOnly(t *testing.T) {
	for _, tt := range []struct {
		name    string
		proxies []string
		want    []int // statuses of two requests from one peer claiming two addresses
	}{
		{"no proxy trusted", nil, []int{200, 429}},
		{"the peer is a trusted proxy", []string{"192.0.2.0/24"}, []int{200, 200}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := New(markService(t, nil), Options{TrustedProxies: tt.proxies, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
				Access: Access{Limiter: quota.NewMemory(), Default: Limits{RequestsPerMinute: 1}}})
			for i, claimed := range []string{"203.0.113.1", "203.0.113.2"} {
				req := httptest.NewRequest("POST", "/v1/translate", strings.NewReader(`{"text": "Un paragraphe."}`))
				req.RemoteAddr = "192.0.2.7:41000"
				req.Header.Set("X-Forwarded-For", claimed)
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != tt.want[i] {
					t.Errorf("request %d claiming %s = %d, want %d", i, claimed, rec.Code, tt.want[i])
				}
			}
		})
	}
}

// Without keys, the admin endpoints answer the machine itself only.
func TestReloadWithoutAuthIsLocalOnly(t *testing.T) {
	reloaded := 0
	h := routerWithAccess(t, Access{}, func() error { reloaded++; return nil })
	for _, tt := range []struct {
		from      string
		want      int
		forwarded string
	}{
		{from: "192.0.2.1:41000", want: 403, forwarded: "127.0.0.1"}, // written by the client: not believed
		{from: "[2001:db8::1]:41000", want: 403},
		{from: "127.0.0.1:41000", want: 200},
		{from: "[::1]:41000", want: 200},
		// A proxy on the machine forwarding a remote client.
		{from: "127.0.0.1:41000", want: 403, forwarded: "203.0.113.9"},
	} {
		req := httptest.NewRequest("POST", "/admin/reload", nil)
		req.RemoteAddr = tt.from
		if tt.forwarded != "" {
			req.Header.Set("X-Forwarded-For", tt.forwarded)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != tt.want {
			t.Errorf("reload from %s = %d, want %d: %s", tt.from, rec.Code, tt.want, rec.Body)
		}
	}
	if reloaded != 2 {
		t.Errorf("reload called %d times, want 2", reloaded)
	}
}

func TestRequestsPerMinute(t *testing.T) {
	access := Access{Enabled: true, Limiter: quota.NewMemory(), Keys: []Key{
		keyOf("small", "psl_small", false, Limits{RequestsPerMinute: 3}),
		keyOf("other", "psl_other", false, Limits{RequestsPerMinute: 3}),
	}}
	h := routerWithAccess(t, access, nil)
	body := `{"text": "Un paragraphe."}`
	for i := 0; i < 3; i++ {
		rec := do(t, h, "POST", "/v1/translate", body, "X-API-Key", "psl_small")
		if rec.Code != 200 {
			t.Fatalf("request %d = %d, want 200", i, rec.Code)
		}
		if got, want := rec.Header().Get("RateLimit-Remaining"), strconv.Itoa(2-i); got != want {
			t.Errorf("request %d RateLimit-Remaining = %q, want %q", i, got, want)
		}
	}
	rec := do(t, h, "POST", "/v1/translate", body, "X-API-Key", "psl_small")
	if rec.Code != http.StatusTooManyRequests {
		t.Fatalf("4th request = %d, want 429", rec.Code)
	}
	if ra, _ := strconv.Atoi(rec.Header().Get("Retry-After")); ra < 1 || ra > 20 {
		t.Errorf("Retry-After = %q, want about 20s at most", rec.Header().Get("Retry-After"))
	}
	if rec.Header().Get("RateLimit-Limit") != "3" {
		t.Errorf("RateLimit-Limit = %q", rec.Header().Get("RateLimit-Limit"))
	}
	// Keys are counted apart.
	if rec := do(t, h, "POST", "/v1/translate", body, "X-API-Key", "psl_other"); rec.Code != 200 {
		t.Errorf("another key = %d, want 200", rec.Code)
	}
}

func TestCharactersPerDay(t *testing.T) {
	access := Access{Enabled: false, Limiter: quota.NewMemory(), Default: Limits{CharactersPerDay: 30}}
	h := routerWithAccess(t, access, nil)
	if rec := do(t, h, "POST", "/v1/translate", `{"text": "Vingt caractères ici."}`); rec.Code != 200 {
		t.Fatalf("first = %d: %s", rec.Code, rec.Body)
	}
	rec := do(t, h, "POST", "/v1/translate", `{"text": "Encore vingt caractères."}`)
	if rec.Code != http.StatusTooManyRequests || !strings.Contains(rec.Body.String(), "characters a day") {
		t.Errorf("second = %d %s, want 429 naming the daily characters", rec.Code, rec.Body)
	}
}

// The RateLimit-* headers describe one limit throughout a reply: the
// requests a minute when the key has one, else the characters a day.
func TestRateLimitHeadersDescribeOneLimit(t *testing.T) {
	access := Access{Enabled: true, Limiter: quota.NewMemory(), Keys: []Key{
		keyOf("both", "psl_both", false, Limits{RequestsPerMinute: 5, CharactersPerDay: 1000}),
		keyOf("chars", "psl_chars", false, Limits{CharactersPerDay: 1000}),
	}}
	h := routerWithAccess(t, access, nil)
	body := `{"text": "Vingt caractères ici."}`
	for key, want := range map[string][2]string{"psl_both": {"5", "4"}, "psl_chars": {"1000", "979"}} {
		rec := do(t, h, "POST", "/v1/translate", body, "X-API-Key", key)
		if got := [2]string{rec.Header().Get("RateLimit-Limit"), rec.Header().Get("RateLimit-Remaining")}; rec.Code != 200 || got != want {
			t.Errorf("%s: %d, RateLimit-Limit and -Remaining %q, want %q", key, rec.Code, got, want)
		}
	}
}

func TestSecurityHeadersAndCORS(t *testing.T) {
	h := routerWithAccess(t, Access{}, nil)
	rec := do(t, h, "GET", "/healthz", "")
	for header, want := range map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer"} {
		if got := rec.Header().Get(header); got != want {
			t.Errorf("%s = %q, want %q", header, got, want)
		}
	}
	rec = do(t, h, "OPTIONS", "/v1/translate", "", "Origin", "https://newsroom.example", "Access-Control-Request-Method", "POST")
	if got := rec.Header().Get("Access-Control-Allow-Origin"); got != "https://newsroom.example" {
		t.Errorf("allowed origin preflight: Access-Control-Allow-Origin = %q", got)
	}
	rec = do(t, h, "OPTIONS", "/v1/translate", "", "Origin", "https://evil.example", "Access-Control-Request-Method", "POST")
	if got := rec.Header().Get("Access-Control-Allow-Origin"); got != "" {
		t.Errorf("other origin preflight: Access-Control-Allow-Origin = %q, want none", got)
	}
}

// unavailable is a limiter whose shared store is down and that is set to
// refuse then.
type unavailable struct{}

func (unavailable) AllowN(context.Context, string, quota.Limit, int) (quota.Decision, error) {
	return quota.Decision{}, fmt.Errorf("%w: redis down", quota.ErrUnavailable)
}

// TestQuotaUnavailable: a limiter that cannot decide and refuses gets the
// request 503 quota_unavailable with Retry-After, whichever limit asked;
// a key without limits is served.
func TestQuotaUnavailable(t *testing.T) {
	access := Access{Enabled: true, Limiter: unavailable{}, Keys: []Key{
		keyOf("rpm", "psl_rpm", false, Limits{RequestsPerMinute: 10}),
		keyOf("cpd", "psl_cpd", false, Limits{CharactersPerDay: 1000}),
		keyOf("free", "psl_free", false, Limits{}),
	}}
	h := routerWithAccess(t, access, nil)
	for _, tt := range []struct {
		key  string
		want int
	}{{"psl_rpm", 503}, {"psl_cpd", 503}, {"psl_free", 200}} {
		rec := do(t, h, "POST", "/v1/translate", `{"text": "Un paragraphe."}`, "X-API-Key", tt.key)
		if rec.Code != tt.want {
			t.Errorf("%s: status %d, want %d: %s", tt.key, rec.Code, tt.want, rec.Body)
			continue
		}
		if tt.want == 503 {
			var e errorBody
			_ = json.Unmarshal(rec.Body.Bytes(), &e)
			if e.Error.Code != codeQuotaUnavailable || rec.Header().Get("Retry-After") != "5" {
				t.Errorf("%s: code %q, Retry-After %q; want quota_unavailable and 5", tt.key, e.Error.Code, rec.Header().Get("Retry-After"))
			}
		}
	}
}
