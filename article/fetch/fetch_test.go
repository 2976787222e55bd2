package fetch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

const page = `<!DOCTYPE html><html lang="fr"><head><title>Essai</title></head><body><p>Le sommet s'est achevé.</p></body></html>`

// server is an httptest server on loopback that counts its requests.
type server struct {
	*httptest.Server
	hits atomic.Int32
}

func newServer(t *testing.T, h http.HandlerFunc) *server {
	t.Helper()
	s := &server{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.hits.Add(1)
		h(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

// hostPort is the server's 127.0.0.1:port, as AllowHosts takes it.
func (s *server) hostPort(t *testing.T) string {
	t.Helper()
	u, err := url.Parse(s.URL)
	if err != nil {
		t.Fatal(err)
	}
	return u.Host
}

func htmlHandler(body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, body)
	}
}

func TestGetAllowedHost(t *testing.T) {
	var gotUA string
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		gotUA = r.UserAgent()
		htmlHandler(page)(w, r)
	})
	for _, allow := range []string{s.hostPort(t), "127.0.0.1"} {
		t.Run(allow, func(t *testing.T) {
			f := New(Options{AllowHosts: []string{allow}})
			p, err := f.Get(context.Background(), s.URL+"/article")
			if err != nil {
				t.Fatalf("Get: %v", err)
			}
			if p.URL != s.URL+"/article" || p.ContentType != "text/html" || string(p.Body) != page {
				t.Errorf("Page = %q, %q, %q; want %q, %q, %q", p.URL, p.ContentType, p.Body, s.URL+"/article", "text/html", page)
			}
			if gotUA != DefaultUserAgent {
				t.Errorf("User-Agent = %q, want %q", gotUA, DefaultUserAgent)
			}
		})
	}
}

func TestGetRefusesLoopbackByDefault(t *testing.T) {
	s := newServer(t, htmlHandler(page))
	_, port, _ := net.SplitHostPort(s.hostPort(t))
	other := newServer(t, htmlHandler(page))
	for _, rawURL := range []string{
		s.URL,
		"http://localhost:" + port + "/",
		"http://[::ffff:127.0.0.1]:" + port + "/",
	} {
		t.Run(rawURL, func(t *testing.T) {
			// Allowing another port of the same host does not allow this one.
			f := New(Options{AllowHosts: []string{other.hostPort(t)}})
			_, err := f.Get(context.Background(), rawURL)
			if !errors.Is(err, ErrForbiddenAddress) {
				t.Errorf("Get(%s) error = %v, want ErrForbiddenAddress", rawURL, err)
			}
		})
	}
	if n := s.hits.Load(); n != 0 {
		t.Errorf("the server got %d requests, want none", n)
	}
}

// A public-looking name that resolves to loopback (DNS rebinding, or a
// hostile DNS record) is refused on the address actually dialled.
func TestGetRefusesNameResolvingToLoopback(t *testing.T) {
	s := newServer(t, htmlHandler(page))
	_, port, _ := net.SplitHostPort(s.hostPort(t))
	var lookups atomic.Int32
	rebind := func(ctx context.Context, host string) ([]netip.Addr, error) {
		lookups.Add(1)
		if host != "news.example" {
			return nil, fmt.Errorf("unexpected lookup of %q", host)
		}
		return []netip.Addr{netip.MustParseAddr("127.0.0.1")}, nil
	}
	rawURL := "http://news.example:" + port + "/article"

	_, err := New(Options{LookupIP: rebind}).Get(context.Background(), rawURL)
	if !errors.Is(err, ErrForbiddenAddress) {
		t.Errorf("Get error = %v, want ErrForbiddenAddress", err)
	}
	if n := s.hits.Load(); n != 0 {
		t.Errorf("the server got %d requests, want none", n)
	}
	if lookups.Load() == 0 {
		t.Error("the resolver was never asked")
	}

	// The same name allowed: the fetch dials the address the resolver gave.
	p, err := New(Options{LookupIP: rebind, AllowHosts: []string{"News.Example"}}).Get(context.Background(), rawURL)
	if err != nil {
		t.Fatalf("Get with the name allowed: %v", err)
	}
	if string(p.Body) != page {
		t.Errorf("Body = %q, want %q", p.Body, page)
	}
}

