package deepl

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"passerelle/providers"
)

// frenchSegments are paragraphs of a French news article.
var frenchSegments = []string{
	"Premier sommet Poutine-Kim pour raviver des « liens » historiques",
	"Le sommet inédit entre Kim Jong-un et Vladimir Poutine s'est achevé jeudi 25 avril à Vladivostok.",
	"Les deux dirigeants ont évoqué la dénucléarisation de la péninsule coréenne.",
}

func TestTranslateBatch(t *testing.T) {
	f := newFakeServer(t, translating)
	p := newProvider(t, f, Options{})
	segs := []string{frenchSegments[0], "", frenchSegments[1], "  \n", frenchSegments[2]}
	got, err := p.Translate(context.Background(), providers.TranslateRequest{SourceLang: "fr", TargetLang: "en", Segments: segs})
	if err != nil {
		t.Fatalf("Translate: %v", err)
	}
	want := []string{fakeTranslate(segs[0]), "", fakeTranslate(segs[2]), "  \n", fakeTranslate(segs[4])}
	if !slices.Equal(got.Translations, want) {
		t.Errorf("Translations = %q, want %q", got.Translations, want)
	}
	if got.Model != "deepl" {
		t.Errorf("Model = %q, want %q", got.Model, "deepl")
	}
	calls := f.calls()
	if len(calls) != 1 {
		t.Fatalf("%d requests, want 1", len(calls))
	}
	c := calls[0]
	if !slices.Equal(c.Text, frenchSegments) {
		t.Errorf("text = %q, want the non-blank segments %q", c.Text, frenchSegments)
	}
	if c.SourceLang != "FR" || c.TargetLang != "EN-US" {
		t.Errorf("source_lang, target_lang = %q, %q, want FR, EN-US", c.SourceLang, c.TargetLang)
	}
	if c.header.Get("Authorization") != "DeepL-Auth-Key "+testKey {
		t.Errorf("Authorization = %q", c.header.Get("Authorization"))
	}
	if string(c.raw["show_billed_characters"]) != "true" {
		t.Errorf("show_billed_characters = %s, want true", c.raw["show_billed_characters"])
	}
	for _, field := range []string{"formality", "glossary_id", "context", "model_type", "tag_handling"} {
		if v, ok := c.raw[field]; ok {
			t.Errorf("%s = %s sent, want it absent when not configured", field, v)
		}
	}
}

func TestTranslateNothingToSend(t *testing.T) {
	f := newFakeServer(t, translating)
	p := newProvider(t, f, Options{})
	for _, segs := range [][]string{nil, {"", " "}} {
		got, err := p.Translate(context.Background(), providers.TranslateRequest{SourceLang: "fr", TargetLang: "en", Segments: segs})
		if err != nil {
			t.Fatalf("Translate(%q): %v", segs, err)
		}
		if !slices.Equal(got.Translations, segs) && !(len(segs) == 0 && len(got.Translations) == 0) {
			t.Errorf("Translate(%q) = %q, want the segments back", segs, got.Translations)
		}
	}
	if n := len(f.calls()); n != 0 {
		t.Errorf("%d requests for blank segments, want 0", n)
	}
}

