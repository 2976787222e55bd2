package extract

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/markusmobius/go-trafilatura"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
	"golang.org/x/net/html/charset"

	"passerelle/article"
)

// ErrNoArticle is returned when the page is not HTML, or when it is but holds
// no article text: an index page, an empty shell filled by scripts, a form.
var ErrNoArticle = errors.New("no article found in the page")

// Result is the article found in a page.
type Result struct {
	// Title is the article's headline, from the page's metadata or its
	// heading; empty when the page has neither.
	Title string
	// Paragraphs are the article's blocks in reading order: paragraphs,
	// headings, list items and quotations, each its own entry, as plain text
	// with white space folded.
	Paragraphs []string
	// Lang is the language the page declares in <html lang>, as written
	// there ("fr", "fr-FR"); empty when it declares none. Pages do get it
	// wrong, so it is a hint, not a detection.
	Lang string
	// Byline is the author as the page's metadata names them, or failing
	// that as its dateline does ("Orange avec Media Services"), without
	// "Par"; empty when the page names none.
	Byline string
	// Date is the publication date as YYYY-MM-DD, from the page's dateline
	// ("publié le lundi 03 février 2020") or failing that its metadata,
	// when the page gives one.
	Date string
}

// Article finds the article in a whole web page: the main text without the
// navigation, consent banners, share and newsletter blocks, comments and
// teasers for other articles around it. pageURL is where the page was found;
// it may be empty, and only helps tell the site's own furniture from content.
// The page may be in any charset its bytes or its <meta charset> reveal; it is
// decoded to UTF-8.
//
// Article returns ErrNoArticle when page is not HTML or holds no article
// text, and ctx.Err() when ctx ends before the extraction starts (the
// extraction itself takes tens of milliseconds and is not interrupted).
func Article(ctx context.Context, page []byte, pageURL string) (Result, error) {
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}
	if len(bytes.TrimSpace(page)) == 0 {
		return Result{}, fmt.Errorf("%w: the page is empty", ErrNoArticle)
	}
	if !looksLikeText(page) {
		return Result{}, fmt.Errorf("%w: the content is binary, not HTML", ErrNoArticle)
	}
	doc, err := html.Parse(bytes.NewReader(toUTF8(page)))
	if err != nil {
		return Result{}, fmt.Errorf("%w: %v", ErrNoArticle, err)
	}
	if !hasMarkup(doc) {
		return Result{}, fmt.Errorf("%w: the content has no HTML markup", ErrNoArticle)
	}
	lang := declaredLang(doc)
	flattenDeep(doc, 0)
	openEmbeds(doc)
	keepInlineTimes(doc)
	hoistTrailingBreaks(doc)
	spaceAfterBreaks(doc)
	splitBreakRuns(doc)
	wrapInlineRuns(doc)
	breakInnerBlocks(doc)
	flattenQuotes(doc)

	opts := trafilatura.Options{
		// Trafilatura alone misses the article on some layouts (one
		// paragraph out of thirty on laviedesidees.fr); with the fallback it
		// also runs Readability and DOM Distiller and keeps the best
		// candidate, for about twice the time (20 to 30 ms for a 110 kB page).
		EnableFallback:  true,
		ExcludeComments: true,
		Deduplicate:     true,
		PruneSelector:   pruneSelector,
		// The metadata and <time> elements give the date on news pages; the
		// extensive mode, the default with the fallback, also runs a
		// multilingual date parser's many regular expressions over the text.
		HtmlDateMode: trafilatura.Fast,
	}
	if u, err := url.Parse(pageURL); err == nil && u.Host != "" {
		opts.OriginalURL = u
	}
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}
	res, err := trafilatura.ExtractDocument(doc, opts)
	if err != nil || res == nil || res.ContentNode == nil {
		return Result{}, ErrNoArticle
	}

	r := Result{
		Title:  oneLine(res.Metadata.Title),
		Lang:   lang,
		Byline: authorLead.ReplaceAllString(oneLine(res.Metadata.Author), ""),
	}
	if !res.Metadata.Date.IsZero() {
		r.Date = res.Metadata.Date.Format("2006-01-02")
	}
	found := blocks(res.ContentNode)
	if len(found) == 1 {
		// An article under the extractor's minimum size (250 characters:
		// a brief) comes back from its last resort as one block, the text
		// of the page's <article> run together, title, byline and share
		// buttons included. Its own blocks are found again in the page.
		if split := splitMerged(doc, found[0]); split != nil {
			found = split
		}
	}
	var paragraphs []string
	for _, p := range found {
		// The page's own control characters (&#1;, stray bytes) go: they
		// must reach neither a provider nor a cache key.
		if p = oneLine(p); p != "" {
			paragraphs = append(paragraphs, p)
		}
	}
	paragraphs, datelines := cutDatelines(paragraphs)
	var written string
	for _, d := range datelines {
		if r.Byline == "" {
			r.Byline = datelineByline(d)
		}
		if written == "" {
			written = datelineDate(d)
		}
	}
	if written != "" {
		// The date the page shows its readers wins over its metadata's,
		// which the extractor takes from any <time> of the page when the
		// <head> gives none.
		r.Date = written
	}
	r.Paragraphs = dropBoilerplate(paragraphs, r.Title)
	if len(r.Paragraphs) == 0 {
		return Result{}, ErrNoArticle
	}
	return r, nil
}

