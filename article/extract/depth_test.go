package extract

import (
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// treeDepth returns how deep elements nest below n.
func treeDepth(n *html.Node) int {
	d := 0
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode {
			d = max(d, 1+treeDepth(c))
		}
	}
	return d
}

func TestFlattenDeep(t *testing.T) {
	const depth = 300
	var b strings.Builder
	b.WriteString("<html><body>")
	for i := range depth {
		b.WriteString("<div>")
		if i%50 == 0 {
			b.WriteString("<script>var x = 1;</script><svg><text>dessin</text></svg>")
		}
		b.WriteString("mot ")
	}
	b.WriteString(`<p>fin <a href="/x">lien</a></p>`)
	b.WriteString(strings.Repeat("</div>", depth) + "</body></html>")
	doc, err := html.Parse(strings.NewReader(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	wantText := strings.Fields(strings.Join(blocksSkipping(doc, nil), " "))

	flattenDeep(doc, 0)

	if got := treeDepth(doc); got > maxDepth+1 {
		t.Errorf("elements nest %d deep after flattenDeep, want at most %d", got, maxDepth+1)
	}
	// Every word stays, in its order; the scripts, which blocks skips, go.
	gotText := strings.Fields(strings.Join(blocksSkipping(doc, nil), " "))
	if strings.Join(gotText, " ") != strings.Join(wantText, " ") {
		t.Errorf("text after flattenDeep = %q, want %q", gotText, wantText)
	}
	var render strings.Builder
	if err := html.Render(&render, doc); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(strings.Join(gotText, " "), "dessin") {
		t.Error("the text of an <svg> was unwrapped into the page's text")
	}
	// A script is kept whole or dropped, never unwrapped into text.
	if n, whole := strings.Count(render.String(), "var x"), strings.Count(render.String(), "<script>var x = 1;</script>"); n != whole {
		t.Errorf("%d scripts' source left outside a <script>", n-whole)
	}
	if !strings.Contains(render.String(), `fin <a href="/x">lien</a>`) {
		t.Errorf("the innermost paragraph lost its link: %s", render.String())
	}
}

func TestFlattenDeepLeavesShallowPagesAlone(t *testing.T) {
	page := string(newsPage(20 << 10))
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	var before, after strings.Builder
	html.Render(&before, doc)
	flattenDeep(doc, 0)
	html.Render(&after, doc)
	if before.String() != after.String() {
		t.Error("flattenDeep changed a page nested less than maxDepth deep")
	}
}