func TestLanguages(t *testing.T) {
	tests := []struct {
		source, target     string
		variant            string
		wantSrc, wantTgt   string
		wantSourceAbsent   bool
		wantBadRequestText string
	}{
		{source: "fr", target: "en", wantSrc: "FR", wantTgt: "EN-US"},
		{source: "FR", target: "EN", variant: "EN-GB", wantSrc: "FR", wantTgt: "EN-GB"},
		{source: "fr-CA", target: "en-GB", wantSrc: "FR", wantTgt: "EN-GB"},
		{source: "fr", target: "en_us", variant: "EN-GB", wantSrc: "FR", wantTgt: "EN-US"},
		{source: "fr", target: "en-AU", variant: "EN-GB", wantSrc: "FR", wantTgt: "EN-GB"},
		{source: "auto", target: "en", wantSourceAbsent: true, wantTgt: "EN-US"},
		{source: "", target: "de", wantSourceAbsent: true, wantTgt: "DE"},
		{source: "en", target: "pt", wantSrc: "EN", wantTgt: "PT-PT"},
		{source: "en", target: "pt-br", wantSrc: "EN", wantTgt: "PT-BR"},
		{source: "en", target: "zh-Hant", wantSrc: "EN", wantTgt: "ZH-HANT"},
		{source: "fr", target: "es-419", wantSrc: "FR", wantTgt: "ES-419"},
		{source: "français", target: "en", wantBadRequestText: "source language"},
		{source: "fr", target: "", wantBadRequestText: "target language"},
		{source: "fr", target: "english", wantBadRequestText: "target language"},
	}
	for _, tt := range tests {
		t.Run(tt.source+"→"+tt.target, func(t *testing.T) {
			f := newFakeServer(t, translating)
			p := newProvider(t, f, Options{TargetVariant: tt.variant})
			_, err := p.Translate(context.Background(), providers.TranslateRequest{SourceLang: tt.source, TargetLang: tt.target, Segments: frenchSegments[:1]})
			if tt.wantBadRequestText != "" {
				var pe *providers.Error
				if !errors.As(err, &pe) || pe.Kind != providers.KindBadRequest || !strings.Contains(pe.Message, tt.wantBadRequestText) {
					t.Errorf("Translate error = %v, want KindBadRequest about the %s", err, tt.wantBadRequestText)
				}
				if n := len(f.calls()); n != 0 {
					t.Errorf("%d requests sent, want 0", n)
				}
				return
			}
			if err != nil {
				t.Fatalf("Translate: %v", err)
			}
			c := f.calls()[0]
			if _, sent := c.raw["source_lang"]; sent == tt.wantSourceAbsent {
				t.Errorf("source_lang sent = %v, want %v", sent, !tt.wantSourceAbsent)
			}
			if c.SourceLang != tt.wantSrc || c.TargetLang != tt.wantTgt {
				t.Errorf("source_lang, target_lang = %q, %q, want %q, %q", c.SourceLang, c.TargetLang, tt.wantSrc, tt.wantTgt)
			}
		})
	}
}

func TestOptionsSent(t *testing.T) {
	const glossary = "def3a26b-3e84-45b3-84ae-0c0aaf3525f7"
	const context_ = "Article du Monde sur la politique internationale."
	f := newFakeServer(t, translating)
	p := newProvider(t, f, Options{Formality: "prefer_less", GlossaryID: glossary, Context: context_, ModelType: "prefer_quality_optimized"})
	got, err := p.Translate(context.Background(), providers.TranslateRequest{SourceLang: "fr", TargetLang: "en", Segments: frenchSegments, Format: providers.FormatHTML})
	if err != nil {
		t.Fatalf("Translate: %v", err)
	}
	c := f.calls()[0]
	if c.Formality != "prefer_less" || c.GlossaryID != glossary || c.Context != context_ || c.ModelType != "prefer_quality_optimized" || c.TagHandling != "html" {
		t.Errorf("sent formality=%q glossary_id=%q context=%q model_type=%q tag_handling=%q, want the configured values and html",
			c.Formality, c.GlossaryID, c.Context, c.ModelType, c.TagHandling)
	}
	if got.Model != "deepl:quality_optimized" {
		t.Errorf("Model = %q, want deepl:<model_type_used>", got.Model)
	}
}

func TestTagHandlingOnlyForHTML(t *testing.T) {
	f := newFakeServer(t, translating)
	p := newProvider(t, f, Options{})
	for _, format := range []string{"", providers.FormatText, providers.FormatHTML} {
		if _, err := p.Translate(context.Background(), providers.TranslateRequest{SourceLang: "fr", TargetLang: "en", Segments: []string{"<p>Le <b>sommet</b> &amp; la suite</p>"}, Format: format}); err != nil {
			t.Fatalf("Translate(%q): %v", format, err)
		}
	}
	calls := f.calls()
	var got []string
	for _, c := range calls {
		got = append(got, c.TagHandling)
	}
	if want := []string{"", "", "html"}; !slices.Equal(got, want) {
		t.Errorf("tag_handling = %q for formats \"\", text, html; want %q", got, want)
	}
	// Markup is sent as is, not escaped into \u003c, which would count
	// against the 128 KiB.
	if !strings.Contains(string(calls[2].raw["text"]), "<b>sommet</b> &amp;") {
		t.Errorf("text = %s, want the markup unescaped", calls[2].raw["text"])
	}
}

