package extract

import (
	"regexp"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// The passes in this file lay the page out as a browser does before the
// extractor reads it: the extractor follows an XML model in which each
// element has a text and a tail, and text that a page writes straight into a
// container lost its spaces and its paragraphs there ("<em>France Inter</em>
// a révélé" read "France Intera révélé", and a paragraph was cut in two at a
// <strong>); and it drops whole any container whose class names an embed,
// the article's sentences written in it along with the post.

// runContainers are the containers whose text, when the page writes it
// straight into them rather than in paragraphs, is wrapped in <p>s by
// wrapInlineRuns. Lists, quotations, table cells and headings are left to
// the extractor, which reads their text as a whole.
var runContainers = map[atom.Atom]bool{
	atom.Div: true, atom.Section: true, atom.Article: true, atom.Main: true,
	atom.Header: true, atom.Footer: true, atom.Aside: true, atom.Center: true,
}

// wrapInlineRuns wraps each run of text and inline elements that sits
// straight in a container (see runContainers) in a <p> of its own, as a
// browser lays it out in an anonymous block: "<div>Selon <em>X</em> a
// révélé…<p>Suite.</p></div>" becomes "<div><p>Selon <em>X</em> a
// révélé…</p><p>Suite.</p></div>". A run is parted by block elements, and
// by inline elements that hold blocks (a link around a teaser card), which
// are laid out in their turn. Runs of white space only are left as they are.
func wrapInlineRuns(doc *html.Node) {
	holdsBlock := map[*html.Node]bool{}
	var mark func(*html.Node) bool
	mark = func(n *html.Node) bool {
		has := false
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if mark(c) {
				has = true
			}
		}
		if has {
			holdsBlock[n] = true
		}
		return has || (n.Type == html.ElementNode && blockElements[elementAtom(n)])
	}
	mark(doc)

	var wrap func(*html.Node)
	wrap = func(n *html.Node) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			wrap(c)
		}
		if n.Type != html.ElementNode || !runContainers[elementAtom(n)] || !holdsBlock[n] && !isSentence(n) {
			return
		}
		var run []*html.Node
		end := func(before *html.Node) {
			if hasText(run) {
				p := &html.Node{Type: html.ElementNode, Data: "p", DataAtom: atom.P}
				n.InsertBefore(p, before)
				for _, r := range run {
					n.RemoveChild(r)
					p.AppendChild(r)
				}
			}
			run = run[:0]
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type == html.ElementNode && (blockElements[elementAtom(c)] || holdsBlock[c]) {
				end(c)
				continue
			}
			run = append(run, c)
		}
		end(nil)
	}
	wrap(doc)
}

// minSentenceRunes is the length from which the text of a container without
// blocks is taken for a paragraph whatever its end.
const minSentenceRunes = 100

// sentenceEnd matches the end of a sentence, closing quotes and brackets
// after its punctuation.
var sentenceEnd = regexp.MustCompile(`[.!?…][\s»"”’)\]]*$`)

// isSentence reports whether the text of n, a container without blocks, is
// written as a paragraph: long, or a sentence of a few words. Short lines
// (a date, a button, a label, a banner) are left to the extractor, whose
// choice of the article's container they weigh on: made paragraphs, they
// can make it pick the page's furniture over a brief.
func isSentence(n *html.Node) bool {
	var b strings.Builder
	var collect func(*html.Node)
	collect = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
			b.WriteByte(' ')
			return
		}
		if n.Type == html.ElementNode && skippedElements[elementAtom(n)] {
			return
		}
		for c := n.FirstChild; c != nil && b.Len() < 4*minSentenceRunes; c = c.NextSibling {
			collect(c)
		}
	}
	collect(n)
	text := strings.TrimSpace(b.String())
	if utf8.RuneCountInString(text) >= minSentenceRunes {
		return true
	}
	return len(strings.Fields(text)) >= 5 && sentenceEnd.MatchString(text)
}

// embedElements are the elements of an embedded video, player or frame:
// none holds text a reader reads, and the extractor drops them too.
var embedElements = map[atom.Atom]bool{
	atom.Iframe: true, atom.Video: true, atom.Audio: true, atom.Object: true, atom.Embed: true,
}

// postClass matches the class of the markup that embeds a post of a social
// network whose text is the post's own words (<blockquote
// class="twitter-tweet">, Bluesky's, Mastodon's): a reader reads it, and
// the extractor keeps it as a quotation.
var postClass = regexp.MustCompile(`(?i)(?:^|\s)(?:twitter-tweet|twitter-video|bluesky-embed|mastodon-embed)(?:$|\s)`)

// playerClass matches the class of the markup that embeds a post whose
// text is the network's furniture ("Voir cette publication sur Instagram",
// "Une publication partagée par…"), dropped as a player is.
var playerClass = regexp.MustCompile(`(?i)(?:^|\s)(?:instagram-media|tiktok-embed|text-post-media|fb-post|fb-video|reddit-embed-bq)(?:$|\s)`)

