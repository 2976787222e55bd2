package libretranslate_test

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
	"passerelle/providers/libretranslate"
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
	" \t",
	"L'homme fort de Pyongyang repartira vendredi.",
}

func TestTranslate(t *testing.T) {
	f := newFakeLT(t)
	f.key = testKey
	p := f.provider(libretranslate.Options{APIKey: testKey})
	res, err := p.Translate(context.Background(), providers.TranslateRequest{SourceLang: "fr", TargetLang: "en", Segments: french})
	if err != nil {
		t.Fatalf("Translate: %v", err)
	}
	want := []string{"EN[" + french[0] + "]", "", "EN[" + french[2] + "]", " \t", "EN[" + french[4] + "]"}
	if fmt.Sprint(res.Translations) != fmt.Sprint(want) {
		t.Errorf("Translations = %q, want %q", res.Translations, want)
	}
	if res.Model != "libretranslate" {
		t.Errorf("Model = %q, want %q", res.Model, "libretranslate")
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
	if req.Source != "fr" || req.Target != "en" || req.Format != "text" || len(req.Q) != 3 {
		t.Errorf("request = {source: %q, target: %q, format: %q, %d strings}, want {fr, en, text, 3 strings}", req.Source, req.Target, req.Format, len(req.Q))
	}
}

func TestTranslateWithoutKey(t *testing.T) {
	f := newFakeLT(t)
	p := f.provider(libretranslate.Options{})
	if _, err := p.Translate(context.Background(), providers.TranslateRequest{SourceLang: "fr", TargetLang: "en", Segments: french[:1]}); err != nil {
		t.Fatalf("Translate: %v", err)
	}
	// The fake fails the test when api_key is sent.
}

func TestTranslateHTML(t *testing.T) {
	f := newFakeLT(t)
	p := f.provider(libretranslate.Options{})
	if _, err := p.Translate(context.Background(), providers.TranslateRequest{SourceLang: "fr", TargetLang: "en", Format: providers.FormatHTML, Segments: []string{"<p>Bonjour</p>"}}); err != nil {
		t.Fatalf("Translate: %v", err)
	}
	if got := f.requests[0].Format; got != "html" {
		t.Errorf("format = %q, want html", got)
	}
	_, err := p.Translate(context.Background(), providers.TranslateRequest{SourceLang: "fr", TargetLang: "en", Format: "markdown", Segments: []string{"a"}})
	wantKind(t, err, providers.KindBadRequest)
}

func TestTranslateSplits(t *testing.T) {
	t.Run("by count", func(t *testing.T) {
		f := newFakeLT(t)
		f.batchSize = libretranslate.DefaultBatchSize
		p := f.provider(libretranslate.Options{MaxChars: 1 << 20})
		segs := make([]string, 70)
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
		if got := len(f.requests); got != 3 {
			t.Errorf("%d requests, want 3 (32+32+6)", got)
		}
	})
	t.Run("by characters", func(t *testing.T) {
		f := newFakeLT(t)
		f.maxChars = 100
		p := f.provider(libretranslate.Options{MaxChars: 100})
		segs := []string{strings.Repeat("é", 40), strings.Repeat("a", 40), strings.Repeat("b", 40), strings.Repeat("c", 250), "d"}
		res, err := p.Translate(context.Background(), providers.TranslateRequest{SourceLang: "fr", TargetLang: "en", Segments: segs})
		if err != nil {
			t.Fatalf("Translate: %v", err)
		}
		for i, got := range res.Translations {
			if want := "EN[" + segs[i] + "]"; got != want {
				t.Errorf("Translations[%d] = %q, want %q", i, got, want)
			}
		}
		// é counts as one character, as the server counts code points.
		if got := len(f.requests); got != 4 {
			t.Errorf("%d requests, want 4 ([é a] [b] [c] [d])", got)
		}
	})
}

func TestTranslateStringAnswer(t *testing.T) {
	f := newFakeLT(t)
	f.answer = func(w http.ResponseWriter, req ltRequest) {
		writeJSON(w, http.StatusOK, `{"translatedText": "Hello."}`)
	}
	p := f.provider(libretranslate.Options{})
	res, err := p.Translate(context.Background(), providers.TranslateRequest{SourceLang: "fr", TargetLang: "en", Segments: []string{"Bonjour."}})
	if err != nil {
		t.Fatalf("Translate of one segment answered with a string: %v", err)
	}
	if res.Translations[0] != "Hello." {
		t.Errorf("translation = %q, want %q", res.Translations[0], "Hello.")
	}
	_, err = p.Translate(context.Background(), providers.TranslateRequest{SourceLang: "fr", TargetLang: "en", Segments: []string{"Un.", "Deux."}})
	wantKind(t, err, providers.KindBadOutput)
}

func TestTranslateBadOutput(t *testing.T) {
	tests := []struct{ name, body string }{
		{"too few translations", `{"translatedText": ["One."]}`},
		{"no translatedText", `{"detectedLanguage": [{"confidence": 90, "language": "fr"}]}`},
		{"null translatedText", `{"translatedText": null}`},
		{"numbers", `{"translatedText": [1, 2]}`},
		{"not JSON", `<html>hello</html>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeLT(t)
			f.answer = func(w http.ResponseWriter, _ ltRequest) { writeJSON(w, http.StatusOK, tt.body) }
			p := f.provider(libretranslate.Options{})
			res, err := p.Translate(context.Background(), providers.TranslateRequest{SourceLang: "fr", TargetLang: "en", Segments: []string{"Un.", "Deux."}})
			wantKind(t, err, providers.KindBadOutput)
			if res.Translations != nil {
				t.Errorf("Translations = %q, want none with an error", res.Translations)
			}
		})
	}
}

func TestTranslateBoundsConcurrency(t *testing.T) {
	const limit = 2
	f := newFakeLT(t)
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
	p := f.provider(libretranslate.Options{MaxConcurrency: limit, BatchSize: 1})
	segs := []string{"Un.", "Deux.", "Trois.", "Quatre.", "Cinq.", "Six."}
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

func TestTranslateTimeout(t *testing.T) {
	f := newFakeLT(t)
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	f.gate = func() { <-release }
	p := f.provider(libretranslate.Options{Timeout: 50 * time.Millisecond, APIKey: testKey})
	f.key = testKey
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
	p, err := libretranslate.New(libretranslate.Options{URL: closed})
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Translate(context.Background(), providers.TranslateRequest{SourceLang: "fr", TargetLang: "en", Segments: french[:1]})
	wantKind(t, err, providers.KindUnavailable)
	wantKind(t, p.Ping(context.Background()), providers.KindUnavailable)
}

func TestPing(t *testing.T) {
	tests := []struct {
		name      string
		languages string
		wantErr   bool
		wantKind  providers.Kind
	}{
		{name: "French and English", languages: languagesBody},
		{name: "server without targets", languages: `[{"code": "en", "name": "English"}, {"code": "fr", "name": "French"}]`},
		{name: "no French", languages: `[{"code": "en", "name": "English", "targets": ["es"]}, {"code": "es", "name": "Spanish", "targets": ["en"]}]`,
			wantErr: true, wantKind: providers.KindBadRequest},
		{name: "French, not into English", languages: `[{"code": "en", "name": "English", "targets": ["fr"]}, {"code": "fr", "name": "French", "targets": ["es"]}]`,
			wantErr: true, wantKind: providers.KindBadRequest},
		{name: "no English", languages: `[{"code": "fr", "name": "French", "targets": ["en"]}]`,
			wantErr: true, wantKind: providers.KindBadRequest},
		{name: "not LibreTranslate", languages: `{"status": "ok"}`, wantErr: true, wantKind: providers.KindUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeLT(t)
			f.languages = tt.languages
			err := f.provider(libretranslate.Options{}).Ping(context.Background())
			if !tt.wantErr {
				if err != nil {
					t.Errorf("Ping: %v", err)
				}
				return
			}
			wantKind(t, err, tt.wantKind)
		})
	}
}

func TestNew(t *testing.T) {
	tests := []struct {
		name    string
		opts    libretranslate.Options
		wantErr bool
	}{
		{name: "URL only", opts: libretranslate.Options{URL: "http://127.0.0.1:5000"}},
		{name: "no URL", opts: libretranslate.Options{}, wantErr: true},
		{name: "no scheme", opts: libretranslate.Options{URL: "127.0.0.1:5000"}, wantErr: true},
		{name: "negative timeout", opts: libretranslate.Options{URL: "http://lt", Timeout: -time.Second}, wantErr: true},
		{name: "negative concurrency", opts: libretranslate.Options{URL: "http://lt", MaxConcurrency: -1}, wantErr: true},
		{name: "negative batch size", opts: libretranslate.Options{URL: "http://lt", BatchSize: -1}, wantErr: true},
		{name: "negative max chars", opts: libretranslate.Options{URL: "http://lt", MaxChars: -1}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := libretranslate.New(tt.opts)
			if got := err != nil; got != tt.wantErr {
				t.Errorf("New(%+v) error = %v, want error: %v", tt.opts, err, tt.wantErr)
			}
		})
	}
}

func TestFingerprint(t *testing.T) {
	tests := []struct {
		opts libretranslate.Options
		want string
	}{
		{libretranslate.Options{URL: "http://127.0.0.1:5000"}, "libretranslate|127.0.0.1:5000"},
		{libretranslate.Options{URL: "https://LT.example.org/", APIKey: "k", Name: "lt"}, "libretranslate|lt.example.org"},
		{libretranslate.Options{URL: "https://user:secret@tools.example.org/translate/"}, "libretranslate|tools.example.org/translate"},
		{libretranslate.Options{URL: "http://127.0.0.1:5000", Revision: "argos fr-en 1.9"}, "libretranslate|127.0.0.1:5000|argos fr-en 1.9"},
	}
	for _, tt := range tests {
		p, err := libretranslate.New(tt.opts)
		if err != nil {
			t.Fatal(err)
		}
		if got := p.Fingerprint(); got != tt.want {
			t.Errorf("Fingerprint() for %s = %q, want %q", tt.opts.URL, got, tt.want)
		}
	}
}
