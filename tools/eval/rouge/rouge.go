// Package rouge scores a candidate summary against a reference summary with
// ROUGE-N and ROUGE-L (Lin, "ROUGE: A Package for Automatic Evaluation of
// Summaries", 2004), so that summarizers can be compared on the same data.
//
// Text is lower-cased and cut into runs of Unicode letters and digits: accents
// are kept ("été" stays "été", unlike tokenisers that keep only a-z), and
// apostrophes and hyphens separate words ("l'accord" is "l", "accord").
// There is no stemming and no stop-word removal, for French and English alike,
// so figures are comparable only with others computed the same way.
package rouge

import (
	"strings"
	"unicode"
)

// Score is a precision, recall and F1 triple, each between 0 and 1.
type Score struct {
	Precision float64
	Recall    float64
	F1        float64
}

// Tokens returns the lower-cased words of s: maximal runs of letters and
// digits. It returns nil when s has none.
func Tokens(s string) []string {
	words := strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	if len(words) == 0 {
		return nil
	}
	return words
}

// N returns ROUGE-N of candidate against reference, both already tokenised:
// the number of n-grams they share, each counted at most as often as it
// occurs in either (clipped counts), divided by the candidate's n-gram count
// (precision) and by the reference's (recall). A side with fewer than n tokens
// has no n-grams and gives a zero Score; n < 1 gives a zero Score.
func N(candidate, reference []string, n int) Score {
	if n < 1 || len(candidate) < n || len(reference) < n {
		return Score{}
	}
	refCounts := make(map[string]int, len(reference)-n+1)
	for i := 0; i+n <= len(reference); i++ {
		refCounts[gram(reference[i:i+n])]++
	}
	overlap := 0
	for i := 0; i+n <= len(candidate); i++ {
		g := gram(candidate[i : i+n])
		if refCounts[g] > 0 {
			refCounts[g]--
			overlap++
		}
	}
	return score(overlap, len(candidate)-n+1, len(reference)-n+1)
}

// gram joins words with a byte that Tokens never keeps, so that distinct
// n-grams never share a key.
func gram(words []string) string {
	if len(words) == 1 {
		return words[0]
	}
	return strings.Join(words, "\x00")
}

// L returns ROUGE-L of candidate against reference: the length of their
// longest common subsequence of tokens, divided by the candidate's length
// (precision) and the reference's (recall). It treats each side as one
// sequence (the sentence-level definition), not as a union over sentences
// (the summary-level "ROUGE-Lsum"). An empty side gives a zero Score.
func L(candidate, reference []string) Score {
	if len(candidate) == 0 || len(reference) == 0 {
		return Score{}
	}
	return score(lcs(candidate, reference), len(candidate), len(reference))
}

// lcs is the classic dynamic programme, keeping one row so that memory grows
// with the reference only.
func lcs(a, b []string) int {
	row := make([]int, len(b)+1)
	for i := range a {
		diag := 0 // row[j] of the previous i, before it was overwritten
		for j := range b {
			up := row[j+1]
			if a[i] == b[j] {
				row[j+1] = diag + 1
			} else if row[j] > up {
				row[j+1] = row[j]
			}
			diag = up
		}
	}
	return row[len(b)]
}

func score(overlap, candidateCount, referenceCount int) Score {
	if overlap == 0 {
		return Score{}
	}
	p := float64(overlap) / float64(candidateCount)
	r := float64(overlap) / float64(referenceCount)
	return Score{Precision: p, Recall: r, F1: 2 * p * r / (p + r)}
}
