package article

import (
	"os"
	"reflect"
	"strings"
	"testing"
)

func TestSentences(t *testing.T) {
	tests := []struct {
		name string
		text string
		want []string
	}{
		{"empty", "", nil},
		{"blank", " \n\t\n ", nil},
		{"no final stop", "Une phrase sans point", []string{"Une phrase sans point"}},
		{"two plain", "Il pleut. Il vente.", []string{"Il pleut.", "Il vente."}},
		{"French title M.", "M. Poutine a reçu MM. Kim et Moon. Ils ont parlé.",
			[]string{"M. Poutine a reçu MM. Kim et Moon.", "Ils ont parlé."}},
		{"Mme Mlle Dr", "Mme. Durand, Mlle. Roux et le Dr. House sont là. Fin.",
			[]string{"Mme. Durand, Mlle. Roux et le Dr. House sont là.", "Fin."}},
		{"English titles", "Mr. and Mrs. Smith moved to St. Louis. They liked it.",
			[]string{"Mr. and Mrs. Smith moved to St. Louis.", "They liked it."}},
		{"dotted acronym", "The U.S. President spoke. Then he left.",
			[]string{"The U.S. President spoke.", "Then he left."}},
		{"etc. mid-sentence", "Des pommes, des poires, etc. et des noix. Puis rien.",
			[]string{"Des pommes, des poires, etc. et des noix.", "Puis rien."}},
		{"etc. at the end", "Des pommes, des poires, etc. Puis rien.",
			[]string{"Des pommes, des poires, etc.", "Puis rien."}},
		{"etc. in brackets", "Des fruits (pommes, poires, etc.), et du pain. Fin.",
			[]string{"Des fruits (pommes, poires, etc.), et du pain.", "Fin."}},
		{"month before year", "Le sommet s'est tenu le 25 avr. 2019 à Vladivostok. Il a duré un jour.",
			[]string{"Le sommet s'est tenu le 25 avr. 2019 à Vladivostok.", "Il a duré un jour."}},
		{"page number", "Voir p. 12 du rapport. Merci.", []string{"Voir p. 12 du rapport.", "Merci."}},
		{"year ends sentence", "Elle est née en 1990. 2019 fut son année.",
			[]string{"Elle est née en 1990.", "2019 fut son année."}},
		{"percent and decimals", "La croissance est de 3,5 % en 2019. Elle était de 3.5 avant. Soit 41.000 emplois.",
			[]string{"La croissance est de 3,5 % en 2019.", "Elle était de 3.5 avant.", "Soit 41.000 emplois."}},
		{"initials", "J. K. Rowling a écrit Harry Potter. Il a plu.",
			[]string{"J. K. Rowling a écrit Harry Potter.", "Il a plu."}},
		{"Jesus Christ era", "Fondée en 52 av. J.-C. par les Romains. Puis détruite.",
			[]string{"Fondée en 52 av. J.-C. par les Romains.", "Puis détruite."}},
		{"ellipsis char then capital", "Il hésite… Puis il part.", []string{"Il hésite…", "Puis il part."}},
		{"ellipsis char mid-sentence", "Il hésite… puis il part.", []string{"Il hésite… puis il part."}},
		{"three dots", "Il hésite... Puis il part.", []string{"Il hésite...", "Puis il part."}},
		{"cut in quotation", "« J'avais en tête [...] Une rumeur » dit-il. Fin.",
			[]string{"« J'avais en tête [...] Une rumeur » dit-il.", "Fin."}},
		{"guillemets after full stop", "Il a dit : « Nous viendrons. » Puis il est parti.",
			[]string{"Il a dit : « Nous viendrons. »", "Puis il est parti."}},
		{"spaced guillemet", "Il a dit : « Nous viendrons . » Puis il est parti.",
			[]string{"Il a dit : « Nous viendrons . »", "Puis il est parti."}},
		{"no-break spaces", "Il a dit\u00a0: «\u00a0Nous viendrons.\u00a0» Puis\u00a0?",
			[]string{"Il a dit\u00a0: «\u00a0Nous viendrons.\u00a0»", "Puis\u00a0?"}},
		{"English quotes", `He said "we will come." Then he left.`,
			[]string{`He said "we will come."`, "Then he left."}},
		{"curly quotes", "He said “we will come.” Then he left.",
			[]string{"He said “we will come.”", "Then he left."}},
		{"French question", "Pourquoi maintenant ? Julie connaît son père.",
			[]string{"Pourquoi maintenant ?", "Julie connaît son père."}},
		{"French exclamation", "Quelle surprise ! Nul ne l'attendait.",
			[]string{"Quelle surprise !", "Nul ne l'attendait."}},
		{"spaced ?!", "Vraiment ? ! Oui.", []string{"Vraiment ? !", "Oui."}},
		{"question inside quote", "« Pourquoi ? » demande-t-il. Silence.",
			[]string{"« Pourquoi ? » demande-t-il.", "Silence."}},
		{"glued after lower case", "Acquis l'existence.Pourquoi maintenant ? En 2017.L'OMS a réagi.",
			[]string{"Acquis l'existence.", "Pourquoi maintenant ?", "En 2017.", "L'OMS a réagi."}},
		{"glued after quote", `C'est "notre réflexion."Lundi, il a parlé.`,
			[]string{`C'est "notre réflexion."`, "Lundi, il a parlé."}},
		{"glued abbreviation holds", "M.Macron arrive à U.S.Army. Fin.",
			[]string{"M.Macron arrive à U.S.Army.", "Fin."}},
		{"domain name", "Lisez actu.orange.fr demain. Fin.", []string{"Lisez actu.orange.fr demain.", "Fin."}},
		{"title line", "Premier sommet Poutine-Kim\n\nLe sommet s'est achevé.",
			[]string{"Premier sommet Poutine-Kim", "Le sommet s'est achevé."}},
		{"line break before capital", "Titre\nLe texte.", []string{"Titre", "Le texte."}},
		{"hard-wrapped line", "Le texte continue\nsur la ligne suivante.", []string{"Le texte continue\nsur la ligne suivante."}},
		{"blank line before lower case", "fin du paragraphe.\n\ndébut du suivant.",
			[]string{"fin du paragraphe.", "début du suivant."}},
		{"sentence-final me", "Give it to me. Now.", []string{"Give it to me.", "Now."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Sentences(tt.text)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Sentences(%q)\n got %q\nwant %q", tt.text, got, tt.want)
			}
		})
	}
}

