package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"text/tabwriter"

	"golang.org/x/net/html/atom"

	"passerelle/article"
)

// pageEntry is one page of the extraction fixtures' pages.json: a page
// written in the shapes of French news sites, with what a reader reads in
// it.
type pageEntry struct {
	URL        string   `json:"url"`
	Byline     string   `json:"byline"`
	Published  string   `json:"published"`
	Furniture  []string `json:"furniture"` // bylines, datelines, credits, embeds' captions: never in a paragraph
	Paragraphs []string `json:"paragraphs"`
}

// pageScore is one fixture page: its words against the expected text's,
// the furniture it kept, and whether its byline and date came out.
type pageScore struct {
	page                  string
	common, got, expected int
	kept                  []string // furniture strings found in the paragraphs
	metaOK                bool     // byline and published date as expected
	glued                 []string
	err                   error
}

func (s pageScore) precision() float64 { return ratio(s.common, s.got) }
func (s pageScore) recall() float64    { return ratio(s.common, s.expected) }

// scorePages scores every page of dir/pages.json.
func scorePages(ctx context.Context, dir string, ex extractor) ([]pageScore, error) {
	raw, err := os.ReadFile(filepath.Join(dir, "pages.json"))
	if err != nil {
		return nil, err
	}
	var entries map[string]pageEntry
	if err := json.Unmarshal(raw, &entries); err != nil {
		return nil, fmt.Errorf("pages.json: %w", err)
	}
	names := make([]string, 0, len(entries))
	for n := range entries {
		names = append(names, n)
	}
	sort.Strings(names)
	var scores []pageScore
	for _, name := range names {
		e := entries[name]
		page, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return nil, err
		}
		r, err := ex(ctx, page, e.URL)
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		s := pageScore{page: name, err: err, metaOK: r.Byline == e.Byline && r.Date == e.Published}
		text := strings.Join(r.Paragraphs, "\n")
		s.common, s.got, s.expected = overlap(words(text), words(strings.Join(e.Paragraphs, "\n")))
		for _, f := range e.Furniture {
			if strings.Contains(fold(text), fold(f)) {
				s.kept = append(s.kept, f)
			}
		}
		if s.glued, err = gluedWords(page, r.Paragraphs); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		scores = append(scores, s)
	}
	return scores, nil
}

func printPages(w io.Writer, scores []pageScore) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "page\tprecision\trecall\tfurniture kept\tbyline, date\tglued\t")
	var all pageScore
	for _, s := range scores {
		note := ""
		if s.err != nil {
			note = "  " + s.err.Error()
		}
		meta := "ok"
		if !s.metaOK {
			meta = "wrong"
		}
		fmt.Fprintf(tw, "%s\t%.3f\t%.3f\t%d\t%s\t%d\t%s\n", s.page, s.precision(), s.recall(), len(s.kept), meta, len(s.glued), note)
		all.common += s.common
		all.got += s.got
		all.expected += s.expected
	}
	kept, wrong, glued := pagesFaults(scores)
	fmt.Fprintf(tw, "all %d pages\t%.3f\t%.3f\t%d\t%d wrong\t%d\t\n", len(scores), all.precision(), all.recall(), kept, wrong, glued)
	tw.Flush()
}

func pagesTotals(scores []pageScore) (precision, recall float64) {
	var all pageScore
	for _, s := range scores {
		all.common += s.common
		all.got += s.got
		all.expected += s.expected
	}
	return all.precision(), all.recall()
}

func pagesFaults(scores []pageScore) (kept, wrongMeta, glued int) {
	for _, s := range scores {
		kept += len(s.kept)
		glued += len(s.glued)
		if !s.metaOK {
			wrongMeta++
		}
	}
	return kept, wrongMeta, glued
}

// wordPunctWord matches two words run together across a sentence's end or
// a comma: "population.Dans", "Paris,Lyon".
var wordPunctWord = regexp.MustCompile(`\p{Ll}[.,;:!?»]\p{Lu}`)

// gluedWords returns the words of paragraphs that the page does not write
// and that are two of its words run together: two words next to each other
// in the page's text, parted by white space or by the edge of a block,
// joined into one ("France Intera" from "<em>France Inter</em> a"), or a
// word, a stop and a capitalised word ("population.Dans"). Inline markup
// adds nothing between words, as in a browser: "<b>in</b>édit" is one word.
func gluedWords(page []byte, paragraphs []string) ([]string, error) {
	text, err := visibleText(page, true)
	if err != nil {
		return nil, err
	}
	tokens := strings.Fields(article.Normalize(text))
	written := make(map[string]bool, len(tokens))
	joined := make(map[string]bool, len(tokens))
	for i, t := range tokens {
		written[t] = true
		if i > 0 {
			joined[tokens[i-1]+t] = true
		}
	}
	var glued []string
	for _, t := range strings.Fields(strings.Join(paragraphs, "\n")) {
		if !written[t] && (joined[t] || wordPunctWord.MatchString(t)) {
			glued = append(glued, t)
		}
	}
	return glued, nil
}

// inlineElements are laid out inside a line: they part no words.
var inlineElements = map[atom.Atom]bool{
	atom.A: true, atom.Abbr: true, atom.B: true, atom.Bdi: true, atom.Bdo: true, atom.Cite: true,
	atom.Code: true, atom.Data: true, atom.Del: true, atom.Dfn: true, atom.Em: true, atom.Font: true,
	atom.I: true, atom.Ins: true, atom.Kbd: true, atom.Mark: true, atom.Q: true, atom.S: true,
	atom.Samp: true, atom.Small: true, atom.Span: true, atom.Strike: true, atom.Strong: true,
	atom.Sub: true, atom.Sup: true, atom.Time: true, atom.Tt: true, atom.U: true, atom.Var: true,
	atom.Label: true, atom.Big: true, atom.Nobr: true,
}
