package handlers

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"passerelle/gateway"
	"passerelle/internal/admission"
)

// budgetProbe is a gateway that records the budget in use while it works,
// and then does what its test asks: answer, fail, panic, or wait for the
// client to leave.
type budgetProbe struct {
	Gateway
	budget *admission.Budget
	inUse  int64
	then   func(ctx context.Context) (*gateway.Result, error)
}

func (p *budgetProbe) Translate(ctx context.Context, req gateway.Request) (*gateway.Result, error) {
	p.inUse = p.budget.InUse()
	return p.then(ctx)
}

func (p *budgetProbe) Replies() *gateway.Replies { return nil }

func TestAdmissionIsReleasedOnEveryPath(t *testing.T) {
	body := `{"text": "Le président est arrivé."}`
	tests := []struct {
		name   string
		then   func(ctx context.Context) (*gateway.Result, error)
		cancel bool
		status int
	}{
		{"reply", func(context.Context) (*gateway.Result, error) {
			return &gateway.Result{Translation: &gateway.Translation{Paragraphs: []string{"ok"}}}, nil
		}, false, http.StatusOK},
		{"error", func(context.Context) (*gateway.Result, error) {
			return nil, gateway.Errorf(gateway.CodeProviderError, "the provider failed")
		}, false, http.StatusBadGateway},
		{"panic", func(context.Context) (*gateway.Result, error) { panic("a bug") }, false, http.StatusInternalServerError},
		{"client gone", func(ctx context.Context) (*gateway.Result, error) {
			<-ctx.Done()
			return nil, &gateway.Error{Code: gateway.CodeProviderTimeout, Err: ctx.Err(), Message: "gone"}
		}, true, http.StatusGatewayTimeout},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			budget := admission.NewBudget(1 << 20)
			probe := &budgetProbe{budget: budget, then: tt.then}
			h := New(probe, Options{Budget: budget, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
			ctx, cancel := context.WithCancel(context.Background())
			if tt.cancel {
				cancel()
			}
			defer cancel()
			req := httptest.NewRequestWithContext(ctx, http.MethodPost, "/v1/translate", strings.NewReader(body))
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tt.status {
				t.Errorf("status %d, want %d: %s", rec.Code, tt.status, rec.Body)
			}
			if want := admission.BodyCost(int64(len(body))); probe.inUse != want {
				t.Errorf("budget in use while the gateway worked: %d, want %d", probe.inUse, want)
			}
			if got := budget.InUse(); got != 0 {
				t.Errorf("budget in use after the request: %d, want 0", got)
			}
		})
	}
}

func TestAdmissionRefusesBeforeReadingTheBody(t *testing.T) {
	budget := admission.NewBudget(1000)
	probe := &budgetProbe{budget: budget, then: func(context.Context) (*gateway.Result, error) {
		t.Error("the gateway was called for a refused request")
		return nil, nil
	}}
	h := New(probe, Options{Budget: budget, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	held, _ := budget.Reserve(900)
	defer held.Release()
	body := &countingReader{r: strings.NewReader(`{"text": "` + strings.Repeat("a", 100) + `"}`)}
	req := httptest.NewRequest(http.MethodPost, "/v1/translate", body)
	req.ContentLength = 112
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var reply errorBody
	_ = json.Unmarshal(rec.Body.Bytes(), &reply)
	if rec.Code != http.StatusServiceUnavailable || reply.Error.Code != gateway.CodeOverloaded {
		t.Fatalf("got %d %q, want 503 overloaded", rec.Code, reply.Error.Code)
	}
	if rec.Header().Get("Retry-After") == "" {
		t.Error("no Retry-After on 503 overloaded")
	}
	if body.n != 0 {
		t.Errorf("%d bytes of the refused body were read", body.n)
	}
	if got := budget.InUse(); got != 900 {
		t.Errorf("budget in use after the refusal: %d, want 900", got)
	}
	if rec := do(t, h, http.MethodGet, "/healthz", ""); rec.Code != http.StatusOK {
		t.Errorf("GET /healthz with the budget full: %d, want 200", rec.Code)
	}
}

type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}
