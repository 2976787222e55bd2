package extract

import (
	"regexp"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// blockElements end the run of inline text before them and start a new one:
// each paragraph, heading, list item, quotation or table cell becomes its own
// entry, and a container (div, section, list) only separates its children.
var blockElements = map[atom.Atom]bool{
	atom.P: true, atom.Div: true, atom.Section: true, atom.Article: true, atom.Main: true,
	atom.Header: true, atom.Footer: true, atom.Aside: true, atom.Nav: true,
	atom.H1: true, atom.H2: true, atom.H3: true, atom.H4: true, atom.H5: true, atom.H6: true,
	atom.Ul: true, atom.Ol: true, atom.Li: true, atom.Dl: true, atom.Dt: true, atom.Dd: true,
	atom.Blockquote: true, atom.Pre: true, atom.Figure: true, atom.Figcaption: true,
	atom.Table: true, atom.Thead: true, atom.Tbody: true, atom.Tfoot: true, atom.Tr: true,
	atom.Td: true, atom.Th: true, atom.Caption: true, atom.Hr: true,
	atom.Details: true, atom.Summary: true, atom.Address: true,
}

// skippedElements hold no readable text.
var skippedElements = map[atom.Atom]bool{
	atom.Script: true, atom.Style: true, atom.Noscript: true, atom.Template: true,
	atom.Svg: true, atom.Math: true, atom.Iframe: true, atom.Object: true,
	atom.Button: true, atom.Select: true, atom.Textarea: true, atom.Head: true,
}

// blocks returns the text of n split at block boundaries, in document order,
// each entry with its white space folded to single spaces. Empty blocks are
// left out.
func blocks(n *html.Node) []string { return blocksSkipping(n, nil) }

// blocksSkipping is blocks without the elements skip reports (nil skips
// none).
func blocksSkipping(n *html.Node, skip func(*html.Node) bool) []string {
	var (
		out []string
		buf strings.Builder
	)
	flush := func() {
		if s := strings.Join(strings.Fields(buf.String()), " "); s != "" {
			out = append(out, s)
		}
		buf.Reset()
	}
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		switch n.Type {
		case html.TextNode:
			buf.WriteString(n.Data)
			return
		case html.ElementNode:
			a := elementAtom(n)
			if skippedElements[a] || (skip != nil && skip(n)) {
				return
			}
			if a == atom.Br {
				// A line break inside a paragraph (an address, a verse) is
				// not a new paragraph; a space keeps the words apart.
				buf.WriteByte(' ')
				return
			}
		case html.CommentNode, html.DoctypeNode:
			return
		}
		block := n.Type == html.ElementNode && blockElements[elementAtom(n)]
		if block {
			flush()
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
		if block {
			flush()
		}
	}
	walk(n)
	flush()
	return out
}

// elementAtom returns the atom of an element. The extractor builds its output
// with nodes that carry only their tag name, so the atom is looked up from it
// when the node lacks one.
func elementAtom(n *html.Node) atom.Atom {
	if n.DataAtom != 0 {
		return n.DataAtom
	}
	return atom.Lookup([]byte(strings.ToLower(n.Data)))
}

// mergedContainers are the elements whose whole text the extractor's last
// resort returns as one block: the page's <article> first, or failing that
// its body.
var mergedContainers = map[atom.Atom]bool{atom.Article: true, atom.Main: true, atom.Body: true}

// splitMerged returns, split into its blocks, the innermost container of
// doc whose blocks make up merged exactly, white space
// aside. Blocks absent from merged (removed by the extractor's cleaning) are
// passed over, and so are those of the page's furniture (isFurniture: share
// buttons, bylines), which the last resort keeps. It returns nil when no
// container has two blocks or more that do.
func splitMerged(doc *html.Node, merged string) []string {
	want := withoutSpace(merged)
	var found []string
	var visit func(*html.Node) bool
	visit = func(n *html.Node) bool {
		// Children first: the innermost container that makes up merged
		// (the <article> rather than the body around it) has the fewest
		// blocks that could match by chance.
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if visit(c) {
				return true
			}
		}
		if n.Type != html.ElementNode || !mergedContainers[elementAtom(n)] {
			return false
		}
		content := map[string]bool{}
		for _, b := range blocksSkipping(n, isFurniture) {
			content[b] = true
		}
		var kept []string
		rest := want
		for _, b := range blocks(n) {
			w := withoutSpace(b)
			if w == "" || !strings.HasPrefix(rest, w) {
				continue
			}
			rest = rest[len(w):]
			if content[b] {
				kept = append(kept, b)
			}
		}
		if rest != "" || len(kept) < 2 {
			return false
		}
		found = kept
		return true
	}
	visit(doc)
	return found
}

// furnitureAttr matches the class or id of an element that holds a page's
// furniture rather than its article: sharing buttons, the byline, related
// links, breadcrumbs, the newsletter prompt. Words for advertising, tags or
// cookies are left out: they name wrappers of the article too ("no-ads",
// "tags-free", WordPress's "tag-lyon" on the <article> itself).
var furnitureAttr = regexp.MustCompile(`(?i)(?:^|[\s_-])(?:share|sharing|social|byline|author|signature|related|breadcrumbs?|newsletter)(?:$|[\s_-])`)

// maxFurnitureRunes bounds the text of an element taken for furniture: a
// share bar or a byline is a line, and an element holding more (a wrapper
// whose class says "social-share-enabled") holds the article.
const maxFurnitureRunes = 200

// isFurniture reports whether n is a block of furniture: a block element
// whose class or id names furniture and whose text is short. An inline
// element is never furniture here: a link classed "st_tag" inside a
// paragraph is part of its sentence.
func isFurniture(n *html.Node) bool {
	if !blockElements[elementAtom(n)] {
		return false
	}
	named := false
	for _, a := range n.Attr {
		if (a.Key == "class" || a.Key == "id") && furnitureAttr.MatchString(a.Val) {
			named = true
			break
		}
	}
	if !named {
		return false
	}
	runes := 0
	for _, b := range blocks(n) {
		runes += utf8.RuneCountInString(b)
	}
	return runes <= maxFurnitureRunes
}

// withoutSpace returns s without its white space.
func withoutSpace(s string) string {
	return strings.Join(strings.Fields(s), "")
}
