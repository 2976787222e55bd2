package google

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"passerelle/providers"
)

// apiErrorBody is Google's error answer:
//
//	{"error": {"code": 403, "message": "...", "status": "PERMISSION_DENIED",
//	  "errors": [{"message": "...", "domain": "usageLimits", "reason": "dailyLimitExceeded"}],
//	  "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID", "metadata": {...}}]}}
//
// errors[] is the legacy v2 shape and details[] the newer google.rpc one;
// Google sends either or both, so both are read.
type apiErrorBody struct {
	Error *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
		Status  string `json:"status"`
		Errors  []struct {
			Message string `json:"message"`
			Domain  string `json:"domain"`
			Reason  string `json:"reason"`
		} `json:"errors"`
		Details []struct {
			Type     string            `json:"@type"`
			Reason   string            `json:"reason"`
			Metadata map[string]string `json:"metadata"`
		} `json:"details"`
	} `json:"error"`
}

// apiError turns a non-2xx answer into a *providers.Error. A body that is
// not Google's JSON (a proxy's HTML page) is classified by status alone.
func (p *Provider) apiError(status int, header http.Header, body []byte) *providers.Error {
	e := &providers.Error{Provider: p.name, Status: status}
	var b apiErrorBody
	if json.Unmarshal(body, &b) != nil || b.Error == nil {
		e.Message = p.redact(snippet(body))
		e.Kind = classify(status, "", nil, "")
	} else {
		var reasons []string
		daily := false
		for _, d := range b.Error.Details {
			if d.Reason != "" {
				reasons = append(reasons, d.Reason)
			}
			if isDaily(d.Metadata["quota_limit"]) || isDaily(d.Metadata["quota_limit_value_unit"]) {
				daily = true
			}
		}
		for _, x := range b.Error.Errors {
			if x.Reason != "" {
				reasons = append(reasons, x.Reason)
			}
		}
		msg := b.Error.Message
		if msg == "" && len(b.Error.Errors) > 0 {
			msg = b.Error.Errors[0].Message
		}
		if isDaily(msg) {
			daily = true
		}
		e.Kind = classify(status, b.Error.Status, reasons, msg)
		if e.Kind == providers.KindRateLimited && daily {
			// A per-day quota resets at midnight Pacific time: waiting a
			// few seconds will not help.
			e.Kind = providers.KindQuota
		}
		switch {
		case len(reasons) > 0:
			// The ErrorInfo reason (API_KEY_INVALID) is more telling than
			// the legacy one that comes with it (badRequest), and comes first.
			e.Code = reasons[0]
		default:
			e.Code = b.Error.Status
		}
		e.Message = p.redact(providers.Truncate(msg, 300))
	}
	if e.Kind.Transient() {
		e.RetryAfter = providers.RetryAfter(header, time.Now())
	}
	return e
}

// classify picks the Kind of an error from its HTTP status, its google.rpc
// status, its reasons (legacy and ErrorInfo) and its message. The reasons and
// message come first because Google answers some failures with a status that
// says little: a bad key is a 400 INVALID_ARGUMENT, and a daily quota a 403.
func classify(status int, rpcStatus string, reasons []string, message string) providers.Kind {
	has := func(want ...string) bool {
		for _, r := range reasons {
			for _, w := range want {
				if strings.EqualFold(r, w) {
					return true
				}
			}
		}
		return false
	}
	msg := strings.ToLower(message)
	switch {
	case has("keyInvalid", "keyExpired", "API_KEY_INVALID", "API_KEY_EXPIRED", "dailyLimitExceededUnreg"),
		strings.Contains(msg, "api key not valid"), strings.Contains(msg, "api key expired"):
		// dailyLimitExceededUnreg is how v2 answered a request without a
		// key: the fix is a key, not patience.
		return providers.KindAuth
	case has("dailyLimitExceeded", "quotaExceeded", "billingNotEnabled", "BILLING_DISABLED"),
		strings.Contains(msg, "daily limit exceeded"), strings.Contains(msg, "requires billing"):
		return providers.KindQuota
	case has("userRateLimitExceeded", "rateLimitExceeded", "RATE_LIMIT_EXCEEDED"),
		strings.Contains(msg, "rate limit exceeded"),
		rpcStatus == "RESOURCE_EXHAUSTED", status == http.StatusTooManyRequests:
		return providers.KindRateLimited
	case has("accessNotConfigured", "forbidden", "ipRefererBlocked", "SERVICE_DISABLED", "CONSUMER_INVALID",
		"API_KEY_SERVICE_BLOCKED", "API_KEY_HTTP_REFERRER_BLOCKED", "API_KEY_IP_ADDRESS_BLOCKED",
		"API_KEY_ANDROID_APP_BLOCKED", "API_KEY_IOS_APP_BLOCKED"),
		rpcStatus == "PERMISSION_DENIED", rpcStatus == "UNAUTHENTICATED",
		status == http.StatusUnauthorized, status == http.StatusForbidden:
		return providers.KindAuth
	case strings.Contains(msg, "text too long"), strings.Contains(msg, "payload size exceeds"),
		strings.Contains(msg, "too many text segments"), status == http.StatusRequestEntityTooLarge:
		return providers.KindContextLength
	case rpcStatus == "DEADLINE_EXCEEDED", status == http.StatusRequestTimeout, status == http.StatusGatewayTimeout:
		return providers.KindTimeout
	case status >= 400 && status < 500:
		return providers.KindBadRequest
	default:
		return providers.KindUnavailable
	}
}

// isDaily reports whether a quota message or limit name is about a day:
// "... limit 'v2 and v3 general model characters per day' ...",
// "CharactersPerDayPerProject", "1/d/{project}".
func isDaily(s string) bool {
	l := strings.ToLower(s)
	return strings.Contains(l, "per day") || strings.Contains(l, "perday") || strings.Contains(l, "/d/")
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
// network stack. The key travels in a header, so it should never be there,
// but a proxy that echoes the request or a future change must not leak it.
func (p *Provider) redact(s string) string {
	if p.apiKey == "" {
		return s
	}
	return strings.ReplaceAll(s, p.apiKey, "[redacted]")
}

// snippet returns the start of a body for an error message.
func snippet(body []byte) string { return providers.Truncate(string(body), 200) }
