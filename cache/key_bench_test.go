package cache

import (
	"os"
	"strings"
	"testing"
)

// BenchmarkKeyDocument derives the key of a whole article, the first lookup
// of every request: the seed's title and paragraphs after the provider's
// name, fingerprint and languages. BenchmarkKey (key_test.go) covers one
// paragraph's key.
func BenchmarkKeyDocument(b *testing.B) {
	raw, err := os.ReadFile("../testdata/poutine-kim-vladivostok.fr.txt")
	if err != nil {
		b.Fatal(err)
	}
	paragraphs := strings.Split(strings.TrimSpace(string(raw)), "\n\n")
	fields := append([]string{"openai", "gpt-4o-mini:9f2c1e", "fr", "en", ""}, paragraphs...)
	b.ReportAllocs()
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		_ = Key(KindDocument, fields...)
	}
}
