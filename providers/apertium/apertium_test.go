package apertium_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"passerelle/internal/testenv"
	"passerelle/providers"
	"passerelle/providers/apertium"
)

// newProvider returns a Provider talking to the real APy server, with opts
// for everything else.
func newProvider(t *testing.T, opts apertium.Options) *apertium.Provider {
	t.Helper()
	if opts.URL == "" {
		opts.URL = testenv.ApertiumURL(t)
	}
	p, err := apertium.New(opts)
	if err != nil {
		t.Fatalf("New(%+v): %v", opts, err)
	}
	return p
}

// seedParagraphs returns the non-empty lines of the seed article: the title
// first, then the paragraphs.
func seedParagraphs(t *testing.T) []string {
	t.Helper()
	data, err := os.ReadFile("../../testdata/poutine-kim-vladivostok.fr.txt")
	if err != nil {
		t.Fatalf("read seed article: %v", err)
	}
	var out []string
	for line := range strings.SplitSeq(string(data), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			out = append(out, line)
		}
	}
	return out
}

// wantKind fails the test unless err is a *providers.Error of kind want.
func wantKind(t *testing.T, err error, want providers.Kind) *providers.Error {
	t.Helper()
	var pe *providers.Error
	if !errors.As(err, &pe) {
		t.Fatalf("error = %v (%T), want a *providers.Error of kind %v", err, err, want)
	}
	if pe.Kind != want {
		t.Fatalf("kind = %v, want %v (error: %v)", pe.Kind, want, err)
	}
	return pe
}

func TestTranslateSeedArticle(t *testing.T) {
	paras := seedParagraphs(t)[1:4]
	p := newProvider(t, apertium.Options{})
	res, err := p.Translate(context.Background(), providers.TranslateRequest{SourceLang: "fr", TargetLang: "en", Segments: paras})
	if err != nil {
		t.Fatalf("Translate: %v", err)
	}
	if got, want := len(res.Translations), len(paras); got != want {
		t.Fatalf("got %d translations, want %d", got, want)
	}
	if got, want := res.Model, "apertium:fra-spa-eng"; got != want {
		t.Errorf("Model = %q, want %q", got, want)
	}
	chars := 0
	for _, s := range paras {
		chars += utf8.RuneCountInString(s)
	}
	if got, want := res.Usage.Characters, chars; got != want {
		t.Errorf("Usage.Characters = %d, want %d", got, want)
	}
	// Words each paragraph's translation must hold; they also pin the order.
	wantWords := [][]string{
		{"Vladimir Putin", "Thursday", "April"},
		{"Russian president", "North Korea", "United States", "Donald Trump"},
		{"agreement", "summit"},
	}
	for i, got := range res.Translations {
		t.Run(fmt.Sprintf("paragraph %d", i+1), func(t *testing.T) {
			if got == paras[i] {
				t.Fatalf("translation is the source: %q", got)
			}
			for _, w := range wantWords[i] {
				if !strings.Contains(got, w) {
					t.Errorf("translation %q lacks %q", got, w)
				}
			}
			// Paragraph 2 has words Apertium marks through both pairs of
			// the chain ("Trump"); none of the marks may reach the reader.
			if strings.ContainsAny(got, "*#@") {
				t.Errorf("translation %q keeps Apertium's marks", got)
			}
		})
	}
}

func TestTranslateDirectPair(t *testing.T) {
	p := newProvider(t, apertium.Options{})
	res, err := p.Translate(context.Background(), providers.TranslateRequest{
		SourceLang: "fr", TargetLang: "es", Segments: []string{"Le président russe et le dirigeant nord-coréen."}})
	if err != nil {
		t.Fatalf("Translate: %v", err)
	}
	if got, want := res.Model, "apertium:fra-spa"; got != want {
		t.Errorf("Model = %q, want %q", got, want)
	}
	if got, want := res.Translations[0], "presidente ruso"; !strings.Contains(got, want) {
		t.Errorf("translation %q lacks %q", got, want)
	}
}

