package google_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"passerelle/providers"
	"passerelle/providers/google"
)

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

var french = []string{
	"Le sommet inédit entre Kim Jong-un et Vladimir Poutine s'est achevé jeudi à Vladivostok.",
	"",
	"Les deux dirigeants ont affiché leur « bonne entente ».",
	"  \n",
	"L'homme fort de Pyongyang repartira vendredi.",
}

func TestTranslate(t *testing.T) {
	f := newFakeGoogle(t)
	p := f.provider(google.Options{Model: google.ModelNMT})
	res, err := p.Translate(context.Background(), providers.TranslateRequest{SourceLang: "fr", TargetLang: "en", Segments: french})
	if err != nil {
		t.Fatalf("Translate: %v", err)
	}
	want := []string{"EN[" + french[0] + "]", "", "EN[" + french[2] + "]", "  \n", "EN[" + french[4] + "]"}
	if fmt.Sprint(res.Translations) != fmt.Sprint(want) {
		t.Errorf("Translations = %q, want %q", res.Translations, want)
	}
	if got, want := res.Model, "google:nmt"; got != want {
		t.Errorf("Model = %q, want %q", got, want)
	}
	chars := 0
	for _, s := range []string{french[0], french[2], french[4]} {
		chars += utf8.RuneCountInString(s)
	}
	if res.Usage.Characters != chars {
		t.Errorf("Usage.Characters = %d, want %d (the characters sent)", res.Usage.Characters, chars)
	}

	if len(f.requests) != 1 {
		t.Fatalf("%d requests, want 1", len(f.requests))
	}
	req := f.requests[0]
	if req.Source == nil || *req.Source != "fr" || req.Target != "en" || req.Format != "text" || req.Model == nil || *req.Model != "nmt" {
		t.Errorf("request = {source: %v, target: %q, format: %q, model: %v}, want {fr, en, text, nmt}", deref(req.Source), req.Target, req.Format, deref(req.Model))
	}
	if len(req.Q) != 3 {
		t.Errorf("q = %q, want the 3 non-blank segments", req.Q)
	}
}

func deref(s *string) string {
	if s == nil {
		return "<absent>"
	}
	return *s
}

func TestTranslateDefaultModel(t *testing.T) {
	f := newFakeGoogle(t)
	p := f.provider(google.Options{})
	res, err := p.Translate(context.Background(), providers.TranslateRequest{SourceLang: "auto", TargetLang: "en", Segments: french[:1]})
	if err != nil {
		t.Fatalf("Translate: %v", err)
	}
	if res.Model != "google" {
		t.Errorf("Model = %q, want %q when neither the options nor Google name a model", res.Model, "google")
	}
	req := f.requests[0]
	if req.Model != nil {
		t.Errorf("model = %q was sent, want it absent", *req.Model)
	}
	if req.Source != nil {
		t.Errorf("source = %q was sent for \"auto\", want it absent so that Google detects it", *req.Source)
	}
}

func TestTranslateSplitsAt128(t *testing.T) {
	f := newFakeGoogle(t)
	p := f.provider(google.Options{MaxChars: 1 << 20})
	segs := make([]string, 300)
	for i := range segs {
		segs[i] = fmt.Sprintf("Phrase %d.", i)
	}
	res, err := p.Translate(context.Background(), providers.TranslateRequest{SourceLang: "fr", TargetLang: "en", Segments: segs})
	if err != nil {
		t.Fatalf("Translate: %v", err)
	}
	for i, got := range res.Translations {
		if want := "EN[" + segs[i] + "]"; got != want {
			t.Fatalf("Translations[%d] = %q, want %q (order lost)", i, got, want)
		}
	}
	var sizes []int
	for _, r := range f.requests {
		sizes = append(sizes, len(r.Q))
	}
	if len(sizes) != 3 {
		t.Errorf("request sizes = %v, want 3 requests (128+128+44)", sizes)
	}
}

