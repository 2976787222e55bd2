package language

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// readParagraphs reads a testdata file of paragraphs separated by blank lines.
func readParagraphs(t *testing.T, name string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatalf("read fixture: %v", err)
	}
	var paras []string
	for _, p := range strings.Split(string(b), "\n\n") {
		if p = strings.TrimSpace(p); p != "" {
			paras = append(paras, p)
		}
	}
	if len(paras) == 0 {
		t.Fatalf("%s: no paragraph", name)
	}
	return paras
}

// TestDetectParagraphs checks every fixture paragraph: a paragraph of 100
// letters or more must be recognised, a shorter one (a subtitle) may also be
// left undecided, but never given another language.
func TestDetectParagraphs(t *testing.T) {
	d := NewDetector(Options{})
	for _, lang := range DefaultLanguages() {
		for i, p := range readParagraphs(t, lang+".txt") {
			got, conf := d.Detect(p)
			if got == lang || (got == "" && countLetters(p) < 100) {
				continue
			}
			t.Errorf("%s paragraph %d: Detect = %q (%.2f), want %q\n%s", lang, i+1, got, conf, lang, p)
		}
	}
}

func TestDetect(t *testing.T) {
	d := NewDetector(Options{})
	tests := []struct {
		name, text, want string
	}{
		{"French sentence", "Le président russe et le dirigeant nord-coréen ont conversé pendant plusieurs heures de la situation dans la péninsule.", "fr"},
		{"English sentence", "The Russian president and the North Korean leader talked for several hours about the situation on the peninsula.", "en"},
		{"Spanish sentence", "El presidente ruso y el líder norcoreano conversaron durante varias horas sobre la situación en la península.", "es"},
		{"French with English quotes",
			"Le candidat a conclu son discours par un « Yes we can » repris en chœur par la salle, avant de promettre « a new beginning » aux électeurs de l'Ohio qui l'attendaient depuis le matin.", "fr"},
		{"English with a French quote",
			"The minister said the reform would go ahead, adding that « la rue ne gouverne pas » before leaving the press conference without taking any questions from reporters.", "en"},
		{"English listing Spanish names",
			"Xabi Alonso follows them with 91, Fernando Torres, with 90, David Villa and Sergio Ramos, both with 81, Andres Iniesta, with 62, Cesc Fabregas, with 61, and David Silva, with 53.", "en"},
		{"English with German names",
			"The Bundesliga players Danijel Pranjic (Bayern Munich) and Gordon Schildenfeld (Eintracht Frankfurt) were on the field alongside Mario Mandzukic from VfL Wolfsburg.", "en"},
		{"short", "Merci beaucoup", ""},
		{"short English", "Thank you all", ""},
		{"ambiguous loanwords", "Le week-end du marketing", ""},
		{"names only", "Kim Jong-un, Vladimir Poutine, Vladivostok", ""},
		{"headline of names", "Vladimir Putin Meets Kim Jong Un In Vladivostok", ""},
		{"numbers only", "2019 - 25,3 % - 1 000 000 - 14h30 - 3.5", ""},
		{"empty", "", ""},
		{"URL", "https://www.lemonde.fr/international/article/2019/04/25/premier-sommet-poutine-kim.html", ""},
		{"Cyrillic", "Владимир Путин и Ким Чен Ын провели переговоры во Владивостоке в четверг утром.", ""},
		{"mixed half and half",
			"Le sommet s'est achevé jeudi. The summit ended on Thursday.", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, conf := d.Detect(tt.text)
			if got != tt.want {
				t.Errorf("Detect(%q) = %q (%.2f), want %q", tt.text, got, conf, tt.want)
			}
		})
	}
}

func TestDetectMixedParagraphFollowsItsMajority(t *testing.T) {
	d := NewDetector(Options{})
	fr := readParagraphs(t, "fr.txt")
	en := readParagraphs(t, "en.txt")
	// A French paragraph with one English sentence quoted at its end is still French.
	text := fr[0] + " " + `"We will not give up," he said.`
	if got, conf := d.Detect(text); got != "fr" {
		t.Errorf("French paragraph with an English quote: Detect = %q (%.2f), want fr", got, conf)
	}
	text = en[0] + " " + "« Nous ne lâcherons rien », a-t-il dit."
	if got, conf := d.Detect(text); got != "en" {
		t.Errorf("English paragraph with a French quote: Detect = %q (%.2f), want en", got, conf)
	}
}

