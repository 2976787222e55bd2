package cache

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"slices"
	"strings"
	"testing"
)

// referenceKey builds a key the plain way, from the encoding documented on
// Key: all fields in one buffer, each preceded by its 8-byte big-endian length.
func referenceKey(kind Kind, fields ...string) string {
	var buf []byte
	for _, f := range fields {
		buf = binary.BigEndian.AppendUint64(buf, uint64(len(f)))
		buf = append(buf, f...)
	}
	sum := sha256.Sum256(buf)
	return "passerelle:v3:" + string(kind) + ":" + hex.EncodeToString(sum[:])
}

func TestKeyMatchesDocumentedEncoding(t *testing.T) {
	tests := []struct {
		name   string
		kind   Kind
		fields []string
	}{
		{"no fields", KindDocument, nil},
		{"one empty field", KindDocument, []string{""}},
		{"short fields", KindSegment, []string{"Bonjour.", "fr", "en", "apertium"}},
		{"accents", KindSummary, []string{"Le président a été reçu à Vladivostok.", "fr", "en"}},
		// Key streams fields through a 512-byte buffer: cover its edges.
		{"field of 511 bytes", KindSegment, []string{strings.Repeat("a", 511)}},
		{"field of 512 bytes", KindSegment, []string{strings.Repeat("b", 512)}},
		{"field of 513 bytes", KindSegment, []string{strings.Repeat("c", 513), "x"}},
		{"long article", KindDocument, []string{strings.Repeat("Poutine et Kim à Vladivostok. ", 400), "fr", "en"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Key(tt.kind, tt.fields...)
			want := referenceKey(tt.kind, tt.fields...)
			if got != want {
				t.Errorf("Key(%q, ...) = %q, want %q", tt.kind, got, want)
			}
		})
	}
}

// TestKeyIsStable pins one key. Changing it orphans every cached entry, so it
// must only change together with the version in the prefix. The value was
// computed outside Go:
//
//	printf '\0\0\0\0\0\0\0\x08Bonjour.\0\0\0\0\0\0\0\x02fr\0\0\0\0\0\0\0\x02en' | sha256sum
func TestKeyIsStable(t *testing.T) {
	got := Key(KindSegment, "Bonjour.", "fr", "en")
	want := "passerelle:v3:seg:3177a03d57a9bee58728924cf26a26f1e13e32f3850fd4b4b420d29da267b415"
	if got != want {
		t.Errorf("Key(seg, Bonjour., fr, en) = %q, want %q", got, want)
	}
}

func TestKeyDistinguishesFieldBoundaries(t *testing.T) {
	tests := []struct {
		name string
		a, b []string
		ka   Kind
		kb   Kind
	}{
		{"boundary shifted right", []string{"ab", "c"}, []string{"a", "bc"}, KindSegment, KindSegment},
		{"two fields or one", []string{"ab", "c"}, []string{"abc"}, KindSegment, KindSegment},
		{"trailing empty field", []string{"a"}, []string{"a", ""}, KindSegment, KindSegment},
		{"no field or one empty", nil, []string{""}, KindSegment, KindSegment},
		{"order of fields", []string{"fr", "en"}, []string{"en", "fr"}, KindSegment, KindSegment},
		{"length bytes inside text", []string{"a\x00\x00\x00\x00\x00\x00\x00\x01b"}, []string{"a", "b"}, KindSegment, KindSegment},
		{"same fields other kind", []string{"x"}, []string{"x"}, KindSegment, KindDocument},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ka, kb := Key(tt.ka, tt.a...), Key(tt.kb, tt.b...)
			if ka == kb {
				t.Errorf("Key(%q, %q) and Key(%q, %q) are both %q, want different keys", tt.ka, tt.a, tt.kb, tt.b, ka)
			}
		})
	}
}

func TestKeyWithBodyIsKeyWithOneMoreField(t *testing.T) {
	body := []byte(`{"text": "Bonjour."}`)
	for _, fields := range [][]string{nil, {""}, {"v1", "/v1/articles"}} {
		got := KeyWithBody(KindReply, body, fields...)
		want := Key(KindReply, append(slices.Clone(fields), string(body))...)
		if got != want {
			t.Errorf("KeyWithBody(%q, body) = %q, want Key with body as last field %q", fields, got, want)
		}
	}
	if KeyWithBody(KindReply, nil) == Key(KindReply) {
		t.Error("an empty body is a field: KeyWithBody(kind, nil) must differ from Key(kind)")
	}
}

func TestKeyFormat(t *testing.T) {
	for _, kind := range []Kind{KindDocument, KindSegment, KindSummary, KindReply} {
		t.Run(string(kind), func(t *testing.T) {
			k := Key(kind, "texte")
			prefix := "passerelle:v3:" + string(kind) + ":"
			hexPart, ok := strings.CutPrefix(k, prefix)
			if !ok {
				t.Fatalf("Key = %q, want prefix %q", k, prefix)
			}
			if len(hexPart) != 64 || strings.Trim(hexPart, "0123456789abcdef") != "" {
				t.Errorf("hash part %q, want 64 lowercase hex digits", hexPart)
			}
		})
	}
}

func BenchmarkKey(b *testing.B) {
	paragraph := strings.Repeat("Le président russe a reçu le dirigeant nord-coréen à Vladivostok. ", 10)
	b.ReportAllocs()
	b.SetBytes(int64(len(paragraph)))
	for b.Loop() {
		_ = Key(KindSegment, paragraph, "fr", "en", "openai", "gpt-4o-mini", "9f2c1e")
	}
}
