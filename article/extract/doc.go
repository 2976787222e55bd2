// Package extract finds the article in a whole web page: its title and its
// paragraphs, in reading order, without the page's navigation, consent
// banners, share and newsletter blocks, comments and teasers for other
// articles.
//
// The extraction is go-trafilatura's (a Go port of Trafilatura) with its
// fallback to Readability and DOM Distiller on, followed by the article
// package's boilerplate test on every block. It was chosen over
// codeberg.org/readeck/go-readability/v2 on the French pages of the shared
// evaluation corpus (go run ./tools/evalextract -corpus ...), the same
// boilerplate test applied to both:
//
//	                                 trafilatura   trafilatura   readability
//	                                 + fallback    alone         (readeck v2)
//	"with" strings found (67)           92.5 %        86.6 %        95.5 %
//	"without" strings leaked (69)        8.7 %         7.2 %        17.4 %
//	Readability.js pages, word P / R   1.00 / 0.99   1.00 / 0.99   1.00 / 1.00
//	time for one 110 kB page           20-30 ms      13 ms         13 ms
//	binary growth                       +13.7 MB      +13.7 MB       +5.4 MB
//	packages pulled in                     113           113            45
//
// Readability keeps a little more of the article but leaks twice as much
// furniture: related-article lists, photo credits, "Permalien" links, which a
// translation would pay for and a reader would see, on a third of the pages.
// Trafilatura alone misses whole articles on some layouts (one paragraph out
// of thirty on laviedesidees.fr); its fallback recovers them, and what it
// still misses are single sentences at the edge of an article. The price is
// a larger binary and a slower extraction, both small beside one
// translation call.
//
// And memory at rest, which was not small: go-trafilatura imports
// go-htmldate, which imports go-dateparser, whose package initialisation
// compiles the regular expressions of every locale it knows, in every
// process that links this package, although the Fast date mode set in
// Article never calls it: about 25 MB of live heap, 85 MB allocated and
// 0.3 s at each start, and the gateway idled at 71 MB of RSS. Neither
// go-trafilatura nor go-htmldate has an option that leaves go-dateparser
// out, and the lighter extractors leak more furniture than the evaluation
// allows (more than 10 % of the "without" strings): Readability (readeck v2
// or go-shiori) 14.5 % and 15.9 %, DOM Distiller 13.0 %. So go.mod replaces
// go-dateparser with third_party/go-dateparser, which declares what
// go-htmldate compiles against and parses nothing. The extraction is the
// same (tools/evalextract: 64/67 = 95.5 % found, 5/69 = 7.2 % leaked, before
// and after), start-up allocates 6 MB in 13 ms, and the gateway idles at
// 36 MB.
//
// A brief, under the extractor's minimum of 250 characters, comes back from
// its last resort as one block: the text of the page's <article> run
// together, its title, byline and share buttons with it, and without a space
// where the markup had none ("…à Paris.Les deux…"). Article finds that
// text's blocks again in the page and drops those whose class or id names
// furniture (splitMerged); the evaluation above is unchanged by it.
//
// Pages that part paragraphs with two line breaks inside one <p> or <div>
// ("…logement.<br><br>L'opposition…") have them made into <p>s first
// (splitBreakRuns): the extractor folds such a run into one break, and the
// paragraphs into one. The evaluation is unchanged by this too.
//
// The extractor reads a page as XML, each element with a text and a tail:
// text written straight into a container lost its spaces and its paragraphs
// there ("<em>France Inter</em> a révélé" read "France Intera révélé"), a
// container named after an embed was dropped with the sentences written in
// it, and a <time> inside a sentence with its words. The page is laid out as
// a browser lays it out first (layout.go): such text is wrapped in <p>s,
// players are dropped and their containers' names removed when they hold a
// sentence, a <time> among words becomes a <span>. Bylines and datelines
// that the extractor keeps as paragraphs are then taken out (byline.go).
// On the corpus, 65 of the 67 "with" strings are found (64 before: a
// paragraph written straight into a <div> of lopinion.fr), 5 of 69 leak as
// before, and the Readability.js pages lose nothing.
//
// The extractor also trims the text and tail of each element it reads
// inside a list item, a quotation or a cell, and drops a line break that
// ends an element: a line-up of <div>s in a list item read "EFFECTIFSY.
// WissaT. Fontaine", "<em>moi</em> singulier" in a quotation "moisingulier"
// (and the quotation was cut in two at the <em>), "annuelles<br></strong>
// </font><font>C'est" "annuellesC'est". So a break is put between the
// blocks inside an element the extractor reads whole, the inline elements
// of a quotation become plain text, and a break that ends an inline element
// is moved after it (layout.go). The corpus's 43 glued words went to 0,
// every other figure of the evaluation unchanged.
//
// What an extraction allocates grows with the page, about 350 bytes per
// byte of HTML from 10 kB to 5 MB (BenchmarkArticleSize). go-trafilatura
// v1.12.2 built the text of the page's <p>s by appending each to a copy of
// the others, quadratic in the page: 1.4 GiB for 1 MiB of HTML. go.mod
// replaces it with third_party/go-trafilatura, which measures that text
// without building it. Its Readability fallback takes the text of every
// element and of each of its ancestors, so a page costs its size times its
// depth: elements nested deeper than 64 (26 at most in the corpus, 512 in
// what the HTML parser accepts) are hoisted into their ancestor at that
// depth first (flattenDeep). Neither change alters the extraction of any
// page of the tests or of the corpus.
package extract
