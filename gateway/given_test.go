package gateway

import (
	"context"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"passerelle/article/language"
	"passerelle/cache"
)

// Segments are translated as given: in order and one translation each,
// blank ones as they were and with no provider call, the others between
// their own outer white space, duplicates once, and nothing cleaned away
// (a "Lire aussi" line is boilerplate in an article, a segment here).
func TestSegmentsAsGiven(t *testing.T) {
	llm := &fakeTranslator{name: "llm"}
	svc := newTestService(t, withCache(cache.NewMemory(cache.MemoryOptions{})), withTranslator("llm", llm))
	given := []string{
		"",
		"  \n",
		"  Le chat dort.\n",
		"Lire aussi : le  chien  aboie",
		"Le chat dort.",
		"\tUn oiseau chante.",
		"Le chat dort.",
	}
	charged := -1
	res, err := svc.Translate(context.Background(), Request{Segments: given,
		Charge: func(_ context.Context, n int) error { charged = n; return nil }})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"",
		"  \n",
		"  llm:LE CHAT DORT.\n",
		"llm:LIRE AUSSI: LE CHIEN ABOIE", // the output repaired, as any
		"llm:LE CHAT DORT.",
		"\tllm:UN OISEAU CHANTE.",
		"llm:LE CHAT DORT.",
	}
	tr := res.Translation
	if !slices.Equal(tr.Paragraphs, want) {
		t.Errorf("paragraphs =\n%q\nwant\n%q", tr.Paragraphs, want)
	}
	if tr.Title != "" || !tr.Complete() {
		t.Errorf("title %q, complete %v: want no title, complete", tr.Title, tr.Complete())
	}
	// The stand-in's "llm:" is no English word: each translated segment
	// is named by its index among the segments as given.
	var warned []int
	for _, w := range tr.Warnings {
		warned = append(warned, w.Paragraph)
	}
	if !slices.Equal(warned, []int{2, 3, 4, 5, 6}) {
		t.Errorf("warnings for %v, want 2 to 6: %+v", warned, tr.Warnings)
	}
	if want := []string{"Le chat dort.", "Lire aussi : le  chien  aboie", "Un oiseau chante."}; !slices.Equal(llm.sent, want) {
		t.Errorf("sent %q, want %q: trimmed, unchanged otherwise, duplicates once, blanks not at all", llm.sent, want)
	}
	wantChars := 0
	for _, g := range given {
		wantChars += utf8.RuneCountInString(strings.TrimSpace(g))
	}
	if charged != wantChars {
		t.Errorf("charged %d characters, want %d (those sent: trimmed, blanks not counted)", charged, wantChars)
	}

	// Again, with other outer white space: every text from the cache.
	svc.Flush()
	again, err := svc.Translate(context.Background(), Request{Segments: []string{"Le chat dort.  ", "\nUn oiseau chante."}})
	if err != nil {
		t.Fatal(err)
	}
	if got := again.Translation.Paragraphs; !slices.Equal(got, []string{"llm:LE CHAT DORT.  ", "\nllm:UN OISEAU CHANTE."}) {
		t.Errorf("again: paragraphs %q", got)
	}
	if again.Cache.Status != CacheHit || llm.calls != 1 {
		t.Errorf("again: cache %+v after %d calls, want a hit and no call", again.Cache, llm.calls)
	}
}

// Segments all blank are their own translation, at no cost.
func TestSegmentsAllBlank(t *testing.T) {
	llm := &fakeTranslator{name: "llm"}
	svc := newTestService(t, withTranslator("llm", llm), withDetector(language.NewDetector(language.Options{})))
	given := []string{"", " ", "\n\n"}
	for _, source := range []string{"", "auto"} {
		res, err := svc.Translate(context.Background(), Request{Segments: given, SourceLang: source, Format: "html"})
		if err != nil {
			t.Fatalf("source %q: %v", source, err)
		}
		if !slices.Equal(res.Translation.Paragraphs, given) || res.Translation.Provider != "none" || res.Cache.Status != CacheNone {
			t.Errorf("source %q: %q by %q, cache %+v", source, res.Translation.Paragraphs, res.Translation.Provider, res.Cache)
		}
	}
	if llm.calls != 0 {
		t.Errorf("%d provider calls, want none", llm.calls)
	}
}

