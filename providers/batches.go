package providers

import "unicode/utf8"

// SplitBatches packs the segments at indexes send, in order, into batches
// of at most maxN segments and maxChars characters, for engines that bound
// both per request. A segment longer than maxChars gets a batch of its own.
func SplitBatches(segments []string, send []int, maxN, maxChars int) [][]int {
	var batches [][]int
	var cur []int
	n := 0
	for _, i := range send {
		c := utf8.RuneCountInString(segments[i])
		if len(cur) > 0 && (len(cur) == maxN || n+c > maxChars) {
			batches = append(batches, cur)
			cur, n = nil, 0
		}
		cur = append(cur, i)
		n += c
	}
	if len(cur) > 0 {
		batches = append(batches, cur)
	}
	return batches
}