func TestTranslateKeepsWhiteSpace(t *testing.T) {
	p := newProvider(t, apertium.Options{})
	segments := []string{
		"",
		"  \n",
		"\nLe président russe.\n",
		"Le président russe.\nLe dirigeant nord-coréen.",
		"a < b & c",
	}
	res, err := p.Translate(context.Background(), providers.TranslateRequest{SourceLang: "fr", TargetLang: "en", Segments: segments})
	if err != nil {
		t.Fatalf("Translate: %v", err)
	}
	if got, want := len(res.Translations), len(segments); got != want {
		t.Fatalf("got %d translations, want %d", got, want)
	}
	tr := res.Translations
	for i, want := range []string{"", "  \n"} {
		if tr[i] != want {
			t.Errorf("blank segment %d: got %q, want %q", i, tr[i], want)
		}
	}
	if got, want := tr[2], "\nThe Russian president.\n"; got != want {
		t.Errorf("segment with outer newlines: got %q, want %q", got, want)
	}
	if lines := strings.Split(tr[3], "\n"); len(lines) != 2 || !strings.Contains(lines[0], "Russian president") {
		t.Errorf("two-line segment: got %q, want two lines, the first with %q", tr[3], "Russian president")
	}
	// Plain text, not HTML: "<" and "&" come back as they went.
	if got := tr[4]; !strings.Contains(got, "<") || !strings.Contains(got, "&") {
		t.Errorf("segment with < and &: got %q, want both kept", got)
	}
	chars := 0
	for _, s := range segments[2:] {
		chars += utf8.RuneCountInString(strings.TrimSpace(s))
	}
	if got, want := res.Usage.Characters, chars; got != want {
		t.Errorf("Usage.Characters = %d, want %d (blank segments and outer white space are not sent)", got, want)
	}
}

func TestTranslateLongParagraph(t *testing.T) {
	const repeats = 20
	para := seedParagraphs(t)[2]
	long := strings.TrimSpace(strings.Repeat(para+"\n", repeats))
	if len(long) <= 8<<10 {
		t.Fatalf("test paragraph is %d bytes, want more than 8 KiB", len(long))
	}
	p := newProvider(t, apertium.Options{})
	res, err := p.Translate(context.Background(), providers.TranslateRequest{SourceLang: "fr", TargetLang: "en", Segments: []string{long}})
	if err != nil {
		t.Fatalf("Translate of %d bytes: %v", len(long), err)
	}
	if got := strings.Count(res.Translations[0], "Russian president"); got != repeats {
		t.Errorf("translation has %q %d times, want %d", "Russian president", got, repeats)
	}
}

// inFlightProxy forwards to APy and records how many translation calls were
// in flight at once. Each call waits until limit calls are in flight, so a
// client that keeps its bound reaches exactly limit and one that calls one
// at a time never gets there (the wait then gives up, to end the test).
type inFlightProxy struct {
	proxy *httputil.ReverseProxy
	limit int
	full  chan struct{}

	mu            sync.Mutex
	inFlight, max int
	opened        bool // full is closed
}

func (x *inFlightProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/listPairs" {
		x.proxy.ServeHTTP(w, r)
		return
	}
	x.mu.Lock()
	x.inFlight++
	x.max = max(x.max, x.inFlight)
	if x.inFlight >= x.limit && !x.opened {
		x.opened = true
		close(x.full)
	}
	x.mu.Unlock()
	select {
	case <-x.full:
	case <-time.After(3 * time.Second):
	}
	// Record the answer, count the call as done, and only then let the
	// client see it, so that its next call cannot overlap this one's count.
	rec := httptest.NewRecorder()
	x.proxy.ServeHTTP(rec, r)
	x.mu.Lock()
	x.inFlight--
	x.mu.Unlock()
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}

