package extract

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"
	"unicode"
)

// newsWords are the words the generated pages' sentences are drawn from.
var newsWords = strings.Fields(`le la les un une des du de au aux et ou mais donc car ni
gouvernement ministre président assemblée députés sénat réforme budget loi projet
ville métropole région maire conseil habitants quartier tramway logement école
hôpital médecins patients grève syndicats salariés entreprise usine emplois
prix inflation croissance marché banque euros millions milliards hausse baisse
a annoncé jeudi vendredi samedi dimanche lundi mardi mercredi soir matin selon
rapport enquête tribunal juge avocat procès police gendarmerie témoins victimes
été hiver printemps automne année semaine mois prochain dernier nouveau premier
grand petit public national européen français local important difficile possible`)

// newsPage returns a news article page of about size bytes, laid out as
// French news sites lay theirs out: a head with metadata, navigation, a
// cookie banner, the article (headline, byline, date, a figure, paragraphs
// with links and emphasis, subheadings every few paragraphs, "Lire aussi"
// teasers between them), then related articles, comments and a footer. Its
// paragraphs all differ, so none is dropped as a duplicate, and the same
// size always gives the same page.
func newsPage(size int) []byte {
	rng := rand.New(rand.NewPCG(uint64(size), 1))
	sentence := func() string {
		n := 8 + rng.IntN(18)
		w := make([]string, n)
		for i := range w {
			w[i] = newsWords[rng.IntN(len(newsWords))]
		}
		r := []rune(strings.Join(w, " "))
		r[0] = unicode.ToUpper(r[0])
		return string(r) + "."
	}
	var b strings.Builder
	b.Grow(size + 4096)
	b.WriteString(`<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">
<title>Le conseil vote la réforme du tramway | Le Journal de l'Ouest</title>
<meta property="og:title" content="Le conseil vote la réforme du tramway">
<meta name="author" content="Marie Dupont">
<meta property="article:published_time" content="2024-03-14T08:30:00+01:00">
<link rel="stylesheet" href="/static/site.css"><script>window.dataLayer=[];</script>
</head><body class="article-page">
<header class="site-header"><nav class="main-nav"><ul><li><a href="/">Accueil</a></li><li><a href="/politique">Politique</a></li>
<li><a href="/economie">Économie</a></li><li><a href="/sports">Sports</a></li><li><a href="/culture">Culture</a></li></ul></nav></header>
<div id="cookie-banner" class="consent">Nous utilisons des cookies pour mesurer l'audience. <button>Accepter</button></div>
<main><article class="article">
<h1 class="article-title">Le conseil vote la réforme du tramway</h1>
<div class="byline">Par <a href="/auteurs/marie-dupont">Marie Dupont</a>, <time datetime="2024-03-14">le 14 mars 2024</time></div>
<figure><img src="/img/tram.jpg" alt="Le tramway"><figcaption>Le tramway place de la Liberté. Photo Le Journal</figcaption></figure>
<div class="article-body">
`)
	tail := `</div></article>
<aside class="related"><h2>Sur le même sujet</h2><ul>
<li><a href="/a/1">La métropole teste la gratuité des bus</a></li>
<li><a href="/a/2">Le chantier du boulevard prend du retard</a></li></ul></aside>
<section id="comments" class="comments"><h2>Commentaires</h2><div class="comment"><p>Enfin une bonne nouvelle pour le quartier.</p></div></section>
</main><footer class="site-footer"><p>© 2024 Le Journal de l'Ouest. Tous droits réservés.</p>
<ul><li><a href="/mentions">Mentions légales</a></li><li><a href="/contact">Contact</a></li></ul></footer>
<script src="/static/app.js"></script></body></html>
`
	for i := 0; b.Len()+len(tail) < size; i++ {
		switch {
		case i > 0 && i%12 == 0:
			fmt.Fprintf(&b, "<h2>%s</h2>\n", strings.TrimSuffix(sentence(), "."))
		case i > 0 && i%17 == 0:
			fmt.Fprintf(&b, "<p class=\"read-also\"><strong>Lire aussi :</strong> <a href=\"/a/%d\">%s</a></p>\n", i, sentence())
		}
		b.WriteString("<p>")
		for j, n := 0, 2+rng.IntN(4); j < n; j++ {
			if j > 0 {
				b.WriteByte(' ')
			}
			switch rng.IntN(6) {
			case 0:
				fmt.Fprintf(&b, "<a href=\"/sujet/%d\">%s</a>", rng.IntN(1000), sentence())
			case 1:
				fmt.Fprintf(&b, "<em>%s</em>", sentence())
			default:
				b.WriteString(sentence())
			}
		}
		b.WriteString("</p>\n")
	}
	b.WriteString(tail)
	return []byte(b.String())
}

