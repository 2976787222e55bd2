package checks

import (
	"os"
	"strings"
	"testing"

	"passerelle/article"
	"passerelle/article/language"
)

// seedPairs returns the segments of the seed article and their English
// translation.
func seedPairs(b *testing.B) (src, out []string) {
	fr, err := os.ReadFile("../../testdata/poutine-kim-vladivostok.fr.txt")
	if err != nil {
		b.Fatal(err)
	}
	en, err := os.ReadFile("../../testdata/poutine-kim-vladivostok.en.txt")
	if err != nil {
		b.Fatal(err)
	}
	// The French file ends with two paragraphs of page furniture that
	// the gateway drops: the English file has none.
	src = strings.Split(strings.TrimSpace(string(fr)), "\n\n")
	out = strings.Split(strings.TrimSpace(string(en)), "\n\n")
	return src[:len(out)], out
}

// BenchmarkSegment runs the output checks on each segment of the seed
// article and its English translation, as the gateway does on a miss.
func BenchmarkSegment(b *testing.B) {
	src, out := seedPairs(b)
	det := language.NewDetector(language.Options{})
	b.ReportAllocs()
	for b.Loop() {
		for i := range src {
			if err := Segment(src[i], out[i], "fr", "en", det); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkMissingNumbers compares the numbers of each segment of the seed
// article, each ending with a reference number, with its translation.
func BenchmarkMissingNumbers(b *testing.B) {
	src, out := seedPairs(b)
	for i := range src {
		src[i] += " (4821937)"
		out[i] += " (4821937)"
	}
	b.ReportAllocs()
	for b.Loop() {
		for i := range src {
			if m := missingNumbers(src[i], out[i]); len(m) > 0 {
				b.Fatal(m)
			}
		}
	}
}

// BenchmarkEnglishTypography puts right the typography of each segment of
// the seed article's translation, as the gateway does on a miss.
func BenchmarkEnglishTypography(b *testing.B) {
	_, out := seedPairs(b)
	b.ReportAllocs()
	for b.Loop() {
		for _, s := range out {
			EnglishTypography(s)
		}
	}
}

// BenchmarkRepair runs Repair on each segment of the seed article's
// translation, which has nothing to repair, as nearly every output.
func BenchmarkRepair(b *testing.B) {
	_, out := seedPairs(b)
	b.ReportAllocs()
	for b.Loop() {
		for _, s := range out {
			Repair(s)
		}
	}
}

// BenchmarkCheckedOutput runs, on each segment of the seed article and its
// translation, what the gateway's checkedOutput runs on a miss into
// English: Repair, EnglishTypography, article.Normalize, then Segment.
func BenchmarkCheckedOutput(b *testing.B) {
	src, out := seedPairs(b)
	det := language.NewDetector(language.Options{})
	b.ReportAllocs()
	for b.Loop() {
		for i := range src {
			text := article.Normalize(EnglishTypography(Repair(out[i])))
			if err := Segment(src[i], text, "fr", "en", det); err != nil {
				b.Fatal(err)
			}
		}
	}
}
