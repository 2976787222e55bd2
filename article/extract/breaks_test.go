package extract

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

func TestSplitBreakRuns(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{`<p>Un.<br><br>Deux.</p>`, `<p>Un.</p><p>Deux.</p>`},
		{`<p class="x">Un.<br/>` + "\n " + `<br />Deux.<br><br><br>Trois.</p>`, `<p class="x">Un.</p><p class="x">Deux.</p><p class="x">Trois.</p>`},
		// One break is a line break inside a paragraph.
		{`<p>12 rue de Siam<br>Brest</p>`, `<p>12 rue de Siam<br/>Brest</p>`},
		{`<p>Un.<br><b>Deux.</b><br>Trois.</p>`, `<p>Un.<br/><b>Deux.</b><br/>Trois.</p>`},
		// Inline markup goes with its paragraph; runs at the ends go.
		{`<p><br><br>Le <i>sommet</i>.<br><br><a href="#">Lien</a> final.<br><br></p>`, `<p>Le <i>sommet</i>.</p><p><a href="#">Lien</a> final.</p>`},
		// A div's text is wrapped; its blocks stay as they are.
		{`<div>Un.<br><br>Deux.<br><br><p>Trois.</p></div>`, `<div><p>Un.</p><p>Deux.</p><p>Trois.</p></div>`},
		{`<div><p>Un.</p><p>Deux.</p></div>`, `<div><p>Un.</p><p>Deux.</p></div>`},
	} {
		doc, err := html.Parse(strings.NewReader(tt.in))
		if err != nil {
			t.Fatal(err)
		}
		splitBreakRuns(doc)
		var b bytes.Buffer
		if err := html.Render(&b, doc); err != nil {
			t.Fatal(err)
		}
		got := strings.TrimSuffix(strings.TrimPrefix(b.String(), "<html><head></head><body>"), "</body></html>")
		if got != tt.want {
			t.Errorf("splitBreakRuns(%s) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

// TestArticleParagraphsWrittenWithBreaks: a page that parts its paragraphs
// with two line breaks inside one <p> keeps them apart.
func TestArticleParagraphsWrittenWithBreaks(t *testing.T) {
	page := `<html><body><article><h1>Le conseil municipal vote le budget</h1><p>` +
		`Le conseil municipal de Nantes a adopté jeudi soir son budget pour l'année prochaine, après un débat de plus de quatre heures sur les transports et le logement.<br><br>` +
		`L'opposition a voté contre, jugeant les dépenses trop élevées au regard des recettes attendues, et a annoncé un recours devant le tribunal administratif.<br/><br/>` +
		`Le maire a défendu un budget « responsable et ambitieux ».</p></article></body></html>`
	r, err := Article(context.Background(), []byte(page), "")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"Le conseil municipal de Nantes a adopté jeudi soir son budget pour l'année prochaine, après un débat de plus de quatre heures sur les transports et le logement.",
		"L'opposition a voté contre, jugeant les dépenses trop élevées au regard des recettes attendues, et a annoncé un recours devant le tribunal administratif.",
		"Le maire a défendu un budget « responsable et ambitieux ».",
	}
	if !slices.Equal(r.Paragraphs, want) {
		t.Errorf("Paragraphs = %q, want %q", r.Paragraphs, want)
	}
}