func TestTranslateBoundsConcurrency(t *testing.T) {
	const limit = 2
	target, err := url.Parse(testenv.ApertiumURL(t))
	if err != nil {
		t.Fatal(err)
	}
	x := &inFlightProxy{proxy: httputil.NewSingleHostReverseProxy(target), limit: limit, full: make(chan struct{})}
	srv := httptest.NewServer(x)
	t.Cleanup(srv.Close)
	p := newProvider(t, apertium.Options{URL: srv.URL, MaxConcurrency: limit})

	// Two Translate calls at once: the bound holds across calls, not only
	// within one.
	paras := seedParagraphs(t)[1:7]
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range errs {
		wg.Go(func() {
			_, errs[i] = p.Translate(context.Background(), providers.TranslateRequest{SourceLang: "fr", TargetLang: "en", Segments: paras})
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("Translate %d: %v", i, err)
		}
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.max != limit {
		t.Errorf("at most %d calls were in flight at once, want exactly MaxConcurrency = %d", x.max, limit)
	}
}

func TestServerDown(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String()
	l.Close()
	req := providers.TranslateRequest{SourceLang: "fr", TargetLang: "en", Segments: []string{"Le président russe."}}

	t.Run("closed port", func(t *testing.T) {
		p := newProvider(t, apertium.Options{URL: closed})
		_, err := p.Translate(context.Background(), req)
		wantKind(t, err, providers.KindUnavailable)
		wantKind(t, p.Ping(context.Background()), providers.KindUnavailable)
	})

	t.Run("gone after the pairs were listed", func(t *testing.T) {
		target, err := url.Parse(testenv.ApertiumURL(t))
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(httputil.NewSingleHostReverseProxy(target))
		p := newProvider(t, apertium.Options{URL: srv.URL})
		if _, err := p.Translate(context.Background(), req); err != nil {
			t.Fatalf("Translate before the outage: %v", err)
		}
		srv.Close()
		_, err = p.Translate(context.Background(), req)
		wantKind(t, err, providers.KindUnavailable)
	})
}

func TestTranslateUnsupportedLanguage(t *testing.T) {
	tests := []struct {
		name     string
		src, tgt string
		langs    map[string]string
	}{
		{name: "unknown source", src: "de", tgt: "en"},
		{name: "unknown target", src: "fr", tgt: "zz"},
		{name: "empty source", src: "", tgt: "en"},
		{name: "same language", src: "fr", tgt: "fr"},
		{name: "mapped but not installed", src: "fr", tgt: "de", langs: map[string]string{"fr": "fra", "en": "eng", "es": "spa", "de": "deu"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newProvider(t, apertium.Options{Languages: tt.langs})
			res, err := p.Translate(context.Background(), providers.TranslateRequest{SourceLang: tt.src, TargetLang: tt.tgt, Segments: []string{"Bonjour."}})
			wantKind(t, err, providers.KindBadRequest)
			if res.Translations != nil {
				t.Errorf("got translations %q with the error, want none", res.Translations)
			}
		})
	}
}

func TestTranslateRegionalCodes(t *testing.T) {
	p := newProvider(t, apertium.Options{})
	res, err := p.Translate(context.Background(), providers.TranslateRequest{SourceLang: "FR-fr", TargetLang: "en_GB", Segments: []string{"Le président russe."}})
	if err != nil {
		t.Fatalf("Translate: %v", err)
	}
	if got, want := res.Translations[0], "The Russian president."; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestTranslateTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/listPairs" {
			_, _ = w.Write([]byte(listPairsBody))
			return
		}
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	p := newProvider(t, apertium.Options{URL: srv.URL, Timeout: 50 * time.Millisecond})
	_, err := p.Translate(context.Background(), providers.TranslateRequest{SourceLang: "fr", TargetLang: "en", Segments: []string{"Bonjour."}})
	wantKind(t, err, providers.KindTimeout)
}

func TestTranslateCanceled(t *testing.T) {
	p := newProvider(t, apertium.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := p.Translate(ctx, providers.TranslateRequest{SourceLang: "fr", TargetLang: "en", Segments: []string{"Bonjour."}})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error = %v, want one wrapping context.Canceled", err)
	}
}

func TestPing(t *testing.T) {
	p := newProvider(t, apertium.Options{})
	if err := p.Ping(context.Background()); err != nil {
		t.Errorf("Ping: %v", err)
	}
}

func TestNew(t *testing.T) {
	tests := []struct {
		name    string
		opts    apertium.Options
		wantErr bool
	}{
		{name: "zero value", opts: apertium.Options{}},
		{name: "no scheme", opts: apertium.Options{URL: "127.0.0.1:2737"}, wantErr: true},
		{name: "negative timeout", opts: apertium.Options{Timeout: -time.Second}, wantErr: true},
		{name: "negative concurrency", opts: apertium.Options{MaxConcurrency: -1}, wantErr: true},
		{name: "code with a pair separator", opts: apertium.Options{Languages: map[string]string{"fr": "fra|spa"}}, wantErr: true},
		{name: "empty code", opts: apertium.Options{Languages: map[string]string{"fr": ""}}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := apertium.New(tt.opts)
			if got := err != nil; got != tt.wantErr {
				t.Errorf("New(%+v) error = %v, want error: %v", tt.opts, err, tt.wantErr)
			}
		})
	}
}

func TestFingerprint(t *testing.T) {
	tests := []struct {
		name string
		opts apertium.Options
		want string
	}{
		{name: "defaults", opts: apertium.Options{}, want: "apertium|en=eng,es=spa,fr=fra|pivot=spa"},
		{name: "URL and name do not change the output", opts: apertium.Options{Name: "offline", URL: "http://apy:2737"}, want: "apertium|en=eng,es=spa,fr=fra|pivot=spa"},
		{name: "pivot", opts: apertium.Options{Pivot: "cat"}, want: "apertium|en=eng,es=spa,fr=fra|pivot=cat"},
		{name: "languages", opts: apertium.Options{Languages: map[string]string{"FR": "fra", "en": "eng_US"}}, want: "apertium|en=eng_US,fr=fra|pivot=spa"},
		{name: "revision", opts: apertium.Options{Revision: "fr-es 0.9.4"}, want: "apertium|en=eng,es=spa,fr=fra|pivot=spa|fr-es 0.9.4"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := apertium.New(tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if got := p.Fingerprint(); got != tt.want {
				t.Errorf("Fingerprint() = %q, want %q", got, tt.want)
			}
		})
	}
}
