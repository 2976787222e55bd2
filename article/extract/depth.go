package extract

import "golang.org/x/net/html"

// maxDepth bounds how deep elements nest in the tree the extractor is given.
// Its fallbacks (Readability above all) take the text of every element, and
// that of every ancestor with it, to score and clean them: what a page costs
// grows with its bytes times its depth. News pages nest some twenty elements
// deep (26 at most in the evaluation corpus); the HTML parser allows 512, and
// a page of text nested that deep cost fifty times what a news page of the
// same size does. Sixty-four leaves room for the deepest real layouts while
// bounding that factor to a few.
const maxDepth = 64

// flattenDeep hoists the content of elements nested deeper than maxDepth
// below n (at depth) into their ancestor at that depth. An element there
// that holds other elements is replaced by its children, which are looked at
// in their turn; one that holds only text (a <p>, a link) stays, so that
// no element nests deeper than maxDepth+1. An element that holds no readable
// text (a script, an svg) is dropped rather than unwrapped, lest its source
// be read as the article's text.
func flattenDeep(n *html.Node, depth int) {
	for c := n.FirstChild; c != nil; {
		next := c.NextSibling
		if depth < maxDepth || c.Type != html.ElementNode || !hasElementChild(c) {
			flattenDeep(c, depth+1)
			c = next
			continue
		}
		if skippedElements[elementAtom(c)] {
			n.RemoveChild(c)
			c = next
			continue
		}
		first := c.FirstChild
		for gc := c.FirstChild; gc != nil; {
			gnext := gc.NextSibling
			c.RemoveChild(gc)
			n.InsertBefore(gc, c)
			gc = gnext
		}
		n.RemoveChild(c)
		c = first
	}
}

// hasElementChild reports whether n has an element among its children.
func hasElementChild(n *html.Node) bool {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode {
			return true
		}
	}
	return false
}
