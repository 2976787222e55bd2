package language

import (
	"bufio"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// corpusDir points at a copy of the shared evaluation corpus; see TestCorpusAccuracy.
var corpusDir = flag.String("corpus", "", "folder holding mt/newstest201{2,3}-{src.fr,ref.en}.sgm (WMT); empty skips the corpus tests")

var wmtSeg = regexp.MustCompile(`^<seg id="\d+">(.*)</seg>$`)

// readSegments returns every sentence of a WMT "fake SGML" file, one <seg> a
// line (the format is not XML: raw & occurs).
func readSegments(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("open corpus file: %v", err)
	}
	defer f.Close()
	var segs []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for sc.Scan() {
		if m := wmtSeg.FindStringSubmatch(sc.Text()); m != nil {
			segs = append(segs, m[1])
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("read corpus file: %v", err)
	}
	return segs
}

// TestCorpusAccuracy recomputes, on every sentence of newstest2012 and 2013,
// the rates the package comment gives, and fails if the detector is wrong on
// more than one sentence in a thousand of 50 letters or more, or recognises
// fewer than 99% of those of 100 letters or more.
//
//	go test ./article/language -run CorpusAccuracy -v -corpus ../shared/corpus
func TestCorpusAccuracy(t *testing.T) {
	if *corpusDir == "" {
		t.Skip("no -corpus folder given")
	}
	d := NewDetector(Options{})
	for _, tc := range []struct{ lang, file string }{{"fr", "src.fr"}, {"en", "ref.en"}} {
		type tally struct{ right, wrong, unsure int }
		buckets := map[string]*tally{"20-49": {}, "50-99": {}, "100+": {}}
		for _, year := range []string{"2012", "2013"} {
			for _, s := range readSegments(t, filepath.Join(*corpusDir, "mt", "newstest"+year+"-"+tc.file+".sgm")) {
				n := countLetters(s)
				var b *tally
				switch {
				case n < 20:
					if got, _ := d.Detect(s); got != "" {
						t.Errorf("%s: %d letters, Detect = %q, want \"\"", tc.lang, n, got)
					}
					continue
				case n < 50:
					b = buckets["20-49"]
				case n < 100:
					b = buckets["50-99"]
				default:
					b = buckets["100+"]
				}
				switch got, _ := d.Detect(s); got {
				case tc.lang:
					b.right++
				case "":
					b.unsure++
				default:
					b.wrong++
					if n >= 50 {
						t.Logf("%s read as %s: %s", tc.lang, got, s)
					}
				}
			}
		}
		for _, name := range []string{"20-49", "50-99", "100+"} {
			b := buckets[name]
			total := b.right + b.wrong + b.unsure
			if total == 0 {
				t.Fatalf("%s %s: no sentence read", tc.lang, name)
			}
			t.Logf("%s %6s letters: %5d sentences, right %5.1f%%, wrong %4.2f%%, unsure %5.1f%%", tc.lang, name, total,
				100*float64(b.right)/float64(total), 100*float64(b.wrong)/float64(total), 100*float64(b.unsure)/float64(total))
			if name != "20-49" && b.wrong*1000 > total {
				t.Errorf("%s %s letters: wrong on %d of %d sentences, want at most 1 in 1000", tc.lang, name, b.wrong, total)
			}
			if name == "100+" && b.right*100 < total*99 {
				t.Errorf("%s %s letters: right on %d of %d sentences, want at least 99%%", tc.lang, name, b.right, total)
			}
		}
	}
}
