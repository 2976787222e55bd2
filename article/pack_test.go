package article_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"passerelle/article"
)

// words counts like a tokenizer would, roughly, and additively, so that the
// expected batches below can be worked out by hand.
func words(s string) int { return len(strings.Fields(s)) }

// quarterBytes is a count that is not additive over its parts (as tokens are
// not): ceil(bytes/4).
func quarterBytes(s string) int { return (len(s) + 3) / 4 }

// batchTexts returns the texts of each batch, in order.
func batchTexts(p article.Plan) [][]string {
	out := make([][]string, len(p.Batches))
	for i, b := range p.Batches {
		out[i] = b.Texts()
	}
	return out
}

func costs(p article.Plan) []int {
	out := make([]int, len(p.Batches))
	for i, b := range p.Batches {
		out[i] = b.Cost
	}
	return out
}

const (
	s1 = "Le sommet s'est achevé jeudi."  // 5 words
	s2 = "Aucun accord n'est prévu."      // 4 words
	s3 = "Kim Jong-Un est venu en train." // 6 words
	// A sentence of 12 words.
	long = "Le dirigeant nord-coréen espère raviver les liens historiques entre Moscou et Pyongyang."
)

func TestPack(t *testing.T) {
	tests := []struct {
		name      string
		segments  []string
		budget    article.Budget
		count     func(string) int
		want      [][]string
		wantCosts []int
	}{
		{
			name:   "nil input",
			budget: article.Budget{Max: 10},
			count:  words,
		},
		{
			name:     "only empty segments",
			segments: []string{"", ""},
			budget:   article.Budget{Max: 10},
			count:    words,
		},
		{
			name:      "exact fit in one batch",
			segments:  []string{s1, s2, s3},
			budget:    article.Budget{Max: 15},
			count:     words,
			want:      [][]string{{s1, s2, s3}},
			wantCosts: []int{15},
		},
		{
			name:      "one short of the fit",
			segments:  []string{s1, s2, s3},
			budget:    article.Budget{Max: 14},
			count:     words,
			want:      [][]string{{s1, s2}, {s3}},
			wantCosts: []int{9, 6},
		},
		{
			name:      "segment exactly the budget",
			segments:  []string{s3},
			budget:    article.Budget{Max: 6},
			count:     words,
			want:      [][]string{{s3}},
			wantCosts: []int{6},
		},
		{
			name:      "per batch overhead",
			segments:  []string{s1, s2, s3},
			budget:    article.Budget{Max: 15, PerBatch: 2},
			count:     words,
			want:      [][]string{{s1, s2}, {s3}},
			wantCosts: []int{11, 8},
		},
		{
			name:      "per piece overhead",
			segments:  []string{s1, s2, s3},
			budget:    article.Budget{Max: 17, PerPiece: 1},
			count:     words,
			want:      [][]string{{s1, s2}, {s3}},
			wantCosts: []int{11, 7},
		},
		{
			name:      "overheads at the exact fit",
			segments:  []string{s1, s2, s3},
			budget:    article.Budget{Max: 20, PerBatch: 2, PerPiece: 1},
			count:     words,
			want:      [][]string{{s1, s2, s3}},
			wantCosts: []int{20},
		},
		{
			name:      "max pieces",
			segments:  []string{s1, s2, s3},
			budget:    article.Budget{Max: 100, MaxPieces: 2},
			count:     words,
			want:      [][]string{{s1, s2}, {s3}},
			wantCosts: []int{9, 6},
		},
		{
			name:      "empty segment is not sent",
			segments:  []string{s1, "", s2},
			budget:    article.Budget{Max: 100},
			count:     words,
			want:      [][]string{{s1, s2}},
			wantCosts: []int{9},
		},
		{
			name:      "paragraph longer than the budget is cut between sentences",
			segments:  []string{s1 + " " + s2 + " " + s3},
			budget:    article.Budget{Max: 10},
			count:     words,
			want:      [][]string{{s1 + " " + s2}, {s3}},
			wantCosts: []int{9, 6},
		},
		{
			name:      "pieces share batches with whole segments",
			segments:  []string{"Bref.", s1 + " " + s2 + " " + s3, "Fin."},
			budget:    article.Budget{Max: 10},
			count:     words,
			want:      [][]string{{"Bref.", s1 + " " + s2}, {s3, "Fin."}},
			wantCosts: []int{10, 7},
		},
		{
			name:     "sentence longer than the budget is cut between words",
			segments: []string{long + " Fin."},
			budget:   article.Budget{Max: 5},
			count:    words,
			want: [][]string{
				{"Le dirigeant nord-coréen espère raviver"},
				{"les liens historiques entre Moscou"},
				{"et Pyongyang.", "Fin."},
			},
			wantCosts: []int{5, 5, 3},
		},
		{
			name:      "word longer than the budget is cut between characters",
			segments:  []string{"anticonstitutionnellement"},
			budget:    article.Budget{Max: 10},
			count:     nil, // characters
			want:      [][]string{{"anticonsti"}, {"tutionnell"}, {"ement"}},
			wantCosts: []int{10, 10, 5},
		},
		{
			name:      "no cut at a no-break space",
			segments:  []string{"Il a dit «\u00a0non\u00a0» hier."},
			budget:    article.Budget{Max: 10},
			count:     nil,
			want:      [][]string{{"Il a dit"}, {"«\u00a0non\u00a0»"}, {"hier."}},
			wantCosts: []int{8, 7, 5},
		},
		{
			name:      "no-break space between cut sentences is kept",
			segments:  []string{"Fin.\u00a0Début."},
			budget:    article.Budget{Max: 6},
			count:     nil,
			want:      [][]string{{"Fin."}, {"Début."}},
			wantCosts: []int{4, 6},
		},
		{
			name:     "characters count the spaces that join sentences",
			segments: []string{"Un. Deux. Trois."},
			// The sentences sum to 3+5+6 = 14 characters, but sent
			// together they are 16.
			budget:    article.Budget{Max: 14},
			count:     nil,
			want:      [][]string{{"Un. Deux."}, {"Trois."}},
			wantCosts: []int{9, 6},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan, err := article.Pack(tt.segments, tt.budget, tt.count)
			if err != nil {
				t.Fatalf("Pack: %v", err)
			}
			if got := batchTexts(plan); !reflect.DeepEqual(got, tt.want) && (len(got) > 0 || len(tt.want) > 0) {
				t.Errorf("batches = %q, want %q", got, tt.want)
			}
			if got := costs(plan); !slices.Equal(got, tt.wantCosts) {
				t.Errorf("costs = %v, want %v", got, tt.wantCosts)
			}
			if plan.Segments != len(tt.segments) {
				t.Errorf("Segments = %d, want %d", plan.Segments, len(tt.segments))
			}
			got, err := plan.Unpack(batchTexts(plan))
			if err != nil {
				t.Fatalf("Unpack: %v", err)
			}
			if !slices.Equal(got, tt.segments) && (len(got) > 0 || len(tt.segments) > 0) {
				t.Errorf("Unpack(texts sent) = %q, want the segments %q", got, tt.segments)
			}
		})
	}
}

