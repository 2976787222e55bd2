package article

import (
	"testing"
)

// Benchmarks of the text work every request does before any cache lookup.
// BenchmarkParse (document_test.go) and BenchmarkSentences
// (sentences_test.go) cover the seed as a whole.

func BenchmarkNormalize(b *testing.B) {
	text := readFile(b, seedPath)
	b.ReportAllocs()
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		Normalize(text)
	}
}

// BenchmarkSentencesByParagraph splits each paragraph of the parsed seed,
// as the extractive summarizer and the batch packer do.
func BenchmarkSentencesByParagraph(b *testing.B) {
	doc := Parse("", readFile(b, seedPath))
	b.ReportAllocs()
	b.SetBytes(int64(len(doc.Text())))
	for b.Loop() {
		for _, p := range doc.Paragraphs {
			Sentences(p)
		}
	}
}

// BenchmarkIsBoilerplate judges each paragraph of the seed, as Parse judges
// the first and the last block of every article: all of them are text.
func BenchmarkIsBoilerplate(b *testing.B) {
	doc := Parse("", readFile(b, seedPath))
	b.ReportAllocs()
	for b.Loop() {
		for _, p := range doc.Paragraphs {
			if IsBoilerplate(p) {
				b.Fatalf("%q judged boilerplate", p)
			}
		}
	}
}
