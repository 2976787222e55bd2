package gateway

import (
	"context"
	"errors"
	"fmt"
)

// Error codes are stable strings that clients branch on; handlers map each to
// one HTTP status.
const (
	CodeInvalidJSON         = "invalid_json"
	CodeInvalidRequest      = "invalid_request"
	CodeEmptyArticle        = "empty_article"
	CodeTooLarge            = "too_large"
	CodeUnsupportedLanguage = "unsupported_language"
	CodeUnknownProvider     = "unknown_provider"
	CodeProviderNotAllowed  = "provider_not_allowed"
	CodeProviderError       = "provider_error"
	CodeProviderTimeout     = "provider_timeout"
	CodeNoProvider          = "no_provider"
	CodeOutputCheck         = "output_check_failed"
	CodeInternal            = "internal"
	// CodeOverloaded: the gateway has no room for the work now (its budget
	// of work in flight, or a provider's queue, is full); retry after the
	// reply's Retry-After.
	CodeOverloaded = "overloaded"
	// CodeShuttingDown: the process is stopping and the work was not done;
	// the same request sent again is served by another replica or after
	// the restart.
	CodeShuttingDown = "shutting_down"
)

// ErrShuttingDown is the cause given to the context of a request cut
// because the process is stopping (context.WithCancelCause): the request
// answers CodeShuttingDown, and work it leads for identical requests stops
// with it, since those are being cut too. What was translated before the
// cut is cached, so the same request sent again pays only for the rest. It
// is a context.Canceled: a provider call cut by it (which net/http reports
// with the cause) says nothing of the provider's health.
var ErrShuttingDown = &Error{Code: CodeShuttingDown, Err: context.Canceled,
	Message: "the gateway is shutting down and did not finish this work: send it again (what was already translated is cached and not paid for twice)"}

// Error is a failure the client should see: a stable code and a message safe
// to show (no secret, no internal detail).
type Error struct {
	Code    string
	Message string
	Err     error // cause, for logs only
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Code + ": " + e.Message + ": " + e.Err.Error()
	}
	return e.Code + ": " + e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of err's *Error, or CodeInternal.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

// ErrorMessage returns the client-safe message of err's *Error, or a generic
// one for errors that are not meant for clients.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}
