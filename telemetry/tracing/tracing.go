// Package tracing sets up OpenTelemetry tracing: spans for each request, its
// cache lookups and its provider calls, exported over OTLP/HTTP. It is off
// (a no-op tracer, nothing exported, nothing allocated per span) unless an
// OTLP endpoint is configured.
package tracing

import (
	"context"
	"fmt"

	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.26.0"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"passerelle/internal/redact"
)

// Options configures tracing.
type Options struct {
	// Endpoint is the OTLP/HTTP collector, e.g. "http://127.0.0.1:4318".
	// Empty: tracing is off.
	Endpoint string
	// ServiceName names this service in traces. Default "passerelle".
	ServiceName string
	// SampleRatio is the share of new traces recorded (a parent's decision
	// is always followed). Default 1.
	SampleRatio float64
}

// Setup returns the tracer provider for opts and a function that flushes
// and stops it. It fails when the exporter cannot be created.
func Setup(ctx context.Context, opts Options) (trace.TracerProvider, func(context.Context) error, error) {
	if opts.Endpoint == "" {
		return noop.NewTracerProvider(), func(context.Context) error { return nil }, nil
	}
	if opts.ServiceName == "" {
		opts.ServiceName = "passerelle"
	}
	if opts.SampleRatio <= 0 || opts.SampleRatio > 1 {
		opts.SampleRatio = 1
	}
	exporter, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(opts.Endpoint))
	if err != nil {
		return nil, nil, fmt.Errorf("tracing: otlp exporter for %s: %s", redact.URL(opts.Endpoint), redact.Secrets(redact.URLs(err.Error()), redact.URLSecrets(opts.Endpoint)...))
	}
	tp := sdktrace.NewTracerProvider(
		sdktrace.WithBatcher(exporter),
		sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.TraceIDRatioBased(opts.SampleRatio))),
		sdktrace.WithResource(resource.NewSchemaless(semconv.ServiceName(opts.ServiceName))),
	)
	return tp, tp.Shutdown, nil
}

// Propagator reads and writes W3C trace context headers, so that a client's
// trace continues through the gateway.
func Propagator() propagation.TextMapPropagator { return propagation.TraceContext{} }
