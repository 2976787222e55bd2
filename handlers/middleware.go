package handlers

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/gin-gonic/gin"

	"passerelle/gateway"
)

const (
	ctxKeyRequestID = "request_id"
	ctxKeyCache     = "cache_status"
	ctxKeyProvider  = "provider"
	// ctxKeyOutcome is the status a request that failed after its reply
	// began (a stream's error event) would have had.
	ctxKeyOutcome   = "outcome_status"
	headerRequestID = "X-Request-ID"
)

// requestID takes the client's X-Request-ID when it is a sane token, or makes
// one, and echoes it so that a client can quote it when reporting a problem.
func (h *handler) requestID(c *gin.Context) {
	id := c.GetHeader(headerRequestID)
	if !saneRequestID(id) {
		var b [8]byte
		_, _ = rand.Read(b[:])
		id = hex.EncodeToString(b[:])
	}
	c.Set(ctxKeyRequestID, id)
	c.Header(headerRequestID, id)
	c.Next()
}

func saneRequestID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, r := range id {
		if !(r == '-' || r == '_' || r == '.' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}

func requestID(c *gin.Context) string { return c.GetString(ctxKeyRequestID) }

// accessLog writes one line per request.
func (h *handler) accessLog(c *gin.Context) {
	start := time.Now()
	c.Next()
	attrs := []slog.Attr{
		slog.String("request_id", requestID(c)),
		slog.String("method", c.Request.Method),
		slog.String("path", c.Request.URL.Path),
		slog.Int("status", c.Writer.Status()),
		slog.Int("bytes", c.Writer.Size()),
		slog.Duration("duration", time.Since(start)),
	}
	if status := c.GetString(ctxKeyCache); status != "" {
		attrs = append(attrs, slog.String("cache", status))
	}
	if provider := c.GetString(ctxKeyProvider); provider != "" {
		attrs = append(attrs, slog.String("provider", provider))
	}
	outcome := c.Writer.Status()
	if v, ok := c.Get(ctxKeyOutcome); ok {
		outcome = v.(int)
		attrs = append(attrs, slog.Int("outcome", outcome))
	}
	if h.opts.Metrics != nil {
		h.opts.Metrics.Request(c.FullPath(), outcome, time.Since(start))
	}
	level := slog.LevelInfo
	if outcome >= http.StatusInternalServerError {
		level = slog.LevelWarn
	}
	h.log.LogAttrs(c.Request.Context(), level, "request", attrs...)
}

// recover turns a panic into a JSON 500 and one log line with the stack.
func (h *handler) recover(c *gin.Context) {
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			h.log.ErrorContext(c.Request.Context(), "panic", "request_id", requestID(c), "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			if !c.Writer.Written() {
				h.writeError(c, gateway.Errorf(gateway.CodeInternal, "internal error"))
			}
		}
	}()
	c.Next()
}
