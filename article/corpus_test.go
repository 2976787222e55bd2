package article

import (
	"bufio"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// corpusDir points at a copy of the shared evaluation corpus; see TestCorpusKeepsEveryParagraph.
var corpusDir = flag.String("corpus", "", "folder holding mt/newstest201{2,3}-src.fr.sgm (WMT); empty skips the corpus tests")

// wmtDoc is one article of a WMT source file: its headline (seg 1) and its
// paragraphs, each the sentences of one <p> element joined by a space.
type wmtDoc struct {
	id         string
	headline   string
	paragraphs []string
}

var (
	wmtDocOpen = regexp.MustCompile(`^<doc docid="([^"]*)".*\boriglang="([a-z]+)"`)
	wmtSeg     = regexp.MustCompile(`^<seg id="(\d+)">(.*)</seg>$`)
)

// readWMTFrench reads the documents written in French (origlang="fr") of a
// WMT "fake SGML" file, which is not XML (raw & occurs) and has one element a
// line. Sentences of the <h1> after the headline (a subtitle split into
// sentences) make the first paragraph, so that no text is left out.
func readWMTFrench(t *testing.T, path string) []wmtDoc {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("open corpus file: %v", err)
	}
	defer f.Close()

	var (
		docs    []wmtDoc
		cur     *wmtDoc
		segs    []string // sentences of the open <h1> or <p>
		inBlock bool
	)
	closeBlock := func() {
		if inBlock && len(segs) > 0 {
			cur.paragraphs = append(cur.paragraphs, strings.Join(segs, " "))
		}
		segs, inBlock = nil, false
	}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for sc.Scan() {
		line := sc.Text()
		if m := wmtDocOpen.FindStringSubmatch(line); m != nil {
			cur = nil
			if m[2] == "fr" {
				cur = &wmtDoc{id: m[1]}
			}
			continue
		}
		if cur == nil {
			continue
		}
		switch line {
		case "<h1>", "<p>":
			// One <p> of newstest2012 is never closed: a new block closes it.
			closeBlock()
			inBlock = true
		case "</h1>", "</p>":
			closeBlock()
		case "</doc>":
			closeBlock()
			docs = append(docs, *cur)
			cur = nil
		default:
			m := wmtSeg.FindStringSubmatch(line)
			if m == nil {
				continue
			}
			if m[1] == "1" {
				cur.headline = m[2]
				continue
			}
			if !inBlock {
				t.Errorf("%s: %s: seg %s outside any <h1> or <p>", filepath.Base(path), cur.id, m[1])
			}
			segs = append(segs, m[2])
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("read corpus file: %v", err)
	}
	return docs
}

// TestCorpusKeepsEveryParagraph runs Parse over every French-original article
// of the WMT newstest2012 and newstest2013 source files and checks that no
// paragraph is dropped or altered beyond Normalize, with the title given and
// with the title left for Parse to find. Run it with
//
//	go test ./article -run Corpus -corpus /path/to/corpus
func TestCorpusKeepsEveryParagraph(t *testing.T) {
	if *corpusDir == "" {
		t.Skip("no -corpus folder given")
	}
	checked, titled := 0, 0
	for _, name := range []string{"newstest2012-src.fr.sgm", "newstest2013-src.fr.sgm"} {
		docs := readWMTFrench(t, filepath.Join(*corpusDir, "mt", name))
		if len(docs) == 0 {
			t.Fatalf("%s: no document with origlang=\"fr\"", name)
		}
		for _, d := range docs {
			t.Run(name+"/"+d.id, func(t *testing.T) {
				headline := Normalize(d.headline)
				want := make([]string, len(d.paragraphs))
				for i, p := range d.paragraphs {
					want[i] = Normalize(p)
				}

				given := Parse(d.headline, strings.Join(d.paragraphs, "\n\n"))
				if given.Title != headline {
					t.Errorf("given title: Title = %q, want %q", given.Title, headline)
				}
				if !slices.Equal(given.Paragraphs, want) {
					t.Errorf("given title: Paragraphs differ\ngot  %q\nwant %q", given.Paragraphs, want)
				}

				found := Parse("", d.headline+"\n\n"+strings.Join(d.paragraphs, "\n\n"))
				if got, want := documentBlocks(found), append([]string{headline}, want...); !slices.Equal(got, want) {
					t.Errorf("title found by Parse: title and paragraphs differ\ngot  %q\nwant %q", got, want)
				}
				if found.Title != "" {
					titled++
				}
			})
			checked += len(d.paragraphs)
		}
	}
	t.Logf("checked %d paragraphs; Parse recognised the headline of %d articles", checked, titled)
}