// "auto" decides on all the segments together: English ones come back as
// they are, other languages are refused as for an article.
func TestSegmentsLanguage(t *testing.T) {
	llm := &fakeTranslator{name: "llm"}
	svc := newTestService(t, withTranslator("llm", llm), withDetector(language.NewDetector(language.Options{})))
	ctx := context.Background()
	english := []string{"The president spoke on Thursday evening", "", "about the war in Ukraine and the price of energy for households."}
	res, err := svc.Translate(ctx, Request{Segments: english, SourceLang: "auto"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.Translation.Paragraphs, english) || res.DetectedLang != "en" || llm.calls != 0 {
		t.Errorf("English: %q, detected %q, %d calls; want them as they are, en, no call", res.Translation.Paragraphs, res.DetectedLang, llm.calls)
	}
	german := []string{"Der Präsident hat am Donnerstagabend gesprochen", "über den Krieg in der Ukraine und die Energiepreise für die Haushalte."}
	if _, err := svc.Translate(ctx, Request{Segments: german, SourceLang: "auto"}); ErrorCode(err) != CodeUnsupportedLanguage {
		t.Errorf("German: err = %v, want %s", err, CodeUnsupportedLanguage)
	}
	french := []string{"<p>Le président a parlé jeudi soir</p>", "<p>de la guerre en Ukraine et du prix de l'énergie pour les ménages.</p>"}
	res, err = svc.Translate(ctx, Request{Segments: french, SourceLang: "auto", Format: "html"})
	if err != nil || res.DetectedLang != "fr" {
		t.Errorf("French in HTML: detected %q, err %v; want fr from the text, not the markup", res.DetectedLang, err)
	}
}

// A segment no provider gets through the checks leaves the others: a
// warning names its index among the segments as given, blank ones
// counted, and it holds the best output, between its white space.
func TestSegmentLostIsNamedByItsIndex(t *testing.T) {
	engine, _ := numberDropper()
	svc := checkedService(t, engine, nil)
	paragraphs := strings.Split(partialArticle, "\n\n")
	given := []string{"", paragraphs[0], "  " + paragraphs[1], paragraphs[2]}
	res, err := svc.Translate(context.Background(), Request{Segments: given})
	if err != nil {
		t.Fatal(err)
	}
	tr := res.Translation
	if len(tr.Warnings) != 1 || tr.Warnings[0].Paragraph != 2 || tr.Warnings[0].Check != "numbers" {
		t.Fatalf("warnings = %+v, want one for segment 2, check numbers", tr.Warnings)
	}
	if got, want := tr.Paragraphs[2], "  "+droppedNumbers; got != want {
		t.Errorf("lost segment = %q, want %q", got, want)
	}
	if got, want := tr.Paragraphs[1], faithful[paragraphs[0]]; got != want {
		t.Errorf("segment 1 = %q, want %q", got, want)
	}
	if _, err := svc.Translate(context.Background(), Request{Segments: given, Strict: true}); ErrorCode(err) != CodeOutputCheck {
		t.Errorf("strict: err = %v, want %s", err, CodeOutputCheck)
	}
}

func TestSegmentsBoundsAndForm(t *testing.T) {
	svc := newTestService(t, withOptions(func(o *Options) { o.MaxParagraphs, o.MaxCharacters = 3, 40 }))
	ctx := context.Background()
	tests := []struct {
		name string
		req  Request
		code string
	}{
		{"too many segments, blank ones counted", Request{Segments: []string{"a", "", "b", " "}}, CodeTooLarge},
		{"too many characters", Request{Segments: []string{strings.Repeat("mot ", 11)}}, CodeTooLarge},
		{"with a text", Request{Segments: []string{"Bonjour"}, Text: "Bonjour"}, CodeInvalidRequest},
		{"with a title", Request{Segments: []string{"Bonjour"}, Title: "Salut"}, CodeInvalidRequest},
		{"no segment", Request{Segments: []string{}}, CodeEmptyArticle},
		{"an unknown format", Request{Segments: []string{"Bonjour"}, Format: "xml"}, CodeInvalidRequest},
		{"bytes that are not UTF-8", Request{Segments: []string{"Bonjour", "caf\xe9"}}, CodeInvalidRequest},
	}
	for _, tt := range tests {
		if _, err := svc.Translate(ctx, tt.req); ErrorCode(err) != tt.code {
			t.Errorf("%s: err = %v, want %s", tt.name, err, tt.code)
		}
	}
	// Texts are not an article's paragraphs: the message counts what was sent.
	_, err := svc.Translate(ctx, tests[0].req)
	if msg := ErrorMessage(err); msg != "the request has 4 texts; at most 3 are accepted" {
		t.Errorf("message = %q", msg)
	}
}
