package rouge

import (
	"math"
	"reflect"
	"testing"
)

func TestTokens(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"empty", "", nil},
		{"punctuation only", " « … » ", nil},
		{"French accents kept, elision and hyphen split", "L'Été, à Noël-sur-Mer : 3,5 % !", []string{"l", "été", "à", "noël", "sur", "mer", "3", "5"}},
		{"curly apostrophe", "s’est achevé", []string{"s", "est", "achevé"}},
		{"English", "The U.S. President's plan", []string{"the", "u", "s", "president", "s", "plan"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Tokens(tt.in); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Tokens(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// The examples are worked by hand; the first ones are those of Lin (2004),
// section 3.1: reference "police killed the gunman".
func TestN(t *testing.T) {
	tests := []struct {
		name      string
		cand, ref string
		n         int
		want      Score
	}{
		{"Lin S2 unigrams", "police kill the gunman", "police killed the gunman", 1, Score{3. / 4, 3. / 4, 3. / 4}},
		{"Lin S2 bigrams", "police kill the gunman", "police killed the gunman", 2, Score{1. / 3, 1. / 3, 1. / 3}},
		{"Lin S3 bigrams", "the gunman kill police", "police killed the gunman", 2, Score{1. / 3, 1. / 3, 1. / 3}},
		// overlap 2 of 3 candidate and 4 reference unigrams: F1 = 2·(2/3)·(1/2)/(2/3+1/2) = 4/7.
		{"unequal lengths", "a b c", "a x c y", 1, Score{2. / 3, 2. / 4, 4. / 7}},
		// "the" occurs 4 times in the candidate but twice in the reference: it counts twice.
		{"clipped counts", "the the the the", "the cat on the mat", 1, Score{2. / 4, 2. / 5, 4. / 9}},
		{"trigram", "le chat dort sur le tapis", "le chat dort dans le salon", 3, Score{1. / 4, 1. / 4, 1. / 4}},
		{"accents matter", "été", "ete", 1, Score{}},
		{"case does not", "Été Chaud", "été chaud", 2, Score{1, 1, 1}},
		{"no overlap", "a b", "c d", 1, Score{}},
		{"candidate shorter than n", "a", "a b", 2, Score{}},
		{"empty reference", "a b", "", 1, Score{}},
		{"n zero", "a b", "a b", 0, Score{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := N(Tokens(tt.cand), Tokens(tt.ref), tt.n)
			if !near(got, tt.want) {
				t.Errorf("N(%q, %q, %d) = %+v, want %+v", tt.cand, tt.ref, tt.n, got, tt.want)
			}
		})
	}
}

func TestL(t *testing.T) {
	tests := []struct {
		name      string
		cand, ref string
		want      Score
	}{
		// LCS "police the gunman".
		{"Lin S2", "police kill the gunman", "police killed the gunman", Score{3. / 4, 3. / 4, 3. / 4}},
		// LCS "the gunman": word order matters, unlike ROUGE-1 (which gives 3/4).
		{"Lin S3", "the gunman kill police", "police killed the gunman", Score{2. / 4, 2. / 4, 2. / 4}},
		// LCS "a c e" (or "a b d"): 3 of 5 either way.
		{"subsequence not substring", "a b c d e", "a c e b d", Score{3. / 5, 3. / 5, 3. / 5}},
		// LCS "a c": P = 2/2, R = 2/5, F1 = 2·1·0.4/1.4 = 4/7.
		{"short candidate", "a c", "a b c d e", Score{1, 2. / 5, 4. / 7}},
		{"identical", "Le sommet s'est achevé", "le sommet s’est achevé", Score{1, 1, 1}},
		{"empty candidate", "", "a", Score{}},
		{"no overlap", "a b", "c d", Score{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := L(Tokens(tt.cand), Tokens(tt.ref))
			if !near(got, tt.want) {
				t.Errorf("L(%q, %q) = %+v, want %+v", tt.cand, tt.ref, got, tt.want)
			}
		})
	}
}

func near(a, b Score) bool {
	const eps = 1e-12
	return math.Abs(a.Precision-b.Precision) < eps && math.Abs(a.Recall-b.Recall) < eps && math.Abs(a.F1-b.F1) < eps
}