func TestTranslateSplitsByCharacters(t *testing.T) {
	f := newFakeGoogle(t)
	f.maxChars = 100
	p := f.provider(google.Options{MaxChars: 100})
	segs := []string{
		strings.Repeat("é", 40), strings.Repeat("a", 40), strings.Repeat("b", 40),
		strings.Repeat("c", 250), // over MaxChars: alone
		strings.Repeat("d", 10),
	}
	res, err := p.Translate(context.Background(), providers.TranslateRequest{SourceLang: "fr", TargetLang: "en", Segments: segs})
	if err != nil {
		t.Fatalf("Translate: %v", err)
	}
	for i, got := range res.Translations {
		if want := "EN[" + segs[i] + "]"; got != want {
			t.Errorf("Translations[%d] = %q, want %q", i, got, want)
		}
	}
	// é counts as one character, as Google counts code points: 40+40 fit.
	if got := len(f.requests); got != 4 {
		t.Errorf("%d requests, want 4 ([é a] [b] [c] [d])", got)
	}
}

// TestTranslateEntities checks both formats against what Google does: with
// format "text" it answers plain text, with "html" (its default) it escapes
// apostrophes and quotes as entities, which are kept since the answer is HTML.
func TestTranslateEntities(t *testing.T) {
	f := newFakeGoogle(t)
	f.translate = func(req v2Request, q string) string {
		out := strings.ReplaceAll(q, "L'homme", "The man's")
		if req.Format == "html" {
			out = strings.NewReplacer("'", "&#39;", `"`, "&quot;").Replace(out)
		}
		return out
	}
	p := f.provider(google.Options{})
	tests := []struct {
		format, in, want string
	}{
		{"", `L'homme dit "oui".`, `The man's dit "oui".`},
		{providers.FormatText, `L'homme & AT&amp;T`, `The man's & AT&amp;T`},
		{providers.FormatHTML, `<p>L'homme dit "oui".</p>`, `<p>The man&#39;s dit &quot;oui&quot;.</p>`},
	}
	for _, tt := range tests {
		t.Run("format "+tt.format, func(t *testing.T) {
			res, err := p.Translate(context.Background(), providers.TranslateRequest{SourceLang: "fr", TargetLang: "en", Format: tt.format, Segments: []string{tt.in}})
			if err != nil {
				t.Fatalf("Translate: %v", err)
			}
			if res.Translations[0] != tt.want {
				t.Errorf("translation = %q, want %q", res.Translations[0], tt.want)
			}
		})
	}
	_, err := p.Translate(context.Background(), providers.TranslateRequest{SourceLang: "fr", TargetLang: "en", Format: "xml", Segments: []string{"a"}})
	wantKind(t, err, providers.KindBadRequest)
}

