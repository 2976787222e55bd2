package checks

import (
	"strings"
	"unicode/utf8"
)

// ratioBand holds the accepted output/source length ratios for sources of at
// least minChars characters; see the package comment for their derivation.
type ratioBand struct {
	minChars int
	lo, hi   float64
}

// ratioBands is ordered by decreasing minChars; a source shorter than the
// last band is not checked.
var ratioBands = []ratioBand{
	{200, 0.42, 1.5},
	{50, 0.24, 2.0},
	{20, 0.24, 2.3},
}

// lengthRatio returns the output/source ratio in characters (runes, outer
// spaces trimmed) and the bounds for a source of that size; ok is false when
// the source is too short to check.
func lengthRatio(src, out string) (r, lo, hi float64, ok bool) {
	n := utf8.RuneCountInString(strings.TrimSpace(src))
	for _, b := range ratioBands {
		if n >= b.minChars {
			return float64(utf8.RuneCountInString(strings.TrimSpace(out))) / float64(n), b.lo, b.hi, true
		}
	}
	return 0, 0, 0, false
}

// tooShort reports whether out is below the lower length bound for src.
func tooShort(src, out string) bool {
	r, lo, _, ok := lengthRatio(src, out)
	return ok && r < lo
}
