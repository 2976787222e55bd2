package cache

import (
	"slices"
	"strings"
	"testing"
)

// fuzzFields turns one fuzzed string into a list of fields: its first byte
// is the separator of the rest, so a field may hold any other byte, two
// inputs may part the same bytes differently ("|ab|c" and "|a|bc"), and ""
// is the list of no field.
func fuzzFields(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s[1:], s[:1])
}

var fuzzKinds = []Kind{KindDocument, KindSegment, KindSummary}

// FuzzKey checks that Key is a function of its kind and fields alone and
// keeps them apart: two lists of fields give the same key exactly when they
// are equal, whatever the bytes, the number of fields and where they part,
// and the key has the documented form and hash.
func FuzzKey(f *testing.F) {
	long := strings.Repeat("Le sommet s'est achevé jeudi. ", 40) // over the 512-byte buffer Key streams through
	for _, seed := range []struct {
		kind uint8
		a, b string
	}{
		{0, "|ab|c", "|a|bc"},
		{0, "|abc", "|ab|c"},
		{1, "|a", "|a|"},
		{1, "", "|"},
		{2, "|" + long + "|fr|en", "|" + long + "|fr|en"},
		{2, "|" + long + "x|fr", "|" + long + "|xfr"},
		{0, "\x00\x00\x00\x00\x00\x00\x00\x01a", "\x00\x00\x00\x00\x00\x00\x00\x00\x01a"},
		{1, "|Premier paragraphe.|fr|en|apertium|apertium:fra-spa-eng|", "|Premier paragraphe.|fr|en|apertium|apertium:fra-spa-eng"},
	} {
		f.Add(seed.kind, seed.a, seed.b)
	}
	f.Fuzz(func(t *testing.T, kindSel uint8, a, b string) {
		kind := fuzzKinds[int(kindSel)%len(fuzzKinds)]
		fa, fb := fuzzFields(a), fuzzFields(b)
		ka, kb := Key(kind, fa...), Key(kind, fb...)

		if again := Key(kind, slices.Clone(fa)...); again != ka {
			t.Fatalf("Key(%s, %q) = %s, then %s", kind, fa, ka, again)
		}
		prefix := keyPrefix + string(kind) + ":"
		hexSum, ok := strings.CutPrefix(ka, prefix)
		if !ok || len(hexSum) != 64 || strings.Trim(hexSum, "0123456789abcdef") != "" {
			t.Fatalf("Key(%s, %q) = %q, want %q and 64 lower-case hex digits", kind, fa, ka, prefix)
		}
		if want := referenceKey(kind, fa...); ka != want {
			t.Fatalf("Key(%s, %q) = %s, want %s (the documented encoding)", kind, fa, ka, want)
		}
		if equal := slices.Equal(fa, fb); (ka == kb) != equal {
			t.Fatalf("fields %q and %q (equal: %v) give keys %s and %s", fa, fb, equal, ka, kb)
		}
		for _, other := range fuzzKinds {
			if other != kind && Key(other, fa...) == ka {
				t.Fatalf("kinds %s and %s give the same key for %q", kind, other, fa)
			}
		}
	})
}
