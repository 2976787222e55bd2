package checks

import (
	"fmt"
	"slices"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// CheckMarkup is the check of a fragment of HTML's translation: its tags
// are the source's, in the same order.
const CheckMarkup = "markup"

// tag is one tag of a fragment: its kind (start, end or self-closing), its
// name and its attributes, in order, their values decoded; or a comment or
// doctype, by its text.
type tag struct {
	kind  html.TokenType
	name  string
	attrs []html.Attribute
}

func (t tag) equal(o tag) bool {
	return t.kind == o.kind && t.name == o.name && slices.Equal(t.attrs, o.attrs)
}

func (t tag) String() string {
	switch t.kind {
	case html.CommentToken:
		return "<!--" + t.name + "-->"
	case html.DoctypeToken:
		return "<!DOCTYPE " + t.name + ">"
	}
	var b strings.Builder
	b.WriteByte('<')
	if t.kind == html.EndTagToken {
		b.WriteByte('/')
	}
	b.WriteString(t.name)
	for _, a := range t.attrs {
		fmt.Fprintf(&b, ` %s="%s"`, a.Key, a.Val)
	}
	if t.kind == html.SelfClosingTagToken {
		b.WriteString("/")
	}
	b.WriteByte('>')
	return b.String()
}

// tags returns the tags of a fragment of HTML, in order, its comments and
// doctypes among them: they are markup, which an engine must not translate
// (a CDATA section, a comment to HTML, came back from Apertium as
// "<![*CDATA[To *Vladivostok]]>"). The text inside script and style is text.
func tags(fragment string) []tag {
	var out []tag
	z := html.NewTokenizer(strings.NewReader(fragment))
	for {
		switch tt := z.Next(); tt {
		case html.ErrorToken:
			return out
		case html.StartTagToken, html.EndTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			out = append(out, tag{kind: tt, name: tok.Data, attrs: tok.Attr})
		case html.CommentToken, html.DoctypeToken:
			out = append(out, tag{kind: tt, name: z.Token().Data})
		}
	}
}

// Markup checks that out, the translation of the fragment of HTML src,
// holds the same tags as src in the same order: each a start, end or
// self-closing tag of the same name with the same attributes, in the same
// order and with the same values. Only the text between them may differ.
// It returns a *Failure naming the first tag that differs.
func Markup(src, out string) *Failure {
	want, got := tags(src), tags(out)
	for i := range max(len(want), len(got)) {
		switch {
		case i >= len(got):
			return fail(CheckMarkup, "the output lacks the tag %d of %d, %s", i+1, len(want), quote(want[i].String()))
		case i >= len(want):
			return fail(CheckMarkup, "the output has a tag the source lacks, %s", quote(got[i].String()))
		case !got[i].equal(want[i]):
			return fail(CheckMarkup, "tag %d of the output is %s, want %s", i+1, quote(got[i].String()), quote(want[i].String()))
		}
	}
	return nil
}

// HTMLText returns the text of a fragment of HTML as a reader sees it:
// tags removed, entities decoded, and a line break where a tag that is not
// inline (a paragraph, a line break, an item) parts two texts, so that
// their words and numbers stay apart. The content of script and style
// elements is not text. The output checks judge a translation of HTML by
// its text (see Markup for its tags).
func HTMLText(fragment string) string {
	var b strings.Builder
	z := html.NewTokenizer(strings.NewReader(fragment))
	hidden := 0     // inside script or style
	parted := false // a tag that is not inline since the last text
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			// io.EOF: a strings.Reader fails in no other way, and what
			// the tokenizer cannot parse it returns as text.
			return b.String()
		case html.TextToken:
			if hidden > 0 {
				continue
			}
			if parted && b.Len() > 0 {
				b.WriteByte('\n')
			}
			b.Write(z.Text())
			parted = false
			continue
		}
		name, _ := z.TagName()
		switch a := atom.Lookup(name); {
		case a == atom.Script || a == atom.Style:
			hidden = textDepth(hidden, tt)
		case !inline[a]:
			parted = true
		}
	}
}

// textDepth is how deep in script or style elements a tag of kind tt
// leaves the tokenizer.
func textDepth(depth int, tt html.TokenType) int {
	switch tt {
	case html.StartTagToken:
		return depth + 1
	case html.EndTagToken:
		return max(0, depth-1)
	}
	return depth
}

// inline are the elements that stand inside a line of text: their tags
// part no words.
var inline = map[atom.Atom]bool{
	atom.A: true, atom.Abbr: true, atom.B: true, atom.Bdi: true, atom.Bdo: true, atom.Cite: true,
	atom.Code: true, atom.Data: true, atom.Del: true, atom.Dfn: true, atom.Em: true, atom.Font: true,
	atom.I: true, atom.Ins: true, atom.Kbd: true, atom.Mark: true, atom.Q: true, atom.S: true,
	atom.Samp: true, atom.Small: true, atom.Span: true, atom.Strong: true, atom.Sub: true,
	atom.Sup: true, atom.Time: true, atom.U: true, atom.Var: true,
	0: true, // an element HTML does not know
}
