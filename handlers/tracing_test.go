package handlers

import (
	"io"
	"log/slog"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"passerelle/gateway"
)

func TestRequestsAreTracedDownToProviders(t *testing.T) {
	recorder := tracetest.NewSpanRecorder()
	tracer := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(recorder)).Tracer("test")
	svc := markService(t, func(o *gateway.Options) { o.Tracer = tracer })
	h := New(svc, Options{Tracer: tracer, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	const traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
	rec := do(t, h, "POST", "/v1/articles", `{"text": "Un paragraphe.\n\nUn autre."}`,
		"traceparent", "00-"+traceID+"-00f067aa0ba902b7-01")
	if rec.Code != 200 {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	spans := recorder.Ended()
	byName := map[string]sdktrace.ReadOnlySpan{}
	for _, s := range spans {
		byName[s.Name()] = s
	}
	server, ok := byName["POST /v1/articles"]
	if !ok {
		t.Fatalf("no server span among %d spans", len(spans))
	}
	if got := server.SpanContext().TraceID().String(); got != traceID {
		t.Errorf("trace id = %s, want the client's %s", got, traceID)
	}
	for _, name := range []string{"cache.get", "cache.get_many", "provider.translate", "provider.summarize", "cache.set_many"} {
		s, ok := byName[name]
		if !ok {
			t.Errorf("no %q span", name)
			continue
		}
		if s.SpanContext().TraceID() != server.SpanContext().TraceID() {
			t.Errorf("span %q is not in the request's trace", name)
		}
	}
}
