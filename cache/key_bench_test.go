package cache

import (
	"encoding/json"
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

// BenchmarkKeyReply derives the key of a kept reply, the one lookup of a
// repeated request: the request body, whole, after the configuration's
// fingerprint and the endpoint.
func BenchmarkKeyReply(b *testing.B) {
	raw, err := os.ReadFile("../testdata/poutine-kim-vladivostok.fr.txt")
	if err != nil {
		b.Fatal(err)
	}
	body, _ := json.Marshal(map[string]string{"text": string(raw)})
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		_ = KeyWithBody(KindReply, body, "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0", "articles")
	}
}
