package article

import (
	"testing"

	"golang.org/x/text/unicode/norm"
)

func TestNormalize(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"empty", "", ""},
		{"only white space", " \t\n\u00a0\r\n \ufeff\n", ""},
		{"plain text unchanged", "Le sommet inédit s’est achevé.", "Le sommet inédit s’est achevé."},
		{"case and punctuation kept", "DÉJÀ vu ?! « Non » — (oui)…", "DÉJÀ vu ?! « Non » — (oui)…"},

		{"NFD becomes NFC", "e\u0301te\u0301 a\u0300 Pyongyang", "été à Pyongyang"},
		{"NFD capital", "E\u0301TE\u0301", "ÉTÉ"},
		{"mark joins its letter once a zero-width space is gone", "e\u200b\u0301", "é"},

		{"CRLF", "a\r\nb\r\n\r\nc", "a\nb\n\nc"},
		{"lone CR", "a\rb\r\rc", "a\nb\n\nc"},
		{"line separator", "a\u2028b", "a\nb"},
		{"paragraph separator", "a\u2029b", "a\n\nb"},

		{"tab becomes a space", "a\tb", "a b"},
		{"run of spaces and tabs", "a  \t \tb", "a b"},
		{"other Unicode spaces", "a\u2009b\u3000\u2003c", "a b c"},
		{"indentation folded to one space", "a\n    b", "a\n b"},

		{"lone NBSP kept", "« historiques »", "« historiques »"},
		{"lone narrow NBSP kept", "Pourquoi\u202f? 20\u202f%", "Pourquoi\u202f? 20\u202f%"},
		{"NBSP run folds to the NBSP", "«\u00a0\u00a0dialogue \u00a0 significatif", "«\u00a0dialogue\u00a0significatif"},
		{"narrow NBSP in a run kept", "vrai \u202f?", "vrai\u202f?"},
		{"first no-break space of a run kept", "a\u202f\u00a0b", "a\u202fb"},

		{"BOM removed", "\ufeffPremier sommet", "Premier sommet"},
		{"zero-width space removed", "Vladi\u200bvostok", "Vladivostok"},
		{"zero-width space inside a run", "a \u200b b", "a b"},
		{"word joiner removed", "a\u2060b", "ab"},
		{"soft hyphen removed", "nord-coré\u00adennes", "nord-coréennes"},

		{"trailing spaces per line", "a  \nb\t\nc\u00a0\u00a0\nd", "a\nb\nc\nd"},
		{"line of spaces is blank", "a\n \t \nb", "a\n\nb"},
		{"leading and trailing blank lines", "\n\n  \nA\nB\n\n \n", "A\nB"},
		{"run of blank lines folded", "A\n\n\n\n\nB", "A\n\nB"},
		{"leading white space on first line folded", "  \tA", " A"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Normalize(tt.in)
			if got != tt.want {
				t.Errorf("Normalize(%+q) = %+q, want %+q", tt.in, got, tt.want)
			}
			if !norm.NFC.IsNormalString(got) {
				t.Errorf("Normalize(%+q) = %+q is not NFC", tt.in, got)
			}
			if again := Normalize(got); again != got {
				t.Errorf("Normalize is not idempotent: Normalize(%+q) = %+q", got, again)
			}
		})
	}
}

// Texts that differ only by what Normalize folds must give the same cache key.
func TestNormalizeEquivalentInputs(t *testing.T) {
	const nfc = "Le président russe a dit s’attendre à «\u00a0un dialogue\u00a0».\n\nAucun accord n’est prévu."
	variants := map[string]string{
		"NFD":               norm.NFD.String(nfc),
		"CRLF":              "Le président russe a dit s’attendre à «\u00a0un dialogue\u00a0».\r\n\r\nAucun accord n’est prévu.",
		"BOM and blanks":    "\ufeff\n\nLe président russe a dit s’attendre à «\u00a0un dialogue\u00a0».\n\n\n\nAucun accord n’est prévu.\n\n",
		"spaces and tabs":   "Le  président\trusse a dit s’attendre à « \u00a0un dialogue\u00a0 ».   \n \nAucun  accord n’est prévu.\t",
		"zero-width spaces": "Le pré\u200bsident russe a dit s’attendre à «\u00a0un dialogue\u00a0».\n\nAucun accord n’est\u200b prévu.",
	}
	want := Normalize(nfc)
	if want != nfc {
		t.Fatalf("Normalize(%+q) = %+q, want it unchanged", nfc, want)
	}
	for name, in := range variants {
		t.Run(name, func(t *testing.T) {
			if got := Normalize(in); got != want {
				t.Errorf("Normalize(%+q) = %+q, want %+q", in, got, want)
			}
		})
	}
}