func TestGetRefusesNameWithAnyForbiddenAddress(t *testing.T) {
	s := newServer(t, htmlHandler(page))
	_, port, _ := net.SplitHostPort(s.hostPort(t))
	mixed := func(ctx context.Context, host string) ([]netip.Addr, error) {
		return []netip.Addr{netip.MustParseAddr("93.184.215.14"), netip.MustParseAddr("10.0.0.7")}, nil
	}
	_, err := New(Options{LookupIP: mixed}).Get(context.Background(), "http://news.example:"+port+"/")
	if !errors.Is(err, ErrForbiddenAddress) {
		t.Errorf("Get error = %v, want ErrForbiddenAddress", err)
	}
}

func TestGetRedirects(t *testing.T) {
	private := newServer(t, htmlHandler(page))
	final := newServer(t, htmlHandler(page))
	redirectTo := func(target string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, target, http.StatusFound)
		}
	}
	tests := []struct {
		name    string
		target  string
		wantErr error
	}{
		{"to an allowed host", final.URL + "/article", nil},
		{"to loopback", private.URL + "/admin", ErrForbiddenAddress},
		{"to localhost", "http://localhost:" + strings.Split(private.hostPort(t), ":")[1] + "/", ErrForbiddenAddress},
		{"to the metadata service", "http://169.254.169.254/latest/meta-data/", ErrForbiddenAddress},
		{"to the IPv6 metadata service", "http://[fd00:ec2::254]/latest/meta-data/", ErrForbiddenAddress},
		{"to a file", "file:///etc/passwd", ErrInvalidURL},
		{"to ftp", "ftp://news.example/article.html", ErrInvalidURL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := newServer(t, redirectTo(tt.target))
			f := New(Options{AllowHosts: []string{start.hostPort(t), final.hostPort(t)}})
			p, err := f.Get(context.Background(), start.URL+"/")
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("Get: %v", err)
				}
				if p.URL != tt.target {
					t.Errorf("URL = %q, want the final %q", p.URL, tt.target)
				}
				return
			}
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("Get error = %v, want %v", err, tt.wantErr)
			}
		})
	}
	if n := private.hits.Load(); n != 0 {
		t.Errorf("the private server got %d requests, want none", n)
	}
}

func TestGetRedirectLoop(t *testing.T) {
	tests := []struct {
		max      int
		wantHits int32
	}{
		{0, DefaultMaxRedirects + 1},
		{2, 3},
		{-1, 1},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.max), func(t *testing.T) {
			s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, "/again", http.StatusMovedPermanently)
			})
			f := New(Options{AllowHosts: []string{s.hostPort(t)}, MaxRedirects: tt.max})
			_, err := f.Get(context.Background(), s.URL)
			if !errors.Is(err, ErrTooManyRedirects) {
				t.Errorf("Get error = %v, want ErrTooManyRedirects", err)
			}
			if got := s.hits.Load(); got != tt.wantHits {
				t.Errorf("the server got %d requests, want %d", got, tt.wantHits)
			}
		})
	}
}

func TestGetSizeCap(t *testing.T) {
	const limit = 1000
	body := func(n int) string {
		return "<html><body><p>" + strings.Repeat("a", n-len("<html><body><p></p></body></html>")) + "</p></body></html>"
	}
	tests := []struct {
		name    string
		size    int
		chunked bool
		wantErr error
	}{
		{"at the limit", limit, false, nil},
		{"over, with a length", limit + 1, false, ErrTooLarge},
		{"far over, with a length", 10 * limit, false, ErrTooLarge},
		{"over, chunked", limit + 1, true, ErrTooLarge},
		{"at the limit, chunked", limit, true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := body(tt.size)
			s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/html")
				if !tt.chunked {
					w.Header().Set("Content-Length", fmt.Sprint(len(b)))
				}
				// Two writes with a flush between make the response chunked
				// when no length is set.
				fmt.Fprint(w, b[:10])
				w.(http.Flusher).Flush()
				fmt.Fprint(w, b[10:])
			})
			p, err := New(Options{AllowHosts: []string{s.hostPort(t)}, MaxBytes: limit}).Get(context.Background(), s.URL)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Get error = %v, want %v", err, tt.wantErr)
			}
			if err == nil && string(p.Body) != b {
				t.Errorf("Body has %d bytes, want all %d", len(p.Body), len(b))
			}
		})
	}
}

