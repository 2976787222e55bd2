package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
)

// fillerSentences are French sentences without a number, mixed into the
// paragraphs of the flood's web pages so that they read like news copy
// rather than a list of the phrases.
var fillerSentences = []string{
	"Les habitants du quartier, interrogés par notre rédaction, se disent inquiets pour l'avenir.",
	"Le préfet doit s'exprimer en fin de journée lors d'une conférence de presse.",
	"« Nous ne lâcherons rien », a déclaré la porte-parole du collectif devant les caméras.",
	"L'opposition dénonce une décision prise dans la précipitation, sans concertation avec les élus locaux.",
	"Contacté par téléphone, le ministère n'a pas souhaité commenter ces informations.",
	"Les associations de consommateurs réclament davantage de transparence sur les tarifs.",
	"La circulation reste perturbée sur l'ensemble du réseau jusqu'à nouvel ordre.",
	"Plusieurs témoins affirment avoir entendu une forte détonation peu avant minuit.",
	"Le maire a rappelé que la sécurité des usagers restait la priorité absolue de la commune.",
	"Une réunion de concertation est prévue la semaine prochaine à l'hôtel de ville.",
	"Les syndicats appellent à une nouvelle journée de mobilisation dans toute la région.",
	"D'après les premières estimations, les dégâts pourraient se chiffrer en millions d'euros.",
}

// menuItems are a news site's sections, for the page's furniture.
var menuItems = []string{"International", "Politique", "Société", "Économie", "Culture", "Sport", "Sciences",
	"Planète", "Idées", "Vidéos", "Podcasts", "Le Direct", "Régions", "Météo", "Santé", "Éducation"}

// newsPage writes a French news page of about size bytes, made like the
// pages the gateway is sent: a head with metadata, a script and styles, a
// menu, a cookie banner, the article (headline, standfirst, paragraphs with
// intertitles, quotations, figures and "Lire aussi" teasers), comments and a
// footer. Every paragraph carries numbers used nowhere else (next), so no
// two paragraphs are equal and an extractor's de-duplication keeps them all.
func newsPage(rng *rand.Rand, next func() int, size int) []byte {
	var b bytes.Buffer
	b.Grow(size + 4096)
	title := fmt.Sprintf(titlePhrases[rng.IntN(len(titlePhrases))].fr, next())
	fmt.Fprintf(&b, `<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8"><title>%s</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta property="og:type" content="article"><meta property="og:title" content="%s">
<meta name="description" content="%s">
<link rel="stylesheet" href="/static/css/main.css">
<style>.article__paragraph{margin:0 0 1em}.cookie-banner{position:fixed;bottom:0}.menu li{display:inline-block}</style>
<script>window.dataLayer=window.dataLayer||[];window.dataLayer.push({"page":"article","section":"societe","premium":false});</script>
</head><body>
<header class="site-header"><a class="logo" href="/">Le Quotidien</a><nav class="menu"><ul>`, title, title, title)
	for _, m := range menuItems {
		fmt.Fprintf(&b, `<li><a href="/%s/">%s</a></li>`, strings.ToLower(m), m)
	}
	b.WriteString(`</ul></nav></header>
<div class="cookie-banner" id="consent"><p>Nous utilisons des cookies pour mesurer l'audience et vous proposer des contenus adaptés.</p><button>Accepter</button><button>Paramétrer</button></div>
<main><article class="article"><h1 class="article__title">`)
	b.WriteString(title)
	b.WriteString(`</h1>
<p class="article__desc">`)
	b.WriteString(frenchParagraph(rng, next))
	b.WriteString(`</p>
<p class="meta">Par <a href="/signataires/">la rédaction</a>, publié le 12 mars à 18h04</p>
<div class="article__content">
`)
	const tail = `</div></article>
<section class="comments"><h3>Commentaires</h3><p>Les commentaires sont réservés aux abonnés. <a href="/abonnement/">S'abonner</a></p></section>
</main>
<footer class="site-footer"><ul><li><a href="/mentions-legales/">Mentions légales</a></li><li><a href="/cgv/">CGV</a></li><li><a href="/contact/">Contact</a></li></ul><p>© Le Quotidien</p></footer>
<script src="/static/js/main.js" defer></script>
</body></html>
`
	for n := 1; b.Len() < size-len(tail)-600; n++ {
		switch {
		case n%40 == 0:
			fmt.Fprintf(&b, "<h2 class=\"article__sub-title\">%s</h2>\n", fmt.Sprintf(titlePhrases[rng.IntN(len(titlePhrases))].fr, next()))
		case n%23 == 0:
			fmt.Fprintf(&b, "<blockquote><p>%s</p></blockquote>\n", fillerSentences[rng.IntN(len(fillerSentences))])
		case n%31 == 0:
			fmt.Fprintf(&b, "<figure><img src=\"/img/%d.jpg\" alt=\"\" width=\"664\" height=\"443\"><figcaption>%s</figcaption></figure>\n",
				next(), fillerSentences[rng.IntN(len(fillerSentences))])
		case n%17 == 0:
			fmt.Fprintf(&b, "<aside class=\"read-also\"><p>Lire aussi : <a href=\"/societe/article/%d.html\">%s</a></p></aside>\n",
				next(), fmt.Sprintf(titlePhrases[rng.IntN(len(titlePhrases))].fr, next()))
		default:
			fmt.Fprintf(&b, "<p class=\"article__paragraph\">%s</p>\n", frenchParagraph(rng, next))
		}
	}
	b.WriteString(tail)
	return b.Bytes()
}

