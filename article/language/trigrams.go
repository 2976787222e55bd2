package language

//go:generate go run gen_profiles.go

import (
	"math"
	"unicode"
	"unicode/utf8"
)

// trigramScorer gives the answer whatlanggo.DetectWithOptions gives for a
// text in the Latin script, among languages whose profiles are in profiles.go,
// at a fraction of its cost: whatlanggo tests every rune against 23 scripts,
// makes a string and a map entry of every trigram, then looks up each of 300
// trigrams of each language in that map, allocating all along; here every
// profile trigram is indexed once, and a text is read in one pass without
// allocating. The output checks detect every paragraph of every translation,
// so this is most of the gateway's own work on a miss.
//
// Any other text (a rune of another script, no Latin letter) goes to
// whatlanggo itself. TestDetectMatchesWhatlanggo and FuzzDetectMatchesWhatlanggo
// hold the two to the same answers.
type trigramScorer struct {
	langs []string // the languages, as indexed in weights and occurs
	rows  rowTable
	// For row r and language l: weights[r*len(langs)+l] sums 300 minus the
	// rank of each occurrence of the trigram in the language's profile (0
	// when absent), and occurs counts those occurrences, as whatlanggo's
	// distance and trigram count do.
	weights []int32
	occurs  []uint16
}

// maxTrigramDistance is whatlanggo's: a profile trigram of rank i weighs
// maxTrigramDistance-i.
const maxTrigramDistance = 300

// newTrigramScorer indexes the profiles of langs, or returns nil when one
// has no profile here.
func newTrigramScorer(langs []string) *trigramScorer {
	s := &trigramScorer{langs: langs}
	total := 0
	for _, l := range langs {
		p, ok := profiles[l]
		if !ok {
			return nil
		}
		total += len(p)
	}
	s.rows = newRowTable(total)
	n := len(langs)
	for li, l := range langs {
		for rank, t := range profiles[l] {
			k, ok := trigramKeyOf(t)
			if !ok {
				return nil
			}
			row := s.rows.get(k)
			if row < 0 {
				row = int32(s.rows.len)
				s.rows.put(k, row)
				s.weights = append(s.weights, make([]int32, n)...)
				s.occurs = append(s.occurs, make([]uint16, n)...)
			}
			s.weights[int(row)*n+li] += int32(maxTrigramDistance - rank)
			s.occurs[int(row)*n+li]++
		}
	}
	return s
}

// rowTable maps trigram keys to rows: an open-addressing hash table, as a
// Go map costs several times more per lookup, and a text makes one lookup
// per character.
type rowTable struct {
	keys  []uint64
	rows  []int32 // -1: empty slot
	shift uint
	len   int
}

func newRowTable(n int) rowTable {
	size, shift := 1, uint(64)
	for size < 4*n {
		size, shift = size*2, shift-1
	}
	t := rowTable{keys: make([]uint64, size), rows: make([]int32, size), shift: shift}
	for i := range t.rows {
		t.rows[i] = -1
	}
	return t
}

func (t *rowTable) slot(k uint64) int {
	return int((k * 0x9e3779b97f4a7c15) >> t.shift)
}

// get returns the row of k, -1 when it has none.
func (t *rowTable) get(k uint64) int32 {
	mask := len(t.keys) - 1
	for i := t.slot(k); ; i = (i + 1) & mask {
		switch row := t.rows[i]; {
		case row < 0:
			return -1
		case t.keys[i] == k:
			return row
		}
	}
}

// put adds k, which has no row yet; the table is sized for every key.
func (t *rowTable) put(k uint64, row int32) {
	mask := len(t.keys) - 1
	i := t.slot(k)
	for t.rows[i] >= 0 {
		i = (i + 1) & mask
	}
	t.keys[i], t.rows[i] = k, row
	t.len++
}

func trigramKey(r1, r2, r3 rune) uint64 {
	return uint64(r1)<<42 | uint64(r2)<<21 | uint64(r3)
}

func trigramKeyOf(t string) (uint64, bool) {
	var r [3]rune
	i := 0
	for _, c := range t {
		if i == 3 {
			return 0, false
		}
		r[i] = c
		i++
	}
	return trigramKey(r[0], r[1], r[2]), i == 3
}

// stopASCII caches isStopChar for ASCII.
var stopASCII = func() (t [utf8.RuneSelf]bool) {
	for r := range t {
		t[r] = isStopChar(rune(r))
	}
	return t
}()