func TestGetContentType(t *testing.T) {
	png := "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01"
	tests := []struct {
		name        string
		contentType string // "" sends none
		body        string
		wantType    string
		wantErr     error
	}{
		{"html", "text/html; charset=utf-8", page, "text/html", nil},
		{"xhtml", "application/xhtml+xml", page, "application/xhtml+xml", nil},
		{"upper case", "TEXT/HTML", page, "text/html", nil},
		{"sniffed html", "", page, "text/html", nil},
		{"json", "application/json", `{"text": "<p>x</p>"}`, "", ErrNotHTML},
		{"pdf", "application/pdf", "%PDF-1.7", "", ErrNotHTML},
		{"plain text", "text/plain", "Le sommet s'est achevé.", "", ErrNotHTML},
		{"sniffed png", "", png, "", ErrNotHTML},
		{"sniffed text", "", "Le sommet s'est achevé.", "", ErrNotHTML},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
				if tt.contentType == "" {
					// Without this, net/http would sniff and set one.
					w.Header()["Content-Type"] = nil
				} else {
					w.Header().Set("Content-Type", tt.contentType)
				}
				fmt.Fprint(w, tt.body)
			})
			p, err := New(Options{AllowHosts: []string{s.hostPort(t)}}).Get(context.Background(), s.URL)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Get error = %v, want %v", err, tt.wantErr)
			}
			if p.ContentType != tt.wantType {
				t.Errorf("ContentType = %q, want %q", p.ContentType, tt.wantType)
			}
		})
	}
}

func TestGetCharset(t *testing.T) {
	latin1 := "<html><head><title>R\xe9forme</title></head><body><p>L'\xe2ge de d\xe9part \xe0 la retraite \xab d\xe9cal\xe9 \xbb.</p></body></html>"
	wantLatin1 := "L'âge de départ à la retraite « décalé »."
	tests := []struct {
		name        string
		contentType string
		body        string
		want        string
	}{
		{"ISO-8859-1 in the header", "text/html; charset=ISO-8859-1", latin1, wantLatin1},
		{"ISO-8859-1 in a meta", "text/html", strings.Replace(latin1, "<head>", `<head><meta charset="iso-8859-1">`, 1), wantLatin1},
		{"http-equiv meta", "text/html", strings.Replace(latin1, "<head>", `<head><meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">`, 1), wantLatin1},
		{"windows-1252 quotes", "text/html; charset=windows-1252", "<p>L\x92\xe9t\xe9 \x93chaud\x94</p>", "L’été “chaud”"},
		{"undeclared Latin-1", "text/html", latin1, wantLatin1},
		{"UTF-8 under a stale Latin-1 meta", "text/html", `<meta charset="iso-8859-1"><p>L'âge de départ</p>`, "L'âge de départ"},
		{"UTF-8 with a byte order mark", "text/html", "\xef\xbb\xbf<p>Été</p>", "<p>Été</p>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", tt.contentType)
				fmt.Fprint(w, tt.body)
			})
			p, err := New(Options{AllowHosts: []string{s.hostPort(t)}}).Get(context.Background(), s.URL)
			if err != nil {
				t.Fatalf("Get: %v", err)
			}
			if !bytes.Contains(p.Body, []byte(tt.want)) {
				t.Errorf("Body = %q, want it to contain %q", p.Body, tt.want)
			}
			if bytes.HasPrefix(p.Body, []byte("\xef\xbb\xbf")) {
				t.Errorf("Body keeps its byte order mark: %q", p.Body)
			}
		})
	}
}

func TestGetStatus(t *testing.T) {
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "gone", http.StatusNotFound)
	})
	_, err := New(Options{AllowHosts: []string{s.hostPort(t)}}).Get(context.Background(), s.URL)
	if !errors.Is(err, ErrFetchFailed) {
		t.Fatalf("Get error = %v, want ErrFetchFailed", err)
	}
	var se *StatusError
	if !errors.As(err, &se) || se.StatusCode != http.StatusNotFound {
		t.Errorf("Get error = %#v, want a *StatusError with 404", err)
	}
}

func TestGetTimeout(t *testing.T) {
	release := make(chan struct{})
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	defer close(release)

	t.Run("Options.Timeout", func(t *testing.T) {
		f := New(Options{AllowHosts: []string{s.hostPort(t)}, Timeout: 50 * time.Millisecond})
		_, err := f.Get(context.Background(), s.URL)
		if !errors.Is(err, ErrFetchFailed) {
			t.Fatalf("Get error = %v, want ErrFetchFailed", err)
		}
		var ne net.Error
		if !errors.As(err, &ne) || !ne.Timeout() {
			t.Errorf("Get error = %v, want a timeout", err)
		}
	})
	t.Run("context deadline", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		_, err := New(Options{AllowHosts: []string{s.hostPort(t)}}).Get(ctx, s.URL)
		if !errors.Is(err, ErrFetchFailed) || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Get error = %v, want ErrFetchFailed wrapping context.DeadlineExceeded", err)
		}
	})
}

