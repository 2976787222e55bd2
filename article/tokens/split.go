package tokens

import (
	"unicode"
	"unicode/utf8"
)

// The byte-pair encodings first split a text into pieces with a regular
// expression, then encode each piece on its own. github.com/tiktoken-go/tokenizer
// runs that expression with github.com/dlclark/regexp2, which allocates a
// match object for every piece (a token or two): splitting was most of the
// time and memory of a count. The functions below return the pieces its
// compiled expressions (codec/regexp.gen.go, for o200k_base and cl100k_base)
// return, branch by branch and with the same character classes, without
// allocating. TestSplitMatchesTheCodec holds them to the codec's own
// expressions.

// The ASCII bitmaps of the compiled expressions' two negated classes, bit c
// for character c: [^\r\n\p{L}\p{N}] and [^\s\p{L}\p{N}]. As compiled,
// neither holds DEL (0x7f).
const (
	notNewlineLetterDigitLo, notNewlineLetterDigitHi = 0xfc00ffffffffdbff, 0x78000001f8000001
	notSpaceLetterDigitLo, notSpaceLetterDigitHi     = 0xfc00fffeffffc1ff, 0x78000001f8000001
)

func inASCIIBitmap(r rune, lo, hi uint64) bool {
	if r < 64 {
		return lo&(1<<uint(r)) != 0
	}
	return hi&(1<<uint(r-64)) != 0
}

// isPrefix is [^\r\n\p{L}\p{N}].
func isPrefix(r rune) bool {
	if r < utf8.RuneSelf {
		return inASCIIBitmap(r, notNewlineLetterDigitLo, notNewlineLetterDigitHi)
	}
	return !unicode.In(r, unicode.L, unicode.N)
}

// isSymbol is [^\s\p{L}\p{N}].
func isSymbol(r rune) bool {
	if r < utf8.RuneSelf {
		return inASCIIBitmap(r, notSpaceLetterDigitLo, notSpaceLetterDigitHi)
	}
	return !unicode.IsSpace(r) && !unicode.In(r, unicode.L, unicode.N)
}

// isUpperish is [\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}].
func isUpperish(r rune) bool {
	if r < utf8.RuneSelf {
		return 'A' <= r && r <= 'Z'
	}
	return unicode.In(r, unicode.Lu, unicode.Lt, unicode.Lm, unicode.Lo, unicode.M)
}

// isLowerish is [\p{Ll}\p{Lm}\p{Lo}\p{M}].
func isLowerish(r rune) bool {
	if r < utf8.RuneSelf {
		return 'a' <= r && r <= 'z'
	}
	return unicode.In(r, unicode.Ll, unicode.Lm, unicode.Lo, unicode.M)
}

func isLetter(r rune) bool {
	if r < utf8.RuneSelf {
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z'
	}
	return unicode.In(r, unicode.L)
}

func isNumber(r rune) bool {
	if r < utf8.RuneSelf {
		return '0' <= r && r <= '9'
	}
	return unicode.In(r, unicode.N)
}

func isNewline(r rune) bool { return r == '\n' || r == '\r' }

func firstRune(s string) (rune, int) {
	if s == "" {
		return -1, 0
	}
	if s[0] < utf8.RuneSelf {
		return rune(s[0]), 1
	}
	return utf8.DecodeRuneInString(s)
}

// run returns the length in bytes of the longest prefix of s whose runes
// are in class, at most max runes (max < 0: no limit).
func run(s string, class func(rune) bool, max int) int {
	i := 0
	for n := 0; n != max; n++ {
		r, size := firstRune(s[i:])
		if size == 0 || !class(r) {
			break
		}
		i += size
	}
	return i
}

