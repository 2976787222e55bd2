package openai

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	goopenai "github.com/sashabaranov/go-openai"

	"passerelle/providers"
)

// apiError turns an error from go-openai into a *providers.Error. header is
// the failed response's header: go-openai's errors do not carry it, but its
// methods record it in the response value they return along with the error,
// which is where Retry-After is read from.
func (p *Provider) apiError(err error, header http.Header) error {
	e := &providers.Error{Provider: p.name, Kind: providers.KindUnavailable, Err: err}

	var reqErr *goopenai.RequestError
	var apiErr *goopenai.APIError
	switch {
	case errors.As(err, &reqErr):
		// The error body was not OpenAI's JSON shape: a proxy's HTML page, for instance.
		reqErr.Body = []byte(p.redact(string(reqErr.Body)))
		e.Status = reqErr.HTTPStatusCode
		e.Message = p.redact(fmt.Sprintf("%s: %s", reqErr.HTTPStatus, providers.Truncate(string(reqErr.Body), 200)))
		e.Kind = kindForStatus(e.Status, "", "")
	case errors.As(err, &apiErr):
		apiErr.Message = p.redact(apiErr.Message)
		e.Status = apiErr.HTTPStatusCode
		e.Code = errorCode(apiErr)
		e.Message = apiErr.Message
		e.Kind = kindForStatus(e.Status, e.Code, apiErr.Message)
	case errors.Is(err, context.DeadlineExceeded), isTimeout(err):
		// The caller's deadline or the client's own timeout.
		e.Kind = providers.KindTimeout
		e.Message = p.redact(err.Error())
	default:
		// Connection refused, reset, DNS failure, a canceled context, or a
		// 2xx body that is not JSON: all worth trying elsewhere.
		e.Message = p.redact(err.Error())
	}
	if e.Kind == providers.KindRateLimited {
		e.RetryAfter = providers.RetryAfter(header, time.Now())
	}
	return e
}

// kindForStatus classifies an HTTP error. code is the vendor's error code or,
// when it gave none, its error type.
func kindForStatus(status int, code, message string) providers.Kind {
	switch {
	case status == http.StatusUnauthorized, status == http.StatusForbidden:
		return providers.KindAuth
	case status == http.StatusTooManyRequests && code == "insufficient_quota":
		return providers.KindQuota
	case status == http.StatusTooManyRequests:
		return providers.KindRateLimited
	case status == http.StatusRequestTimeout:
		return providers.KindTimeout
	case code == "context_length_exceeded",
		// vLLM and llama.cpp say so in words under a bare 400.
		status == http.StatusBadRequest && strings.Contains(strings.ToLower(message), "context length"):
		return providers.KindContextLength
	case status >= 400 && status < 500:
		return providers.KindBadRequest
	default:
		return providers.KindUnavailable
	}
}

// errorCode returns the error's code, or its type when the code is empty:
// OpenAI puts "insufficient_quota" in both, some compatible servers in one.
func errorCode(e *goopenai.APIError) string {
	switch c := e.Code.(type) {
	case string:
		if c != "" {
			return c
		}
	case int:
		// Some compatible servers repeat the HTTP status as a number.
		if e.Type == "" {
			return strconv.Itoa(c)
		}
	}
	return e.Type
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// redact removes the API key, and the values of authentication headers, from
// text that came back from the server or the network stack, since servers
// sometimes quote the key they refused.
func (p *Provider) redact(s string) string {
	for _, secret := range p.secrets {
		s = strings.ReplaceAll(s, secret, "[redacted]")
	}
	return s
}
