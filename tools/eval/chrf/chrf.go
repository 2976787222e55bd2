// Package chrf computes chrF, the character n-gram F-score of a machine
// translation against a human reference (Popović, "chrF: character n-gram
// F-score for automatic MT evaluation", WMT 2015), the way sacreBLEU computes
// it by default (chrF2, not chrF++):
//
//   - white space is removed from both texts, then character n-grams of
//     orders 1 to 6 are counted (characters are Unicode code points);
//   - for each order n, the matches are the n-grams the hypothesis and the
//     reference share, each counted at most as often as it occurs in both
//     (clipped counts);
//   - statistics (hypothesis n-grams, reference n-grams, matches, per order)
//     are summed over every segment of a corpus before any division, so a
//     corpus score is not the mean of its sentence scores;
//   - precision and recall are averaged over the orders for which both texts
//     have at least one n-gram (sacreBLEU's "effective order"), and the score
//     is the F-beta of those averages with beta = 2 (recall weighs twice as
//     much as precision): 100 · (1+β²)·P·R / (β²·P + R), 0 when P + R = 0.
//
// Scores run from 0 to 100. Case and punctuation count; there are no word
// n-grams.
package chrf

import "unicode"

// Order is the highest character n-gram order; Beta weighs recall against
// precision. Both are sacreBLEU's defaults.
const (
	Order = 6
	Beta  = 2
)

// stats holds, for each order n (index n-1), the n-grams of the hypothesis,
// of the reference, and those they share.
type stats [Order]struct{ hyp, ref, match int }

func (s *stats) add(o stats) {
	for i := range s {
		s[i].hyp += o[i].hyp
		s[i].ref += o[i].ref
		s[i].match += o[i].match
	}
}

// Sentence returns the chrF of one hypothesis against one reference, from 0
// to 100. It is 0 when either text has no character besides white space.
func Sentence(hypothesis, reference string) float64 {
	s := segment(hypothesis, reference)
	return s.score()
}

// Corpus returns the corpus-level chrF of hypotheses against references,
// paired by index, from 0 to 100: the n-gram statistics of every pair are
// summed, then turned into one score. It panics when the slices differ in
// length, since pairing them would silently score the wrong texts; it
// returns 0 for an empty corpus.
func Corpus(hypotheses, references []string) float64 {
	if len(hypotheses) != len(references) {
		panic("chrf: Corpus needs as many references as hypotheses")
	}
	var total stats
	for i := range hypotheses {
		total.add(segment(hypotheses[i], references[i]))
	}
	return total.score()
}

// segment counts the n-gram statistics of one pair.
func segment(hypothesis, reference string) stats {
	hyp, ref := squeeze(hypothesis), squeeze(reference)
	var s stats
	for n := 1; n <= Order; n++ {
		h, r := ngrams(hyp, n), ngrams(ref, n)
		st := &s[n-1]
		st.hyp = max(0, len(hyp)-n+1)
		st.ref = max(0, len(ref)-n+1)
		for g, hc := range h {
			st.match += min(hc, r[g])
		}
	}
	return s
}

// squeeze returns the code points of s without its white space. White space
// is what Python's str.split() splits on, as sacreBLEU uses it: Unicode
// white space plus the ASCII file, group, record and unit separators.
func squeeze(s string) []rune {
	out := make([]rune, 0, len(s))
	for _, r := range s {
		if unicode.IsSpace(r) || r >= 0x1c && r <= 0x1f {
			continue
		}
		out = append(out, r)
	}
	return out
}

// ngrams counts the n-grams of order n of text.
func ngrams(text []rune, n int) map[string]int {
	if len(text) < n {
		return nil
	}
	counts := make(map[string]int, len(text)-n+1)
	for i := 0; i+n <= len(text); i++ {
		counts[string(text[i:i+n])]++
	}
	return counts
}

// score turns summed statistics into chrF.
func (s stats) score() float64 {
	var precision, recall float64
	effective := 0
	for _, o := range s {
		// An order that one side is too short to have does not count, so
		// that a short segment is not punished for lacking 6-grams.
		if o.hyp == 0 || o.ref == 0 {
			continue
		}
		precision += float64(o.match) / float64(o.hyp)
		recall += float64(o.match) / float64(o.ref)
		effective++
	}
	if effective == 0 {
		return 0
	}
	precision /= float64(effective)
	recall /= float64(effective)
	if precision+recall == 0 {
		return 0
	}
	const b2 = Beta * Beta
	return 100 * (1 + b2) * precision * recall / (b2*precision + recall)
}