func TestGetInvalidURL(t *testing.T) {
	for _, rawURL := range []string{
		"file:///etc/passwd",
		"ftp://news.example/a.html",
		"gopher://news.example/",
		"javascript:alert(1)",
		"news.example/article",
		"http://",
		"http://%zz/",
		"",
	} {
		t.Run(rawURL, func(t *testing.T) {
			_, err := New(Options{}).Get(context.Background(), rawURL)
			if !errors.Is(err, ErrInvalidURL) {
				t.Errorf("Get(%q) error = %v, want ErrInvalidURL", rawURL, err)
			}
		})
	}
}

// TestGetTellsNoNameFromAnInternalOne: a name that does not resolve and a
// name that resolves inside the network fail with the same sentinel, so
// that no caller can tell a client which internal names exist; the error's
// text keeps the difference for the log. An address the client wrote
// itself is refused as forbidden, with nothing to hide.
func TestGetTellsNoNameFromAnInternalOne(t *testing.T) {
	resolver := func(ctx context.Context, host string) ([]netip.Addr, error) {
		switch host {
		case "intranet.example":
			return []netip.Addr{netip.MustParseAddr("10.1.2.3")}, nil
		case "metadata.example":
			return []netip.Addr{netip.MustParseAddr("::ffff:169.254.169.254")}, nil
		case "compat.example":
			return []netip.Addr{netip.MustParseAddr("::127.0.0.1")}, nil
		case "empty.example":
			return nil, nil
		}
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	f := New(Options{LookupIP: resolver, Timeout: 2 * time.Second})
	tests := []struct {
		url       string
		sentinel  error
		forbidden bool   // errors.Is(err, ErrForbiddenAddress)
		detail    string // in the error's text, for the log
	}{
		{"http://intranet.example/", ErrHostNotFetched, true, "intranet.example resolves to 10.1.2.3"},
		{"http://metadata.example/latest/", ErrHostNotFetched, true, "169.254.169.254"},
		{"http://compat.example/", ErrHostNotFetched, true, "::7f00:1"},
		{"http://nowhere.example/", ErrHostNotFetched, false, "no such host"},
		{"http://empty.example/", ErrHostNotFetched, false, "no address for empty.example"},
		{"http://10.1.2.3/", ErrForbiddenAddress, true, "10.1.2.3"},
		{"http://[::127.0.0.1]/", ErrForbiddenAddress, true, "::7f00:1"},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			_, err := f.Get(context.Background(), tt.url)
			if !errors.Is(err, tt.sentinel) || errors.Is(err, ErrForbiddenAddress) != tt.forbidden {
				t.Fatalf("Get error = %v, want %v (forbidden address: %v)", err, tt.sentinel, tt.forbidden)
			}
			if tt.sentinel == ErrForbiddenAddress && errors.Is(err, ErrHostNotFetched) {
				t.Errorf("Get error = %v: a literal address is not a name", err)
			}
			if !strings.Contains(err.Error(), tt.detail) {
				t.Errorf("Get error = %v, want the detail %q for the log", err, tt.detail)
			}
		})
	}
}

func TestFetchErrorsHideTheURLsSecrets(t *testing.T) {
	s := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://127.0.0.1:1/next?token=redirect-s3cret", http.StatusFound)
	}))
	f := New(Options{AllowHosts: []string{"127.0.0.1"}, Timeout: 2 * time.Second})
	for _, rawURL := range []string{
		"http://" + s.hostPort(t) + "/start?token=first-s3cret",
		"http://user:pass-s3cret@127.0.0.1:1/?api_key=key-s3cret",
		"http://user:pass-s3cret@127.0.0.1:port/?api_key=key-s3cret", // does not parse
	} {
		_, err := f.Get(context.Background(), rawURL)
		if err == nil {
			t.Fatalf("Get(%q) succeeded", rawURL)
		}
		if strings.Contains(err.Error(), "s3cret") {
			t.Errorf("Get(%q) error shows a secret: %v", rawURL, err)
		}
	}
}
