// Package fetch downloads a web page for article extraction, safely: the URL
// comes from a client, so the fetcher refuses to reach the network the
// gateway runs in (loopback, private, link-local and metadata addresses),
// checked on the address actually dialled, after DNS resolution and on every
// redirect; it caps the size, the time and the number of redirects, accepts
// only HTML (Get) or only a feed's XML (GetFeed, asked for by name), and
// returns the page decoded to UTF-8.
package fetch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/net/html/charset"

	"passerelle/internal/redact"
)

// Errors Get returns, to be told apart with errors.Is.
var (
	// ErrInvalidURL: the URL does not parse, or is not http or https.
	ErrInvalidURL = errors.New("invalid URL: only absolute http and https URLs can be fetched")
	// ErrForbiddenAddress: the host is, or resolves to, an address the
	// fetcher must not reach (loopback, private, link-local, metadata…).
	ErrForbiddenAddress = errors.New("the URL points to a forbidden network address")
	// ErrHostNotFetched: the host is a name that does not resolve, or that
	// resolves to a forbidden address (then ErrForbiddenAddress holds too).
	// Callers answer both the same way: telling them apart would tell a
	// client which names exist inside the network. The error's text says
	// which, for the log.
	ErrHostNotFetched = errors.New("the host name does not resolve to an address that may be fetched")
	// ErrTooLarge: the page is over Options.MaxBytes.
	ErrTooLarge = errors.New("the page is too large")
	// ErrNotHTML: the server answered with something other than an HTML page.
	ErrNotHTML = errors.New("the URL is not an HTML page")
	// ErrNotFeed: GetFeed was answered with something other than a feed's
	// media types (RSS, Atom, XML).
	ErrNotFeed = errors.New("the URL is not a feed")
	// ErrTooManyRedirects: the server redirected more than
	// Options.MaxRedirects times.
	ErrTooManyRedirects = errors.New("too many redirects")
	// ErrFetchFailed: the page could not be downloaded: a network error, a
	// timeout, or a status other than 2xx (then a *StatusError says which).
	ErrFetchFailed = errors.New("the page could not be fetched")
)

// StatusError is returned when the server answers with a status other than
// 2xx. errors.Is(err, ErrFetchFailed) holds for it.
type StatusError struct {
	StatusCode int    // the upstream status, 404 say
	Status     string // as the server sent it, "404 Not Found"
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("%s: the server answered %s", ErrFetchFailed, e.Status)
}

// Is makes a StatusError match ErrFetchFailed.
func (e *StatusError) Is(target error) bool { return target == ErrFetchFailed }

// Options configure a Fetcher. The zero value is ready to use.
type Options struct {
	// Timeout bounds a whole Get: connection, redirects and body. Default 10s.
	Timeout time.Duration
	// MaxBytes is the largest page accepted, after decompression. Default 5 MiB.
	MaxBytes int64
	// MaxRedirects is how many redirects Get follows. Default 5; negative
	// follows none.
	MaxRedirects int
	// AllowHosts are host names, IP addresses, or host:port pairs that may be
	// fetched even when they resolve to a forbidden address: a newsroom's
	// intranet, or a test server on loopback. Matching ignores case.
	AllowHosts []string
	// UserAgent is sent with every request. Default "Passerelle/1 (+article translation)".
	UserAgent string
	// LookupIP resolves a host name to its addresses. Default
	// net.DefaultResolver.LookupNetIP. Tests use it to make a public name
	// resolve to a private address.
	LookupIP func(ctx context.Context, host string) ([]netip.Addr, error)
}

// Defaults of Options.
const (
	DefaultTimeout      = 10 * time.Second
	DefaultMaxBytes     = 5 << 20
	DefaultMaxRedirects = 5
	DefaultUserAgent    = "Passerelle/1 (+article translation)"
)

