package providers

import (
	"context"
	"errors"
	"net"
	"strings"
	"unicode/utf8"
)

// TransportKind classifies a failure to get an answer at all: a deadline
// (the caller's or the HTTP client's timeout) is KindTimeout; anything else
// (connection refused or reset, the caller giving up) KindUnavailable.
func TransportKind(err error) Kind {
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		return KindTimeout
	}
	return KindUnavailable
}

// Truncate shortens s, trimmed, to at most n bytes without splitting a
// character, marking the cut with "…": for vendor bodies quoted in errors.
func Truncate(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
