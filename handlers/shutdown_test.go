package handlers

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"passerelle/gateway"
	"passerelle/providers"
)

// stuck translates nothing until its call is cancelled.
type stuck struct{ started chan struct{} }

func (s stuck) Fingerprint() string { return "stuck" }

func (s stuck) Translate(ctx context.Context, _ providers.TranslateRequest) (providers.TranslateResult, error) {
	s.started <- struct{}{}
	<-ctx.Done()
	return providers.TranslateResult{}, ctx.Err()
}

func shutdownRouter(t *testing.T, tr providers.Translator, shutdown Shutdown) http.Handler {
	t.Helper()
	svc := markService(t, func(o *gateway.Options) {
		o.Providers[0].Translator = tr
	})
	return New(svc, Options{Shutdown: shutdown, BatchConcurrency: 1, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
}

// Once the process is stopping, a batch starts no article: each valid one
// answers 503 shutting_down, to be sent again.
func TestBatchStartsNothingOnceStopping(t *testing.T) {
	stopping, stop := context.WithCancel(context.Background())
	stop()
	h := shutdownRouter(t, markTranslator{}, Shutdown{Stopping: stopping})
	rec := do(t, h, "POST", "/v1/batch", batchBody("translate", `{"text": "Un article."}`, `{"txt": "faute"}`))
	got := decodeBatchReply(t, rec.Body.Bytes())
	if rec.Code != 200 || len(got.Results) != 2 || got.Results[0].Status != 503 || got.Results[0].Error.Code != gateway.CodeShuttingDown ||
		got.Results[1].Status != 400 {
		t.Errorf("batch while stopping = %d %s, want the article 503 shutting_down and the malformed one 400", rec.Code, rec.Body)
	}
}

type cutReply struct {
	code       int
	retryAfter string
	body       string
}

// Work cut by shutdown answers at once: a single article 503 shutting_down
// with Retry-After, a batch 200 with shutting_down in the article's place.
func TestShutdownCutAnswersAtOnce(t *testing.T) {
	for _, tt := range []struct{ path, body string }{
		{"/v1/translate", `{"text": "Un article."}`},
		{"/v1/batch", batchBody("translate", `{"text": "Un article."}`)},
	} {
		t.Run(tt.path, func(t *testing.T) {
			cut, cutNow := context.WithCancel(context.Background())
			defer cutNow()
			tr := stuck{started: make(chan struct{}, 1)}
			h := shutdownRouter(t, tr, Shutdown{Cut: cut})
			done := make(chan cutReply, 1)
			go func() {
				rec := do(t, h, "POST", tt.path, tt.body)
				done <- cutReply{rec.Code, rec.Header().Get("Retry-After"), rec.Body.String()}
			}()
			<-tr.started
			cutNow()
			select {
			case r := <-done:
				if !strings.Contains(r.body, `"code":"shutting_down"`) {
					t.Errorf("reply = %d %s, want shutting_down", r.code, r.body)
				}
				if tt.path == "/v1/translate" && (r.code != http.StatusServiceUnavailable || r.retryAfter == "") {
					t.Errorf("single article cut = %d, Retry-After %q; want 503 with Retry-After", r.code, r.retryAfter)
				}
				if tt.path == "/v1/batch" && (r.code != http.StatusOK || !strings.Contains(r.body, `"status":503`)) {
					t.Errorf("batch cut = %d %s; want 200 with the article 503", r.code, r.body)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("no reply 5s after the cut")
			}
		})
	}
}
