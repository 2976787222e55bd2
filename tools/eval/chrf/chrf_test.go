package chrf

import (
	"math"
	"testing"
)

// near reports whether got and want agree to 1e-9, far below the 0.1 that
// evaluation tables print.
func near(got, want float64) bool { return math.Abs(got-want) < 1e-9 }

func TestSentence(t *testing.T) {
	tests := []struct {
		name      string
		hyp, ref  string
		want      float64
		reasoning string
	}{
		{"identical", "abc", "abc", 100, "every n-gram matches: P = R = 1"},
		{"disjoint", "abc", "xyz", 0, "no n-gram matches: P = R = 0"},
		{"white space ignored", "a b\tc\n", "abc", 100, "white space is removed before counting"},
		{"empty hypothesis", "", "abc", 0, "no order has n-grams on both sides"},
		{"blank hypothesis", " \n ", "abc", 0, "blank is empty once white space is removed"},
		{"both empty", "", "", 0, "nothing to compare"},
		{
			"hypothesis shorter", "ab", "abc", 700.0 / 11,
			"n=1: P 2/2, R 2/3; n=2: P 1/1, R 1/2; n=3: no hypothesis 3-gram, order skipped. " +
				"P = 1, R = 7/12; F2 = 5·P·R/(4P+R) = (35/12)/(55/12) = 7/11",
		},
		{
			"hypothesis longer", "abc", "ab", 87.5,
			"n=1: P 2/3, R 1; n=2: P 1/2, R 1; n=3 skipped. P = 7/12, R = 1; F2 = (35/12)/(40/12); " +
				"recall weighs more, so extra characters cost less than missing ones",
		},
		{
			"counts are clipped", "aaa", "aa", 87.5,
			"n=1: 3 a against 2, 2 match: P 2/3, R 1; n=2: 2 aa against 1, 1 matches: P 1/2, R 1; same as above",
		},
		{
			"order matters", "ab", "ba", 50,
			"n=1: P = R = 1; n=2: ab against ba, P = R = 0; averages 1/2 and 1/2",
		},
		{
			"code points, not bytes", "été", "ete", 100.0 / 9,
			"n=1: only t matches, P = R = 1/3; n=2, n=3: nothing; averages 1/9, F = 1/9",
		},
		{
			// The value sacreBLEU prints for this pair, as documented by the
			// chrF metric card of huggingface/datasets (metrics/chrf).
			"sacreBLEU documented sentence",
			"The relationship between Obama and Netanyahu is not exactly friendly.",
			"The ties between Obama and Netanyahu are not particularly friendly.",
			61.576379378113785, "",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Sentence(tt.hyp, tt.ref); !near(got, tt.want) {
				t.Errorf("Sentence(%q, %q) = %.12f, want %.12f (%s)", tt.hyp, tt.ref, got, tt.want, tt.reasoning)
			}
		})
	}
}

func TestCorpus(t *testing.T) {
	tests := []struct {
		name       string
		hyps, refs []string
		want       float64
		reasoning  string
	}{
		{"empty corpus", nil, nil, 0, "no statistics"},
		{"all identical", []string{"ab", "xyz"}, []string{"ab", "xyz"}, 100, "every n-gram matches"},
		{
			"statistics are summed, not scores averaged",
			[]string{"ab", "c"}, []string{"ab", "d"}, 250.0 / 3,
			"sentence scores are 100 and 0 (mean 50); summed: n=1 2 of 3 match, n=2 1 of 1: " +
				"P = R = (2/3 + 1)/2 = 5/6",
		},
		{
			"an order missing from one segment still counts from the others",
			[]string{"a", "abc"}, []string{"a", "abc"}, 100,
			"n=1..3 all match; n=4..6 have no n-gram anywhere and are skipped",
		},
		{
			// The value sacreBLEU prints for this corpus, as documented by
			// the chrF metric card of huggingface/datasets (metrics/chrf).
			"sacreBLEU documented corpus",
			[]string{
				"The relationship between cats and dogs is not exactly friendly.",
				"a good bookshop is just a genteel black hole that knows how to read.",
			},
			[]string{
				"The relationship between dogs and cats is not exactly friendly.",
				"A good bookshop is just a genteel Black Hole that knows how to read.",
			},
			84.64214891738334, "",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Corpus(tt.hyps, tt.refs); !near(got, tt.want) {
				t.Errorf("Corpus(%q, %q) = %.12f, want %.12f (%s)", tt.hyps, tt.refs, got, tt.want, tt.reasoning)
			}
		})
	}
}

func TestCorpusOfOneIsSentence(t *testing.T) {
	hyp, ref := "Le sommet s'est achevé jeudi.", "The summit ended on Thursday."
	if got, want := Corpus([]string{hyp}, []string{ref}), Sentence(hyp, ref); got != want {
		t.Errorf("Corpus of one pair = %v, want Sentence = %v", got, want)
	}
}

func TestCorpusUnpaired(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Corpus with 2 hypotheses and 1 reference did not panic")
		}
	}()
	Corpus([]string{"a", "b"}, []string{"a"})
}
