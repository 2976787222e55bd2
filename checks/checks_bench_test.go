package checks

import (
	"os"
	"strings"
	"testing"

	"passerelle/language"
)

// BenchmarkSegment runs the output checks on each segment of the seed
// article and its English translation, as the gateway does on a miss.
func BenchmarkSegment(b *testing.B) {
	fr, err := os.ReadFile("../testdata/poutine-kim-vladivostok.fr.txt")
	if err != nil {
		b.Fatal(err)
	}
	en, err := os.ReadFile("../testdata/poutine-kim-vladivostok.en.txt")
	if err != nil {
		b.Fatal(err)
	}
	// The French file ends with two paragraphs of page furniture that
	// the gateway drops: the English file has none.
	src := strings.Split(strings.TrimSpace(string(fr)), "\n\n")
	out := strings.Split(strings.TrimSpace(string(en)), "\n\n")
	src = src[:len(out)]
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