// embedName matches the class or id of a container that a page names after
// the embed it holds ("embed", "twitter", "video-player"). The extractor
// drops such containers whole, the article's text written in them with the
// post.
var embedName = regexp.MustCompile(`(?i)embed|twitter|tweet|instagram|youtube|dailymotion|tiktok|bluesky|mastodon|video|player|iframe`)

// minOwnText is how much text of its own, outside the embed, a container
// named after an embed must hold to be read as part of the article: a
// sentence, not a caption or a "voir la vidéo" link.
const minOwnText = 80

// openEmbeds drops the players of a page (videos, frames, posts whose text
// is the network's) and keeps the article's text around every embed: the
// class and id of a container named after an embed are removed when it
// holds a sentence of its own, so that the extractor reads its text as any
// other. A post's own words stay, as a quotation.
func openEmbeds(doc *html.Node) {
	// Own text is counted after the embeds have gone, bottom up, so that
	// every node is looked at once.
	var visit func(*html.Node) int
	visit = func(n *html.Node) int {
		if n.Type == html.TextNode {
			return utf8.RuneCountInString(strings.TrimSpace(n.Data))
		}
		if n.Type != html.ElementNode && n.Type != html.DocumentNode {
			return 0
		}
		own := 0
		for c := n.FirstChild; c != nil; {
			next := c.NextSibling
			switch {
			case isPlayer(c):
				n.RemoveChild(c)
			case hasClass(c, postClass):
				// The post's words are not the container's own.
			default:
				own += visit(c)
			}
			c = next
		}
		if n.Type == html.ElementNode && skippedElements[elementAtom(n)] {
			return 0
		}
		if own >= minOwnText && namedAfterEmbed(n) {
			n.Attr = withoutNames(n.Attr)
		}
		return own
	}
	visit(doc)
}

// isPlayer reports whether n is an embed without words of its own to read:
// a frame, a video, a post whose text is the network's.
func isPlayer(n *html.Node) bool {
	return n.Type == html.ElementNode && (embedElements[elementAtom(n)] || hasClass(n, playerClass))
}

// hasClass reports whether n is an element whose class matches re.
func hasClass(n *html.Node, re *regexp.Regexp) bool {
	if n.Type != html.ElementNode {
		return false
	}
	for _, a := range n.Attr {
		if a.Key == "class" && re.MatchString(a.Val) {
			return true
		}
	}
	return false
}

func namedAfterEmbed(n *html.Node) bool {
	for _, a := range n.Attr {
		if (a.Key == "class" || a.Key == "id") && embedName.MatchString(a.Val) {
			return true
		}
	}
	return false
}

// withoutNames returns attrs without class and id.
func withoutNames(attrs []html.Attribute) []html.Attribute {
	out := attrs[:0:0]
	for _, a := range attrs {
		if a.Key != "class" && a.Key != "id" {
			out = append(out, a)
		}
	}
	return out
}

// hoistTrailingBreaks moves a line break that ends an inline element out of
// it, after it ("<font><strong>1 456 heures<br> </strong></font><font>C'est"
// becomes "…heures</strong></font><br><font>C'est"): the extractor drops a
// break that ends an element, and the next line ran on ("heuresC'est").
func hoistTrailingBreaks(n *html.Node) {
	for c := n.FirstChild; c != nil; {
		next := c.NextSibling
		hoistTrailingBreaks(c)
		c = next
	}
	if n.Type != html.ElementNode || n.DataAtom != atom.Br {
		return
	}
	for p := n.Parent; p != nil && p.Type == html.ElementNode && p.Parent != nil && isInline(p) && lastContent(p) == n; p = n.Parent {
		p.RemoveChild(n)
		p.Parent.InsertBefore(n, p.NextSibling)
	}
}

// isInline reports whether n is an element laid out in the line of text.
func isInline(n *html.Node) bool {
	a := elementAtom(n)
	return !blockElements[a] && !skippedElements[a] && !runContainers[a] && a != atom.Body && a != atom.Html
}

// lastContent returns the last child of n that is not white space.
func lastContent(n *html.Node) *html.Node {
	for c := n.LastChild; c != nil; c = c.PrevSibling {
		if c.Type != html.TextNode || strings.TrimSpace(c.Data) != "" {
			return c
		}
	}
	return nil
}

// spaceAfterBreaks puts a space after each line break followed by an
// element ("l'épeautre.<br><strong>Bon</strong>"): the extractor drops a
// break that no text follows, and the two lines ran together
// ("l'épeautre.Bon"). It puts one before a break that follows a text too
// ("en oeuvre.<br> <br></font><font>1 456 heures"): the extractor
// otherwise joined that text to the next line ("oeuvre.1 456").
func spaceAfterBreaks(n *html.Node) {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		spaceAfterBreaks(c)
	}
	if n.Type != html.ElementNode || n.DataAtom != atom.Br || n.Parent == nil {
		return
	}
	if n.NextSibling != nil && n.NextSibling.Type == html.ElementNode {
		n.Parent.InsertBefore(&html.Node{Type: html.TextNode, Data: " "}, n.NextSibling)
	}
	if p := n.PrevSibling; p != nil && p.Type == html.TextNode && !strings.HasSuffix(p.Data, " ") && strings.TrimSpace(p.Data) != "" {
		p.Data += " "
	}
}

