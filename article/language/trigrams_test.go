package language

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/RadhiFadlillah/whatlanggo"
)

// whatlanggoAnswer is what the detector asked whatlanggo before it scored
// trigrams itself.
func whatlanggoAnswer(d *Detector, words string) (string, float64) {
	info := whatlanggo.DetectWithOptions(words, d.allow)
	return d.codes[info.Lang], info.Confidence
}

// sameAnswer compares the scorer with whatlanggo on the words of text, and
// of each of its prefixes at a few lengths (short texts are where the
// confidence formulas differ).
func sameAnswer(t *testing.T, d *Detector, text string) {
	t.Helper()
	check := func(s string) {
		words, _ := signal(s)
		got, gotConf := d.trigrams(words)
		want, wantConf := whatlanggoAnswer(d, words)
		// When two languages tie at the top, whatlanggo picks one by map
		// order, with confidence 0: Detect answers "" either way.
		if gotConf != wantConf || (wantConf > 0 && got != want) {
			t.Errorf("trigrams(%q) = %q %v, whatlanggo %q %v", words, got, gotConf, want, wantConf)
		}
	}
	check(text)
	for _, n := range []int{10, 25, 40, 60, 100, 200} {
		if n < len(text) {
			cut := n
			for cut > 0 && !utf8.RuneStart(text[cut]) {
				cut--
			}
			check(text[:cut])
		}
	}
}

// detectorTexts returns every text the repository has in the seven
// languages, whole and cut in sentences, the lines of the other packages'
// test files, a few texts in other scripts or with invalid bytes, and the
// corpus sentences with -corpus.
func detectorTexts(t *testing.T) []string {
	t.Helper()
	var texts []string
	for _, lang := range DefaultLanguages() {
		for _, p := range readParagraphs(t, lang+".txt") {
			texts = append(texts, p)
			texts = append(texts, strings.SplitAfter(p, ". ")...)
		}
	}
	for _, glob := range []string{"../testdata/*.txt", "../../testdata/*.txt", "../../gateway/checks/testdata/*.tsv", "../../gateway/checks/testdata/hostile/*"} {
		files, _ := filepath.Glob(glob)
		for _, f := range files {
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			texts = append(texts, strings.FieldsFunc(string(raw), func(r rune) bool { return r == '\n' || r == '\t' })...)
		}
	}
	texts = append(texts,
		"", "a", "Ab", "l'été", "ÉTÉ À PARIS", "le le le le le", "the the the", "xyz qwv", "1234 5678",
		"Москва и Санкт-Петербург", "Le président Пу́тин a dit", "東京 est une ville", "Ελλάδα και Γαλλία",
		"café\u0301 naïve coöperate", "\xff\xfe invalid bytes le président", "émoji 😀 le président de la République",
	)
	if *corpusDir != "" {
		for _, year := range []string{"2012", "2013"} {
			for _, side := range []string{"src.fr", "ref.en"} {
				texts = append(texts, readSegments(t, filepath.Join(*corpusDir, "mt", "newstest"+year+"-"+side+".sgm"))...)
			}
		}
	}
	if len(texts) < 400 {
		t.Fatalf("only %d texts", len(texts))
	}
	return texts
}

// TestDetectMatchesWhatlanggo holds the detector's own trigram scoring to
// whatlanggo's answers on every text the repository has in the seven
// languages, whole and cut, and on the corpus with -corpus.
func TestDetectMatchesWhatlanggo(t *testing.T) {
	d := NewDetector(Options{})
	if d.scorer == nil {
		t.Fatal("the default languages have no scorer")
	}
	texts := detectorTexts(t)
	for _, text := range texts {
		sameAnswer(t, d, text)
	}
	t.Logf("%d texts compared", len(texts))
}

// FuzzDetectMatchesWhatlanggo compares the scorer with whatlanggo on
// arbitrary text.
func FuzzDetectMatchesWhatlanggo(f *testing.F) {
	for _, s := range []string{"Le président russe a dit", "The Russian president said", "Москва и Le président", "l'été à  Paris ,  et   le"} {
		f.Add(s)
	}
	d := NewDetector(Options{})
	f.Fuzz(func(t *testing.T, s string) {
		got, gotConf := d.trigrams(s)
		want, wantConf := whatlanggoAnswer(d, s)
		if gotConf != wantConf || (wantConf > 0 && got != want) {
			t.Errorf("trigrams(%q) = %q %v, whatlanggo %q %v", s, got, gotConf, want, wantConf)
		}
	})
}
