package handlers

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"passerelle/gateway"
)

// errorClass is what the HTTP layer makes of an error code: the status,
// and the Retry-After of a refusal that passes by itself. The message is
// the error's own (gateway.ErrorMessage): it says what the client sent.
type errorClass struct {
	status     int
	retryAfter []string // the header's value, shared: nil for none
}

// errorTable is the one place that maps an error code to an HTTP status:
// every error reply, of a request or of a batch's article, and the refusal
// of a connection over the limit, is answered by it. A code it lacks is
// answered 500.
var errorTable = map[string]errorClass{
	gateway.CodeInvalidJSON:         {status: http.StatusBadRequest},
	gateway.CodeInvalidRequest:      {status: http.StatusBadRequest},
	gateway.CodeEmptyArticle:        {status: http.StatusBadRequest},
	gateway.CodeUnknownProvider:     {status: http.StatusBadRequest},
	gateway.CodeProviderNotAllowed:  {status: http.StatusBadRequest},
	gateway.CodeTooLarge:            {status: http.StatusRequestEntityTooLarge},
	gateway.CodeUnsupportedLanguage: {status: http.StatusUnprocessableEntity},
	gateway.CodeProviderError:       {status: http.StatusBadGateway},
	gateway.CodeNoProvider:          {status: http.StatusServiceUnavailable},
	gateway.CodeOutputCheck:         {status: http.StatusBadGateway},
	gateway.CodeProviderTimeout:     {status: http.StatusGatewayTimeout},
	gateway.CodeNoArticle:           {status: http.StatusUnprocessableEntity},
	gateway.CodeNotHTML:             {status: http.StatusUnprocessableEntity},
	gateway.CodeURLNotAllowed:       {status: http.StatusBadRequest},
	gateway.CodeFetchFailed:         {status: http.StatusBadGateway},
	codeNotFound:                    {status: http.StatusNotFound},
	codeUnauthorized:                {status: http.StatusUnauthorized},
	codeForbidden:                   {status: http.StatusForbidden},
	// Its Retry-After is the limiter's, set with the RateLimit-* headers.
	codeRateLimited:          {status: http.StatusTooManyRequests},
	codeQuotaUnavailable:     {status: http.StatusServiceUnavailable, retryAfter: []string{strconv.Itoa(int(quotaRetryAfter.Seconds()))}},
	codeMethodNotAllowed:     {status: http.StatusMethodNotAllowed},
	codeJobFinished:          {status: http.StatusConflict},
	codeNotAFeed:             {status: http.StatusUnprocessableEntity},
	gateway.CodeInternal:     {status: http.StatusInternalServerError},
	gateway.CodeOverloaded:   {status: http.StatusServiceUnavailable, retryAfter: valueRetryAfter},
	gateway.CodeShuttingDown: {status: http.StatusServiceUnavailable, retryAfter: []string{retryAfterShutdown}},
}

// classOf returns the class of code.
func classOf(code string) errorClass {
	if class, ok := errorTable[code]; ok {
		return class
	}
	return errorClass{status: http.StatusInternalServerError}
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
	status, detail := h.describeError(c.Request.Context(), requestID(c), err)
	c.Header("Cache-Control", "no-store")
	if ra := classOf(detail.Code).retryAfter; ra != nil {
		c.Writer.Header()["Retry-After"] = ra
	}
	if w, ok := c.Get(ctxKeyErrorWriter); ok {
		w.(errorWriter)(c, status, detail)
		return
	}
	c.AbortWithStatusJSON(status, errorBody{Error: detail})
}

// describeError returns the status and the detail the client is shown of
// err, met by the request id, and logs what the client is not: the cause
// of a server-side failure.
func (h *handler) describeError(ctx context.Context, id string, err error) (int, errorDetail) {
	status, detail := errorOf(id, err)
	var gerr *gateway.Error
	switch {
	case !errors.As(err, &gerr):
		h.log.ErrorContext(ctx, "internal error", "request_id", id, "err", err)
	case status >= 500:
		h.log.WarnContext(ctx, "request failed", "request_id", id, "code", detail.Code, "err", err)
	}
	return status, detail
}

// errorOf is describeError without the log line.
func errorOf(id string, err error) (int, errorDetail) {
	code := gateway.ErrorCode(err)
	return classOf(code).status, errorDetail{Code: code, Message: gateway.ErrorMessage(err), RequestID: id}
}
