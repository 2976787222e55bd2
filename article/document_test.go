package article

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const seedPath = "../testdata/poutine-kim-vladivostok.fr.txt"

func readFile(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	return string(b)
}

func TestParseSeed(t *testing.T) {
	doc := Parse("", readFile(t, seedPath))

	if want := "Premier sommet Poutine-Kim pour raviver des liens «historiques»"; doc.Title != want {
		t.Errorf("Title = %q, want %q", doc.Title, want)
	}
	if got, want := len(doc.Paragraphs), 6; got != want {
		t.Fatalf("got %d paragraphs, want %d:\n%s", got, want, strings.Join(doc.Paragraphs, "\n"))
	}
	if first := doc.Paragraphs[0]; !strings.HasPrefix(first, "Le sommet inédit") {
		t.Errorf("first paragraph = %q, want it to start with %q", first, "Le sommet inédit")
	}
	if last := doc.Paragraphs[5]; !strings.HasSuffix(last, "en 2011.") {
		t.Errorf("last paragraph = %q, want it to end with %q", last, "en 2011.")
	}
	for i, p := range doc.Paragraphs {
		if strings.Contains(p, "cookies") || strings.Contains(p, "commentaires") {
			t.Errorf("paragraph %d is boilerplate: %q", i, p)
		}
	}
}

func TestParseSeedGivenTitle(t *testing.T) {
	text := readFile(t, seedPath)
	title, body, _ := strings.Cut(text, "\n\n")

	t.Run("title given apart", func(t *testing.T) {
		doc := Parse(" "+title+"\r\n", body)
		if doc.Title != title {
			t.Errorf("Title = %q, want %q", doc.Title, title)
		}
		if got, want := len(doc.Paragraphs), 6; got != want {
			t.Errorf("got %d paragraphs, want %d", got, want)
		}
	})
	t.Run("title given and repeated in the text", func(t *testing.T) {
		doc := Parse(title, text)
		if doc.Title != title {
			t.Errorf("Title = %q, want %q", doc.Title, title)
		}
		if got, want := len(doc.Paragraphs), 6; got != want {
			t.Errorf("got %d paragraphs, want %d: the repeated title should be dropped", got, want)
		}
	})
}

func TestParse(t *testing.T) {
	long := strings.Repeat("mot ", 60) + "fin" // 243 runes, no final stop
	tests := []struct {
		name  string
		title string
		text  string
		want  Document
	}{
		{
			name: "empty",
			want: Document{Paragraphs: []string{}},
		},
		{
			name: "blank lines separate paragraphs, wrapped lines are joined",
			text: "Un titre court\n\nLe président russe et le dirigeant\nnord-coréen ont discuté.\n\nAucun communiqué\n  n'est prévu.\n",
			want: Document{Title: "Un titre court", Paragraphs: []string{
				"Le président russe et le dirigeant nord-coréen ont discuté.",
				"Aucun communiqué n'est prévu.",
			}},
		},
		{
			name: "no blank line: one paragraph per line",
			text: "Un titre court\nPremier paragraphe.\n\tDeuxième paragraphe.\nTroisième paragraphe.",
			want: Document{Title: "Un titre court", Paragraphs: []string{
				"Premier paragraphe.", "Deuxième paragraphe.", "Troisième paragraphe.",
			}},
		},
		{
			name: "CRLF with blank lines",
			text: "Un titre\r\n\r\nLigne une\r\nligne deux.\r\n\r\nFin.\r\n",
			want: Document{Title: "Un titre", Paragraphs: []string{"Ligne une ligne deux.", "Fin."}},
		},
		{
			name: "single line is a paragraph, not a title",
			text: "Un titre sans rien après",
			want: Document{Paragraphs: []string{"Un titre sans rien après"}},
		},
		{
			name: "first block ending with a stop is not a title",
			text: "Le sommet s'est achevé.\n\nAucun accord.",
			want: Document{Paragraphs: []string{"Le sommet s'est achevé.", "Aucun accord."}},
		},
		{
			name: "question is not a title",
			text: "Pourquoi le chômage reste-t-il si élevé ?\n\nLes chiffres.",
			want: Document{Paragraphs: []string{"Pourquoi le chômage reste-t-il si élevé ?", "Les chiffres."}},
		},
		{
			name: "stop before closing quote is not a title",
			text: "Il a dit «\u00a0non.\u00a0»\n\nSuite.",
			want: Document{Paragraphs: []string{"Il a dit «\u00a0non.\u00a0»", "Suite."}},
		},
		{
			name: "ellipsis is not a title",
			text: "Et pourtant…\n\nSuite.",
			want: Document{Paragraphs: []string{"Et pourtant…", "Suite."}},
		},
		{
			name: "closing quote without stop is a title",
			text: "Hazard: \"Que du bonheur\"\n\nSuite.",
			want: Document{Title: "Hazard: \"Que du bonheur\"", Paragraphs: []string{"Suite."}},
		},
		{
			name: "first block of two lines is not a title",
			text: "Un titre\nsur deux lignes\n\nSuite.",
			want: Document{Paragraphs: []string{"Un titre sur deux lignes", "Suite."}},
		},
		{
			name: "first line over 200 characters is not a title",
			text: long + "\n\nSuite.",
			want: Document{Paragraphs: []string{long, "Suite."}},
		},
		{
			name:  "given title is normalised onto one line",
			title: "\ufeffUn  titre\r\nsur deux lignes ",
			text:  "Premier paragraphe sans point\n\nSuite.",
			want: Document{Title: "Un titre sur deux lignes", Paragraphs: []string{
				"Premier paragraphe sans point", "Suite.",
			}},
		},
		{
			name:  "given title repeated as first paragraph is dropped",
			title: "Un titre",
			text:  "Un  titre\n\nSuite.",
			want:  Document{Title: "Un titre", Paragraphs: []string{"Suite."}},
		},
		{
			name:  "title only",
			title: "Un titre",
			want:  Document{Title: "Un titre", Paragraphs: []string{}},
		},
		{
			name: "boilerplate before the headline and after it",
			text: "Publicité\n\nUn titre\n\nPartager sur Facebook\n\nLe texte.\n\nLa suite.\n\nLes commentaires sont fermés.\n\nTout accepter",
			want: Document{Title: "Un titre", Paragraphs: []string{"Le texte.", "La suite."}},
		},
		{
			name: "boilerplate in the middle is kept",
			text: "Un titre\n\nLe texte.\n\nNous utilisons des cookies pour mesurer l'audience.\n\nLa suite.",
			want: Document{Title: "Un titre", Paragraphs: []string{
				"Le texte.", "Nous utilisons des cookies pour mesurer l'audience.", "La suite.",
			}},
		},
		{
			name: "one line per paragraph with a banner at the end",
			text: "Un titre\nLe texte.\nLa suite.\nCe site Web utilise des cookies pour améliorer votre expérience. Accepter\nEn savoir plus",
			want: Document{Title: "Un titre", Paragraphs: []string{"Le texte.", "La suite."}},
		},
		{
			name: "nothing but boilerplate",
			text: "Accepter\n\nTout refuser\n\nEn savoir plus",
			want: Document{Paragraphs: []string{}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Parse(tt.title, tt.text)
			if got.Title != tt.want.Title {
				t.Errorf("Title = %q, want %q", got.Title, tt.want.Title)
			}
			if !slices.Equal(got.Paragraphs, tt.want.Paragraphs) {
				t.Errorf("Paragraphs = %q, want %q", got.Paragraphs, tt.want.Paragraphs)
			}
		})
	}
}

