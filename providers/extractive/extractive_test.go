package extractive

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"passerelle/article"
	"passerelle/providers"
)

// seed returns the body of the seed article as the gateway hands it over:
// title apart, and without the two lines of web boilerplate at its end.
func seed(t testing.TB) (title, body string) {
	t.Helper()
	b, err := os.ReadFile("../../testdata/poutine-kim-vladivostok.fr.txt")
	if err != nil {
		t.Fatal(err)
	}
	paras := strings.Split(strings.TrimSpace(string(b)), "\n\n")
	if len(paras) != 9 {
		t.Fatalf("seed has %d paragraphs, want title, 6 paragraphs and 2 of boilerplate", len(paras))
	}
	return paras[0], strings.Join(paras[1:7], "\n\n")
}

const news = "Le gouvernement a présenté mercredi son projet de réforme des retraites au Parlement. " +
	"La réforme prévoit un système universel par points pour tous les salariés. " +
	"Les syndicats ont aussitôt appelé à une grève nationale contre la réforme des retraites. " +
	"Il pleuvait à Paris. " +
	"Le Premier ministre défendra le projet de réforme devant les députés la semaine prochaine. " +
	"Un match de football a eu lieu samedi soir à Marseille devant quarante mille spectateurs."

func TestSummarizeCountAndOrder(t *testing.T) {
	sents := article.Sentences(news)
	s := New(Options{})
	for _, n := range []int{1, 2, 3, 5, 6, 9} {
		t.Run(fmt.Sprintf("n=%d", n), func(t *testing.T) {
			res, err := s.Summarize(context.Background(), providers.SummarizeRequest{Lang: "fr", Text: news, Sentences: n})
			if err != nil {
				t.Fatal(err)
			}
			got := article.Sentences(res.Summary)
			if want := min(n, len(sents)); len(got) != want {
				t.Fatalf("got %d sentences %q, want %d", len(got), got, want)
			}
			last := -1
			for _, g := range got {
				i := slices.Index(sents, g)
				if i < 0 {
					t.Fatalf("sentence %q is not one of the article's", g)
				}
				if i <= last {
					t.Errorf("sentence %d comes after sentence %d: summary is not in article order: %q", i, last, got)
				}
				last = i
			}
		})
	}
}

func TestSummarizeDefaultLength(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		want int
	}{
		{"zero options", Options{}, DefaultSentences},
		{"configured", Options{Sentences: 3}, 3},
		{"negative means default", Options{Sentences: -1}, DefaultSentences},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := New(tt.opts).Summarize(context.Background(), providers.SummarizeRequest{Lang: "fr", Text: news})
			if err != nil {
				t.Fatal(err)
			}
			if got := len(article.Sentences(res.Summary)); got != tt.want {
				t.Errorf("got %d sentences, want %d", got, tt.want)
			}
		})
	}
}

func TestSummarizeResult(t *testing.T) {
	text := "Une seule phrase, avec des accents éàü."
	res, err := New(Options{}).Summarize(context.Background(), providers.SummarizeRequest{Lang: "fr", Text: text, Sentences: 2})
	if err != nil {
		t.Fatal(err)
	}
	if res.Summary != text {
		t.Errorf("summary of one sentence: got %q, want %q", res.Summary, text)
	}
	if res.Model != "extractive" {
		t.Errorf("model: got %q, want %q", res.Model, "extractive")
	}
	if want := utf8.RuneCountInString(text); res.Usage.Characters != want {
		t.Errorf("usage characters: got %d, want %d", res.Usage.Characters, want)
	}
}

func TestSummarizeBadRequest(t *testing.T) {
	tests := []struct {
		name string
		req  providers.SummarizeRequest
	}{
		{"empty", providers.SummarizeRequest{Lang: "fr"}},
		{"blank", providers.SummarizeRequest{Lang: "fr", Text: " \n\n\t "}},
		{"negative length", providers.SummarizeRequest{Lang: "fr", Text: news, Sentences: -1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(Options{}).Summarize(context.Background(), tt.req)
			var pe *providers.Error
			if !errors.As(err, &pe) {
				t.Fatalf("got error %v, want a *providers.Error", err)
			}
			if pe.Kind != providers.KindBadRequest {
				t.Errorf("kind: got %v, want %v", pe.Kind, providers.KindBadRequest)
			}
		})
	}
}

func TestSummarizeCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := New(Options{}).Summarize(ctx, providers.SummarizeRequest{Lang: "fr", Text: news})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want context.Canceled", err)
	}
}

