package checks

import (
	"slices"
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
