package checks

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

func TestMissingNumbers(t *testing.T) {
	tests := []struct {
		name, src, out string
		want           []string
	}{
		{"decimal comma", "une hausse de 3,5 %", "a rise of 3.5%", nil},
		{"decimal comma kept", "une hausse de 3,5 %", "a rise of 3,5 %", nil},
		{"percent in words", "25 % des électeurs", "25 percent of voters", nil},
		{"thousands with a space", "1 000 manifestants", "1,000 protesters", nil},
		{"thousands with a no-break space", "1\u00a0000 manifestants", "1000 protesters", nil},
		{"thousands with a narrow no-break space", "25\u202f000 euros", "25,000 euros", nil},
		{"millions", "1 500 000 habitants", "1,500,000 inhabitants", nil},
		{"French thousands dot", "1.000 euros", "1,000 euros", nil},
		{"two numbers side by side", "en 2019 250 personnes", "in 2019, 250 people", nil},
		{"year", "en 2019", "in 2019", nil},
		{"time 24h", "à 14h30", "at 14:30", nil},
		{"time 12h", "à 14h30", "at 2:30 pm", nil},
		{"time with spaces", "à 9 h 05", "at 9:05 am", nil},
		{"hour only", "vers 20h", "around 8 pm", nil},
		{"date with month in words", "le 25/04/2019", "on April 25, 2019", nil},
		{"small number in words", "3 enfants", "three children", nil},
		{"ordinal", "le 1er mai", "on May 1st", nil},
		{"ordinals of districts", "dans les 18ème, 19ème et 20ème arrondissements", "in the 18th, 19th and 20th districts", nil},
		{"ordinal after a name", "Paris 10ème, métro République", "Paris 10th, République metro", nil},
		{"ordinal changed", "le 18ème arrondissement", "the 19th district", []string{"18"}},
		{"dotted date kept as it was", "Créé: 12.12.2019, 07h36", "Created: 12.12.2019, 07h36", nil},
		{"dotted date in a title", "La perte des terres | DW | 23.05.2011", "The loss of land | DW | 23.05.2011", nil},
		{"dotted date changed", "le 23.05.2011", "on 24.05.2011", []string{"23.05.2011"}},
		{"trailing zeros", "3,50 euros", "3.5 euros", nil},
		{"number dropped", "25 morts et 3 blessés", "25 dead and several injured", []string{"3"}},
		{"number changed", "une hausse de 3,5 %", "a rise of 3.6%", []string{"3,5"}},
		{"time changed", "à 14h30", "at 3:30 pm", []string{"14h30"}},
		{"scale words are not read", "1 500 000 habitants", "1.5 million inhabitants", []string{"1 500 000"}},
		{"no numbers", "Le sommet s'est achevé.", "The summit ended.", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := missingNumbers(tt.src, tt.out); !slices.Equal(got, tt.want) {
				t.Errorf("missingNumbers(%q, %q) = %q, want %q", tt.src, tt.out, got, tt.want)
			}
		})
	}
}

func TestFrenchTimesKeptAsTheyWere(t *testing.T) {
	tests := []struct{ src, out string }{
		{"La fête commence à 20h45.", "The party begins to the 20h45."},
		{"Rendez-vous à 11h au stade.", "Appointment at 11h in the stadium."},
		{"Coup d'envoi à 22h00.", "Kick-off at 22h00."},
	}
	for _, tt := range tests {
		if got := missingNumbers(tt.src, tt.out); len(got) != 0 {
			t.Errorf("missingNumbers(%q, %q) = %q, want none", tt.src, tt.out, got)
		}
	}
	if got := missingNumbers("Coup d'envoi à 22h00.", "Kick-off at 21h00."); len(got) == 0 {
		t.Errorf("a changed hour was not reported")
	}
}

// sameNumericMatches compares findAllNumeric and replaceAllNumeric with the
// regexp package run on the whole of s.
func sameNumericMatches(t *testing.T, s string) {
	t.Helper()
	for _, re := range []*regexp.Regexp{number, frenchTime, frenchDate} {
		want := re.FindAllStringSubmatchIndex(s, -1)
		if got := findAllNumeric(re, s); !slices.EqualFunc(got, want, slices.Equal) {
			t.Errorf("findAllNumeric(%s, %q) = %v, want %v", re, s, got, want)
		}
		if got, want := replaceAllNumeric(re, s, nil), re.ReplaceAllString(s, " "); got != want {
			t.Errorf("replaceAllNumeric(%s, %q) = %q, want %q", re, s, got, want)
		}
	}
}

func TestFindAllNumericMatchesTheRegexp(t *testing.T) {
	texts := []string{
		"", "1", "a1b", "le 25/04/2019 à 14h30, 1 500 000 habitants", "en 2019 250 personnes", "3,5 % et 1.000,25",
		"1\u00a0000 et 25\u202f000", "h1 1h 12h 12 h 05 x12h30y", "_12_ 12_ é12é 1.2.3.4 /12/ ..1..",
		"2019hausse", "25/04/2019/2020", " 25 ", "a 3, b", "x1.\u00a0", "\u202f12\u202fh", "1 000 . ", "12 . 5", "1,5,", "9 h 05h", "\xe2\x80" + "12", "12\xe2\x80", "€12 12€ «12» ‹1 000›",
	}
	raw, err := os.ReadFile("testdata/newstest2012-fr-en.tsv")
	if err != nil {
		t.Fatal(err)
	}
	texts = append(texts, strings.Split(string(raw), "\n")...)
	texts = append(texts, realisticTexts(t)...)
	for _, s := range texts {
		sameNumericMatches(t, s)
	}
}

func FuzzFindAllNumeric(f *testing.F) {
	for _, s := range []string{"le 25/04/2019 à 14h30", "1 500 000 habitants", "3,5 % et 1.000,25", "x12h30y 9 h 05"} {
		f.Add(s)
	}
	f.Fuzz(sameNumericMatches)
}

func TestOrdinals(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want []string
	}{
		{"the 18th, 19TH and 20th", []string{"18", "19", "20"}},
		{"May 1st, the 2nd, the 3rd, the 04th", []string{"1", "2", "3", "4"}},
		{"18 th, 18the, x18th, 18", nil},
		{"", nil},
		{"7t", nil},
	} {
		if got := ordinals(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("ordinals(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