func TestSummarizeDeterministic(t *testing.T) {
	title, body := seed(t)
	s := New(Options{})
	req := providers.SummarizeRequest{Lang: "fr", Title: title, Text: body, Sentences: 3}
	first, err := s.Summarize(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		got, err := New(Options{}).Summarize(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		if got.Summary != first.Summary {
			t.Fatalf("run %d: got %q, want %q", i+2, got.Summary, first.Summary)
		}
	}
}

// The seed is a news story: its first sentence says what happened (the
// summit ended, where, when), and the summary must keep it.
func TestSummarizeSeed(t *testing.T) {
	title, body := seed(t)
	res, err := New(Options{}).Summarize(context.Background(), providers.SummarizeRequest{Lang: "fr", Title: title, Text: body, Sentences: 2})
	if err != nil {
		t.Fatal(err)
	}
	got := article.Sentences(res.Summary)
	if len(got) != 2 {
		t.Fatalf("got %d sentences %q, want 2", len(got), got)
	}
	if want := article.Sentences(body)[0]; got[0] != want {
		t.Errorf("first summary sentence: got %q, want the lead %q", got[0], want)
	}
	t.Logf("summary: %s", res.Summary)
}

func TestContentWords(t *testing.T) {
	tests := []struct {
		name, lang, in string
		want           []string
	}{
		{"French", "fr", "L'accord qu'il a signé avec la Russie n'est pas le premier.", []string{"accord", "signé", "russie", "premier"}},
		{"English", "en", "The summit ended on Thursday in Vladivostok.", []string{"summit", "ended", "thursday", "vladivostok"}},
		{"French words under English list", "en", "Le sommet de la paix", []string{"le", "sommet", "de", "la", "paix"}},
		{"unknown language has none", "de", "the summit and le sommet", []string{"the", "summit", "and", "le", "sommet"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := contentWords(tt.in, stopWords[tt.lang]); !slices.Equal(got, tt.want) {
				t.Errorf("contentWords(%q, %s) = %q, want %q", tt.in, tt.lang, got, tt.want)
			}
		})
	}
}

// Two sentences that share only function words are alike when those words
// count, and unrelated once the language's stop words are removed.
func TestStopWordsChangeSimilarity(t *testing.T) {
	sents := []string{
		"Le chat de la voisine dort sur le canapé.",
		"Le ministre de la santé parle sur le plateau.",
	}
	tests := []struct {
		lang    string
		similar bool
	}{
		{"fr", false},
		{"xx", true},
	}
	for _, tt := range tests {
		t.Run(tt.lang, func(t *testing.T) {
			v := tfidf(sents, stopWords[tt.lang])
			if got := cosine(v[0], v[1]) > 0; got != tt.similar {
				t.Errorf("similar = %v, want %v", got, tt.similar)
			}
		})
	}
}

// Stop words decide which sentence is central. The first sentence shares
// nothing but function words with the others, many of them: it is the most
// central while they count, and loses to a sentence about the strike once the
// French stop words are removed.
func TestStopWordsChangeSummary(t *testing.T) {
	text := "Et il y a de la place pour les uns et pour les autres dans la cour de la maison et dans le jardin. " +
		"La grève des contrôleurs aériens paralyse les aéroports et la circulation dans le pays. " +
		"Les contrôleurs aériens de la région réclament pour les jeunes une hausse de salaire. " +
		"La grève dans les aéroports devrait durer trois jours et plus."
	sents := article.Sentences(text)
	if len(sents) != 4 {
		t.Fatalf("got %d sentences, want 4", len(sents))
	}
	centrality := params{damping: 0.85, lead: 0, redundancy: 2}
	tests := []struct {
		lang     string
		function bool // whether the sentence of function words is picked
	}{
		{"fr", false},
		{"xx", true},
	}
	for _, tt := range tests {
		t.Run(tt.lang, func(t *testing.T) {
			got := centrality.pick(sents, stopWords[tt.lang], 1)
			if (got[0] == 0) != tt.function {
				t.Errorf("picked %q; want the sentence of function words: %v", sents[got[0]], tt.function)
			}
		})
	}
}

func TestFingerprint(t *testing.T) {
	a, b := New(Options{}).Fingerprint(), New(Options{Sentences: 3}).Fingerprint()
	if !strings.HasPrefix(a, "extractive/v1") {
		t.Errorf("fingerprint %q does not name the algorithm version", a)
	}
	if a == b {
		t.Errorf("fingerprints of different default lengths are both %q", a)
	}
	if c := New(Options{Sentences: DefaultSentences}).Fingerprint(); c != a {
		t.Errorf("explicit default length: got %q, want %q", c, a)
	}
}

func BenchmarkSummarizeSeed(b *testing.B) {
	title, body := seed(b)
	s := New(Options{})
	req := providers.SummarizeRequest{Lang: "fr", Title: title, Text: body}
	ctx := context.Background()
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Summarize(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
}

func TestBaseLang(t *testing.T) {
	tests := []struct{ in, want string }{
		{"fr", "fr"}, {"FR", "fr"}, {"fr-FR", "fr"}, {"en_GB", "en"}, {"", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := baseLang(tt.in); got != tt.want {
				t.Errorf("baseLang(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
