package gateway

import (
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/net/html"

	"passerelle/gateway/checks"
	"passerelle/providers"
)

// Segments in html format are fragments of HTML: their markup is the
// request's to keep, and only their text is the article's. Everything that
// reads the text (the glossary, the verbatim spans, the language, the
// output checks) reads it through textOf; everything that rewrites it (the
// placeholders, the repairs) rewrites only the text between tags, through
// mapText; checks.Markup holds the output's tags to the source's.

// isHTML reports whether p's segments are fragments of HTML.
func (p plan) isHTML() bool { return p.format == providers.FormatHTML }

// textOf returns the text of a segment of p as a reader sees it: the
// segment itself, or the text of a fragment of HTML (checks.HTMLText).
func (p plan) textOf(segment string) string {
	if !p.isHTML() {
		return segment
	}
	return checks.HTMLText(segment)
}

// textsOf is textOf for each of segments.
func (p plan) textsOf(segments []string) []string {
	if !p.isHTML() {
		return segments
	}
	out := make([]string, len(segments))
	for i, s := range segments {
		out[i] = checks.HTMLText(s)
	}
	return out
}

// mapText returns fragment with each run of text between its tags, as
// written (entities undecoded), replaced by fn's rewrite of it; tags,
// comments and the content of script and style elements are kept byte for
// byte.
func mapText(fragment string, fn func(raw string) string) string {
	var b strings.Builder
	b.Grow(len(fragment))
	z := html.NewTokenizer(strings.NewReader(fragment))
	hidden := false
	for {
		tt := z.Next()
		raw := string(z.Raw())
		if tt == html.ErrorToken {
			// io.EOF (a strings.Reader fails in no other way), in the
			// middle of a tag cut short, whose start is kept as it was.
			b.WriteString(raw)
			return b.String()
		}
		switch tt {
		case html.TextToken:
			if !hidden {
				raw = fn(raw)
			}
		case html.StartTagToken:
			name, _ := z.TagName()
			hidden = string(name) == "script" || string(name) == "style"
		case html.EndTagToken:
			hidden = false
		}
		b.WriteString(raw)
	}
}

// protectHTML is protect for a fragment of HTML: the terms and verbatim
// spans of its text are replaced by placeholders, never a tag's name or an
// attribute (a class "DIV" is no acronym, an href no link to protect: the
// markup check holds them). One stem serves the whole fragment, and a
// glossary term's translation goes back escaped, as text of HTML.
func (g glossary) protectHTML(fragment string) protected {
	stem := placeholderStem(fragment)
	var terms glossary
	var last string // the previous run of text
	text := mapText(fragment, func(raw string) string {
		var name string
		name, raw = cutMarkedName(last, raw)
		last = raw
		raw, terms = g.protectRun(raw, stem, terms)
		if name != "" {
			n := len(terms)
			terms = append(terms, glossaryTerm{source: name, target: name})
			raw = stem + strconv.Itoa(n) + placeholderEnd + raw
		}
		return raw
	})
	if len(terms) == 0 {
		return protected{text: fragment}
	}
	return protected{text: text, stem: stem, terms: terms}
}

// protectRun protects one run of text of a fragment with placeholders of
// stem numbered after terms, the terms and spans protected so far, which
// it returns with the run's own added.
func (g glossary) protectRun(raw, stem string, terms glossary) (string, glossary) {
	for _, t := range g.in(raw) {
		n := termIndex(terms, t.folded)
		if n < 0 {
			n = len(terms)
			escaped := t
			escaped.target = textEscaper.Replace(t.target)
			terms = append(terms, escaped)
		}
		raw = replaceTerm(raw, t.folded, stem+strconv.Itoa(n)+placeholderEnd)
	}
	raw, _, terms = protectVerbatim(raw, stem, terms)
	return raw, terms
}

// cutMarkedName splits off the start of run that names a handle or a
// hashtag whose mark ends the previous run: Mastodon writes a mention
// "@<span>marie</span>" and a hashtag "#<span>retraites</span>", so the
// name is a run of its own, which an engine would translate ("marie",
// "marries"). It returns the name ("" when there is none) and the rest of
// the run.
func cutMarkedName(previous, run string) (name, rest string) {
	if !strings.HasSuffix(previous, "@") && !strings.HasSuffix(previous, "#") {
		return "", run
	}
	end := strings.IndexFunc(run, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '_'
	})
	if end < 0 {
		end = len(run)
	}
	return run[:end], run[end:]
}

// textEscaper writes text as text of HTML. Quotes need no escaping
// outside attributes, and an apostrophe written "&#39;" would read badly
// to whoever reads the source of the reply.
var textEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// termIndex returns the index of the glossary term matched as folded in
// terms, or -1.
func termIndex(terms glossary, folded string) int {
	for i, t := range terms {
		if t.folded != "" && t.folded == folded {
			return i
		}
	}
	return -1
}

// protectFor protects text for an engine as p's format requires.
func (g glossary) protectFor(p plan, text string) protected {
	if p.isHTML() {
		return g.protectHTML(text)
	}
	return g.protect(text)
}