// contraction returns the length of (?i:'s|'t|'re|'ve|'m|'ll|'d) at the
// start of s, 0 when there is none. As compiled, 's matches the long s ſ too.
func contraction(s string) int {
	if len(s) < 2 || s[0] != '\'' {
		return 0
	}
	r, n := firstRune(s[1:])
	third := func(want byte) int {
		if len(s) > 1+n && s[1+n]|0x20 == want {
			return 2 + n
		}
		return 0
	}
	switch r {
	case 'S', 'T', 's', 't', 'ſ', 'M', 'm', 'D', 'd':
		return 1 + n
	case 'R', 'r', 'V', 'v':
		return third('e')
	case 'L', 'l':
		return third('l')
	}
	return 0
}

// prefixLen returns the length of [^\r\n\p{L}\p{N}]? at the start of s.
func prefixLen(s string) int {
	if r, n := firstRune(s); n > 0 && isPrefix(r) {
		return n
	}
	return 0
}

// o200kPiece returns the length of the first piece of s, as the o200k_base
// expression splits it:
//
//	[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?
//	|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?
//	|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+
//
// It returns 0 when nothing matches at the start of s (a DEL): the
// expression then skips that character.
func o200kPiece(s string) int {
	// Words: the prefix is tried, then left out.
	for _, p := range [2]int{prefixLen(s), 0} {
		upper := p + run(s[p:], isUpperish, -1)
		for e := upper; ; {
			if l := run(s[e:], isLowerish, -1); l > 0 {
				return e + l + contraction(s[e+l:])
			}
			if e == p {
				break
			}
			_, n := utf8.DecodeLastRuneInString(s[:e])
			e -= n
		}
		if p == 0 {
			break
		}
	}
	for _, p := range [2]int{prefixLen(s), 0} {
		if u := run(s[p:], isUpperish, -1); u > 0 {
			e := p + u
			e += run(s[e:], isLowerish, -1)
			return e + contraction(s[e:])
		}
		if p == 0 {
			break
		}
	}
	return numbersOrSpaces(s, func(r rune) bool { return isNewline(r) || r == '/' })
}

// cl100kPiece returns the length of the first piece of s, as the cl100k_base
// expression splits it:
//
//	(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}
//	| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
//
// It returns 0 when nothing matches at the start of s (a DEL).
func cl100kPiece(s string) int {
	if n := contraction(s); n > 0 {
		return n
	}
	for _, p := range [2]int{prefixLen(s), 0} {
		if l := run(s[p:], isLetter, -1); l > 0 {
			return p + l
		}
		if p == 0 {
			break
		}
	}
	return numbersOrSpaces(s, isNewline)
}

// numbersOrSpaces matches the branches the two expressions share, after
// their words: \p{N}{1,3}| ?[^\s\p{L}\p{N}]+[trail]*|\s*[\r\n]+|\s+(?!\S)|\s+.
func numbersOrSpaces(s string, trail func(rune) bool) int {
	if n := run(s, isNumber, 3); n > 0 {
		return n
	}
	p := 0
	if s != "" && s[0] == ' ' {
		p = 1 // atomic: not given back
	}
	if n := run(s[p:], isSymbol, -1); n > 0 {
		e := p + n
		return e + run(s[e:], trail, -1)
	}
	spaces := run(s, unicode.IsSpace, -1)
	if spaces == 0 {
		return 0
	}
	// \s*[\r\n]+: line breaks are spaces, so \s* takes them all and the
	// compiled expression backs off to the first line break among them
	// (not the last, as a backtracking engine would), then takes the line
	// breaks from there.
	for i := 0; i < spaces; {
		r, n := firstRune(s[i:])
		if isNewline(r) {
			return i + run(s[i:], isNewline, -1)
		}
		i += n
	}
	// \s+(?!\S): the spaces but the last, which goes with what follows;
	// all of them at the end of the text.
	if spaces == len(s) {
		return spaces
	}
	_, last := utf8.DecodeLastRuneInString(s[:spaces])
	if spaces > last {
		return spaces - last
	}
	return spaces // \s+
}