// keepInlineTimes makes a span of each <time> written inside a sentence
// ("se tiendra le <time>30 mars</time>."): the extractor drops <time>
// elements whole, words and all, as it does the date lines of a page's
// header. A <time> alone in its block stays a <time>.
func keepInlineTimes(n *html.Node) {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		keepInlineTimes(c)
	}
	if n.Type != html.ElementNode || n.DataAtom != atom.Time || n.Parent == nil {
		return
	}
	for s := n.Parent.FirstChild; s != nil; s = s.NextSibling {
		if s.Type == html.TextNode && strings.TrimSpace(s.Data) != "" {
			n.Data, n.DataAtom = "span", atom.Span
			return
		}
	}
}

// wholeBlocks are the elements whose text the extractor reads as a whole,
// one paragraph: list items, quotations, table cells, headings, captions.
var wholeBlocks = map[atom.Atom]bool{
	atom.Li: true, atom.Dd: true, atom.Dt: true, atom.Td: true, atom.Th: true, atom.Blockquote: true,
	atom.H1: true, atom.H2: true, atom.H3: true, atom.H4: true, atom.H5: true, atom.H6: true,
	atom.Caption: true, atom.Figcaption: true,
}

// breakInnerBlocks puts a line break between the blocks inside an element
// the extractor reads whole (wholeBlocks), where a browser starts a new
// line: the extractor trims the text of each element it reads there and
// joins them, so that a line-up of <div>s in a list item read
// "EFFECTIFSY. WissaT. Fontaine". A break is an element it keeps, and reads
// as a space.
func breakInnerBlocks(n *html.Node) {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		breakInnerBlocks(c)
	}
	if n.Type != html.ElementNode || !wholeBlocks[elementAtom(n)] {
		return
	}
	var visit func(*html.Node)
	visit = func(n *html.Node) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type != html.ElementNode || skippedElements[elementAtom(c)] {
				continue
			}
			if blockElements[elementAtom(c)] && !wholeBlocks[elementAtom(c)] {
				if hasTextBefore(c) {
					// The space after it keeps it: the extractor drops a
					// break with no text after it.
					n.InsertBefore(&html.Node{Type: html.ElementNode, Data: "br", DataAtom: atom.Br}, c)
					n.InsertBefore(&html.Node{Type: html.TextNode, Data: " "}, c)
				}
			}
			visit(c)
		}
	}
	visit(n)
}

// hasTextBefore reports whether some text precedes n in its parent or,
// when n is its parent's first element, in its parent's own preceding
// siblings, up to the element read whole.
func hasTextBefore(n *html.Node) bool {
	for p := n; p != nil; p = p.Parent {
		for s := p.PrevSibling; s != nil; s = s.PrevSibling {
			if hasText([]*html.Node{s}) {
				return true
			}
		}
		if p.Parent == nil || p.Parent.Type != html.ElementNode || wholeBlocks[elementAtom(p.Parent)] {
			return false
		}
	}
	return false
}

// quoteElements are the quotations whose every element the extractor reads
// on its own, its text and its tail trimmed: "de leur <em>moi</em>
// singulier" read "de leur" as a paragraph, then "moisingulier", and
// "», <i>Le Monde</i>" read "»,Le Monde".
var quoteElements = map[atom.Atom]bool{atom.Blockquote: true, atom.Q: true}

// flattenQuotes writes the inline elements of a quotation (emphasis, links,
// spans) as plain text, so that each block of the quotation is one text
// the extractor reads whole, with its spaces. Line breaks and blocks stay.
func flattenQuotes(n *html.Node) {
	if n.Type == html.ElementNode && quoteElements[elementAtom(n)] {
		unwrapInlines(n)
		return
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		flattenQuotes(c)
	}
}

// unwrapInlines replaces each inline element under n by its children and
// joins the texts that end up side by side.
func unwrapInlines(n *html.Node) {
	for c := n.FirstChild; c != nil; {
		next := c.NextSibling
		if c.Type == html.ElementNode {
			unwrapInlines(c)
			a := elementAtom(c)
			if !blockElements[a] && !skippedElements[a] && !embedElements[a] && a != atom.Br && a != atom.Img {
				for g := c.FirstChild; g != nil; {
					gn := g.NextSibling
					c.RemoveChild(g)
					n.InsertBefore(g, c)
					g = gn
				}
				n.RemoveChild(c)
			}
		}
		c = next
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		for c.Type == html.TextNode && c.NextSibling != nil && c.NextSibling.Type == html.TextNode {
			c.Data += c.NextSibling.Data
			n.RemoveChild(c.NextSibling)
		}
	}
}
