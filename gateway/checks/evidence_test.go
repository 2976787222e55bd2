package checks

import (
	"errors"
	"path/filepath"
	"testing"

	"passerelle/article/language"
)

// TestWrongLanguageUntranslatedWords: an English output with a few French
// words the engine left is English, though the detector reads some such
// sentences as French; a French output with a few English words is not.
func TestWrongLanguageUntranslatedWords(t *testing.T) {
	det := language.NewDetector(language.Options{})
	tests := []struct {
		name, src, out string
		want           string // failed check, "" for none
	}{
		{"two French words left", "Pour ses proches, elle restera une âme bienveillante, un esprit salvateur.",
			"A soul bienveillante, a spirit salvateur: so his relatives remember him.", ""},
		{"two French words left at the end", "Ses proches se souviennent de lui : une âme bienveillante, un esprit salvateur.",
			"So his relatives remember him: a soul bienveillante, a spirit salvateur.", ""},
		{"French words with accents left", "Ils ont salué une personnalité attachante, une figure incontournable.",
			"They praised a personnalité attachante, a figure incontournable.", ""},
		{"French words left, as Apertium leaves them", "Pour tous ceux qui l'ont connue, elle restera une âme bienveillante, un esprit salvateur.",
			"For all those that have known it, will remain a soul bienveillante, a spirit salvateur.", ""},

		{"French with two English words", "Le gouvernement a présenté son plan de relance, qui changera tout pour l'économie du pays.",
			"Le gouvernement a présenté son plan de relance, un vrai game changer pour l'économie du pays.", CheckWrongLanguage},
		{"French with two English words and elisions", "Selon le ministre, c'est une réforme indispensable pour les entreprises.",
			"Selon le ministre, c'est une réforme must have pour les entreprises du secteur.", CheckWrongLanguage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Segment(tt.src, tt.out, "fr", "en", det)
			var got string
			var f *Failure
			if errors.As(err, &f) {
				got = f.Check
			}
			if got != tt.want {
				lang, conf := det.Detect(tt.out)
				t.Errorf("Segment failed check %q (%v), want %q; the detector reads %q at %.2f", got, err, tt.want, lang, conf)
			}
		})
	}
}

func TestBearsOut(t *testing.T) {
	for _, tt := range []struct {
		out, lang, target string
		want              bool
	}{
		{"A soul bienveillante, a spirit salvateur: so his relatives remember him.", "fr", "en", false},
		{"Le président parle de the plan.", "fr", "en", true},
		{"Le plan of the president.", "fr", "en", false},
		{"Le plan of président.", "fr", "en", true}, // as many: French
		{"The president spoke of the plan de relance.", "fr", "en", false},
		{"Il n'a pas parlé.", "fr", "en", true},
		{"I'm sure John's car isn't there.", "fr", "en", false},
		{"Qu’il parte, c’est mieux.", "fr", "en", true},
		{"A soul bienveillante, a spirit salvateur.", "fr", "de", false},
		{"Une âme bienveillante.", "fr", "de", true},
		{"Any text at all.", "es", "en", true}, // only French verdicts are weighed
		// Letters glued to digits are no words: "Au" and "Ce" are not read
		// in a code or in garbage.
		{"ABA chAAAABA0Au0AAAAAAA0Ce0AA0AA0AAAAAAAAon0C0BAAAAiqux.Aa. AA", "fr", "en", false},
		{"Ref. 12Le3 and 4de5.", "fr", "en", false},
		{"Au 25e jour, ce fut le 3e.", "fr", "en", true},
	} {
		if got := bearsOut(tt.out, tt.lang, tt.target); got != tt.want {
			t.Errorf("bearsOut(%q, %s, %s) = %v, want %v", tt.out, tt.lang, tt.target, got, tt.want)
		}
	}
}

// TestFrenchEvidenceCorpus: the French sentences and paragraphs of the WMT
// corpus (-corpus flag) that the detector reads as French, and long enough
// for the language check, show French words (bearsOut): an output left in
// French still fails. At most one in a thousand may not.
//
//	go test ./gateway/checks -run FrenchEvidenceCorpus -v -corpus ../shared/corpus
func TestFrenchEvidenceCorpus(t *testing.T) {
	if *corpusDir == "" {
		t.Skip("no -corpus folder given")
	}
	det := language.NewDetector(language.Options{})
	read, borne := 0, 0
	for _, year := range []string{"2012", "2013"} {
		sents, paras := readWMTUnits(t, filepath.Join(*corpusDir, "mt", "newstest"+year+"-src.fr.sgm"))
		for _, s := range append(sents, paras...) {
			if CountLetters(s) < MinLanguageLetters {
				continue
			}
			if lang, _ := detectOther(det, s, "en"); lang != "fr" {
				continue
			}
			read++
			if bearsOut(s, "fr", "en") {
				borne++
			} else {
				t.Logf("no French words: %s", s)
			}
		}
	}
	t.Logf("%d French sentences and paragraphs read as French, %d with French words to bear it out", read, borne)
	if read < 5000 || (read-borne)*1000 > read {
		t.Errorf("French words bear out %d of %d French texts, want all but one in a thousand (and at least 5000 texts)", borne, read)
	}
}