func TestGlossaryNeedsSource(t *testing.T) {
	f := newFakeServer(t, translating)
	p := newProvider(t, f, Options{GlossaryID: "def3a26b-3e84-45b3-84ae-0c0aaf3525f7"})
	_, err := p.Translate(context.Background(), providers.TranslateRequest{SourceLang: "auto", TargetLang: "en", Segments: frenchSegments[:1]})
	var pe *providers.Error
	if !errors.As(err, &pe) || pe.Kind != providers.KindBadRequest || !strings.Contains(pe.Message, "source language") {
		t.Errorf("Translate error = %v, want KindBadRequest saying a glossary needs a source language", err)
	}
	if n := len(f.calls()); n != 0 {
		t.Errorf("%d requests sent, want 0", n)
	}
}

func TestBilledCharacters(t *testing.T) {
	t.Run("billed by DeepL", func(t *testing.T) {
		f := newFakeServer(t, translating)
		f.billed = func(text string) int { return 1000 + utf8.RuneCountInString(text) }
		p := newProvider(t, f, Options{})
		got, err := p.Translate(context.Background(), providers.TranslateRequest{SourceLang: "fr", TargetLang: "en", Segments: frenchSegments})
		if err != nil {
			t.Fatal(err)
		}
		want := 0
		for _, s := range frenchSegments {
			want += 1000 + utf8.RuneCountInString(s)
		}
		if got.Usage.Characters != want {
			t.Errorf("Usage.Characters = %d, want %d, the sum of billed_characters", got.Usage.Characters, want)
		}
	})
	t.Run("not reported", func(t *testing.T) {
		f := newFakeServer(t, func(f *fakeServer, w http.ResponseWriter, r *http.Request, req translateCall) {
			req.ShowBilledCharacters = false // as a server that ignores it
			translating(f, w, r, req)
		})
		p := newProvider(t, f, Options{})
		got, err := p.Translate(context.Background(), providers.TranslateRequest{SourceLang: "fr", TargetLang: "en", Segments: frenchSegments})
		if err != nil {
			t.Fatal(err)
		}
		want := 0
		for _, s := range frenchSegments {
			want += utf8.RuneCountInString(s)
		}
		if got.Usage.Characters != want {
			t.Errorf("Usage.Characters = %d, want %d, the characters sent", got.Usage.Characters, want)
		}
	})
}

func TestWrongTranslationCount(t *testing.T) {
	for _, n := range []int{2, 4} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			f := newFakeServer(t, func(f *fakeServer, w http.ResponseWriter, _ *http.Request, req translateCall) {
				outs := make([]string, n)
				for i := range outs {
					outs[i] = "x"
				}
				f.translations(w, req, outs)
			})
			p := newProvider(t, f, Options{})
			_, err := p.Translate(context.Background(), providers.TranslateRequest{SourceLang: "fr", TargetLang: "en", Segments: frenchSegments})
			if kind := providers.KindOf(err); err == nil || kind != providers.KindBadOutput {
				t.Errorf("Translate error = %v (kind %v), want KindBadOutput", err, kind)
			}
		})
	}
}

func TestNotJSONAnswer(t *testing.T) {
	f := newFakeServer(t, func(_ *fakeServer, w http.ResponseWriter, _ *http.Request, _ translateCall) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte("<html>captive portal</html>"))
	})
	p := newProvider(t, f, Options{})
	_, err := p.Translate(context.Background(), providers.TranslateRequest{SourceLang: "fr", TargetLang: "en", Segments: frenchSegments})
	if kind := providers.KindOf(err); err == nil || kind != providers.KindBadOutput {
		t.Errorf("Translate error = %v (kind %v), want KindBadOutput", err, kind)
	}
}

// numbered returns n distinct segments of about size bytes each.
func numbered(n, size int) []string {
	segs := make([]string, n)
	for i := range segs {
		head := fmt.Sprintf("Paragraphe %d. ", i)
		segs[i] = head + strings.Repeat("é", max(0, (size-len(head))/2))
	}
	return segs
}

