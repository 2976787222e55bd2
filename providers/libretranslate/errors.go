package libretranslate

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"passerelle/internal/redact"
	"passerelle/providers"
)

// apiError turns a non-2xx answer into a *providers.Error. LibreTranslate
// answers errors as {"error": "..."}, and its status alone misleads twice:
// a missing API key is a 400 ("Please contact the server operator to get an
// API key", or "Visit <url> to get an API key"), and an address banned for
// breaking the rate limit too often is a 403 ("Too many request limits
// violations") that lifts by itself. Every other 403 is a key refusal
// ("Invalid API key"): the server answers language problems ("xx is not
// supported") with 400. A body that is not this JSON (a proxy's page, Flask's
// HTML 404) is classified by status alone.
func (p *Provider) apiError(status int, header http.Header, body []byte) *providers.Error {
	e := &providers.Error{Provider: p.name, Status: status}
	var b struct {
		Error string `json:"error"`
	}
	msg := ""
	if json.Unmarshal(body, &b) == nil && b.Error != "" {
		msg = b.Error
	}
	e.Kind = classify(status, msg)
	if msg == "" {
		msg = snippet(body)
	}
	e.Message = p.redact(providers.Truncate(msg, 300))
	if e.Kind.Transient() {
		e.RetryAfter = providers.RetryAfter(header, time.Now())
	}
	return e
}

// classify picks the Kind of an error from its status and message.
func classify(status int, message string) providers.Kind {
	msg := strings.ToLower(message)
	switch {
	case strings.Contains(msg, "too many request limits violations"):
		return providers.KindRateLimited
	case strings.Contains(msg, "invalid api key"), strings.Contains(msg, "to get an api key"):
		return providers.KindAuth
	case strings.Contains(msg, "exceeds text limit"):
		// "Invalid request: request (6000) exceeds text limit (5000)", for
		// LT_CHAR_LIMIT and LT_BATCH_LIMIT alike: BatchSize or MaxChars is
		// over the server's limit.
		return providers.KindContextLength
	case status == http.StatusTooManyRequests:
		return providers.KindRateLimited
	case status == http.StatusUnauthorized, status == http.StatusForbidden:
		return providers.KindAuth
	case status == http.StatusRequestEntityTooLarge:
		return providers.KindContextLength
	case status == http.StatusRequestTimeout, status == http.StatusGatewayTimeout:
		return providers.KindTimeout
	case status >= 400 && status < 500:
		return providers.KindBadRequest
	default:
		return providers.KindUnavailable
	}
}

// transportError classifies a failure to get an answer at all: a deadline
// (the caller's or the client's timeout) is KindTimeout, anything else
// (connection refused, reset, the caller giving up) KindUnavailable.
func (p *Provider) transportError(err error) *providers.Error {
	kind := providers.TransportKind(err)
	return &providers.Error{Provider: p.name, Kind: kind, Message: p.redact(err.Error()), Err: err}
}

func (p *Provider) badOutput(format string, args ...any) *providers.Error {
	return &providers.Error{Provider: p.name, Kind: providers.KindBadOutput, Status: http.StatusOK,
		Message: p.redact(fmt.Sprintf(format, args...))}
}

// redact removes the API key from text that came from the server or the
// network stack: the key travels in the request body, which a proxy or a
// server error could echo; so do the user info and query values of the
// server's URL.
func (p *Provider) redact(s string) string {
	if p.apiKey != "" {
		s = strings.ReplaceAll(s, p.apiKey, "[redacted]")
	}
	return redact.Secrets(s, p.urlSecrets...)
}

// snippet returns the start of a body for an error message.
func snippet(body []byte) string { return providers.Truncate(string(body), 200) }
