package extractive

import (
	"math"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// params are the weights of the scoring. They are not options: changing them
// changes every summary, so it means a new Fingerprint version.
type params struct {
	// damping is PageRank's probability of following a similarity edge
	// rather than jumping to a sentence picked by position.
	damping float64
	// decay shapes the position prior: sentence i (from 0) weighs 1/(i+1)^decay.
	decay float64
	// lead is the share of the final score that comes from the position
	// prior, the rest from centrality; both are scaled to a maximum of 1.
	lead float64
	// minWords: sentences with fewer content words are scaled down in
	// proportion, since captions, bylines and teasers are short.
	minWords int
	// budget is about how many content words a summary should hold; a
	// sentence with more than budget/n of them (for a summary of n sentences)
	// is scaled down in proportion, so that a longer summary is made of more
	// points rather than of longer sentences. Zero means no budget.
	budget int
	// redundancy: a sentence whose cosine with one already picked is above
	// this is skipped while others remain.
	redundancy float64
}

// defaultParams were chosen by a grid search on OrangeSum articles 1-500 for
// the best ROUGE-1 at 1, 2 and 3 sentences together; a strong lead share with
// a gentle decay won, the centrality deciding between the first sentences.
// tools/evalsum reports them on articles 501-1000 too, which were not looked at.
var defaultParams = params{damping: 0.85, decay: 0.5, lead: 0.8, minWords: 10, budget: 48, redundancy: 0.3}

// pick returns the indexes of the n best sentences, in article order. It
// expects len(sents) > n.
func (p params) pick(sents []string, stop map[string]struct{}, n int) []int {
	vecs := tfidf(sents, stop)
	sim := make([][]float64, len(sents))
	for i := range sim {
		sim[i] = make([]float64, len(sents))
		for j := range i {
			sim[i][j] = cosine(vecs[i], vecs[j])
			sim[j][i] = sim[i][j]
		}
	}

	prior := make([]float64, len(sents))
	for i := range prior {
		prior[i] = 1 / math.Pow(float64(i+1), p.decay)
	}
	central := pageRank(sim, normalized(prior), p.damping)

	score := make([]float64, len(sents))
	cmax, pmax := slices.Max(central), prior[0]
	for i := range score {
		c := 0.0
		if cmax > 0 {
			c = central[i] / cmax
		}
		score[i] = (1-p.lead)*c + p.lead*prior[i]/pmax
		if w := len(vecs[i]); w < p.minWords {
			score[i] *= float64(w+1) / float64(p.minWords+1)
		}
		if w, most := len(vecs[i]), p.budget/n; p.budget > 0 && w > most {
			score[i] *= float64(most) / float64(w)
		}
	}

	order := make([]int, len(sents))
	for i := range order {
		order[i] = i
	}
	// Stable, so that ties go to the earlier sentence and output never
	// depends on anything but the input.
	slices.SortStableFunc(order, func(a, b int) int {
		switch {
		case score[a] > score[b]:
			return -1
		case score[a] < score[b]:
			return 1
		}
		return 0
	})
	var chosen, skipped []int
	for _, i := range order {
		if len(chosen) == n {
			break
		}
		if slices.ContainsFunc(chosen, func(j int) bool { return sim[i][j] > p.redundancy }) {
			skipped = append(skipped, i)
			continue
		}
		chosen = append(chosen, i)
	}
	chosen = append(chosen, skipped[:min(n-len(chosen), len(skipped))]...)
	slices.Sort(chosen)
	return chosen
}

// vector is a sparse, unit-length TF-IDF vector, sorted by word id. Slices
// rather than maps keep sums in one order, so that scores, and so summaries,
// are the same on every run.
type vector []entry

type entry struct {
	word   int
	weight float64
}

// tfidf returns one vector per sentence, each sentence counting as a document
// for the inverse document frequency, so that words the whole article repeats
// (its subject) still count, but less than words that tie two sentences.
func tfidf(sents []string, stop map[string]struct{}) []vector {
	ids := map[string]int{}
	var df []int
	vecs := make([]vector, len(sents))
	for i, s := range sents {
		words := contentWords(s, stop)
		v := make(vector, 0, len(words))
		for _, w := range words {
			id, ok := ids[w]
			if !ok {
				id = len(df)
				ids[w] = id
				df = append(df, 0)
			}
			v = append(v, entry{word: id, weight: 1})
		}
		slices.SortFunc(v, func(a, b entry) int { return a.word - b.word })
		// Fold repeated words into one entry whose weight is their count.
		k := 0
		for _, e := range v {
			if k > 0 && v[k-1].word == e.word {
				v[k-1].weight++
				continue
			}
			v[k] = e
			k++
		}
		v = v[:k]
		for _, e := range v {
			df[e.word]++
		}
		vecs[i] = v
	}
	n := float64(len(sents))
	for _, v := range vecs {
		norm := 0.0
		for k := range v {
			v[k].weight *= math.Log(1 + n/float64(df[v[k].word]))
			norm += v[k].weight * v[k].weight
		}
		norm = math.Sqrt(norm)
		for k := range v {
			v[k].weight /= norm
		}
	}
	return vecs
}

// cosine is the dot product of two unit vectors, merged by word id.
func cosine(a, b vector) float64 {
	dot := 0.0
	for i, j := 0, 0; i < len(a) && j < len(b); {
		switch {
		case a[i].word < b[j].word:
			i++
		case a[i].word > b[j].word:
			j++
		default:
			dot += a[i].weight * b[j].weight
			i++
			j++
		}
	}
	return dot
}

// contentWords returns the lower-cased words of s that are not stop words
// and have more than one character. Apostrophes and hyphens cut words, which
// separates French elisions ("l'accord") from the word they precede.
func contentWords(s string, stop map[string]struct{}) []string {
	var out []string
	for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}) {
		if utf8.RuneCountInString(w) < 2 {
			continue
		}
		if _, ok := stop[w]; ok {
			continue
		}
		out = append(out, w)
	}
	return out
}

// pageRank returns the stationary distribution of a walk that follows edges
// of sim in proportion to their weight with probability damping, and
// otherwise jumps to a sentence drawn from teleport (which sums to 1). A
// sentence with no edge sends its walker to teleport.
func pageRank(sim [][]float64, teleport []float64, damping float64) []float64 {
	n := len(sim)
	out := make([]float64, n)
	for i := range sim {
		for j := range sim[i] {
			out[i] += sim[i][j]
		}
	}
	rank := slices.Clone(teleport)
	next := make([]float64, n)
	// The walk converges geometrically at rate damping; 100 rounds leave an
	// error below 1e-7 and cost little for articles of a few dozen sentences.
	for range 100 {
		dangling := 0.0
		for j := range rank {
			if out[j] == 0 {
				dangling += rank[j]
			}
		}
		delta := 0.0
		for i := range next {
			x := 0.0
			for j := range rank {
				if out[j] > 0 {
					x += sim[j][i] / out[j] * rank[j]
				}
			}
			next[i] = (1-damping)*teleport[i] + damping*(x+dangling*teleport[i])
			delta += math.Abs(next[i] - rank[i])
		}
		rank, next = next, rank
		if delta < 1e-9 {
			break
		}
	}
	return rank
}

func normalized(v []float64) []float64 {
	sum := 0.0
	for _, x := range v {
		sum += x
	}
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = x / sum
	}
	return out
}
