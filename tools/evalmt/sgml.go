package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
)

// A WMT test set file is "fake SGML": one element per line, and not valid
// XML (a raw "&" occurs in the text), so it is read line by line rather than
// with an XML decoder. The lines that matter:
//
//	<doc docid="..." origlang="fr">   opens a document
//	<h1> </h1>                        enclose the headline's segments
//	<p> </p>                          enclose one paragraph's segments
//	<seg id="N">text</seg>            one sentence
//	</doc>                            closes the document
//
// Any other line (the <srcset> and <refset> wrappers) is skipped.

// document is one <doc> of a test set file.
type document struct {
	ID       string
	OrigLang string
	Segments []segment // in file order
	// Groups are the <h1> and <p> blocks in file order, each the indexes
	// in Segments of its segments.
	Groups []group
}

// segment is one <seg>: a sentence, or a headline.
type segment struct {
	ID   int
	Text string
}

// group is one <h1> or <p> block.
type group struct {
	Heading  bool
	Segments []int
}

var (
	attrRE = regexp.MustCompile(`(\w+)="([^"]*)"`)
	segRE  = regexp.MustCompile(`^<seg id="?(\d+)"?>(.*)</seg>$`)
	// Only the XML entities are decoded: a raw "&" stays as it is.
	entities = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&quot;", `"`, "&apos;", "'", "&amp;", "&")
)

// readSGML returns the documents of the test set file at path.
func readSGML(path string) ([]document, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	docs, err := parseSGML(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return docs, nil
}

// parseSGML returns the documents of a test set read from r, or an error
// naming the first line that breaks the format.
func parseSGML(r io.Reader) ([]document, error) {
	var (
		docs  []document
		doc   *document
		block *group // the open <h1> or <p>, nil outside one
	)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		fail := func(format string, args ...any) error {
			return fmt.Errorf("line %d: %s", n, fmt.Sprintf(format, args...))
		}
		switch {
		case strings.HasPrefix(line, "<doc ") || line == "<doc>":
			if doc != nil {
				return nil, fail("<doc> inside document %q", doc.ID)
			}
			doc = &document{}
			for _, m := range attrRE.FindAllStringSubmatch(line, -1) {
				switch m[1] {
				case "docid":
					doc.ID = m[2]
				case "origlang":
					doc.OrigLang = m[2]
				}
			}
			if doc.ID == "" {
				return nil, fail("<doc> without docid")
			}
		case line == "</doc>":
			if doc == nil {
				return nil, fail("</doc> outside a document")
			}
			if block != nil {
				return nil, fail("document %q ends inside a block", doc.ID)
			}
			docs = append(docs, *doc)
			doc = nil
		case line == "<p>" || line == "<h1>":
			if doc == nil {
				return nil, fail("%s outside a document", line)
			}
			if block != nil {
				return nil, fail("%s inside another block", line)
			}
			block = &group{Heading: line == "<h1>"}
		case strings.HasPrefix(line, "</p>") || strings.HasPrefix(line, "</h1>"):
			// Matched as a prefix: newstest2012's reference has a stray word
			// after one "</p>".
			heading := strings.HasPrefix(line, "</h1>")
			if block == nil || block.Heading != heading {
				return nil, fail("%q closes no open block", line)
			}
			doc.Groups = append(doc.Groups, *block)
			block = nil
		case strings.HasPrefix(line, "<seg"):
			if doc == nil {
				return nil, fail("<seg> outside a document")
			}
			m := segRE.FindStringSubmatch(line)
			if m == nil {
				return nil, fail("malformed segment %q", line)
			}
			id, err := strconv.Atoi(m[1])
			if err != nil {
				return nil, fail("segment id %q: %v", m[1], err)
			}
			if block != nil {
				block.Segments = append(block.Segments, len(doc.Segments))
			}
			doc.Segments = append(doc.Segments, segment{ID: id, Text: strings.TrimSpace(entities.Replace(m[2]))})
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if doc != nil {
		return nil, fmt.Errorf("document %q is not closed", doc.ID)
	}
	return docs, nil
}

// newsArticle is a test set document rebuilt as the article it was cut from:
// the headline, then the paragraphs, each a list of sentences.
type newsArticle struct {
	Title      string
	Paragraphs [][]string
}

// Sentences returns the title, then every sentence in order: the segments.
func (a newsArticle) Sentences() []string {
	out := []string{a.Title}
	for _, p := range a.Paragraphs {
		out = append(out, p...)
	}
	return out
}

// layout is where each segment of a document goes in its article, by
// segment id: the headline, and the segments of each paragraph.
type layout struct {
	title      int
	paragraphs [][]int
}

// layoutOf reads the article structure of d: the headline is the first
// segment (seg 1); every <p> block is a paragraph; the other segments of the
// <h1> block (a subtitle) form a paragraph of their own, and a segment
// outside any block is a paragraph alone, so that every sentence is kept.
func layoutOf(d document) (layout, error) {
	if len(d.Segments) == 0 {
		return layout{}, fmt.Errorf("document %q has no segment", d.ID)
	}
	l := layout{title: d.Segments[0].ID}
	groupOf := make([]int, len(d.Segments))
	for i := range groupOf {
		groupOf[i] = -1
	}
	for g, grp := range d.Groups {
		for _, i := range grp.Segments {
			groupOf[i] = g
		}
	}
	// Blocks are contiguous in the file: a segment starts a paragraph when
	// it is outside any block or in another block than the one before it.
	prev := -1
	for i := 1; i < len(d.Segments); i++ {
		g := groupOf[i]
		if g == -1 || g != prev {
			l.paragraphs = append(l.paragraphs, nil)
		}
		last := &l.paragraphs[len(l.paragraphs)-1]
		*last = append(*last, d.Segments[i].ID)
		prev = g
	}
	return l, nil
}

// build returns the article of d laid out as l, or an error when d lacks a
// segment l names.
func (l layout) build(d document) (newsArticle, error) {
	texts := make(map[int]string, len(d.Segments))
	for _, s := range d.Segments {
		texts[s.ID] = s.Text
	}
	get := func(id int) (string, error) {
		t, ok := texts[id]
		if !ok {
			return "", fmt.Errorf("document %q has no segment %d", d.ID, id)
		}
		return t, nil
	}
	var a newsArticle
	var err error
	if a.Title, err = get(l.title); err != nil {
		return newsArticle{}, err
	}
	for _, ids := range l.paragraphs {
		para := make([]string, len(ids))
		for i, id := range ids {
			if para[i], err = get(id); err != nil {
				return newsArticle{}, err
			}
		}
		a.Paragraphs = append(a.Paragraphs, para)
	}
	if want := 1 + countIDs(l.paragraphs); len(d.Segments) != want {
		return newsArticle{}, fmt.Errorf("document %q has %d segments, its source %d", d.ID, len(d.Segments), want)
	}
	return a, nil
}

func countIDs(paragraphs [][]int) int {
	n := 0
	for _, p := range paragraphs {
		n += len(p)
	}
	return n
}

// pair is one source document and its reference translation, both rebuilt
// with the source's article structure.
type pair struct {
	ID        string
	Source    newsArticle
	Reference newsArticle
}

// pairDocuments pairs the documents of a source file and its reference file
// by docid, keeping only those originally written in origlang, and lays both
// out by the source's structure (the reference file keeps the same seg ids).
func pairDocuments(src, ref []document, origlang string) ([]pair, error) {
	refs := make(map[string]document, len(ref))
	for _, d := range ref {
		refs[d.ID] = d
	}
	var out []pair
	for _, d := range src {
		if d.OrigLang != origlang {
			continue
		}
		r, ok := refs[d.ID]
		if !ok {
			return nil, fmt.Errorf("document %q has no reference", d.ID)
		}
		l, err := layoutOf(d)
		if err != nil {
			return nil, err
		}
		s, err := l.build(d)
		if err != nil {
			return nil, err
		}
		t, err := l.build(r)
		if err != nil {
			return nil, fmt.Errorf("reference: %w", err)
		}
		out = append(out, pair{ID: d.ID, Source: s, Reference: t})
	}
	return out, nil
}
