package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// wordsScore is one page of the readability set: how many words the
// extracted text and the expected text share, counted with multiplicity.
type wordsScore struct {
	page                  string
	common, got, expected int
	glued                 []string
	elapsed               time.Duration
	err                   error
}

func (s wordsScore) precision() float64 { return ratio(s.common, s.got) }
func (s wordsScore) recall() float64    { return ratio(s.common, s.expected) }

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func f1(p, r float64) float64 {
	if p+r == 0 {
		return 0
	}
	return 2 * p * r / (p + r)
}

// scoreWords scores every dir/<page>/ holding source.html and expected.html.
// The title is left out of the comparison: expected.html is the article body
// alone.
func scoreWords(ctx context.Context, dir string, ex extractor) ([]wordsScore, error) {
	pages, err := filepath.Glob(filepath.Join(dir, "*", "source.html"))
	if err != nil {
		return nil, err
	}
	if len(pages) == 0 {
		return nil, fmt.Errorf("%s: no */source.html", dir)
	}
	var scores []wordsScore
	for _, src := range pages {
		pageDir := filepath.Dir(src)
		source, err := os.ReadFile(src)
		if err != nil {
			return nil, err
		}
		expectedHTML, err := os.ReadFile(filepath.Join(pageDir, "expected.html"))
		if err != nil {
			return nil, err
		}
		expected, err := htmlText(expectedHTML)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", pageDir, err)
		}
		start := time.Now()
		r, err := ex(ctx, source, "")
		s := wordsScore{page: filepath.Base(pageDir), elapsed: time.Since(start), err: err}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		// Readability.js keeps the byline as the article's first
		// paragraph; the extractor gives it apart.
		got := strings.Join(append([]string{r.Byline}, r.Paragraphs...), "\n")
		s.common, s.got, s.expected = overlap(words(got), words(expected))
		if s.glued, err = gluedWords(source, r.Paragraphs); err != nil {
			return nil, fmt.Errorf("%s: %w", pageDir, err)
		}
		scores = append(scores, s)
	}
	return scores, nil
}

// words splits text into lower-case words: runs of letters and digits.
func words(text string) []string {
	return strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsNumber(r)
	})
}

// overlap returns the size of the multiset intersection of got and want, and
// the sizes of both.
func overlap(got, want []string) (common, nGot, nWant int) {
	left := make(map[string]int, len(want))
	for _, w := range want {
		left[w]++
	}
	for _, w := range got {
		if left[w] > 0 {
			left[w]--
			common++
		}
	}
	return common, len(got), len(want)
}

// htmlText returns the text of an HTML fragment, scripts and styles left out,
// with a space wherever an element starts or ends so that words in adjacent
// blocks do not run together.
func htmlText(b []byte) (string, error) { return visibleText(b, false) }

// visibleText returns the text of an HTML document or fragment, scripts and
// styles left out, with a space wherever an element starts or ends. asRead
// reads it as a browser shows it: inline elements add nothing between
// words ("<b>in</b>édit" is one word), and the head, templates and
// noscript are left out too.
func visibleText(b []byte, asRead bool) (string, error) {
	doc, err := html.Parse(bytes.NewReader(b))
	if err != nil {
		return "", err
	}
	var sb strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		switch n.Type {
		case html.TextNode:
			sb.WriteString(n.Data)
			return
		case html.ElementNode:
			switch n.DataAtom {
			case atom.Script, atom.Style:
				return
			case atom.Head, atom.Template, atom.Noscript:
				if asRead {
					return
				}
			}
		}
		element := n.Type == html.ElementNode
		// As read, every node but an inline element parts words on both
		// sides; otherwise an element ends with a space.
		before := asRead && !(element && inlineElements[n.DataAtom])
		after := before || (!asRead && element)
		if before {
			sb.WriteByte(' ')
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
		if after {
			sb.WriteByte(' ')
		}
	}
	walk(doc)
	return sb.String(), nil
}

func printWords(w io.Writer, scores []wordsScore) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "page\tprecision\trecall\tF1\twords\texpected\tms\t")
	var all wordsScore
	for _, s := range scores {
		note := ""
		if s.err != nil {
			note = "  " + s.err.Error()
		}
		p, r := s.precision(), s.recall()
		fmt.Fprintf(tw, "%s\t%.3f\t%.3f\t%.3f\t%d\t%d\t%.1f\t%s\n", s.page, p, r, f1(p, r), s.got, s.expected, ms(s.elapsed), note)
		all.common += s.common
		all.got += s.got
		all.expected += s.expected
		all.elapsed += s.elapsed
	}
	p, r := all.precision(), all.recall()
	fmt.Fprintf(tw, "all %d pages\t%.3f\t%.3f\t%.3f\t%d\t%d\t%.1f/page\t\n",
		len(scores), p, r, f1(p, r), all.got, all.expected, ms(all.elapsed)/float64(max(len(scores), 1)))
	tw.Flush()
}
