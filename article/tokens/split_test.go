package tokens

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/dlclark/regexp2/v2"
	"github.com/tiktoken-go/tokenizer/codec"
)

// The codec's split expressions, as codec/o200k_base.go and
// codec/cl100k_base.go compile them: regexp2 runs them with the compiled
// code the codec registers for these very strings.
const (
	o200kPattern  = `[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+`
	cl100kPattern = `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
)

var splitters = []struct {
	name    string
	re      *regexp2.Regexp
	piece   func(string) int
	newCode func() *codec.Codec
}{
	{"o200k_base", regexp2.MustCompile(o200kPattern, regexp2.None), o200kPiece, codec.NewO200kBase},
	{"cl100k_base", regexp2.MustCompile(cl100kPattern, regexp2.None), cl100kPiece, codec.NewCl100kBase},
}

// codecPieces returns the pieces re finds in text, as the codec iterates them.
func codecPieces(t testing.TB, re *regexp2.Regexp, text string) []string {
	var out []string
	m, err := re.FindStringMatch(text)
	for ; m != nil && err == nil; m, err = re.FindNextMatch(m) {
		out = append(out, m.String())
	}
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func ourPieces(piece func(string) int, text string) []string {
	var out []string
	for rest := text; rest != ""; {
		n := piece(rest)
		if n == 0 {
			_, n = utf8.DecodeRuneInString(rest)
		} else {
			out = append(out, rest[:n])
		}
		rest = rest[n:]
	}
	return out
}

func samePieces(t *testing.T, text string) {
	t.Helper()
	for _, s := range splitters {
		want := codecPieces(t, s.re, text)
		if got := ourPieces(s.piece, text); !slices.Equal(got, want) {
			t.Errorf("%s: pieces of %q = %q, the codec's %q", s.name, text, got, want)
		}
	}
}

// splitTexts are the texts of the repository, whole and line by line, and
// strings made to reach every branch of the expressions.
func splitTexts(t *testing.T) []string {
	texts := []string{
		"", "a", "DEL\x7fhere", "\x7f", "l'été", "don't WE'RE they'VE I'M we'LL he'D it'S ſ 'ſ 'x '",
		"HTTPServer XMLHttpRequest iPhone McDonald's ǅemal ʰa aʰ ªb Ab\u0301c \u0301x ́",
		"12345 1,000,000 3.14 ١٢٣ ½ x²", "  \n\n  ", " \n  x", "\r\n\r\n", "a  \n \n  b", "\t\tx", "x   ", " ",
		"\u00a0»\u202f!", "« Un dialogue »", "https://example.org/a/b?c=d", "a/b//\n/", "  ?!\n\n/x",
		"東京 est une ville", "Москва и Санкт-Петербург", "مرحبا بالعالم", "😀 emoji 👍🏽", "\u2028\u2029\u3000x",
		"<|endoftext|> suite", "tab\there", "mixed\u000bvertical\u000cfeed", "\u0085next line",
	}
	for _, glob := range []string{"../../testdata/*.txt", "../testdata/*.txt", "../article/language/testdata/*.txt", "../../gateway/checks/testdata/*.tsv", "../../gateway/checks/testdata/hostile/*"} {
		files, _ := filepath.Glob(glob)
		for _, f := range files {
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			texts = append(texts, string(raw))
			texts = append(texts, strings.Split(string(raw), "\n")...)
		}
	}
	return texts
}

// TestSplitMatchesTheCodec holds the splitters to the codec's compiled
// expressions on every text of the repository, and on every character
// (up to U+3000, then a sample) in a few surroundings.
func TestSplitMatchesTheCodec(t *testing.T) {
	texts := splitTexts(t)
	if len(texts) < 100 {
		t.Fatalf("only %d texts", len(texts))
	}
	for _, text := range texts {
		samePieces(t, text)
	}
	step := rune(1)
	for r := rune(0); r <= utf8.MaxRune; r += step {
		if r >= 0x3000 {
			step = 97
		}
		if !utf8.ValidRune(r) {
			continue
		}
		c := string(r)
		for _, probe := range []string{c, "a" + c + "b", "A" + c + "'s", " " + c + c + "x", c + "1", "\n" + c + " ", "Ab" + c + "cD", c + " \n"} {
			samePieces(t, probe)
		}
		if t.Failed() {
			return
		}
	}
}

// TestCountMatchesTheCodec compares Count with the codec's own count of the
// whole text.
func TestCountMatchesTheCodec(t *testing.T) {
	texts := splitTexts(t)
	texts = append(texts, "invalid \xff\xfe bytes", "\xe2\x80 truncated")
	for _, s := range splitters {
		c := s.newCode()
		e := &encoding{name: s.name, load: s.newCode, piece: s.piece}
		for _, text := range texts {
			want, err := c.Count(text)
			if err != nil {
				t.Fatal(err)
			}
			// Twice: from the codec, then from memory.
			for range 2 {
				if got := e.Count(text); got != want {
					t.Errorf("%s: Count(%q) = %d, the codec's %d", s.name, text, got, want)
				}
			}
		}
	}
}

func FuzzCountMatchesTheCodec(f *testing.F) {
	for _, s := range []string{"Le sommet inédit", "don't  \n\n x", "ǅemal ʰa \u0301", "12345 ½", "a\x7fb"} {
		f.Add(s)
	}
	codecs := []*codec.Codec{codec.NewO200kBase(), codec.NewCl100kBase()}
	f.Fuzz(func(t *testing.T, text string) {
		if utf8.ValidString(text) {
			samePieces(t, text)
		}
		for i, s := range splitters {
			want, err := codecs[i].Count(text)
			if err != nil {
				t.Skip()
			}
			e := &encoding{name: s.name, load: s.newCode, piece: s.piece}
			if got := e.Count(text); got != want {
				t.Errorf("%s: Count(%q) = %d, the codec's %d", s.name, text, got, want)
			}
		}
	})
}
