package deepl

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"passerelle/providers"
)

// kindForStatus classifies an HTTP status from DeepL, or from a proxy or
// load balancer in front of it.
//
//   - 403: the key was refused, or sent to the other plan's host ("Wrong
//     endpoint"). Retrying cannot help.
//   - 413 and 414: the request was too large; a bug in splitting, not
//     something a retry mends.
//   - 456: the account's character quota is used up.
//   - 429: this client sends too fast; RetryAfter says for how long, when
//     DeepL does.
//   - 529: DeepL documents it as "Too many requests" but sends it when its
//     servers are under high load, which says nothing about this client:
//     KindUnavailable, so that the gateway may move on to another provider,
//     with RetryAfter when given.
//   - 504: DeepL documents it as "Resource currently unavailable. Try again
//     later", not as a gateway timeout, so KindUnavailable rather than
//     KindTimeout; both are transient.
func kindForStatus(status int) providers.Kind {
	switch {
	case status == http.StatusUnauthorized, status == http.StatusForbidden:
		return providers.KindAuth
	case status == 456:
		return providers.KindQuota
	case status == http.StatusTooManyRequests:
		return providers.KindRateLimited
	case status == http.StatusRequestTimeout:
		return providers.KindTimeout
	case status >= 400 && status < 500:
		return providers.KindBadRequest
	default:
		return providers.KindUnavailable
	}
}

// statusMessages say what a status means when DeepL's body does not: its
// 403, 429 and 5xx often come without one. The words are DeepL's own
// descriptions of these responses.
var statusMessages = map[int]string{
	http.StatusBadRequest:            "Bad request. Please check error message and your parameters.",
	http.StatusForbidden:             "Authorization failed. Please supply a valid DeepL-Auth-Key via the Authorization header.",
	http.StatusNotFound:              "The requested resource could not be found.",
	http.StatusRequestEntityTooLarge: "The request size exceeds the limit.",
	http.StatusRequestURITooLong:     "The request URL is too long.",
	http.StatusTooManyRequests:       "Too many requests. Please wait and resend your request.",
	456:                              "Quota exceeded. The character limit has been reached.",
	http.StatusInternalServerError:   "Internal error.",
	http.StatusGatewayTimeout:        "Resource currently unavailable. Try again later.",
	529:                              "Too many requests: DeepL's servers are under high load. Please wait and resend your request.",
}

// apiError turns a DeepL answer other than 200 into a *providers.Error.
// DeepL's error bodies are {"message": "..."}, sometimes with "detail" or
// "code"; anything else (an empty body, a proxy's HTML page) is described
// by the status alone.
func (p *Provider) apiError(status int, header http.Header, body []byte) *providers.Error {
	e := &providers.Error{Provider: p.name, Kind: kindForStatus(status), Status: status}
	var answer struct {
		Message string `json:"message"`
		Detail  string `json:"detail"`
		Code    string `json:"code"`
	}
	msg := ""
	if json.Unmarshal(body, &answer) == nil && answer.Message != "" {
		msg = answer.Message
		if answer.Detail != "" {
			msg += ": " + answer.Detail
		}
		e.Code = answer.Code
	} else {
		msg = snippet(body)
	}
	if msg == "" {
		msg = statusMessages[status]
	}
	if msg == "" {
		msg = http.StatusText(status)
	}
	if status == http.StatusRequestEntityTooLarge || status == http.StatusRequestURITooLong {
		msg = "request too large: " + msg
	}
	e.Message = p.redact(msg)
	if e.Kind.Transient() {
		e.RetryAfter = providers.RetryAfter(header, time.Now())
	}
	return e
}

// transportError classifies a failure to get an answer at all: a deadline
// (the client's timeout or the caller's) is KindTimeout; anything else
// (connection refused, reset, DNS, the caller giving up) KindUnavailable.
func (p *Provider) transportError(err error) *providers.Error {
	kind := providers.TransportKind(err)
	// *url.Error quotes the URL, which never holds the key; redact all the
	// same, in case a proxy or resolver echoes a header.
	return &providers.Error{Provider: p.name, Kind: kind, Err: redactedError{err, p.redact(err.Error())}}
}

// redactedError keeps an underlying error for errors.Is and errors.As while
// its text goes through redact.
type redactedError struct {
	err  error
	text string
}

func (r redactedError) Error() string { return r.text }
func (r redactedError) Unwrap() error { return r.err }

// redact removes the API key from text that came back from the server or
// the network stack.
func (p *Provider) redact(s string) string {
	if p.apiKey == "" {
		return s
	}
	return strings.ReplaceAll(s, p.apiKey, "[redacted]")
}

// snippet returns the start of a body for an error message.
func snippet(body []byte) string {
	const max = 200
	s := strings.TrimSpace(string(body))
	if len(s) > max {
		n := max
		for n > 0 && !utf8.RuneStart(s[n]) {
			n--
		}
		s = s[:n] + "…"
	}
	return s
}
