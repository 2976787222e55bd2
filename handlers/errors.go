package handlers

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"passerelle/gateway"
)

// statusOf is the one place that maps an error code to an HTTP status.
var statusOf = map[string]int{
	gateway.CodeInvalidJSON:         http.StatusBadRequest,
	gateway.CodeInvalidRequest:      http.StatusBadRequest,
	gateway.CodeEmptyArticle:        http.StatusBadRequest,
	gateway.CodeUnknownProvider:     http.StatusBadRequest,
	gateway.CodeProviderNotAllowed:  http.StatusBadRequest,
	gateway.CodeTooLarge:            http.StatusRequestEntityTooLarge,
	gateway.CodeUnsupportedLanguage: http.StatusUnprocessableEntity,
	gateway.CodeProviderError:       http.StatusBadGateway,
	gateway.CodeNoProvider:          http.StatusServiceUnavailable,
	gateway.CodeOutputCheck:         http.StatusBadGateway,
	gateway.CodeProviderTimeout:     http.StatusGatewayTimeout,
	gateway.CodeNoArticle:           http.StatusUnprocessableEntity,
	gateway.CodeNotHTML:             http.StatusUnprocessableEntity,
	gateway.CodeURLNotAllowed:       http.StatusBadRequest,
	gateway.CodeFetchFailed:         http.StatusBadGateway,
	codeNotFound:                    http.StatusNotFound,
	codeUnauthorized:                http.StatusUnauthorized,
	codeForbidden:                   http.StatusForbidden,
	codeRateLimited:                 http.StatusTooManyRequests,
	codeQuotaUnavailable:            http.StatusServiceUnavailable,
	codeMethodNotAllowed:            http.StatusMethodNotAllowed,
	gateway.CodeInternal:            http.StatusInternalServerError,
	gateway.CodeOverloaded:          http.StatusServiceUnavailable,
	gateway.CodeShuttingDown:        http.StatusServiceUnavailable,
}

// Codes that only the HTTP layer produces.
const (
	codeNotFound         = "not_found"
	codeMethodNotAllowed = "method_not_allowed"
)

// errorBody is the JSON shape of every error reply.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	RequestID string `json:"request_id,omitempty"`
}

// writeError answers with err's code, status and client-safe message. An
// error that is not a *gateway.Error is a bug or an unexpected failure: the
// client gets "internal error" and the log gets the detail, once.
func (h *handler) writeError(c *gin.Context, err error) {
	status, detail := h.describeError(c, err)
	c.Header("Cache-Control", "no-store")
	switch detail.Code {
	case gateway.CodeOverloaded:
		c.Writer.Header()["Retry-After"] = valueRetryAfter
	case gateway.CodeShuttingDown:
		c.Header("Retry-After", retryAfterShutdown)
	case codeQuotaUnavailable:
		c.Header("Retry-After", strconv.Itoa(int(quotaRetryAfter.Seconds())))
	}
	c.AbortWithStatusJSON(status, errorBody{Error: detail})
}

// describeError returns err's status and the detail the client is shown,
// and logs what the client is not: the cause of a server-side failure.
func (h *handler) describeError(c *gin.Context, err error) (int, errorDetail) {
	status, detail := errorOf(c, err)
	var gerr *gateway.Error
	switch {
	case !errors.As(err, &gerr):
		h.log.ErrorContext(c.Request.Context(), "internal error", "request_id", detail.RequestID, "err", err)
	case status >= 500:
		h.log.WarnContext(c.Request.Context(), "request failed", "request_id", detail.RequestID, "code", detail.Code, "err", err)
	}
	return status, detail
}

// errorOf is describeError without the log line.
func errorOf(c *gin.Context, err error) (int, errorDetail) {
	code := gateway.ErrorCode(err)
	status, ok := statusOf[code]
	if !ok {
		status = http.StatusInternalServerError
	}
	return status, errorDetail{Code: code, Message: gateway.ErrorMessage(err), RequestID: requestID(c)}
}
