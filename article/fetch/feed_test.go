package fetch

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

const rss = `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>À la une</title></channel></rss>`

// The feed's media types are taken by GetFeed alone: Get keeps refusing
// them, and GetFeed refuses HTML.
func TestGetFeedContentType(t *testing.T) {
	tests := []struct {
		contentType string // "" sends none
		body        string
		wantFeed    error
		wantPage    error
	}{
		{"application/rss+xml; charset=utf-8", rss, nil, ErrNotHTML},
		{"application/atom+xml", rss, nil, ErrNotHTML},
		{"application/xml", rss, nil, ErrNotHTML},
		{"TEXT/XML", rss, nil, ErrNotHTML},
		{"", rss, nil, ErrNotHTML},
		{"text/html; charset=utf-8", page, ErrNotFeed, nil},
		{"application/json", `{"items": []}`, ErrNotFeed, ErrNotHTML},
		{"text/plain", "Le sommet s'est achevé.", ErrNotFeed, ErrNotHTML},
	}
	for _, tt := range tests {
		t.Run(tt.contentType, func(t *testing.T) {
			var accept string
			s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
				accept = r.Header.Get("Accept")
				if tt.contentType == "" {
					w.Header()["Content-Type"] = nil
				} else {
					w.Header().Set("Content-Type", tt.contentType)
				}
				fmt.Fprint(w, tt.body)
			})
			f := New(Options{AllowHosts: []string{s.hostPort(t)}})
			p, err := f.GetFeed(context.Background(), s.URL)
			if !errors.Is(err, tt.wantFeed) {
				t.Fatalf("GetFeed error = %v, want %v", err, tt.wantFeed)
			}
			if err == nil && string(p.Body) != tt.body {
				t.Errorf("GetFeed Body = %q, want %q", p.Body, tt.body)
			}
			if !strings.HasPrefix(accept, "application/rss+xml") {
				t.Errorf("GetFeed sent Accept %q, want the feed's types first", accept)
			}
			if _, err := f.Get(context.Background(), s.URL); !errors.Is(err, tt.wantPage) {
				t.Errorf("Get error = %v, want %v", err, tt.wantPage)
			}
		})
	}
}

// GetFeed is bounded and guarded as Get is.
func TestGetFeedBoundsAndGuard(t *testing.T) {
	big := `<?xml version="1.0"?><rss version="2.0"><channel>` + strings.Repeat("<item><title>x</title></item>", 100) + `</channel></rss>`
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprint(w, big)
	})
	if _, err := New(Options{AllowHosts: []string{s.hostPort(t)}, MaxBytes: int64(len(big) - 1)}).GetFeed(context.Background(), s.URL); !errors.Is(err, ErrTooLarge) {
		t.Errorf("GetFeed of a feed over MaxBytes: error = %v, want ErrTooLarge", err)
	}
	if _, err := New(Options{}).GetFeed(context.Background(), s.URL); !errors.Is(err, ErrForbiddenAddress) {
		t.Errorf("GetFeed on loopback: error = %v, want ErrForbiddenAddress", err)
	}
	if s.hits.Load() != 1 {
		t.Errorf("the server was reached %d times, want once (the loopback fetch must not reach it)", s.hits.Load())
	}
}

// A charset the header alone declares is applied; one the document
// declares is left to the XML parser.
func TestGetFeedCharset(t *testing.T) {
	latin1Bare := "<rss version=\"2.0\"><channel><title>\xc0 la une</title></channel></rss>"
	latin1Declared := "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>" + latin1Bare
	for _, tt := range []struct{ name, body, want string }{
		{"header only", latin1Bare, "<rss version=\"2.0\"><channel><title>À la une</title></channel></rss>"},
		{"declared in the document", latin1Declared, latin1Declared},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/rss+xml; charset=ISO-8859-1")
				fmt.Fprint(w, tt.body)
			})
			p, err := New(Options{AllowHosts: []string{s.hostPort(t)}}).GetFeed(context.Background(), s.URL)
			if err != nil {
				t.Fatal(err)
			}
			if string(p.Body) != tt.want {
				t.Errorf("Body = %q, want %q", p.Body, tt.want)
			}
		})
	}
}