func TestDocumentMethods(t *testing.T) {
	tests := []struct {
		name      string
		doc       Document
		wantText  string
		wantEmpty bool
		wantChars int
	}{
		{"zero", Document{}, "", true, 0},
		{"no paragraph slice", Document{Paragraphs: []string{}}, "", true, 0},
		{"title only", Document{Title: "Été"}, "", false, 3},
		{"paragraphs only", Document{Paragraphs: []string{"Déjà.", "«\u00a0Oui\u00a0»"}}, "Déjà.\n\n«\u00a0Oui\u00a0»", false, 12},
		{"title and paragraph", Document{Title: "Kim", Paragraphs: []string{"À Vladivostok."}}, "À Vladivostok.", false, 17},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.doc.Text(); got != tt.wantText {
				t.Errorf("Text() = %q, want %q", got, tt.wantText)
			}
			if got := tt.doc.Empty(); got != tt.wantEmpty {
				t.Errorf("Empty() = %v, want %v", got, tt.wantEmpty)
			}
			if got := tt.doc.Characters(); got != tt.wantChars {
				t.Errorf("Characters() = %d, want %d", got, tt.wantChars)
			}
		})
	}
}

// The fixtures are real articles laid out as title, blank line, paragraphs
// separated by blank lines: Parse must give every one of them back, in order.
func TestParseKeepsCorpusFixtures(t *testing.T) {
	paths, err := filepath.Glob("testdata/newstest2012-*.fr.txt")
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) < 4 {
		t.Fatalf("found %d fixtures in testdata, want at least 4", len(paths))
	}
	for _, path := range paths {
		t.Run(filepath.Base(path), func(t *testing.T) {
			text := readFile(t, path)
			want := strings.Split(strings.TrimSpace(text), "\n\n")
			doc := Parse("", text)
			if doc.Title != "" && doc.Title != want[0] {
				t.Errorf("Title = %q, want %q", doc.Title, want[0])
			}
			if got := documentBlocks(doc); !slices.Equal(got, want) {
				t.Errorf("title and paragraphs differ from the fixture:\ngot  %q\nwant %q", got, want)
			}
		})
	}
}

// documentBlocks returns the title, when there is one, followed by the
// paragraphs: what must add up to the whole input whether or not Parse
// recognised the headline.
func documentBlocks(d Document) []string {
	var blocks []string
	if d.Title != "" {
		blocks = append(blocks, d.Title)
	}
	return append(blocks, d.Paragraphs...)
}

func BenchmarkParse(b *testing.B) {
	text := readFile(b, seedPath)
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		Parse("", text)
	}
}