func TestPackPieces(t *testing.T) {
	plan, err := article.Pack([]string{s1, long + " Fin.", s2}, article.Budget{Max: 6}, words)
	if err != nil {
		t.Fatalf("Pack: %v", err)
	}
	type where struct{ Segment, Part, Count int }
	var got []where
	for _, b := range plan.Batches {
		for _, p := range b.Pieces {
			got = append(got, where{p.Segment, p.Part, p.Count})
		}
	}
	want := []where{
		{0, 0, 5},
		{1, 0, 6}, {1, 1, 6}, {1, 2, 1}, // 12 words, then "Fin."
		{2, 0, 4},
	}
	if !slices.Equal(got, want) {
		t.Errorf("pieces (segment, part, count) = %v, want %v", got, want)
	}
}

func TestPackBudgetTooSmall(t *testing.T) {
	tests := []struct {
		name   string
		budget article.Budget
	}{
		{"zero", article.Budget{}},
		{"negative", article.Budget{Max: -1}},
		{"overheads take it all", article.Budget{Max: 3, PerBatch: 2, PerPiece: 1}},
		{"negative max pieces", article.Budget{Max: 100, MaxPieces: -1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan, err := article.Pack([]string{s1}, tt.budget, words)
			if !errors.Is(err, article.ErrBudget) {
				t.Errorf("Pack error = %v, want ErrBudget", err)
			}
			if len(plan.Batches) != 0 {
				t.Errorf("Pack returned %d batches with an error, want none", len(plan.Batches))
			}
		})
	}
}