// oneLine normalises s as pasted text is (NFC, control characters removed)
// and folds its white space into single spaces.
func oneLine(s string) string {
	return strings.Join(strings.Fields(article.Normalize(s)), " ")
}

// pruneSelector removes paywall prompts before extraction: they sit inside
// the article's container, so the extractor takes them for its last
// paragraphs ("Pour lire la suite… créez votre compte").
const pruneSelector = `[class*="paywall"], [id*="paywall"], [class*="Paywall"], [id*="Paywall"]`

// dropBoilerplate drops the blocks the extractor kept of the page's
// furniture ("À lire aussi : …" teasers, "Partager", copyright lines) and a
// first block repeating the title.
//
// Unlike article.Parse, which drops furniture only at the ends of a plain
// text, this drops it anywhere: here every block is a whole element of the
// page, so a block that is nothing but a teaser is a teaser, and news pages
// put their "Lire aussi" links between paragraphs.
func dropBoilerplate(paras []string, title string) []string {
	if len(paras) > 0 && paras[0] == title {
		paras = paras[1:]
	}
	out := paras[:0:0]
	for _, p := range paras {
		if !article.IsBoilerplate(p) {
			out = append(out, p)
		}
	}
	return out
}

// looksLikeText reports whether the start of page is free of NUL bytes, which
// no HTML document holds and every image, PDF or archive does.
func looksLikeText(page []byte) bool {
	return bytes.IndexByte(page[:min(len(page), 1024)], 0) < 0
}

// toUTF8 returns page decoded to UTF-8. Valid UTF-8 is taken as it is, even
// when a <meta> says otherwise: pages are often re-encoded without their
// declaration being updated. Anything else is decoded with the charset its
// <meta> declares, or windows-1252, the usual legacy charset of French pages.
func toUTF8(page []byte) []byte {
	if utf8.Valid(page) {
		return page
	}
	enc, name, _ := charset.DetermineEncoding(page, "text/html")
	if name == "utf-8" {
		// A page declared UTF-8 whose bytes are not is almost always Latin-1.
		enc, _ = charset.Lookup("windows-1252")
	}
	out, err := enc.NewDecoder().Bytes(page)
	if err != nil {
		return page
	}
	return out
}

// hasMarkup reports whether the parsed document holds an element the parser
// did not invent: plain text, JSON or CSV parse into an <html>, <head> and
// <body> wrapped around one text node.
func hasMarkup(n *html.Node) bool {
	if n.Type == html.ElementNode {
		switch n.DataAtom {
		case atom.Html, atom.Head, atom.Body:
		default:
			return true
		}
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if hasMarkup(c) {
			return true
		}
	}
	return false
}

// declaredLang returns the lang attribute of the <html> element, trimmed.
func declaredLang(doc *html.Node) string {
	for c := doc.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode && c.DataAtom == atom.Html {
			for _, a := range c.Attr {
				if strings.EqualFold(a.Key, "lang") || strings.EqualFold(a.Key, "xml:lang") {
					if v := strings.TrimSpace(a.Val); v != "" {
						return v
					}
				}
			}
		}
	}
	return ""
}