// BenchmarkArticleSize extracts generated news pages of 10 kB to 5 MB and
// reports the bytes allocated per byte of page: an extraction linear in the
// page allocates about the same per byte at every size.
func BenchmarkArticleSize(b *testing.B) {
	for _, size := range []int{10 << 10, 100 << 10, 1 << 20, 5 << 20} {
		page := newsPage(size)
		b.Run(fmt.Sprintf("%dkB", size>>10), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(page)))
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			n := 0
			for b.Loop() {
				n++
				if _, err := Article(context.Background(), page, "https://www.example.fr/politique/tramway.html"); err != nil {
					b.Fatal(err)
				}
			}
			runtime.ReadMemStats(&after)
			b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(n)/float64(len(page)), "B/inputbyte")
		})
	}
}

// allocatedBy returns the bytes allocated while f runs.
func allocatedBy(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// articleAllocations returns the bytes Article allocates on page, which must
// hold an article.
func articleAllocations(t *testing.T, page []byte) uint64 {
	t.Helper()
	var err error
	n := allocatedBy(func() {
		_, err = Article(context.Background(), page, "https://www.example.fr/politique/tramway.html")
	})
	if err != nil {
		t.Fatalf("Article on a page of %d bytes: %v", len(page), err)
	}
	return n
}

// TestArticleAllocationsLinear checks that what an extraction allocates
// grows as the page does: a page twenty times larger may cost at most twice
// that many times more. The extractor once built the text of the page's
// paragraphs by appending each to a copy of the others, and a page of 2 MB
// cost thirty times more per byte than one of 100 kB.
func TestArticleAllocationsLinear(t *testing.T) {
	small, large := newsPage(100<<10), newsPage(2<<20)
	// One extraction first, so that what the packages set up once (regular
	// expressions, tables) is not counted against the small page.
	articleAllocations(t, small)
	smallAlloc, largeAlloc := articleAllocations(t, small), articleAllocations(t, large)
	sizeRatio := float64(len(large)) / float64(len(small))
	allocRatio := float64(largeAlloc) / float64(smallAlloc)
	t.Logf("%d B page: %d B allocated (%.0f per byte); %d B page: %d B allocated (%.0f per byte)",
		len(small), smallAlloc, float64(smallAlloc)/float64(len(small)),
		len(large), largeAlloc, float64(largeAlloc)/float64(len(large)))
	if allocRatio > 2*sizeRatio {
		t.Errorf("a page %.0f times larger allocated %.0f times more, want at most %.0f", sizeRatio, allocRatio, 2*sizeRatio)
	}
}

// deepPage returns a page of about size bytes made of stacks of depth
// <div>s, each holding a sentence and the rest of its stack.
func deepPage(size, depth int) []byte {
	const sentence = "Le conseil municipal a voté jeudi soir le prolongement de la ligne de tramway. "
	var b strings.Builder
	b.WriteString(`<!DOCTYPE html><html lang="fr"><head><title>Le tramway</title></head><body>`)
	for b.Len() < size {
		b.WriteString(strings.Repeat(`<div class="share">`+sentence, depth))
		b.WriteString(strings.Repeat("</div>", depth))
	}
	b.WriteString("</body></html>")
	return []byte(b.String())
}

// TestArticleAllocationsDeepPage checks that a page nested as deep as the
// HTML parser allows costs, per byte, no more than a few times a news page:
// the extractor's fallbacks take the text of every element and of its
// ancestors, and a page nested 500 deep cost fifty times more.
func TestArticleAllocationsDeepPage(t *testing.T) {
	news, deep := newsPage(200<<10), deepPage(200<<10, 500)
	articleAllocations(t, news)
	perByte := func(page []byte) float64 { return float64(articleAllocations(t, page)) / float64(len(page)) }
	newsPerByte, deepPerByte := perByte(news), perByte(deep)
	t.Logf("news page: %.0f B allocated per byte; page nested 500 deep: %.0f", newsPerByte, deepPerByte)
	if deepPerByte > 15*newsPerByte {
		t.Errorf("the deep page allocated %.0f B per byte, %.1f times the news page's %.0f; want at most 15 times",
			deepPerByte, deepPerByte/newsPerByte, newsPerByte)
	}
}