// Page is a fetched HTML page.
type Page struct {
	// URL is where the page was found, after redirects.
	URL string
	// Body is the page decoded to UTF-8, whatever charset it was sent in.
	Body []byte
	// ContentType is the media type the server sent, without its
	// parameters ("text/html"), or the sniffed one when it sent none. The
	// charset is left out: Body is always UTF-8.
	ContentType string
}

// Fetcher downloads web pages. It is safe for concurrent use.
type Fetcher struct {
	opts   Options
	allow  map[string]bool
	client *http.Client
}

// New returns a Fetcher with opts, zero fields taking their defaults.
func New(opts Options) *Fetcher {
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = DefaultMaxBytes
	}
	if opts.MaxRedirects == 0 {
		opts.MaxRedirects = DefaultMaxRedirects
	}
	if opts.UserAgent == "" {
		opts.UserAgent = DefaultUserAgent
	}
	if opts.LookupIP == nil {
		opts.LookupIP = func(ctx context.Context, host string) ([]netip.Addr, error) {
			return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
		}
	}
	f := &Fetcher{opts: opts, allow: make(map[string]bool, len(opts.AllowHosts))}
	for _, h := range opts.AllowHosts {
		f.allow[strings.ToLower(strings.TrimSpace(h))] = true
	}
	transport := &http.Transport{
		// No proxy: a proxy would dial for us, out of reach of the address
		// check.
		Proxy:                 nil,
		DialContext:           f.dial,
		ForceAttemptHTTP2:     true,
		TLSHandshakeTimeout:   opts.Timeout,
		ResponseHeaderTimeout: opts.Timeout,
		MaxIdleConns:          16,
		IdleConnTimeout:       90 * time.Second,
	}
	f.client = &http.Client{
		Transport:     transport,
		Timeout:       opts.Timeout,
		CheckRedirect: f.checkRedirect,
	}
	return f
}

// MaxBytes is the largest page Get returns; 0 for a nil Fetcher.
func (f *Fetcher) MaxBytes() int64 {
	if f == nil {
		return 0
	}
	return f.opts.MaxBytes
}

// Get downloads the HTML page at rawURL, following redirects.
//
// It returns ErrInvalidURL for a URL that is not absolute http or https,
// ErrForbiddenAddress when the host or a redirect's is or resolves to a
// forbidden address, ErrHostNotFetched (too) when that host is a name, or a
// name that does not resolve, ErrTooManyRedirects, ErrTooLarge when the page is over MaxBytes,
// ErrNotHTML when the server sends something else than HTML, and
// ErrFetchFailed (wrapping the cause, or a *StatusError) when the page cannot
// be downloaded or the server answers with a status other than 2xx.
func (f *Fetcher) Get(ctx context.Context, rawURL string) (Page, error) {
	return f.get(ctx, rawURL, htmlKind)
}

// GetFeed downloads the RSS or Atom feed at rawURL under the same address
// guard and bounds of size, time and redirects as Get. It accepts only the
// media types of a feed (application/rss+xml, application/atom+xml,
// application/xml, text/xml) and answers ErrNotFeed for any other declared
// type, HTML included; a body sent with no type is handed on for the feed
// parser to judge. Body is the document as sent, not decoded: an XML
// document names its own encoding, which its parser honours; only a body
// whose encoding the header alone declares is decoded to UTF-8.
func (f *Fetcher) GetFeed(ctx context.Context, rawURL string) (Page, error) {
	return f.get(ctx, rawURL, feedKind)
}

// kind is what a download accepts: the Accept header sent, the media types
// taken, and the error for the others.
type kind struct {
	accept string
	takes  func(mediaType string) bool
	wrong  error
	// sniff refuses a body sent without a type unless it sniffs as taken.
	sniff bool
	// decode returns the body as UTF-8 (HTML); otherwise only a charset
	// the header alone declares is applied (XML declares its own).
	decode bool
}