// frenchParagraph is two to four sentences, at least one of them a phrase
// with a fresh number.
func frenchParagraph(rng *rand.Rand, next func() int) string {
	var s []string
	for i := range 2 + rng.IntN(3) {
		if i%2 == 0 {
			s = append(s, fmt.Sprintf(paragraphPhrases[rng.IntN(len(paragraphPhrases))].fr, next()))
		} else {
			s = append(s, fillerSentences[rng.IntN(len(fillerSentences))])
		}
	}
	return strings.Join(s, " ")
}

// jsonBody encodes v as a request body, leaving <, > and & as they are (as a
// client's JSON library does): escaped, a page grows by a fifth.
func jsonBody(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

// batchPool is the text of the articles the flood's batches are made of:
// paragraphs of one phrase each, so that the provider stand-in translates
// them, encoded once as JSON string contents and shared by every batch.
type batchPool struct {
	texts [][]byte // JSON-escaped, without the quotes
}

// newBatchPool makes n article texts of about size bytes each.
func newBatchPool(rng *rand.Rand, next func() int, n, size int) *batchPool {
	p := &batchPool{}
	for range n {
		var paras []string
		length := 0
		for length < size {
			para := fmt.Sprintf(paragraphPhrases[rng.IntN(len(paragraphPhrases))].fr, next())
			paras = append(paras, para)
			length += len(para) + 2
		}
		p.texts = append(p.texts, jsonString(strings.Join(paras, "\n\n")))
	}
	return p
}

// jsonString is s encoded as a JSON string, without its quotes.
func jsonString(s string) []byte {
	b := jsonBody(s)
	return b[1 : len(b)-1]
}

// batchBody returns the parts of a translate batch of articles articles,
// each a text of the pool with a title and a first paragraph of its own, so
// that no two articles of the run are the same document; the parts share
// the pool's bytes. It returns them with their total length.
func (p *batchPool) batchBody(rng *rand.Rand, next func() int, articles int) ([][]byte, int) {
	parts := [][]byte{[]byte(`{"task":"translate","articles":[`)}
	first := rng.IntN(len(p.texts))
	for i := range articles {
		sep := ","
		if i == 0 {
			sep = ""
		}
		title := fmt.Sprintf(titlePhrases[rng.IntN(len(titlePhrases))].fr, next())
		lead := fmt.Sprintf(paragraphPhrases[rng.IntN(len(paragraphPhrases))].fr, next())
		parts = append(parts,
			fmt.Appendf(nil, `%s{"title":"%s","text":"%s\n\n`, sep, jsonString(title), jsonString(lead)),
			p.texts[(first+i)%len(p.texts)],
			[]byte(`"}`))
	}
	parts = append(parts, []byte(`]}`))
	n := 0
	for _, part := range parts {
		n += len(part)
	}
	return parts, n
}
