package extract

import (
	"strings"

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
func blocks(n *html.Node) []string {
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
			if skippedElements[a] {
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