var (
	htmlKind = kind{
		accept: "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1",
		takes:  func(t string) bool { return t == "text/html" || t == "application/xhtml+xml" },
		wrong:  ErrNotHTML, sniff: true, decode: true,
	}
	feedKind = kind{
		accept: "application/rss+xml,application/atom+xml,application/xml;q=0.9,text/xml;q=0.9",
		takes: func(t string) bool {
			return t == "application/rss+xml" || t == "application/atom+xml" || t == "application/xml" || t == "text/xml"
		},
		wrong: ErrNotFeed,
	}
)

func (f *Fetcher) get(ctx context.Context, rawURL string, k kind) (Page, error) {
	u, err := parseURL(rawURL)
	if err != nil {
		return Page{}, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return Page{}, fmt.Errorf("%w: %v", ErrInvalidURL, err)
	}
	req.Header.Set("User-Agent", f.opts.UserAgent)
	req.Header.Set("Accept", k.accept)
	req.Header.Set("Accept-Language", "fr,en;q=0.5")

	resp, err := f.client.Do(req)
	if err != nil {
		return Page{}, classify(err)
	}
	defer resp.Body.Close()

	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return Page{}, &StatusError{StatusCode: resp.StatusCode, Status: resp.Status}
	}
	if resp.ContentLength > f.opts.MaxBytes {
		return Page{}, fmt.Errorf("%w: %d bytes, over the limit of %d", ErrTooLarge, resp.ContentLength, f.opts.MaxBytes)
	}
	declared := resp.Header.Get("Content-Type")
	if declared != "" && !takes(k, declared) {
		return Page{}, fmt.Errorf("%w: the server sent %s", k.wrong, declared)
	}
	// One byte over the limit is enough to know the page is too large;
	// truncating it instead would hand on an article cut mid-sentence.
	body, err := io.ReadAll(io.LimitReader(resp.Body, f.opts.MaxBytes+1))
	if err != nil {
		return Page{}, classify(err)
	}
	if int64(len(body)) > f.opts.MaxBytes {
		return Page{}, fmt.Errorf("%w: over the limit of %d bytes", ErrTooLarge, f.opts.MaxBytes)
	}
	contentType := declared
	if contentType == "" {
		contentType = http.DetectContentType(body)
		if k.sniff && !takes(k, contentType) {
			return Page{}, fmt.Errorf("%w: the content looks like %s", k.wrong, contentType)
		}
	}
	mediaType, _, _ := mime.ParseMediaType(contentType)
	if k.decode {
		body = toUTF8(body, declared)
	} else {
		body = headerCharsetToUTF8(body, declared)
	}
	return Page{URL: resp.Request.URL.String(), Body: body, ContentType: mediaType}, nil
}

// takes reports whether a Content-Type is one of k's media types.
func takes(k kind, contentType string) bool {
	mediaType, _, err := mime.ParseMediaType(contentType)
	return err == nil && k.takes(mediaType)
}

// headerCharsetToUTF8 decodes an XML body with the charset its header
// declares when the document itself declares none: a declaration in the
// document is left to the XML parser, which would otherwise decode the body
// twice.
func headerCharsetToUTF8(body []byte, contentType string) []byte {
	_, params, err := mime.ParseMediaType(contentType)
	if err != nil || params["charset"] == "" || strings.EqualFold(params["charset"], "utf-8") {
		return body
	}
	head := body[:min(len(body), 200)]
	if end := bytes.IndexByte(head, '>'); bytes.HasPrefix(bytes.TrimSpace(head), []byte("<?xml")) && end > 0 &&
		bytes.Contains(head[:end], []byte("encoding")) {
		return body
	}
	return toUTF8(body, contentType)
}

// checkURL refuses what is not an absolute http or https URL with a host.
// Where the host leads is checked when it is dialled.
func checkURL(u *url.URL) error {
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("%w: scheme %q", ErrInvalidURL, u.Scheme)
	}
	if u.Hostname() == "" {
		return fmt.Errorf("%w: no host", ErrInvalidURL)
	}
	return nil
}

// CheckURL returns an error wrapping ErrInvalidURL when rawURL is not an
// absolute http or https URL: what Get refuses before any connection.
func CheckURL(rawURL string) error {
	_, err := parseURL(rawURL)
	return err
}

