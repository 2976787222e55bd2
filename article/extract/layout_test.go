package extract

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// render returns the body of doc as HTML.
func render(t *testing.T, doc *html.Node) string {
	t.Helper()
	var b bytes.Buffer
	if err := html.Render(&b, doc); err != nil {
		t.Fatal(err)
	}
	return strings.TrimSuffix(strings.TrimPrefix(b.String(), "<html><head></head><body>"), "</body></html>")
}

func TestWrapInlineRuns(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		// Text between blocks is a paragraph of its own, inline markup with it.
		{`<div><p>Un.</p>Selon <em>France Inter</em> a révélé.<p>Trois.</p></div>`,
			`<div><p>Un.</p><p>Selon <em>France Inter</em> a révélé.</p><p>Trois.</p></div>`},
		// A container of a sentence alone is a paragraph.
		{`<section>La <strong>moitié de la population.</strong> Dans la ville.</section>`,
			`<section><p>La <strong>moitié de la population.</strong> Dans la ville.</p></section>`},
		// A link holding a block parts the runs and is laid out in its turn.
		{`<div>Avant le lien. <a href="#"><div>Carte <b>un</b></div></a> après.</div>`,
			`<div><p>Avant le lien. </p><a href="#"><div>Carte <b>un</b></div></a><p> après.</p></div>`},
		// Short lines without blocks are left to the extractor.
		{`<div class="date">jeudi 13 juin 2019</div>`, `<div class="date">jeudi 13 juin 2019</div>`},
		{`<div><a href="/don">Je fais un don de 10 €</a></div>`, `<div><a href="/don">Je fais un don de 10 €</a></div>`},
		// Paragraphs, lists and quotations are not containers of runs.
		{`<p>Le <i>sommet</i>.</p><ul><li>un <b>deux</b><ul><li>trois</li></ul></li></ul>`,
			`<p>Le <i>sommet</i>.</p><ul><li>un <b>deux</b><ul><li>trois</li></ul></li></ul>`},
		// White space between blocks stays white space.
		{"<div>\n <p>Un.</p>\n <p>Deux.</p>\n</div>", "<div>\n <p>Un.</p>\n <p>Deux.</p>\n</div>"},
	} {
		doc, err := html.Parse(strings.NewReader(tt.in))
		if err != nil {
			t.Fatal(err)
		}
		wrapInlineRuns(doc)
		if got := render(t, doc); got != tt.want {
			t.Errorf("wrapInlineRuns(%s)\n got %s\nwant %s", tt.in, got, tt.want)
		}
	}
}

func TestOpenEmbeds(t *testing.T) {
	sentence := "Les syndicats ont aussitôt réagi, et la CGT appelle à une nouvelle journée de mobilisation jeudi."
	for _, tt := range []struct{ in, want string }{
		// A container named after its embed loses its names when it holds a
		// sentence; the post stays, the script and the frame go.
		{`<div class="embed twitter-container">` + sentence + `<blockquote class="twitter-tweet"><p>Le post.</p></blockquote><iframe src="x"></iframe></div>`,
			`<div>` + sentence + `<blockquote class="twitter-tweet"><p>Le post.</p></blockquote></div>`},
		// The post's words are not the container's own sentence.
		{`<div class="embed-twitter"><blockquote class="twitter-tweet"><p>` + sentence + `</p></blockquote></div>`,
			`<div class="embed-twitter"><blockquote class="twitter-tweet"><p>` + sentence + `</p></blockquote></div>`},
		// A caption is not a sentence of the article.
		{`<div id="video-player">Voir la vidéo<video src="v.mp4"></video></div>`, `<div id="video-player">Voir la vidéo</div>`},
		// Players without words of the article's go whole.
		{`<p>Avant.</p><blockquote class="instagram-media"><p>Voir cette publication sur Instagram</p></blockquote><p>Après.</p>`,
			`<p>Avant.</p><p>Après.</p>`},
		// A container named otherwise keeps its names.
		{`<div class="share-bar">` + sentence + `</div>`, `<div class="share-bar">` + sentence + `</div>`},
	} {
		doc, err := html.Parse(strings.NewReader(tt.in))
		if err != nil {
			t.Fatal(err)
		}
		openEmbeds(doc)
		if got := render(t, doc); got != tt.want {
			t.Errorf("openEmbeds(%s)\n got %s\nwant %s", tt.in, got, tt.want)
		}
	}
}