func TestUnpack(t *testing.T) {
	tests := []struct {
		name      string
		segments  []string
		budget    article.Budget
		translate func(string) string
		want      []string
	}{
		{
			name:      "whole segments come back as translated",
			segments:  []string{s1, "", s2},
			budget:    article.Budget{Max: 100},
			translate: func(s string) string { return " " + strings.ToUpper(s) + "\n" },
			want:      []string{" " + strings.ToUpper(s1) + "\n", "", " " + strings.ToUpper(s2) + "\n"},
		},
		{
			name:      "pieces are joined with one space",
			segments:  []string{"Court.", "Phrase une. Phrase deux. Phrase trois."},
			budget:    article.Budget{Max: 4},
			translate: func(s string) string { return " [" + s + "] \n" },
			want:      []string{" [Court.] \n", " [Phrase une. Phrase deux.] [Phrase trois.] \n"},
		},
		{
			name:      "sentences glued in the source stay glued",
			segments:  []string{"Acquis l'existence.Pourquoi maintenant ?"},
			budget:    article.Budget{Max: 3},
			translate: func(s string) string { return s },
			want:      []string{"Acquis l'existence.Pourquoi maintenant ?"},
		},
		{
			name:      "an empty piece adds no space",
			segments:  []string{"Phrase une. Phrase deux. Phrase trois."},
			budget:    article.Budget{Max: 2},
			translate: func(s string) string { return strings.TrimPrefix(s, "Phrase deux.") },
			want:      []string{"Phrase une. Phrase trois."},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan, err := article.Pack(tt.segments, tt.budget, words)
			if err != nil {
				t.Fatalf("Pack: %v", err)
			}
			translated := batchTexts(plan)
			for _, b := range translated {
				for j := range b {
					b[j] = tt.translate(b[j])
				}
			}
			got, err := plan.Unpack(translated)
			if err != nil {
				t.Fatalf("Unpack: %v", err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("Unpack = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestUnpackMismatch(t *testing.T) {
	plan, err := article.Pack([]string{s1, s2, s3}, article.Budget{Max: 10}, words)
	if err != nil {
		t.Fatalf("Pack: %v", err)
	}
	if len(plan.Batches) != 2 || len(plan.Batches[0].Pieces) != 2 {
		t.Fatalf("batches = %q, want two, the first of two pieces", batchTexts(plan))
	}
	tests := []struct {
		name       string
		translated [][]string
	}{
		{"nil", nil},
		{"a batch missing", [][]string{{"a", "b"}}},
		{"a batch in excess", [][]string{{"a", "b"}, {"c"}, {"d"}}},
		{"a piece missing", [][]string{{"a"}, {"c"}}},
		{"a piece in excess", [][]string{{"a", "b"}, {"c", "d"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := plan.Unpack(tt.translated)
			if !errors.Is(err, article.ErrMismatch) {
				t.Errorf("Unpack error = %v, want ErrMismatch", err)
			}
			if got != nil {
				t.Errorf("Unpack = %q with an error, want nil", got)
			}
		})
	}

	t.Run("piece of no segment", func(t *testing.T) {
		bad := article.Plan{Segments: 1, Batches: []article.Batch{{Pieces: []article.Piece{{Segment: 1, Text: "x"}}}}}
		if _, err := bad.Unpack([][]string{{"x"}}); !errors.Is(err, article.ErrMismatch) {
			t.Errorf("Unpack error = %v, want ErrMismatch", err)
		}
	})
}

// articles returns the paragraphs (title first) of the seed article and of
// the corpus fixtures, each article a list of segments as the gateway sends
// them.
func articles(t testing.TB) map[string][]string {
	t.Helper()
	paths, err := filepath.Glob("testdata/newstest2012-*.fr.txt")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no corpus fixtures in testdata (%v)", err)
	}
	paths = append(paths, "../testdata/poutine-kim-vladivostok.fr.txt")
	out := make(map[string][]string, len(paths))
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatalf("read %s: %v", p, err)
		}
		doc := article.Parse("", string(b))
		out[filepath.Base(p)] = append([]string{doc.Title}, doc.Paragraphs...)
	}
	return out
}

// checkPlan checks what Pack promises of any plan.
func checkPlan(t *testing.T, plan article.Plan, segments []string, budget article.Budget, count func(string) int) {
	t.Helper()
	if plan.Segments != len(segments) {
		t.Errorf("Segments = %d, want %d", plan.Segments, len(segments))
	}
	next := 0 // the segment expected next
	part := 0
	for i, b := range plan.Batches {
		if len(b.Pieces) == 0 {
			t.Errorf("batch %d is empty", i)
			continue
		}
		if budget.MaxPieces > 0 && len(b.Pieces) > budget.MaxPieces {
			t.Errorf("batch %d has %d pieces, more than %d", i, len(b.Pieces), budget.MaxPieces)
		}
		cost := budget.PerBatch
		for _, p := range b.Pieces {
			if n := count(p.Text); p.Count != n {
				t.Errorf("batch %d: piece %q has Count %d, its count is %d", i, p.Text, p.Count, n)
			}
			cost += budget.PerPiece + p.Count
			switch {
			case p.Segment == next-1 && p.Part == part+1:
				part++
			case p.Segment >= next && p.Part == 0:
				for ; next < p.Segment; next++ {
					if segments[next] != "" {
						t.Errorf("segment %d is not in any batch", next)
					}
				}
				next, part = p.Segment+1, 0
			default:
				t.Fatalf("batch %d: piece (segment %d, part %d) after (segment %d, part %d): out of order",
					i, p.Segment, p.Part, next-1, part)
			}
		}
		if b.Cost != cost {
			t.Errorf("batch %d: Cost = %d, its pieces and overheads make %d", i, b.Cost, cost)
		}
		lone := len(b.Pieces) == 1 && utf8.RuneCountInString(b.Pieces[0].Text) == 1
		if b.Cost > budget.Max && !lone {
			t.Errorf("batch %d: Cost %d over the budget %d: %q", i, b.Cost, budget.Max, b.Texts())
		}
	}
	for ; next < len(segments); next++ {
		if segments[next] != "" {
			t.Errorf("segment %d is not in any batch", next)
		}
	}
}

// Over real articles and random budgets: every plan keeps its promises, and
// a translation that returns the text sent gives back the article.
func TestPackRoundTrip(t *testing.T) {
	counts := map[string]func(string) int{"words": words, "characters": utf8.RuneCountInString, "quarter bytes": quarterBytes}
	rng := rand.New(rand.NewPCG(2019, 425))
	for name, segments := range articles(t) {
		for countName, count := range counts {
			for range 40 {
				budget := article.Budget{
					Max:       1 + rng.IntN(300),
					PerBatch:  rng.IntN(8),
					PerPiece:  rng.IntN(3),
					MaxPieces: rng.IntN(6),
				}
				t.Run(fmt.Sprintf("%s/%s/%+v", name, countName, budget), func(t *testing.T) {
					plan, err := article.Pack(segments, budget, count)
					if budget.Max <= budget.PerBatch+budget.PerPiece {
						if !errors.Is(err, article.ErrBudget) {
							t.Fatalf("Pack error = %v, want ErrBudget", err)
						}
						return
					}
					if err != nil {
						t.Fatalf("Pack: %v", err)
					}
					checkPlan(t, plan, segments, budget, count)
					got, err := plan.Unpack(batchTexts(plan))
					if err != nil {
						t.Fatalf("Unpack: %v", err)
					}
					for i := range segments {
						if got[i] != segments[i] {
							t.Errorf("segment %d:\n got  %q\n want %q", i, got[i], segments[i])
						}
					}
				})
			}
		}
	}
}

// forty returns 40 paragraphs of real articles.
func forty(b *testing.B) []string {
	b.Helper()
	var all []string
	for _, segments := range articles(b) {
		all = append(all, segments[1:]...)
	}
	slices.Sort(all) // map order is random; the benchmark should not be
	for len(all) < 40 {
		all = append(all, all...)
	}
	return all[:40]
}

func BenchmarkPack(b *testing.B) {
	segments := forty(b)
	n := 0
	for _, s := range segments {
		n += len(s)
	}
	cases := []struct {
		name   string
		budget article.Budget
	}{
		{"whole paragraphs", article.Budget{Max: 5000, PerBatch: 100, PerPiece: 5, MaxPieces: 50}},
		{"cut paragraphs", article.Budget{Max: 200, PerBatch: 20, PerPiece: 5}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(n))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := article.Pack(segments, c.budget, utf8.RuneCountInString); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// PackWhole never cuts: a segment over the budget travels whole, alone in
// its batch, and the others are packed as Pack packs them.
func TestPackWhole(t *testing.T) {
	long := "<p>Une phrase. Une autre phrase.</p><p>Encore une phrase longue.</p>"
	segments := []string{"<b>Un</b>", long, "<i>Deux</i>", "<i>Trois</i>"}
	plan, err := article.PackWhole(segments, article.Budget{Max: 25}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var texts [][]string
	for _, b := range plan.Batches {
		texts = append(texts, b.Texts())
	}
	want := [][]string{{"<b>Un</b>"}, {long}, {"<i>Deux</i>", "<i>Trois</i>"}}
	if !reflect.DeepEqual(texts, want) {
		t.Fatalf("batches = %q, want %q", texts, want)
	}
	joined, err := plan.Unpack(texts)
	if err != nil || !reflect.DeepEqual(joined, segments) {
		t.Errorf("Unpack = %q, %v; want the segments back", joined, err)
	}
	if cut, _ := article.Pack(segments, article.Budget{Max: 25}, nil); len(cut.Batches) <= len(plan.Batches) {
		t.Errorf("Pack made %d batches, want more than PackWhole's %d: it cuts the long segment", len(cut.Batches), len(plan.Batches))
	}
}
