package anthropic

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"passerelle/providers"
)

// apiError turns a non-2xx answer into a *providers.Error. A body that is not
// Anthropic's error JSON (a proxy's page, Cloudflare's 413) is classified by
// its status alone.
func (p *Provider) apiError(status int, header http.Header, body []byte) *providers.Error {
	e := &providers.Error{Provider: p.name, Status: status}
	var er errorResponse
	if err := json.Unmarshal(body, &er); err == nil && er.Error != nil {
		e.Code = er.Error.Type
		if er.Error.Details != nil && er.Error.Details.ErrorCode != "" {
			e.Code = er.Error.Details.ErrorCode
		}
		e.Message = p.redact(er.Error.Message)
		if er.RequestID != "" {
			e.Message += " (request " + er.RequestID + ")"
		}
		e.Kind = kindFor(status, er.Error.Type, e.Code, er.Error.Message)
	} else {
		e.Message = p.redact(fmt.Sprintf("%d %s: %s", status, http.StatusText(status), providers.Truncate(string(body), 200)))
		e.Kind = kindFor(status, "", "", "")
	}
	if e.Kind == providers.KindRateLimited {
		e.RetryAfter = providers.RetryAfter(header, time.Now())
	}
	return e
}

// kindFor classifies an error answer from its status, error type, code
// (details.error_code, else the type) and message. See
// https://docs.claude.com/en/api/errors.
func kindFor(status int, typ, code, message string) providers.Kind {
	msg := strings.ToLower(message)
	switch {
	case status == http.StatusUnauthorized, status == http.StatusForbidden,
		typ == "authentication_error", typ == "permission_error":
		return providers.KindAuth
	// Out of credit and spending caps come as 400 invalid_request_error or 429
	// rate_limit_error, told apart only by their words or details; waiting
	// minutes does not lift them.
	case status == http.StatusPaymentRequired, typ == "billing_error",
		code == "enforced_spend_limit_reached", isQuotaMessage(msg):
		return providers.KindQuota
	case status == http.StatusTooManyRequests, typ == "rate_limit_error":
		return providers.KindRateLimited
	// 413 is the request over 32 MB, refused before it reaches the API:
	// smaller batches are the cure, as for a prompt over the context window.
	case status == http.StatusRequestEntityTooLarge, typ == "request_too_large", isContextMessage(msg):
		return providers.KindContextLength
	case status == http.StatusRequestTimeout, status == http.StatusGatewayTimeout, typ == "timeout_error":
		return providers.KindTimeout
	case status >= 500, typ == "overloaded_error", typ == "api_error":
		// 529 overloaded_error included: transient, for every customer.
		return providers.KindUnavailable
	case status >= 400:
		// 400 invalid_request_error, 404 not_found_error (an unknown model), 409, 422.
		return providers.KindBadRequest
	default:
		return providers.KindUnavailable
	}
}

// isQuotaMessage recognises the messages of an exhausted credit balance or
// spending limit, e.g. "Your credit balance is too low to access the
// Anthropic API." and "You have reached your specified workspace API usage
// limits."
func isQuotaMessage(msg string) bool {
	return strings.Contains(msg, "credit balance") ||
		strings.Contains(msg, "api usage limits") ||
		strings.Contains(msg, "spend limit")
}

// isContextMessage recognises the 400s of an input too long for the model,
// e.g. "prompt is too long: 215034 tokens > 200000 maximum" and "input length
// and `max_tokens` exceed context limit: 198000 + 4096 > 200000".
func isContextMessage(msg string) bool {
	return strings.Contains(msg, "prompt is too long") ||
		strings.Contains(msg, "context limit") ||
		strings.Contains(msg, "context window") ||
		strings.Contains(msg, "context length")
}

// transportError classifies a failure to get an answer at all.
func (p *Provider) transportError(err error) *providers.Error {
	e := &providers.Error{Provider: p.name, Kind: providers.KindUnavailable, Err: err, Message: p.redact(err.Error())}
	e.Kind = providers.TransportKind(err)
	return e
}

// redact removes the API key from text that came back from the server or the
// network stack.
func (p *Provider) redact(s string) string {
	return strings.ReplaceAll(s, p.apiKey, "[redacted]")
}
