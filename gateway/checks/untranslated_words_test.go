package checks

import (
	"bufio"
	"os"
	"slices"
	"strings"
	"testing"
)

// TestUntranslatedWordsCorpus runs the detector on real paragraphs and
// their real Apertium translations (testdata/untranslated-words.tsv).
func TestUntranslatedWordsCorpus(t *testing.T) {
	f, err := os.Open("testdata/untranslated-words.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		cols := strings.Split(line, "\t")
		if len(cols) != 3 {
			t.Fatalf("%q: want 3 tab-separated columns, got %d", line, len(cols))
		}
		var want []string
		if cols[2] != "" {
			want = strings.Split(cols[2], ",")
		}
		if got := UntranslatedWords(cols[0], cols[1]); !slices.Equal(got, want) {
			t.Errorf("UntranslatedWords(%q)\n got %q\nwant %q", cols[1], got, want)
		}
		n++
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if n < 8 {
		t.Fatalf("read %d rows, want 8", n)
	}
}

func TestUntranslatedWords(t *testing.T) {
	for _, tc := range []struct {
		name, src, out string
		want           []string
	}{
		{"pivot leak", "Le nord-coréen a dépensé 2 milliards.", "The norcoreano has spent 2 millardos.", []string{"norcoreano", "millardos"}},
		{"French left, copied from the source", "une âme bienveillante, un esprit salvateur",
			"a soul bienveillante, a spirit salvateur", []string{"bienveillante", "salvateur"}},
		{"each word once, in order", "", "the gazoduc and the gazoduc, palliatifs", []string{"gazoduc", "palliatifs"}},
		{"names copied from the source", "Kim Jong-Un et Vladimir Poutine à Vladivostok",
			"Kim Jong-Un and Vladimir Putin in Vladivostok", nil},
		{"a name at the start of a sentence", "Bublé chante.", "Bublé sings.", nil},
		{"acronyms", "le parti ANO et la CNIL", "the party ANO and the CNIL", nil},
		{"English loanwords", "", "a baguette, a croissant, a café and a naïve protégé at the château", nil},
		{"inflections", "", "the ministers were overruled, rebuffing their colleagues' objections", nil},
		{"contractions and possessives", "", "it doesn't matter; the minister's view, the ministers' views", nil},
		{"numbers and units", "", "2,5 km, 10h30, 1er, 3e, 75008", nil},
		{"addresses, handles and hashtags", "",
			"see https://t.co/AbCdEf or lemonde.fr, write to redaction@exemple.fr, follow @elonmusk #JeSuisCharlie", nil},
		{"a quotation kept whole", "Il attend « un dialogue significatif ».", `He expects "un dialogue significatif".`, nil},
		{"a quotation translated in part", "Il attend « un dialogue significatif ».", `He expects "a dialogue significatif".`, []string{"significatif"}},
		{"short words", "", "the y el de", nil},
		{"hyphenated words judged by their parts", "", "a well-known quasi-permanent anti-corruption drive; a gazoduc-like pipe", []string{"gazoduc"}},
		{"an elision", "", "the decision of l'assemblée", []string{"l'assemblée"}},
		{"curly apostrophes", "", "it doesn’t matter; the minister’s view", nil},
		{"the output is the source", "The minister said qwertyuiop.", "The minister said qwertyuiop.", nil},
		{"nothing", "", "", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := UntranslatedWords(tc.src, tc.out); !slices.Equal(got, tc.want) {
				t.Errorf("UntranslatedWords(%q, %q) = %q, want %q", tc.src, tc.out, got, tc.want)
			}
		})
	}
}

// TestEnglishLexicon guards the embedded list: read whole, lower-case, and
// holding the words of the news that a smaller list lacked.
func TestEnglishLexicon(t *testing.T) {
	l := englishLexicon()
	if n := len(l.lines); n != 118959 {
		t.Errorf("the lexicon holds %d words, want the 118,959 of english.txt.gz", n)
	}
	for i := 1; i < len(l.lines); i++ {
		if a, b := l.word(i-1), l.word(i); a >= b || b == "" || strings.ContainsAny(b, "\n ") {
			t.Fatalf("line %d: %q after %q: the list must be in byte order, one word a line", i+1, b, a)
		}
	}
	for _, w := range []string{"a", "zymurgy", "the", "boson", "mafia", "domiciliary", "overruled", "doesn't", "baguette"} {
		if !IsEnglishWord(w) {
			t.Errorf("%q is not in the lexicon", w)
		}
	}
	for _, w := range []string{"millardo", "norcoreano", "palliatifs", "gazoduc", "bienveillante", "Paris", "", "zzzzzz"} {
		if IsEnglishWord(w) {
			t.Errorf("%q is in the lexicon", w)
		}
	}
}

func BenchmarkUntranslatedWords(b *testing.B) {
	src := "En matière de soins palliatifs, le comité réclame que les gouvernements travaillent ensemble."
	out := "In matter of priests palliatifs, the committee demands that the executives, the institutions of priests of health, and the doctors work together."
	englishLexicon()
	b.ResetTimer()
	for b.Loop() {
		UntranslatedWords(src, out)
	}
}
