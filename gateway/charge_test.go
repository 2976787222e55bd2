package gateway

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"

	"passerelle/article/fetch"
)

// Whatever form an article comes in, Charge is told the characters of the
// text that is sent to the provider, and a refusal stops the request before
// the provider is called.
func TestChargeCountsWhatIsSent(t *testing.T) {
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(pageHTML))
	}))
	defer site.Close()
	fetcher := fetch.New(fetch.Options{AllowHosts: []string{strings.TrimPrefix(site.URL, "http://")}})
	refused := Errorf("rate_limited", "over the allowance")
	for _, tt := range []struct {
		name string
		req  Request
	}{
		{"text", Request{Title: "Un titre", Text: "Premier paragraphe.\n\n  Second   paragraphe.  "}},
		{"html", Request{HTML: pageHTML}},
		{"url", Request{URL: site.URL + "/article"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			svc, tr := newInputFixture(t, fetcher)
			charged, calls := -1, 0
			req := tt.req
			req.Charge = func(_ context.Context, n int) error { charged = n; calls++; return nil }
			if _, err := svc.Translate(context.Background(), req); err != nil {
				t.Fatal(err)
			}
			sent := 0
			for _, s := range tr.sent {
				// The fake marks nothing on the way in: what it was sent is
				// the article as parsed, title and paragraphs.
				sent += utf8.RuneCountInString(s)
			}
			if calls != 1 || charged != sent || sent == 0 {
				t.Errorf("charged %d characters in %d calls; the provider was sent %d", charged, calls, sent)
			}

			// The same article on a fresh cache, refused by Charge: no
			// provider call, and the refusal is the request's error.
			svc, tr = newInputFixture(t, fetcher)
			req.Charge = func(context.Context, int) error { return refused }
			if _, err := svc.Translate(context.Background(), req); err != refused {
				t.Errorf("err = %v, want the refusal as it is", err)
			}
			if tr.calls != 0 {
				t.Errorf("the provider was called %d times for a refused article", tr.calls)
			}
		})
	}
}

// A request refused for its form is not charged at all.
func TestChargeNotCalledForInvalidRequests(t *testing.T) {
	svc, _ := newInputFixture(t, nil)
	for _, req := range []Request{
		{Text: "   "},
		{Text: "Un texte.", HTML: "<p>Une page.</p>"},
		{Text: "Un texte.", TargetLang: "de"},
		{Text: "Un texte.", Provider: "inconnu"},
		{Text: "Un texte.", SummarySentences: 99},
		{HTML: "<html><body></body></html>"},
	} {
		req.Charge = func(context.Context, int) error { t.Errorf("%+v: charged", req); return nil }
		if _, err := svc.Summarize(context.Background(), req); err == nil {
			t.Errorf("%+v: no error", req)
		}
	}
}
