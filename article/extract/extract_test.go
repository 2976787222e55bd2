package extract

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// evalEntry is one page of testdata/trafilatura/evaldata.json.
type evalEntry struct {
	File    string   `json:"file"`
	Title   string   `json:"title"`
	With    []string `json:"with"`
	Without []string `json:"without"`
}

func readFixture(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", path))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func extractFixture(t testing.TB, path, pageURL string) Result {
	t.Helper()
	r, err := Article(context.Background(), readFixture(t, path), pageURL)
	if err != nil {
		t.Fatalf("Article(%s): %v", path, err)
	}
	return r
}

func TestArticleTrafilaturaPages(t *testing.T) {
	var entries map[string]evalEntry
	if err := json.Unmarshal(readFixture(t, "trafilatura/evaldata.json"), &entries); err != nil {
		t.Fatal(err)
	}
	if len(entries) == 0 {
		t.Fatal("no pages in evaldata.json")
	}
	for pageURL, e := range entries {
		t.Run(e.File, func(t *testing.T) {
			r := extractFixture(t, filepath.Join("trafilatura", e.File), pageURL)
			if r.Title != e.Title {
				t.Errorf("Title = %q, want %q", r.Title, e.Title)
			}
			text := strings.Join(r.Paragraphs, "\n")
			for _, w := range e.With {
				if !strings.Contains(text, w) {
					t.Errorf("text lacks %q", w)
				}
			}
			for _, w := range e.Without {
				if strings.Contains(text, w) {
					t.Errorf("text holds furniture %q", w)
				}
			}
		})
	}
}

func TestArticleReadabilityPages(t *testing.T) {
	for _, page := range []string{"mozilla-liberation-1", "fivefilters-challenges"} {
		t.Run(page, func(t *testing.T) {
			dir := filepath.Join("readability", page)
			r := extractFixture(t, filepath.Join(dir, "source.html"), "")

			var meta struct{ Title string }
			if err := json.Unmarshal(readFixture(t, filepath.Join(dir, "expected-metadata.json")), &meta); err != nil {
				t.Fatal(err)
			}
			if r.Title != meta.Title {
				t.Errorf("Title = %q, want %q", r.Title, meta.Title)
			}
			if r.Lang != "fr" {
				t.Errorf("Lang = %q, want %q", r.Lang, "fr")
			}

			// Every paragraph Readability.js finds must come out whole, as
			// its own entry, and in the same order.
			doc, err := html.Parse(bytes.NewReader(readFixture(t, filepath.Join(dir, "expected.html"))))
			if err != nil {
				t.Fatal(err)
			}
			want := blocks(doc)
			if len(want) < 3 {
				t.Fatalf("expected.html has %d blocks, want a real article", len(want))
			}
			at := 0
			for _, w := range want {
				if isDateline(w) {
					// Readability.js keeps the byline ("par Alexandria
					// Sage et Lisa Girion") as a paragraph; it is the
					// byline here.
					if b := datelineByline(w); r.Byline != b {
						t.Errorf("Byline = %q, want %q from %q", r.Byline, b, w)
					}
					continue
				}
				i := slices.Index(r.Paragraphs[at:], w)
				if i < 0 {
					t.Fatalf("paragraph %q is missing or out of order; got:\n%s", w, strings.Join(r.Paragraphs, "\n"))
				}
				at += i + 1
			}
		})
	}
}

func TestArticleSynthetic(t *testing.T) {
	r := extractFixture(t, "synthetic.html", "https://journal-ouest.example/brest/tramway-port")
	want := Result{
		Title: "Le tramway de Brest prolongé jusqu'au port",
		Paragraphs: []string{
			"La métropole de Brest a voté jeudi soir le prolongement de la deuxième ligne de tramway jusqu'au port de commerce, un chantier de quatre ans estimé à 120 millions d'euros.",
			"Les travaux commenceront à l'automne prochain sur le boulevard Jean-Moulin, où la circulation des voitures sera réduite à une voie dans chaque sens pendant dix-huit mois.",
			"Une desserte attendue par les dockers",
			"Les syndicats du port réclamaient depuis dix ans une liaison directe avec la gare, que quelque trois mille salariés rejoignent chaque jour en voiture faute de mieux.",
			"« C'est la fin des embouteillages du matin sur le pont de l'Harteloire », se réjouit un responsable syndical.",
			"Le nouveau tronçon comptera six stations :",
			"Jean-Moulin, devant la médiathèque ;",
			"le port de commerce, au pied des grues du quai Malbert.",
			"L'opposition municipale a voté contre, jugeant le coût trop élevé au regard de la fréquentation attendue, qu'elle estime surévaluée de moitié par les études de la métropole.",
		},
		Lang:   "fr",
		Byline: "Anne Le Goff",
		Date:   "2024-03-14",
	}
	if r.Title != want.Title || r.Lang != want.Lang || r.Byline != want.Byline || r.Date != want.Date {
		t.Errorf("metadata = %q, %q, %q, %q; want %q, %q, %q, %q",
			r.Title, r.Lang, r.Byline, r.Date, want.Title, want.Lang, want.Byline, want.Date)
	}
	if !slices.Equal(r.Paragraphs, want.Paragraphs) {
		t.Errorf("Paragraphs =\n%s\nwant\n%s", strings.Join(r.Paragraphs, "\n"), strings.Join(want.Paragraphs, "\n"))
	}
	text := strings.Join(r.Paragraphs, "\n")
	for _, furniture := range []string{
		"cookies", "Tout accepter", "Accueil", "Partager", "Lire aussi", "newsletter",
		"Sur le même sujet", "Quimper", "commentaires", "Yann29", "gaspillé", "Tous droits réservés", "Mentions légales",
	} {
		if strings.Contains(text, furniture) {
			t.Errorf("text holds furniture %q", furniture)
		}
	}
}

