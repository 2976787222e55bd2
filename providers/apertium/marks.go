package apertium

import (
	"bytes"
	"strings"
	"unicode"

	"golang.org/x/net/html"
)

// Apertium prefixes words it could not handle: '*' an unknown word, '@' a
// word its bilingual dictionary lacks, '#' a word it could not inflect.
// markUnknown=no only removes one '*', and in a chain the second pair marks
// again what the first left untranslated, so marks survive.
const marks = "*#@"

// stripMarks removes Apertium's marks from translated. A mark character that
// appears in the source is kept everywhere, since the text's own "*" or "#"
// cannot be told apart from a mark; the words are still translated.
func stripMarks(source, translated string) string {
	for _, m := range marks {
		if strings.ContainsRune(source, m) || !strings.ContainsRune(translated, m) {
			continue
		}
		translated = strings.Map(func(r rune) rune {
			if r == m {
				return -1
			}
			return r
		}, translated)
	}
	return translated
}

// stripMarksHTML is stripMarks for fragments of HTML: the marks are judged
// against the source's text and removed from the translation's text only,
// so that a "#" of an href or an "@" of a mailto link is never touched, nor
// lets a mark through in the text.
func stripMarksHTML(source, translated string) string {
	text := textOf(source)
	var b strings.Builder
	z := html.NewTokenizer(strings.NewReader(translated))
	for {
		tt := z.Next()
		raw := z.Raw()
		if tt == html.ErrorToken {
			// io.EOF (a strings.Reader fails in no other way), in the
			// middle of a tag cut short, whose start is kept as it was.
			b.Write(raw)
			return b.String()
		}
		if tt == html.TextToken {
			b.WriteString(stripMarks(text, string(raw)))
			continue
		}
		b.Write(raw)
	}
}

// textOf returns the text of a fragment of HTML, its entities decoded.
func textOf(fragment string) string {
	var b bytes.Buffer
	z := html.NewTokenizer(strings.NewReader(fragment))
	for tt := z.Next(); tt != html.ErrorToken; tt = z.Next() {
		if tt == html.TextToken {
			b.Write(z.Text())
		}
	}
	return b.String()
}

// splitSpace cuts s into its leading white space, its core and its trailing
// white space. APy trims the ends of what it translates; the caller puts
// them back so that a segment keeps the line breaks it came with.
func splitSpace(s string) (lead, core, trail string) {
	core = strings.TrimLeftFunc(s, unicode.IsSpace)
	lead = s[:len(s)-len(core)]
	core = strings.TrimRightFunc(core, unicode.IsSpace)
	trail = s[len(lead)+len(core):]
	return lead, core, trail
}