// parseURL parses rawURL and refuses it unless it is absolute http or https.
func parseURL(rawURL string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(rawURL))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidURL, redact.Secrets(redact.URLs(err.Error()), redact.URLSecrets(rawURL)...))
	}
	if err := checkURL(u); err != nil {
		return nil, err
	}
	return u, nil
}

// checkRedirect re-validates every redirect's URL and counts them. The
// address it leads to is checked when it is dialled, like the first one.
func (f *Fetcher) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) > f.opts.MaxRedirects {
		return fmt.Errorf("%w: more than %d", ErrTooManyRedirects, max(f.opts.MaxRedirects, 0))
	}
	if err := checkURL(req.URL); err != nil {
		return fmt.Errorf("redirect to %s: %w", redact.URL(req.URL.String()), err)
	}
	return nil
}

// dial resolves the host itself and connects only to addresses it has
// checked, so that no second lookup (DNS rebinding: a name that resolves to
// a public address when checked and to 127.0.0.1 when dialled) can slip
// through. A host that resolves to any forbidden address is refused as a
// whole: a public name has no reason to list a private address.
func (f *Fetcher) dial(ctx context.Context, network, address string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(address)
	if err != nil {
		return nil, err
	}
	allowed := f.allow[strings.ToLower(host)] || f.allow[strings.ToLower(address)]

	var addrs []netip.Addr
	ip, err := netip.ParseAddr(host)
	literal := err == nil
	if literal {
		addrs = []netip.Addr{ip}
	} else {
		addrs, err = f.opts.LookupIP(ctx, host)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrHostNotFetched, err)
		}
		if len(addrs) == 0 {
			return nil, fmt.Errorf("%w: no address for %s", ErrHostNotFetched, host)
		}
	}
	if !allowed {
		for _, a := range addrs {
			if !forbidden(a) {
				continue
			}
			if literal {
				return nil, fmt.Errorf("%w: %s", ErrForbiddenAddress, a.Unmap())
			}
			return nil, fmt.Errorf("%w: %w: %s resolves to %s", ErrHostNotFetched, ErrForbiddenAddress, host, a.Unmap())
		}
	}

	var d net.Dialer
	var firstErr error
	for _, a := range addrs {
		conn, err := d.DialContext(ctx, network, net.JoinHostPort(a.Unmap().String(), port))
		if err == nil {
			return conn, nil
		}
		if firstErr == nil {
			firstErr = err
		}
		if ctx.Err() != nil {
			break
		}
	}
	return nil, firstErr
}

// classify turns an error of the HTTP client into one of the package's. The
// URL it quotes loses its user info and query values: the error is logged,
// and a client's URL may carry its own credentials (?token=…).
func classify(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		ue.URL = redact.URL(ue.URL)
	}
	for _, sentinel := range []error{ErrHostNotFetched, ErrForbiddenAddress, ErrTooManyRedirects, ErrInvalidURL} {
		if errors.Is(err, sentinel) {
			return err
		}
	}
	return fmt.Errorf("%w: %w", ErrFetchFailed, err)
}

// toUTF8 decodes body with the charset the Content-Type declares, else a
// byte order mark, else the page's <meta charset>, and returns it as UTF-8
// without a byte order mark. Without a declaration in the header, a body
// that is valid UTF-8 is taken as UTF-8 even when its <meta> says Latin-1:
// pages are re-encoded without their <meta> being updated far more often
// than Latin-1 text happens to form valid UTF-8.
func toUTF8(body []byte, contentType string) []byte {
	enc, name, certain := charset.DetermineEncoding(body, contentType)
	if name == "utf-8" || (!certain && utf8.Valid(body)) {
		return bytes.TrimPrefix(body, []byte("\xef\xbb\xbf"))
	}
	out, err := enc.NewDecoder().Bytes(body)
	if err != nil {
		return body
	}
	return bytes.TrimPrefix(out, []byte("\xef\xbb\xbf"))
}