// TestArticleBrief: an article too short for the extractor (under 250
// characters) comes back from its last resort as the text of the page's
// <article> run together; its paragraphs are found again, without the
// title, byline and share buttons that text held.
func TestArticleBrief(t *testing.T) {
	r := extractFixture(t, "brief.html", "https://journal-rhone.example/lyon/greve")
	want := []string{
		"Un TER sur deux circulera mardi entre Lyon et Saint-Étienne, a annoncé la SNCF.",
		"Les usagers sont invités à reporter leurs déplacements.",
	}
	if r.Title != "Grève des contrôleurs : trafic perturbé à Lyon" || !slices.Equal(r.Paragraphs, want) {
		t.Errorf("Article = %q, %q; want the title and %q", r.Title, r.Paragraphs, want)
	}
}

// TestArticleBriefWithoutWhiteSpace: a page written without white space
// between its elements keeps its words and paragraphs apart.
func TestArticleBriefWithoutWhiteSpace(t *testing.T) {
	page := `<html><head><title>Le titre</title></head><body><article><h1>Un sommet historique</h1>` +
		`<p>Le président a rencontré son homologue jeudi à Paris.</p><p>Les deux dirigeants ont signé un accord.</p>` +
		`</article><footer>Tous droits réservés</footer></body></html>`
	r, err := Article(context.Background(), []byte(page), "")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"Le président a rencontré son homologue jeudi à Paris.", "Les deux dirigeants ont signé un accord."}
	if r.Title != "Un sommet historique" || !slices.Equal(r.Paragraphs, want) {
		t.Errorf("Article = %q, %q; want %q, %q", r.Title, r.Paragraphs, "Un sommet historique", want)
	}
}

func TestSplitMerged(t *testing.T) {
	doc, err := html.Parse(strings.NewReader(`<body><nav>Accueil</nav><article><h1>Titre</h1>` +
		`<p class="byline">Par Anne</p><p>Un.</p><p>Deux.</p><div class="share-buttons">Partager</div></article></body>`))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		merged string
		want   []string
	}{
		{"Titre Par Anne Un. Deux. Partager", []string{"Titre", "Un.", "Deux."}},
		{"TitreParAnneUn.Deux.Partager", []string{"Titre", "Un.", "Deux."}},
		// The extractor's cleaning took the byline out.
		{"Titre Un. Deux. Partager", []string{"Titre", "Un.", "Deux."}},
		// Text the page's containers do not make up (the body of its
		// JSON-LD, say) stays one block.
		{"Un texte venu d'ailleurs.", nil},
		{"Un. Deux. Trois.", nil},
	} {
		if got := splitMerged(doc, tt.merged); !slices.Equal(got, tt.want) {
			t.Errorf("splitMerged(%q) = %q, want %q", tt.merged, got, tt.want)
		}
	}
}

func TestArticleDeclaredLanguage(t *testing.T) {
	// The page is in French but declares English: Lang reports the
	// declaration, which is all it promises.
	r := extractFixture(t, "trafilatura/madame.lefigaro.fr.dintestin.html", "")
	if r.Lang != "en" {
		t.Errorf("Lang = %q, want %q", r.Lang, "en")
	}
}

func TestArticleLatin1(t *testing.T) {
	page := []byte("<html lang=fr><head><meta charset=iso-8859-1><title>Essai</title></head><body><article>" +
		"<p>La r\xe9forme des retraites a \xe9t\xe9 adopt\xe9e mardi par l'Assembl\xe9e nationale apr\xe8s trois semaines de d\xe9bats souvent houleux entre la majorit\xe9 et l'opposition.</p>" +
		"<p>Le texte doit maintenant \xeatre examin\xe9 par le S\xe9nat, o\xf9 la droite promet de le durcir sur la question de l'\xe2ge de d\xe9part \xe0 la retraite.</p>" +
		"</article></body></html>")
	r, err := Article(context.Background(), page, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Paragraphs) == 0 || !strings.HasPrefix(r.Paragraphs[0], "La réforme des retraites a été adoptée") {
		t.Errorf("Paragraphs = %q, want the first to start %q", r.Paragraphs, "La réforme des retraites a été adoptée")
	}
}

