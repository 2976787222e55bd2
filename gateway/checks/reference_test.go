package checks

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// This file keeps the former implementations of functions that were made
// faster, so that tests and fuzz targets hold the new ones to the same
// results.

// referenceEnglishTypography is EnglishTypography as it was before its
// prechecks scanned bytes (strings.ContainsAny on a set of marks).
func referenceEnglishTypography(s string) string {
	if !strings.ContainsAny(s, "«»‹›;:!?%") {
		return referenceTightenStops(s)
	}
	var b strings.Builder
	b.Grow(len(s))
	var pending strings.Builder
	lineStart := true
	flush := func() {
		b.WriteString(pending.String())
		pending.Reset()
	}
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		i += n
		switch {
		case isFrenchSpace(r):
			pending.WriteRune(r)
			continue
		case r == '«' || r == '‹':
			flush()
			if r == '«' {
				b.WriteByte('"')
			} else {
				b.WriteRune('‘')
			}
			for i < len(s) {
				r2, n2 := utf8.DecodeRuneInString(s[i:])
				if !isFrenchSpace(r2) {
					break
				}
				i += n2
			}
		case r == '»' || r == '›':
			pending.Reset()
			if r == '»' {
				b.WriteByte('"')
			} else {
				b.WriteRune('’')
			}
		case strings.ContainsRune(";:!?%", r):
			if lineStart || endsWithAddress(b.String()) {
				flush()
			} else {
				pending.Reset()
			}
			b.WriteRune(r)
		default:
			flush()
			b.WriteRune(r)
		}
		lineStart = r == '\n'
	}
	flush()
	return referenceTightenStops(b.String())
}

func referenceTightenStops(s string) string {
	if !strings.Contains(s, " .") && !strings.Contains(s, " ,") && !strings.ContainsAny(s, "\u00a0\u202f") {
		return s
	}
	for {
		next := spaceBeforeStop.ReplaceAllString(s, "$1$2$3")
		if next == s {
			return s
		}
		s = next
	}
}

// apertiumStyle puts back the French typography an engine such as Apertium
// leaves in an English output.
var apertiumStyle = strings.NewReplacer(`"`, "« ", "?", " ?", ":", " :", "%", "\u202f%", ".", " .", ",", " ,")

// noBreakStyle does the same with no-break and narrow no-break spaces.
var noBreakStyle = strings.NewReplacer(`"`, "«\u00a0", "?", "\u202f?", ":", "\u00a0:", "%", "\u00a0%", ".", "\u202f.", ",", "\u00a0,")

// realisticTexts returns source and output texts as the checks see them:
// the paragraphs of the seed article in French and English, both sides of
// the newstest2012 sentences of testdata, the hostile sources, and each of
// those with French typography put back; with -corpus, the sentences and
// paragraphs of the WMT files of the shared corpus too.
func realisticTexts(t *testing.T) []string {
	t.Helper()
	var texts []string
	for _, name := range []string{"poutine-kim-vladivostok.fr.txt", "poutine-kim-vladivostok.en.txt"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		texts = append(texts, strings.Split(string(b), "\n\n")...)
		texts = append(texts, string(b))
	}
	b, err := os.ReadFile(filepath.Join("testdata", "newstest2012-fr-en.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if cols := strings.Split(line, "\t"); len(cols) == 3 {
			texts = append(texts, cols[1], cols[2])
		}
	}
	hostile, err := filepath.Glob(filepath.Join("testdata", "hostile", "*.txt"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range hostile {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		texts = append(texts, string(b))
	}
	if *corpusDir != "" {
		files, err := filepath.Glob(filepath.Join(*corpusDir, "mt", "*.sgm"))
		if err != nil || len(files) == 0 {
			t.Fatalf("no WMT file in %s/mt (%v)", *corpusDir, err)
		}
		for _, p := range files {
			sents, paras := readWMTUnits(t, p)
			texts = append(texts, sents...)
			texts = append(texts, paras...)
		}
	}
	for _, s := range texts[:len(texts):len(texts)] {
		texts = append(texts, apertiumStyle.Replace(s), noBreakStyle.Replace(s))
	}
	return texts
}

func sameEnglishTypography(t *testing.T, s string) {
	t.Helper()
	if got, want := EnglishTypography(s), referenceEnglishTypography(s); got != want {
		t.Errorf("EnglishTypography(%q)\n got %q\nwant %q (the reference)", s, got, want)
	}
}

// typographyEdges are texts at the edges of EnglishTypography's prechecks.
var typographyEdges = []string{
	"a ;b", "a\u00a0:", "x\xff: y", "« a »", "‹ a ›", "a ›", "a » b", "\xc2", "\xe2\x80", "see www.a.b ? c", "\n ! x",
	"a . b", "a\u202f,b", "a\u00a0.", "a\u2009?", "\xff", "\xff:", ":\xff", "a \xff?", "\xe2\x80\xaf?",
}

func TestEnglishTypographyMatchesReference(t *testing.T) {
	for _, s := range append(realisticTexts(t), typographyEdges...) {
		sameEnglishTypography(t, s)
	}
}

func FuzzEnglishTypographyMatchesReference(f *testing.F) {
	addOutputSeeds(f)
	for _, s := range typographyEdges {
		f.Add(s)
	}
	f.Fuzz(sameEnglishTypography)
}