// TestSentencesSeed checks the seed article, whose paragraphs are separated by
// blank lines and whose sentences carry dates, names and guillemets.
func TestSentencesSeed(t *testing.T) {
	b, err := os.ReadFile("../testdata/poutine-kim-vladivostok.fr.txt")
	if err != nil {
		t.Fatal(err)
	}
	got := Sentences(string(b))
	if len(got) < 14 {
		t.Fatalf("got %d sentences, want at least 14 (title, 12 in the body, boilerplate)", len(got))
	}
	if want := "Premier sommet Poutine-Kim pour raviver des liens «historiques»"; got[0] != want {
		t.Errorf("first sentence: got %q, want %q", got[0], want)
	}
	if want := "Le sommet inédit entre Kim Jong-Un et Vladimir Poutine s’est achevé jeudi 25 avril à Vladivostok, ville portuaire de l’Extrême-Orient russe."; got[1] != want {
		t.Errorf("second sentence: got %q, want %q", got[1], want)
	}
	for i, s := range got {
		if strings.TrimSpace(s) != s || s == "" {
			t.Errorf("sentence %d %q is not trimmed or is empty", i, s)
		}
		if !strings.Contains(string(b), s) {
			t.Errorf("sentence %d %q is not a substring of the text", i, s)
		}
	}
}

func BenchmarkSentences(b *testing.B) {
	text, err := os.ReadFile("../testdata/poutine-kim-vladivostok.fr.txt")
	if err != nil {
		b.Fatal(err)
	}
	s := string(text)
	b.SetBytes(int64(len(s)))
	for b.Loop() {
		Sentences(s)
	}
}