func TestArticleNoArticle(t *testing.T) {
	tests := []struct {
		name string
		page []byte
	}{
		{"empty", nil},
		{"blank", []byte(" \n\t ")},
		{"plain text", []byte("Le sommet inédit entre Kim Jong-un et Vladimir Poutine s'est achevé jeudi.\n\nAucun communiqué n'est prévu.")},
		{"json", []byte(`{"text": "Le sommet inédit entre Kim Jong-un et Vladimir Poutine s'est achevé jeudi."}`)},
		{"png", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01")},
		{"html without text", []byte(`<!DOCTYPE html><html><head><title>x</title></head><body><div id="app"></div><script>start()</script></body></html>`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Article(context.Background(), tt.page, "")
			if !errors.Is(err, ErrNoArticle) {
				t.Errorf("Article = %+v, %v; want ErrNoArticle", r, err)
			}
		})
	}
}

func TestArticleCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Article(ctx, readFixture(t, "synthetic.html"), "")
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

func BenchmarkArticle(b *testing.B) {
	page := readFixture(b, "trafilatura/sciencesetavenir.fr.rumeur.html")
	ctx := context.Background()
	b.SetBytes(int64(len(page)))
	for b.Loop() {
		if _, err := Article(ctx, page, "https://www.sciencesetavenir.fr/sante/covid-19-et-infox-comment-une-rumeur-devient-realite_147359"); err != nil {
			b.Fatal(err)
		}
	}
}

// TestSplitMergedKeepsContentNamedLikeFurniture: an inline link classed as
// a tag, and a wrapper whose class names ads or sharing, hold article text.
func TestSplitMergedKeepsContentNamedLikeFurniture(t *testing.T) {
	long := strings.Repeat("Le chantier durera quatre ans et coûtera cent vingt millions d'euros. ", 4)
	page := `<body><article><h1>Titre</h1><p class="byline">Par Anne</p>` +
		`<p>Un TER entre <a class="st_tag internal_tag" rel="tag">Lyon</a> et Saint-Étienne.</p>` +
		`<div class="article-content js-ads social-share-enabled"><p>` + long + `</p><p>Fin.</p></div>` +
		`<div class="share-buttons">Partager</div></article></body>`
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	merged := strings.Join([]string{"Titre", "Par Anne", "Un TER entre Lyon et Saint-Étienne.", long, "Fin.", "Partager"}, " ")
	want := []string{"Titre", "Un TER entre Lyon et Saint-Étienne.", strings.TrimSpace(long), "Fin."}
	if got := splitMerged(doc, merged); !slices.Equal(got, want) {
		t.Errorf("splitMerged = %q, want %q", got, want)
	}
}

// TestArticlePages: pages in the shapes of French news sites come out as a
// reader reads them: no byline, dateline or credit among the paragraphs
// (they come back as Byline and Date), inline markup parting no words and
// no paragraph, the text around embeds kept and the players dropped.
func TestArticlePages(t *testing.T) {
	var entries map[string]struct {
		URL        string   `json:"url"`
		Byline     string   `json:"byline"`
		Published  string   `json:"published"`
		Furniture  []string `json:"furniture"`
		Paragraphs []string `json:"paragraphs"`
	}
	if err := json.Unmarshal(readFixture(t, "pages/pages.json"), &entries); err != nil {
		t.Fatal(err)
	}
	if len(entries) < 3 {
		t.Fatalf("%d pages in pages.json, want 3 at least", len(entries))
	}
	for name, e := range entries {
		t.Run(name, func(t *testing.T) {
			r := extractFixture(t, filepath.Join("pages", name), e.URL)
			if !slices.Equal(r.Paragraphs, e.Paragraphs) {
				t.Errorf("paragraphs:\n%s\nwant:\n%s", strings.Join(r.Paragraphs, "\n"), strings.Join(e.Paragraphs, "\n"))
			}
			if r.Byline != e.Byline || r.Date != e.Published {
				t.Errorf("Byline, Date = %q, %q; want %q, %q", r.Byline, r.Date, e.Byline, e.Published)
			}
			text := strings.Join(r.Paragraphs, "\n")
			for _, f := range e.Furniture {
				if strings.Contains(text, f) {
					t.Errorf("furniture %q kept", f)
				}
			}
		})
	}
}
