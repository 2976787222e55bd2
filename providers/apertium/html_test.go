package apertium_test

import (
	"context"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"passerelle/providers"
	"passerelle/providers/apertium"
)

// markup returns the tags of a fragment of HTML, each as written, in order.
func markup(t *testing.T, fragment string) []string {
	t.Helper()
	var tags []string
	z := html.NewTokenizer(strings.NewReader(fragment))
	for {
		switch z.Next() {
		case html.ErrorToken:
			if !errors.Is(z.Err(), io.EOF) {
				t.Fatalf("tokenize %q: %v", fragment, z.Err())
			}
			return tags
		case html.TextToken:
		default:
			tags = append(tags, string(z.Raw()))
		}
	}
}

// The real APy, through the fra→spa→eng chain, with format=html: the tags
// and attributes come back exactly (the t.co link's case too), the text is
// translated, and the marks a chain doubles are removed from the text only.
func TestTranslateHTML(t *testing.T) {
	p := newProvider(t, apertium.Options{})
	segments := []string{
		`<p>Salut <a href="https://t.co/AbC" class="mention">@<span>bob</span></a>, le <strong>président</strong> a parlé.</p><p>Deuxième paragraphe.</p>`,
		`<a href="https://exemple.fr/page#haut" title="Le chat">Le schtroumpf noir</a>`,
		"  <p>Le chien &amp; le chat</p>\n",
		"",
	}
	res, err := p.Translate(context.Background(), providers.TranslateRequest{SourceLang: "fr", TargetLang: "en", Segments: segments, Format: providers.FormatHTML})
	if err != nil {
		t.Fatalf("Translate: %v", err)
	}
	if res.Model != "apertium:fra-spa-eng" {
		t.Errorf("Model = %q, want the pivot chain", res.Model)
	}
	tr := res.Translations
	for i, src := range segments[:3] {
		if got, want := markup(t, tr[i]), markup(t, src); !slices.Equal(got, want) {
			t.Errorf("segment %d: tags %q, want %q exactly (output %q)", i, got, want, tr[i])
		}
	}
	if !strings.Contains(tr[0], "president") || strings.Contains(tr[0], "président") || !strings.Contains(tr[0], "Second paragraph") {
		t.Errorf("segment 0 = %q, want its text in English", tr[0])
	}
	if !strings.Contains(tr[0], `href="https://t.co/AbC"`) {
		t.Errorf("segment 0 = %q, want the link as written, its case kept", tr[0])
	}
	// The chain marks "bob" and "schtroumpf" twice; the source's text has
	// no "*" nor "#", so they go from the text, and the href keeps its "#".
	if strings.Contains(tr[0], "*") || strings.Contains(tr[1], "*") {
		t.Errorf("marks left in the text: %q, %q", tr[0], tr[1])
	}
	if !strings.Contains(tr[1], `href="https://exemple.fr/page#haut"`) || !strings.Contains(tr[1], `title="Le chat"`) {
		t.Errorf("segment 1 = %q, want its attributes untouched", tr[1])
	}
	if !strings.HasPrefix(tr[2], "  <p>") || !strings.HasSuffix(tr[2], "</p>\n") || !strings.Contains(tr[2], "&amp;") {
		t.Errorf("segment 2 = %q, want its outer white space and its entity kept", tr[2])
	}
	if tr[3] != "" {
		t.Errorf("empty segment = %q, want it empty", tr[3])
	}
}

// The same fragment as plain text is text: APy's text deformatter leaves
// its "<" alone, and the tags are translated like words, which is why the
// gateway asks for html when the segments are HTML.
func TestTranslateTextFormatTakesMarkupAsText(t *testing.T) {
	p := newProvider(t, apertium.Options{})
	src := `<p>Le <a href="https://t.co/AbC">président</a></p>`
	res, err := p.Translate(context.Background(), providers.TranslateRequest{SourceLang: "fr", TargetLang: "en", Segments: []string{src}, Format: providers.FormatText})
	if err != nil {
		t.Fatalf("Translate: %v", err)
	}
	if got := markup(t, res.Translations[0]); slices.Equal(got, markup(t, src)) {
		t.Errorf("text format kept the tags %q: the test no longer shows why html is needed", got)
	}
}

func TestTranslateUnknownFormat(t *testing.T) {
	p := newProvider(t, apertium.Options{})
	_, err := p.Translate(context.Background(), providers.TranslateRequest{SourceLang: "fr", TargetLang: "en", Segments: []string{"Bonjour"}, Format: "xml"})
	wantKind(t, err, providers.KindBadRequest)
}
