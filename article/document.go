// Package article holds the document model and the pure text work done on an article before translation.
package article

import (
	"strings"
	"unicode/utf8"
)

// Document is an article reduced to what is translated: a title and the
// paragraphs of the body, each normalised and on one line.
type Document struct {
	Title      string
	Paragraphs []string
}

// maxTitleRunes bounds what Parse takes for a headline when none is given:
// news headlines run to about 120 characters, and a longer first line is more
// likely a paragraph without final punctuation.
const maxTitleRunes = 200

// Parse normalises text, splits it into paragraphs, keeps the title apart and
// drops web boilerplate. It never fails: text with nothing left gives a
// Document with no paragraph (see Empty). Paragraphs is never nil, so that it
// encodes as [] in JSON.
//
// Paragraphs. The text is first put through Normalize. Then:
//   - If it holds at least one blank line, blank lines separate paragraphs, and
//     the lines of one paragraph are joined with a space: text pasted from a
//     web page or from a wrapped e-mail breaks lines inside sentences.
//   - If it holds no blank line at all, each line is a paragraph: that is how
//     many scrapers write an article, one paragraph per line.
//
// Boilerplate. Paragraphs for which IsBoilerplate reports true are dropped
// when they form a run at the start or at the end of the article (the start is
// looked at again after the title is taken), never in the middle.
//
// Title. A non-empty title is normalised and put on one line; if the first
// paragraph repeats it, that paragraph is dropped so it is not translated
// twice. An empty title is taken from the first paragraph when that looks like
// a headline: it was a single line of at most 200 characters, it does not end
// with sentence-final punctuation (. ! ? …, looked for before closing quotes
// and brackets), and at least one paragraph follows it.
func Parse(title, text string) Document {
	blocks := trimBoilerplate(splitBlocks(Normalize(text)))

	doc := Document{Title: joinLines(Normalize(title))}
	switch {
	case doc.Title != "":
		if len(blocks) > 0 && blocks[0].text == doc.Title {
			blocks = blocks[1:]
		}
	case len(blocks) > 1 && looksLikeHeadline(blocks[0]):
		doc.Title = blocks[0].text
		blocks = blocks[1:]
	}
	// Share buttons and teasers often sit between the headline and the body.
	blocks = trimBoilerplate(blocks)

	doc.Paragraphs = make([]string, len(blocks))
	for i, b := range blocks {
		doc.Paragraphs[i] = b.text
	}
	return doc
}

// block is one paragraph of the input: its text on one line, and how many
// lines it had before they were joined.
type block struct {
	text  string
	lines int
}

// splitBlocks cuts normalised text into paragraphs by the rule Parse documents:
// blank lines separate paragraphs when there is any, otherwise every line is one.
func splitBlocks(s string) []block {
	if s == "" {
		return nil
	}
	var chunks []string
	if strings.Contains(s, "\n\n") {
		chunks = strings.Split(s, "\n\n")
	} else {
		chunks = strings.Split(s, "\n")
	}
	blocks := make([]block, 0, len(chunks))
	for _, c := range chunks {
		if t := joinLines(c); t != "" {
			blocks = append(blocks, block{text: t, lines: strings.Count(c, "\n") + 1})
		}
	}
	return blocks
}

// joinLines puts the lines of s on one line, separated by one space, with
// the indentation and the white space around each line removed.
func joinLines(s string) string {
	if !strings.Contains(s, "\n") {
		return strings.TrimSpace(s)
	}
	lines := strings.Split(s, "\n")
	kept := lines[:0]
	for _, l := range lines {
		if l = strings.TrimSpace(l); l != "" {
			kept = append(kept, l)
		}
	}
	return strings.Join(kept, " ")
}

// looksLikeHeadline reports whether the first block of an article without a
// given title is its headline: one short line that is not a sentence.
func looksLikeHeadline(b block) bool {
	if b.lines != 1 || utf8.RuneCountInString(b.text) > maxTitleRunes {
		return false
	}
	// Closing quotes and brackets follow the final stop in French and English
	// alike: «Il a dit non.» is a sentence.
	end := strings.TrimRight(b.text, "»«\"'”“’‘)]} \u00a0\u202f")
	last, _ := utf8.DecodeLastRuneInString(end)
	switch last {
	case '.', '!', '?', '…', utf8.RuneError:
		return false
	}
	return true
}

// Text returns the paragraphs joined by a blank line, without the title; it
// returns "" for a document with no paragraph.
func (d Document) Text() string {
	return strings.Join(d.Paragraphs, "\n\n")
}

// Empty reports whether the document has no title and no paragraph.
func (d Document) Empty() bool {
	return d.Title == "" && len(d.Paragraphs) == 0
}

// Characters returns the number of characters (runes) of the title and the
// paragraphs, the unit translation engines bill by; separators are not counted.
func (d Document) Characters() int {
	n := utf8.RuneCountInString(d.Title)
	for _, p := range d.Paragraphs {
		n += utf8.RuneCountInString(p)
	}
	return n
}
