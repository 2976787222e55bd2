package handlers

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"testing"

	"passerelle/article/fetch"
	"passerelle/gateway"
)

// TestInternalNamesCannotBeProbed: a URL whose host name does not resolve
// and one whose name resolves inside the network get the same reply, byte
// for byte but for the request id, so that a client cannot map which names
// exist inside the network; the log says which it was.
func TestInternalNamesCannotBeProbed(t *testing.T) {
	resolver := func(ctx context.Context, host string) ([]netip.Addr, error) {
		switch host {
		case "intranet.example":
			return []netip.Addr{netip.MustParseAddr("10.20.30.40")}, nil
		case "metadata.example":
			return []netip.Addr{netip.MustParseAddr("169.254.169.254")}, nil
		}
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	logs := &lockedBuffer{}
	svc := markService(t, func(o *gateway.Options) {
		o.Fetcher = fetch.New(fetch.Options{LookupIP: resolver})
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	})
	h := New(svc, Options{MaxBodyBytes: 4096, Logger: slog.New(slog.NewJSONHandler(logs, nil))})

	reply := func(rawURL string) (int, string) {
		t.Helper()
		rec := do(t, h, "POST", "/v1/articles", `{"url": "`+rawURL+`"}`)
		id := rec.Header().Get("X-Request-ID")
		if id == "" {
			t.Fatalf("no X-Request-ID on the reply to %s", rawURL)
		}
		return rec.Code, strings.ReplaceAll(rec.Body.String(), id, "ID")
	}
	status, want := reply("http://nowhere.example/article")
	if status != http.StatusBadGateway || !strings.Contains(want, `"code":"fetch_failed"`) {
		t.Fatalf("a name that does not resolve = %d %s, want 502 fetch_failed", status, want)
	}
	for _, rawURL := range []string{"http://intranet.example/article", "http://metadata.example/latest/meta-data/", "http://also-nowhere.example/"} {
		if gotStatus, got := reply(rawURL); gotStatus != status || got != want {
			t.Errorf("%s = %d %s\nwant the same as a name that does not resolve: %d %s", rawURL, gotStatus, got, status, want)
		}
	}
	logged := logs.take()
	for _, detail := range []string{"no such host", "intranet.example resolves to 10.20.30.40", "metadata.example resolves to 169.254.169.254"} {
		if !strings.Contains(logged, detail) {
			t.Errorf("the log lacks %q:\n%s", detail, logged)
		}
	}
	// An address written in the URL hides nothing: it is refused as such.
	if rec := do(t, h, "POST", "/v1/articles", `{"url": "http://10.20.30.40/"}`); rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "url_not_allowed") {
		t.Errorf("a private address = %d %s, want 400 url_not_allowed", rec.Code, rec.Body)
	}
}