// filler is a paragraph long enough that the extractor takes the page for an
// article.
const filler = "Le gouvernement a présenté mardi un projet de loi destiné à réformer le financement des collectivités locales, un texte attendu depuis des mois par les élus des communes rurales qui dénoncent la baisse continue de leurs dotations."

// TestArticleInlineElements: text written straight into a container, next to
// paragraphs or alone, keeps its spaces and stays one paragraph whatever
// inline markup it holds. The extractor read "<em>France Inter</em> a
// révélé" as "France Intera révélé" there, and cut the paragraph at each
// inline element.
func TestArticleInlineElements(t *testing.T) {
	run := `Selon <em>France Inter</em> qui a <a href="/x">révélé</a> le <abbr title="document">doc.</abbr> la <strong>moitié de la population.</strong> Dans <b>trois</b> <i>cas</i> <span>sur</span> <q>dix</q>, <mark>rien</mark> <sup>1</sup>ne change.`
	want := "Selon France Inter qui a révélé le doc. la moitié de la population. Dans trois cas sur dix, rien 1ne change."
	for name, body := range map[string]string{
		"between paragraphs":  `<div class="txt"><p>` + filler + `</p>` + run + `<p>` + filler + ` Fin.</p></div>`,
		"in a div of its own": `<div class="txt"><p>` + filler + `</p><div>` + run + `</div><p>` + filler + ` Fin.</p></div>`,
		"before a post":       `<div class="txt"><p>` + filler + `</p><div class="article-embed embed-twitter">` + run + `<blockquote class="twitter-tweet"><p>Un post.</p></blockquote></div><p>` + filler + ` Fin.</p></div>`,
	} {
		t.Run(name, func(t *testing.T) {
			page := `<html lang="fr"><head><title>Les collectivités locales</title></head><body><article><h1>Les collectivités locales</h1>` + body + `</article></body></html>`
			r, err := Article(context.Background(), []byte(page), "")
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Contains(r.Paragraphs, want) {
				t.Errorf("no paragraph %q in\n%s", want, strings.Join(r.Paragraphs, "\n"))
			}
			if r.Paragraphs[len(r.Paragraphs)-1] != filler+" Fin." {
				t.Errorf("last paragraph %q, want the page's", r.Paragraphs[len(r.Paragraphs)-1])
			}
		})
	}
}

func TestBreakInnerBlocks(t *testing.T) {
	doc := parseBody(t, `<ul><li><div>ENTRAINEUR</div><div>C. Pélissier</div></li><li><div>EFFECTIFS</div><div><div><span>Y. Wissa</span></div><div><span><span>22</span>J. Delaplace</span></div></div></li><li>Seul</li></ul>`)
	breakInnerBlocks(doc)
	want := `<ul><li><div>ENTRAINEUR</div><br/> <div>C. Pélissier</div></li><li><div>EFFECTIFS</div><br/> <div><br/> <div><span>Y. Wissa</span></div><br/> <div><span><span>22</span>J. Delaplace</span></div></div></li><li>Seul</li></ul>`
	if got := render(t, doc); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestHoistTrailingBreaks(t *testing.T) {
	doc := parseBody(t, `<p><font>en oeuvre.<br> </font><font><strong>1 456 heures<br>
	</strong></font><font>C'est la durée.</font><b>un<br>deux</b></p>`)
	hoistTrailingBreaks(doc)
	want := `<p><font>en oeuvre. </font><br/><font><strong>1 456 heures
	</strong></font><br/><font>C&#39;est la durée.</font><b>un<br/>deux</b></p>`
	if got := render(t, doc); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestFlattenQuotes(t *testing.T) {
	doc := parseBody(t, `<blockquote><p>de leur <em>moi</em> singulier, <a href="/x">lien</a>.</p><p>Vers<br>deux</p></blockquote><p>Un <em>autre</em> texte : <q>« Titre », <i>Le Monde</i></q>.</p>`)
	flattenQuotes(doc)
	want := `<blockquote><p>de leur moi singulier, lien.</p><p>Vers<br/>deux</p></blockquote><p>Un <em>autre</em> texte : <q>« Titre », Le Monde</q>.</p>`
	if got := render(t, doc); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

// parseBody parses body as the body of a page.
func parseBody(t *testing.T, body string) *html.Node {
	t.Helper()
	doc, err := html.Parse(strings.NewReader("<html><head></head><body>" + body + "</body></html>"))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}