func TestOptions(t *testing.T) {
	fr := "Le président russe et le dirigeant nord-coréen ont conversé pendant plusieurs heures de la situation dans la péninsule."
	tests := []struct {
		name string
		opts Options
		text string
		want string
	}{
		{"only English and Spanish: French is not an answer", Options{Languages: []string{"en", "es"}, MinConfidence: 0.99}, fr, ""},
		{"unknown codes fall back to the defaults", Options{Languages: []string{"xx", "tlh"}}, fr, "fr"},
		{"codes are trimmed and folded", Options{Languages: []string{" FR ", "En"}}, fr, "fr"},
		{"MinLetters raised above the text", Options{MinLetters: 500}, fr, ""},
		{"MinLetters lowered", Options{MinLetters: 5}, "Le chat est sur la table", "fr"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, conf := NewDetector(tt.opts).Detect(tt.text)
			if got != tt.want {
				t.Errorf("Detect = %q (%.2f), want %q", got, conf, tt.want)
			}
		})
	}
}

func TestSignal(t *testing.T) {
	tests := []struct {
		text, want string
	}{
		{"Le sommet entre Kim Jong-un et Vladimir Poutine s'est achevé.", "Le sommet entre et s'est achevé."},
		{"L'OTAN et la SNCF. Puis l'ONU.", "et la Puis l'ONU."},
		{"Il a dit : « Nous verrons » à Paris.", "Il a dit Nous verrons à"},
		{"Voir https://example.org/a ou écrire à contact@example.org.", "Voir ou écrire à"},
		{"25 000 euros, 14h30", "euros, 14h30"},
		// After an initial comes a name, not a sentence.
		{"Selon J. Dupont, rien. Ensuite la suite.", "Selon rien. Ensuite la suite."},
		{"EFFECTIFSY. WissaT. FontaineJ. LaporteJ. Le GoffP. Abergel", "WissaT."},
	}
	for _, tt := range tests {
		got, _ := signal(tt.text)
		if got != tt.want {
			t.Errorf("signal(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
}

func TestFunctionWordsBelongToOneLanguage(t *testing.T) {
	seen := map[string]string{}
	for lang, words := range functionWords {
		for _, w := range words {
			if other, ok := seen[w]; ok {
				t.Errorf("%q is a function word of both %s and %s", w, other, lang)
			}
			seen[w] = lang
		}
	}
}

func TestContradicts(t *testing.T) {
	tests := []struct {
		text, lang string
		want       bool
	}{
		{"At least they don't drop cigarette ends on your magnificent carpet", "fr", true},
		{"At least they don't drop cigarette ends on your magnificent carpet", "en", false},
		{"the cat", "fr", false}, // two votes are not enough
		{"Le chat et le chien sont dans le jardin avec the dog", "fr", false},
	}
	for _, tt := range tests {
		if got := contradicts(functionWordVotes(tt.text), tt.lang); got != tt.want {
			t.Errorf("contradicts(%q, %s) = %v, want %v", tt.text, tt.lang, got, tt.want)
		}
	}
}

// TestDetectOtherAgreesWithDetect: DetectOther answers another language
// exactly when Detect does, and the same one.
func TestDetectOtherAgreesWithDetect(t *testing.T) {
	d := NewDetector(Options{})
	var texts []string
	for _, lang := range DefaultLanguages() {
		for _, p := range readParagraphs(t, lang+".txt") {
			texts = append(texts, p)
			texts = append(texts, strings.SplitAfter(p, ". ")...)
		}
	}
	texts = append(texts, "", "Vladimir Poutine", "The minister said that « la rue ne gouverne pas » before leaving.")
	for _, text := range texts {
		got, gotConf := d.Detect(text)
		for _, lang := range DefaultLanguages() {
			other, conf := d.DetectOther(text, lang)
			if got != lang && got != "" {
				if other != got || conf != gotConf {
					t.Errorf("DetectOther(%q, %s) = %q %v, Detect %q %v", text, lang, other, conf, got, gotConf)
				}
			} else if other != "" {
				t.Errorf("DetectOther(%q, %s) = %q, Detect %q: want \"\"", text, lang, other, got)
			}
		}
	}
}
