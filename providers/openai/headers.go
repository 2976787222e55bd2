package openai

import (
	"net/http"
	"strings"

	"passerelle/internal/redact"
)

// extraHeaders sets the configured headers on every request: OpenRouter's
// HTTP-Referer and X-Title, or the authentication header of a gateway in
// front of the server. They are set last, so they replace a header of the
// same name that go-openai set.
type extraHeaders struct {
	header http.Header
	next   http.RoundTripper
}

func (t extraHeaders) RoundTrip(req *http.Request) (*http.Response, error) {
	// A RoundTripper must not modify the request it was given.
	out := req.Clone(req.Context())
	for name, values := range t.header {
		out.Header[name] = values
	}
	return t.next.RoundTrip(out)
}

// headerOf returns m as an http.Header with canonical names.
func headerOf(m map[string]string) http.Header {
	h := make(http.Header, len(m))
	for name, value := range m {
		h.Set(name, value)
	}
	return h
}

// validHeaderName reports whether name is an HTTP token (RFC 9110, 5.6.2).
func validHeaderName(name string) bool {
	if name == "" {
		return false
	}
	for _, c := range []byte(name) {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// secretsOf returns what must never appear in an error text: the API key,
// the value of every extra header whose name says it authenticates, and the
// user info and query values of the base URL (a proxy's credentials), which
// a server may echo in an error body. Values under 8 bytes are left alone:
// they are flags, not secrets, and redacting them would garble messages.
func secretsOf(opts Options) []string {
	var out []string
	if opts.APIKey != "" {
		out = append(out, opts.APIKey)
	}
	for _, s := range redact.URLSecrets(opts.BaseURL) {
		if len(s) >= 8 {
			out = append(out, s)
		}
	}
	for name, value := range opts.Headers {
		n := strings.ToLower(name)
		if len(value) >= 8 && (strings.Contains(n, "auth") || strings.Contains(n, "key") ||
			strings.Contains(n, "token") || strings.Contains(n, "secret")) {
			out = append(out, value)
			// "Bearer xyz": the token alone may be quoted back too.
			if _, token, ok := strings.Cut(value, " "); ok && len(token) >= 8 {
				out = append(out, token)
			}
		}
	}
	return out
}