func TestTranslateBoundsConcurrency(t *testing.T) {
	const limit = 2
	f := newFakeGoogle(t)
	full := make(chan struct{})
	var once sync.Once
	// Requests wait until limit of them are in flight, and a little longer
	// so that any request over the bound shows up in the count too.
	f.gate = func() {
		f.mu.Lock()
		n := f.inFlight
		f.mu.Unlock()
		if n >= limit {
			once.Do(func() { time.AfterFunc(100*time.Millisecond, func() { close(full) }) })
		}
		select {
		case <-full:
		case <-time.After(3 * time.Second):
		}
	}
	p := f.provider(google.Options{MaxConcurrency: limit, MaxChars: 10})
	segs := make([]string, 6)
	for i := range segs {
		segs[i] = fmt.Sprintf("Phrase %d.", i) // 9 characters: one per request
	}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range errs {
		wg.Go(func() {
			_, errs[i] = p.Translate(context.Background(), providers.TranslateRequest{SourceLang: "fr", TargetLang: "en", Segments: segs})
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("Translate %d: %v", i, err)
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.requests) != 12 {
		t.Errorf("%d requests, want 12", len(f.requests))
	}
	if f.max != limit {
		t.Errorf("at most %d requests were in flight at once, want exactly MaxConcurrency = %d", f.max, limit)
	}
}

func TestTranslateBadOutput(t *testing.T) {
	tests := []struct {
		name, body string
	}{
		{"too few translations", `{"data": {"translations": [{"translatedText": "One."}]}}`},
		{"no data", `{"kind": "translate#translationsListResponse"}`},
		{"no translatedText", `{"data": {"translations": [{"model": "nmt"}, {"model": "nmt"}]}}`},
		{"not JSON", `<html>hello</html>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeGoogle(t)
			f.answer = func(w http.ResponseWriter, _ v2Request) { writeJSON(w, http.StatusOK, tt.body) }
			p := f.provider(google.Options{})
			res, err := p.Translate(context.Background(), providers.TranslateRequest{SourceLang: "fr", TargetLang: "en", Segments: []string{"Un.", "Deux."}})
			wantKind(t, err, providers.KindBadOutput)
			if res.Translations != nil {
				t.Errorf("Translations = %q, want none with an error", res.Translations)
			}
		})
	}
}

func TestTranslateWrongKey(t *testing.T) {
	f := newFakeGoogle(t)
	const wrong = "AIzaSyD-wrong-000000000000"
	p := f.provider(google.Options{APIKey: wrong})
	_, err := p.Translate(context.Background(), providers.TranslateRequest{SourceLang: "fr", TargetLang: "en", Segments: french[:1]})
	pe := wantKind(t, err, providers.KindAuth)
	if pe.Code != "API_KEY_INVALID" {
		t.Errorf("Code = %q, want API_KEY_INVALID", pe.Code)
	}
	if strings.Contains(err.Error(), wrong) {
		t.Errorf("error %q contains the key", err)
	}
	wantKind(t, p.Ping(context.Background()), providers.KindAuth)
}

func TestTranslateTimeout(t *testing.T) {
	f := newFakeGoogle(t)
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	f.gate = func() { <-release }
	p := f.provider(google.Options{Timeout: 50 * time.Millisecond})
	_, err := p.Translate(context.Background(), providers.TranslateRequest{SourceLang: "fr", TargetLang: "en", Segments: french[:1]})
	pe := wantKind(t, err, providers.KindTimeout)
	if strings.Contains(pe.Error(), testKey) {
		t.Errorf("error %q contains the key", pe)
	}
}

func TestServerDown(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String()
	l.Close()
	p, err := google.New(google.Options{APIKey: testKey, BaseURL: closed})
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Translate(context.Background(), providers.TranslateRequest{SourceLang: "fr", TargetLang: "en", Segments: french[:1]})
	wantKind(t, err, providers.KindUnavailable)
	wantKind(t, p.Ping(context.Background()), providers.KindUnavailable)
}

func TestPing(t *testing.T) {
	f := newFakeGoogle(t)
	if err := f.provider(google.Options{}).Ping(context.Background()); err != nil {
		t.Errorf("Ping: %v", err)
	}
}

func TestNew(t *testing.T) {
	tests := []struct {
		name    string
		opts    google.Options
		wantErr bool
	}{
		{name: "key only", opts: google.Options{APIKey: testKey}},
		{name: "no key", opts: google.Options{}, wantErr: true},
		{name: "base URL without scheme", opts: google.Options{APIKey: testKey, BaseURL: "translation.googleapis.com"}, wantErr: true},
		{name: "unknown model", opts: google.Options{APIKey: testKey, Model: "gemini"}, wantErr: true},
		{name: "negative timeout", opts: google.Options{APIKey: testKey, Timeout: -time.Second}, wantErr: true},
		{name: "negative concurrency", opts: google.Options{APIKey: testKey, MaxConcurrency: -1}, wantErr: true},
		{name: "negative max chars", opts: google.Options{APIKey: testKey, MaxChars: -1}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := google.New(tt.opts)
			if got := err != nil; got != tt.wantErr {
				t.Errorf("New error = %v, want error: %v", err, tt.wantErr)
			}
			if err != nil && tt.opts.APIKey != "" && strings.Contains(err.Error(), tt.opts.APIKey) {
				t.Errorf("New error %q contains the key", err)
			}
		})
	}
}

func TestFingerprint(t *testing.T) {
	tests := []struct {
		opts google.Options
		want string
	}{
		{google.Options{APIKey: testKey}, "google|v2|model=default"},
		{google.Options{APIKey: "another", Name: "gt", BaseURL: "https://eu.example"}, "google|v2|model=default"},
		{google.Options{APIKey: testKey, Model: google.ModelNMT}, "google|v2|model=nmt"},
		{google.Options{APIKey: testKey, Model: google.ModelBase}, "google|v2|model=base"},
	}
	for _, tt := range tests {
		p, err := google.New(tt.opts)
		if err != nil {
			t.Fatal(err)
		}
		if got := p.Fingerprint(); got != tt.want {
			t.Errorf("Fingerprint() with model %q = %q, want %q", tt.opts.Model, got, tt.want)
		}
	}
}