func TestSplitting(t *testing.T) {
	tests := []struct {
		name      string
		segs      []string
		wantSizes []int // texts per request, in order
	}{
		{"50 texts in one request", numbered(50, 20), []int{50}},
		{"51 texts in two", numbered(51, 20), []int{50, 1}},
		{"120 texts in three", numbered(120, 20), []int{50, 50, 20}},
		// 30 KiB each: four fit in 128 KiB, five do not.
		{"by size", numbered(9, 30<<10), []int{4, 4, 1}},
		// Small texts after a large one share its request while they fit.
		{"mixed", append(numbered(1, 120<<10), numbered(3, 4<<10)...), []int{2, 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeServer(t, translating)
			p := newProvider(t, f, Options{Context: "Un contexte qui compte aussi dans la taille."})
			got, err := p.Translate(context.Background(), providers.TranslateRequest{SourceLang: "fr", TargetLang: "en", Segments: tt.segs})
			if err != nil {
				t.Fatalf("Translate: %v", err)
			}
			for i, s := range tt.segs {
				if got.Translations[i] != fakeTranslate(s) {
					t.Fatalf("Translations[%d] = %.40q…, want the translation of segment %d", i, got.Translations[i], i)
				}
			}
			calls := f.calls()
			var sizes []int
			var sent []string
			for _, c := range calls {
				sizes = append(sizes, len(c.Text))
			}
			// Requests run in parallel: put them back in segment order.
			slices.SortFunc(calls, func(a, b translateCall) int {
				return slices.Index(tt.segs, a.Text[0]) - slices.Index(tt.segs, b.Text[0])
			})
			for _, c := range calls {
				sent = append(sent, c.Text...)
			}
			slices.Sort(sizes)
			want := slices.Clone(tt.wantSizes)
			slices.Sort(want)
			if !slices.Equal(sizes, want) {
				t.Errorf("texts per request = %v, want %v", sizes, tt.wantSizes)
			}
			if !slices.Equal(sent, tt.segs) {
				t.Errorf("the requests together do not hold each segment once, in order")
			}
		})
	}
}

func TestSegmentTooLarge(t *testing.T) {
	f := newFakeServer(t, translating)
	p := newProvider(t, f, Options{})
	segs := append(numbered(2, 100), strings.Repeat("a", MaxRequestBytes))
	_, err := p.Translate(context.Background(), providers.TranslateRequest{SourceLang: "fr", TargetLang: "en", Segments: segs})
	var pe *providers.Error
	if !errors.As(err, &pe) || pe.Kind != providers.KindBadRequest || !strings.Contains(pe.Message, "128 KiB") {
		t.Fatalf("Translate error = %v, want KindBadRequest naming the 128 KiB limit", err)
	}
	if n := len(f.calls()); n != 0 {
		t.Errorf("%d requests sent, want none", n)
	}
}

func TestSubBatchFailure(t *testing.T) {
	// The second request of three fails: the whole call fails, with its kind.
	f := newFakeServer(t, func(f *fakeServer, w http.ResponseWriter, r *http.Request, req translateCall) {
		if req.Text[0] == "Paragraphe 50. " {
			f.writeError(w, "POST /v2/translate", 456, `{"message":"Quota Exceeded"}`, nil)
			return
		}
		translating(f, w, r, req)
	})
	p := newProvider(t, f, Options{MaxConcurrency: 1})
	got, err := p.Translate(context.Background(), providers.TranslateRequest{SourceLang: "fr", TargetLang: "en", Segments: numbered(120, 0)})
	if kind := providers.KindOf(err); err == nil || kind != providers.KindQuota {
		t.Errorf("Translate error = %v (kind %v), want KindQuota", err, kind)
	}
	if got.Translations != nil {
		t.Errorf("Translations = %d entries, want none on failure", len(got.Translations))
	}
}

func TestConcurrencyBound(t *testing.T) {
	const limit = 2
	over := make(chan struct{})
	var once sync.Once
	f := newFakeServer(t, func(f *fakeServer, w http.ResponseWriter, r *http.Request, req translateCall) {
		// Hold each request a moment, so that requests sent together are in
		// flight together; stop holding as soon as the bound is broken.
		// Passing does not depend on the timing: a provider within its bound
		// never has more than limit requests in flight.
		f.mu.Lock()
		broken := f.inFlight > limit
		f.mu.Unlock()
		if broken {
			once.Do(func() { close(over) })
		}
		select {
		case <-over:
		case <-time.After(300 * time.Millisecond):
		}
		translating(f, w, r, req)
	})
	p := newProvider(t, f, Options{MaxConcurrency: limit})
	segs := numbered(5*MaxTexts, 0)
	if _, err := p.Translate(context.Background(), providers.TranslateRequest{SourceLang: "fr", TargetLang: "en", Segments: segs}); err != nil {
		t.Fatal(err)
	}
	if n := len(f.calls()); n != 5 {
		t.Errorf("%d requests, want 5", n)
	}
	if peak := f.peakInFlight(); peak != limit {
		t.Errorf("at most %d requests in flight, want %d (MaxConcurrency)", peak, limit)
	}
}
