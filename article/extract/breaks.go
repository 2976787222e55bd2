package extract

import (
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// splitBreakRuns gives each paragraph that a page writes with line breaks
// its own <p>: "<p>Un.<br><br>Deux.</p>" becomes "<p>Un.</p><p>Deux.</p>",
// and the text of a <div> parted so is wrapped in <p>s the same way. Two
// breaks in a row or more part paragraphs; one is a line break inside a
// paragraph (an address, a verse) and stays. The extractor would otherwise
// fold the run into one break and the paragraphs into one.
func splitBreakRuns(n *html.Node) {
	for c := n.FirstChild; c != nil; {
		next := c.NextSibling
		splitBreakRuns(c)
		c = next
	}
	if n.Type != html.ElementNode || n.Parent == nil {
		return
	}
	a := elementAtom(n)
	if a != atom.P && a != atom.Div {
		return
	}
	segments := breakSegments(n)
	if len(segments) < 2 {
		return
	}
	for c := n.FirstChild; c != nil; {
		next := c.NextSibling
		n.RemoveChild(c)
		c = next
	}
	if a == atom.P {
		// Paragraphs cannot nest: the <p> becomes as many <p>s.
		for _, seg := range segments {
			p := &html.Node{Type: html.ElementNode, Data: "p", DataAtom: atom.P, Attr: n.Attr}
			for _, c := range seg {
				p.AppendChild(c)
			}
			n.Parent.InsertBefore(p, n)
		}
		n.Parent.RemoveChild(n)
		return
	}
	for _, seg := range segments {
		if hasBlock(seg) {
			// Blocks of its own already part it.
			for _, c := range seg {
				n.AppendChild(c)
			}
			continue
		}
		p := &html.Node{Type: html.ElementNode, Data: "p", DataAtom: atom.P}
		for _, c := range seg {
			p.AppendChild(c)
		}
		n.AppendChild(p)
	}
}

// breakSegments returns the children of n parted at each run of two line
// breaks or more (white space between them counting for nothing), without
// the runs; a single break stays in its segment. Segments of white space
// only are left out.
func breakSegments(n *html.Node) [][]*html.Node {
	var (
		segments [][]*html.Node
		cur, run []*html.Node
		breaks   int
	)
	end := func() {
		if hasText(cur) {
			segments = append(segments, cur)
		}
		cur = nil
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		switch {
		case c.Type == html.ElementNode && elementAtom(c) == atom.Br:
			run = append(run, c)
			breaks++
		case c.Type == html.TextNode && strings.TrimSpace(c.Data) == "" && len(run) > 0:
			run = append(run, c)
		default:
			if breaks >= 2 {
				end()
			} else {
				cur = append(cur, run...)
			}
			run, breaks = nil, 0
			cur = append(cur, c)
		}
	}
	if breaks < 2 {
		cur = append(cur, run...)
	}
	end()
	return segments
}

// hasText reports whether nodes hold any text but white space.
func hasText(nodes []*html.Node) bool {
	for _, n := range nodes {
		if n.Type == html.TextNode && strings.TrimSpace(n.Data) != "" {
			return true
		}
		if n.Type == html.ElementNode && hasText(children(n)) {
			return true
		}
	}
	return false
}

// hasBlock reports whether nodes hold a block element.
func hasBlock(nodes []*html.Node) bool {
	for _, n := range nodes {
		if n.Type == html.ElementNode && (blockElements[elementAtom(n)] || hasBlock(children(n))) {
			return true
		}
	}
	return false
}

func children(n *html.Node) []*html.Node {
	var out []*html.Node
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		out = append(out, c)
	}
	return out
}