// isStopChar is whatlanggo's: spaces, punctuation, symbols and digits,
// which it reads as spaces.
func isStopChar(r rune) bool {
	return unicode.IsSymbol(r) || unicode.IsSpace(r) || unicode.IsPunct(r) || unicode.IsDigit(r)
}

func stop(r rune) bool {
	if r < utf8.RuneSelf {
		return stopASCII[r]
	}
	return isStopChar(r)
}

// latinOnly reports whether whatlanggo.DetectScript is sure to answer Latin:
// the text has a Latin letter and no letter of another script. A rune
// outside ASCII that is neither a stop character nor Latin makes it answer
// false, even when it belongs to no script whatlanggo knows: such texts are
// rare, and whatlanggo decides them.
func latinOnly(text string) bool {
	latin := false
	for _, r := range text {
		switch {
		case r < utf8.RuneSelf:
			if 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' {
				latin = true
			}
		case stop(r):
		case unicode.Is(unicode.Latin, r):
			latin = true
		default:
			return false
		}
	}
	return latin
}

// score returns the index in s.langs of the language whatlanggo would find
// for text, -1 for none, and its confidence. text must be latinOnly.
func (s *trigramScorer) score(text string) (int, float64) {
	n := len(s.langs)
	var distStore, countStore [8]int
	dist, count := distStore[:0], countStore[:0]
	if n <= len(distStore) {
		dist, count = distStore[:n], countStore[:n]
	} else {
		dist, count = make([]int, n), make([]int, n)
	}
	// seen marks the rows met so far: a profile trigram counts once in the
	// number of trigrams matched, however often the text repeats it.
	var seenStore [64]uint64
	var seen []uint64
	if words := (s.rows.len + 63) / 64; words <= len(seenStore) {
		seen = seenStore[:words]
	} else {
		seen = make([]uint64, words)
	}
	add := func(r1, r2, r3 rune) {
		row := s.rows.get(trigramKey(r1, r2, r3))
		if row < 0 {
			return
		}
		// Slices of length n let the compiler drop the bounds checks of
		// this loop, which runs for most characters of every text.
		base := int(row) * n
		weights := s.weights[base : base+n]
		dist := dist[:len(weights)]
		for l, w := range weights {
			dist[l] += int(w)
		}
		if seen[row/64]&(1<<(row%64)) == 0 {
			seen[row/64] |= 1 << (row % 64)
			occurs := s.occurs[base : base+n]
			count := count[:len(occurs)]
			for l, o := range occurs {
				count[l] += int(o)
			}
		}
	}
	// The trigrams of the text lower-cased, its stop characters read as
	// spaces, after a space and before a final one, without those that are
	// a space next to a space, as whatlanggo's count makes them.
	r1, r2 := ' ', rune(-1)
	for _, r := range text {
		switch {
		case r >= utf8.RuneSelf:
			if isStopChar(r) {
				r = ' '
			} else {
				r = unicode.ToLower(r)
			}
		case stopASCII[r]:
			r = ' '
		case 'A' <= r && r <= 'Z':
			r += 'a' - 'A' // unicode.ToLower, for ASCII
		}
		if r2 < 0 {
			r2 = r
			continue
		}
		if !(r2 == ' ' && (r1 == ' ' || r == ' ')) {
			add(r1, r2, r)
		}
		r1, r2 = r2, r
	}
	// The final space closes a last trigram unless the text ends in one.
	if r2 >= 0 && r2 != ' ' {
		add(r1, r2, ' ')
	}
	return confidence(dist, count)
}

// confidence is whatlanggo's calculateConfidence over the languages'
// distances and matched trigram counts: the language of the highest
// distance, and how far ahead of the second it is. When two languages tie
// at the top, whatlanggo's choice between them depends on map order, but
// its confidence is 0 either way.
func confidence(dist, count []int) (int, float64) {
	switch len(dist) {
	case 0:
		return -1, 0
	case 1:
		return 0, 1
	}
	first, second := -1, -1
	for l := range dist {
		switch {
		case first < 0 || dist[l] > dist[first]:
			first, second = l, first
		case second < 0 || dist[l] > dist[second]:
			second = l
		}
	}
	score1, score2 := dist[first], dist[second]
	switch {
	case score1 == 0:
		return -1, 0
	case score2 == 0:
		// whatlanggo divides integers here: 0 below 500, then 1.
		return first, min(float64(score1/500), 1.0)
	}
	rate := float64(score1-score2) / float64(score2)
	confidentRate := 12.0/float64(count[first]) + 0.05
	c := 1.0
	if rate <= confidentRate {
		c = rate / confidentRate
	}
	return first, math.Round(c*100) / 100
}
