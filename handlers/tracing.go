package handlers

import (
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"passerelle/telemetry/tracing"
)

// trace opens the server span of each request, continuing the client's
// trace when it sent a traceparent header; the gateway's cache and provider
// spans hang below it.
func (h *handler) trace(c *gin.Context) {
	ctx := tracing.Propagator().Extract(c.Request.Context(), propagation.HeaderCarrier(c.Request.Header))
	ctx, span := h.tracer.Start(ctx, c.Request.Method, trace.WithSpanKind(trace.SpanKindServer))
	defer span.End()
	c.Request = c.Request.WithContext(ctx)
	c.Next()
	route := c.FullPath()
	if route == "" {
		route = "unmatched"
	}
	status := c.Writer.Status()
	span.SetName(c.Request.Method + " " + route)
	span.SetAttributes(
		attribute.String("http.request.method", c.Request.Method),
		attribute.String("http.route", route),
		attribute.Int("http.response.status_code", status),
		attribute.String("passerelle.request_id", requestID(c)),
	)
	if cacheStatus := c.GetString(ctxKeyCache); cacheStatus != "" {
		span.SetAttributes(attribute.String("passerelle.cache", cacheStatus))
	}
	if status >= http.StatusInternalServerError {
		span.SetStatus(codes.Error, fmt.Sprintf("HTTP %d", status))
	}
}
