package checks

import (
	"bufio"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// corpusDir points at a copy of the shared evaluation corpus; see TestLengthRatioCorpus.
var corpusDir = flag.String("corpus", "", "folder holding mt/newstest201{2,3}-{src.fr,ref.en}.sgm (WMT); empty skips the corpus tests")

type pair struct{ doc, fr, en string }

func runes(s string) int { return utf8.RuneCountInString(strings.TrimSpace(s)) }

// TestLengthRatioFixture recomputes the ratio of every sentence and document
// of the fixture: all must pass the bounds, and the document ratios must lie
// in the range the package comment gives for French-written documents.
func TestLengthRatioFixture(t *testing.T) {
	f, err := os.Open(filepath.Join("testdata", "newstest2012-fr-en.tsv"))
	if err != nil {
		t.Fatalf("open fixture: %v", err)
	}
	defer f.Close()
	docs := map[string][2]int{}
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) != 3 {
			t.Fatalf("line %d: %d columns, want 3", n+1, len(cols))
		}
		n++
		p := pair{cols[0], cols[1], cols[2]}
		if r, lo, hi, ok := lengthRatio(p.fr, p.en); ok && (r < lo || r > hi) {
			t.Errorf("sentence %d: ratio %.2f outside [%.2f, %.2f]\n%s\n%s", n, r, lo, hi, p.fr, p.en)
		}
		d := docs[p.doc]
		docs[p.doc] = [2]int{d[0] + runes(p.fr), d[1] + runes(p.en)}
	}
	if n < 50 || len(docs) != 3 {
		t.Fatalf("read %d sentences of %d documents, want at least 50 of 3", n, len(docs))
	}
	for id, d := range docs {
		r := float64(d[1]) / float64(d[0])
		t.Logf("%s: %d → %d characters, ratio %.3f", id, d[0], d[1], r)
		if r < 0.85 || r > 1.03 {
			t.Errorf("%s: document ratio %.3f outside the corpus range [0.85, 1.03]", id, r)
		}
	}
}

var (
	wmtDoc = regexp.MustCompile(`^<doc .*\bdocid="([^"]*)"`)
	wmtSeg = regexp.MustCompile(`^<seg id="\d+">(.*)</seg>$`)
)

// readWMTUnits returns the sentences and the paragraphs (<p> and <h1>
// blocks, sentences joined by a space) of a WMT "fake SGML" file, which is
// not XML (raw & occurs) and has one element a line.
func readWMTUnits(t *testing.T, path string) (sents, paras []string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("open corpus file: %v", err)
	}
	defer f.Close()
	var block []string
	flush := func() {
		if len(block) > 0 {
			paras = append(paras, strings.Join(block, " "))
		}
		block = nil
	}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "<p>" || line == "<h1>" || line == "</p>" || line == "</h1>" || line == "</doc>" || wmtDoc.MatchString(line):
			flush()
		default:
			if m := wmtSeg.FindStringSubmatch(line); m != nil {
				sents = append(sents, m[1])
				block = append(block, m[1])
			}
		}
	}
	flush()
	return sents, paras
}

func percentile(xs []float64, p float64) float64 {
	xs = slices.Clone(xs)
	slices.Sort(xs)
	k := (float64(len(xs)) - 1) * p / 100
	i := int(k)
	if i+1 >= len(xs) {
		return xs[i]
	}
	return xs[i] + (xs[i+1]-xs[i])*(k-float64(i))
}

// TestLengthRatioCorpus recomputes the figures of the package comment on the
// whole of newstest2012 and 2013 and checks that every band's bounds hold
// the 0.1th and 99.9th percentiles of sentences and paragraphs.
//
//	go test ./gateway/checks -run LengthRatioCorpus -v -corpus ../shared/corpus
func TestLengthRatioCorpus(t *testing.T) {
	if *corpusDir == "" {
		t.Skip("no -corpus folder given")
	}
	type unitPairs struct{ fr, en []string }
	units := map[string]*unitPairs{"sentence": {}, "paragraph": {}}
	for _, year := range []string{"2012", "2013"} {
		frS, frP := readWMTUnits(t, filepath.Join(*corpusDir, "mt", "newstest"+year+"-src.fr.sgm"))
		enS, enP := readWMTUnits(t, filepath.Join(*corpusDir, "mt", "newstest"+year+"-ref.en.sgm"))
		if len(frS) != len(enS) || len(frP) != len(enP) {
			t.Fatalf("%s: %d/%d sentences, %d/%d paragraphs: not aligned", year, len(frS), len(enS), len(frP), len(enP))
		}
		units["sentence"].fr = append(units["sentence"].fr, frS...)
		units["sentence"].en = append(units["sentence"].en, enS...)
		units["paragraph"].fr = append(units["paragraph"].fr, frP...)
		units["paragraph"].en = append(units["paragraph"].en, enP...)
	}
	for _, unit := range []string{"sentence", "paragraph"} {
		u := units[unit]
		for bi, b := range ratioBands {
			var rs []float64
			for i := range u.fr {
				n := runes(u.fr[i])
				if n >= b.minChars && (bi == 0 || n < ratioBands[bi-1].minChars) {
					rs = append(rs, float64(runes(u.en[i]))/float64(n))
				}
			}
			if len(rs) == 0 {
				t.Fatalf("%s, band %d+: no pair", unit, b.minChars)
			}
			p01, p50, p999 := percentile(rs, 0.1), percentile(rs, 50), percentile(rs, 99.9)
			t.Logf("%-9s %4d+ chars: n=%5d  p0.1=%.3f  median=%.3f  p99.9=%.3f  min=%.3f  max=%.3f  bounds [%.2f, %.2f]",
				unit, b.minChars, len(rs), p01, p50, p999, slices.Min(rs), slices.Max(rs), b.lo, b.hi)
			if p01 < b.lo || p999 > b.hi {
				t.Errorf("%s, band %d+: percentiles [%.3f, %.3f] not within the bounds [%.2f, %.2f]", unit, b.minChars, p01, p999, b.lo, b.hi)
			}
		}
	}
}
