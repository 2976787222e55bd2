package checks

import (
	"strings"
	"testing"
	"unicode"
)

func TestEnglishNumbers(t *testing.T) {
	for _, tt := range []struct{ src, out, want string }{
		// What Apertium leaves.
		{"Le prix est de 12,5 millions d'euros.", "The prize is 12,5 million euros.", "The prize is 12.5 million euros."},
		{"La ville compte 12 000 habitants.", "The city has 12 000 inhabitants.", "The city has 12,000 inhabitants."},
		{"La ville compte 12\u00a0000 habitants.", "The city has 12 000 inhabitants.", "The city has 12,000 inhabitants."},
		{"La ville compte 12\u202f000 habitants.", "The city has 12\u202f000 inhabitants.", "The city has 12,000 inhabitants."},
		{"Un total de 1 234 567,89 euros.", "A total of 1 234 567,89 euros.", "A total of 1,234,567.89 euros."},
		{"Une hausse de 3,5 % en 2023.", "A rise of 3,5% in 2023.", "A rise of 3.5% in 2023."},
		{"Entre 2,5 et 3,75 mètres.", "Between 2,5 and 3,75 metres.", "Between 2.5 and 3.75 metres."},
		// What an LLM writes: already English.
		{"Le prix est de 12,5 millions d'euros.", "The price is 12.5 million euros.", "The price is 12.5 million euros."},
		{"La ville compte 12 500 habitants.", "The city has 12,500 inhabitants.", "The city has 12,500 inhabitants."},
		// A comma between digits the source does not have is the output's own.
		{"La ville compte 1500 habitants.", "The city has 1,500 inhabitants.", "The city has 1,500 inhabitants."},
		// Three digits after the comma: an English thousands separator as
		// often as a French decimal, left alone.
		{"Il pèse 1,500 kg.", "It weighs 1,500 kg.", "It weighs 1,500 kg."},
		{"« We raised $2,500 in 24 hours », a écrit l'association.", `"We raised $2,500 in 24 hours," the association wrote.`, `"We raised $2,500 in 24 hours," the association wrote.`},
		// A phone number.
		{"Appelez le 0 800 130 000.", "Call 0 800 130 000.", "Call 0 800 130 000."},
		// A registration number in groups (Apertium keeps it as it is).
		{"Le numéro SIRET 123 456 789 00012.", "The number SIRET 123 456 789 00012.", "The number SIRET 123 456 789 00012."},
		{"Le SIRET 00012 123 456 789.", "The SIRET 00012 123 456 789.", "The SIRET 00012 123 456 789."},
		// No number in French style: nothing to do.
		{"En 2019, 250 personnes.", "In 2019, 250 people.", "In 2019, 250 people."},
		{"Le 14 juillet 1789.", "On 14 July 1789.", "On 14 July 1789."},
		// A full stop in a French number: unsure, left alone.
		{"Il a gagné 1.234 euros.", "He won 1.234 euros.", "He won 1.234 euros."},
		// An LLM's right answer is not made wrong.
		{"De 12 345 à 12,3456 tonnes.", "From 12,345 to 12.3456 tonnes.", "From 12,345 to 12.3456 tonnes."},
		{"De 12 345 à 12,3456 tonnes.", "From 12 345 to 12,3456 tonnes.", "From 12,345 to 12.3456 tonnes."},
		// Only whole numbers: "12,5" inside "112,5" is another number.
		{"Il a 12,5 ans.", "He has 112,5 years and 12,5 months.", "He has 112,5 years and 12.5 months."},
	} {
		if got := EnglishNumbers(tt.src, tt.out); got != tt.want {
			t.Errorf("EnglishNumbers(%q, %q) = %q, want %q", tt.src, tt.out, got, tt.want)
		}
	}
}

// TestEnglishNumbersKeepsTheNumbers: the rewritten output passes the
// numbers check whenever the output did.
func TestEnglishNumbersKeepsTheNumbers(t *testing.T) {
	src := "Le budget de 1 234 567,89 euros, en hausse de 3,5 %, finance 12 000 logements."
	out := "The budget of 1 234 567,89 euros, up 3,5%, funds 12 000 homes."
	if missing := missingNumbers(src, EnglishNumbers(src, out)); len(missing) > 0 {
		t.Errorf("numbers missing after the rewrite: %q", missing)
	}
}

func FuzzEnglishNumbers(f *testing.F) {
	f.Add("Le prix est de 12,5 millions.", "The prize is 12,5 million.")
	f.Add("La ville compte 1 234 567,89 habitants.", "The city has 1 234 567,89 inhabitants.")
	f.Add("3,5 %", "3,5% and 12 000")
	f.Fuzz(func(t *testing.T, src, out string) {
		got := EnglishNumbers(src, out)
		// Idempotent, and only digits' separators change: the letters and
		// other marks of the output stay as they were, in order.
		if again := EnglishNumbers(src, got); again != got {
			t.Errorf("not idempotent: %q then %q", got, again)
		}
		keep := func(s string) string {
			return strings.Map(func(r rune) rune {
				if unicode.IsDigit(r) || r == ',' || r == '.' || isFrenchSpace(r) {
					return -1
				}
				return r
			}, s)
		}
		if keep(got) != keep(out) {
			t.Errorf("EnglishNumbers(%q, %q) = %q changed more than separators", src, out, got)
		}
	})
}
