package article

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// No-break spaces carry meaning in French typography (before « ; : ! ? » and
// inside numbers), so a lone one is kept; only a run that contains one is folded.
const (
	noBreakSpace       = '\u00a0'
	narrowNoBreakSpace = '\u202f'
)

// Normalize folds what must not change a cache key or a translation, and keeps
// everything else, case and punctuation included:
//
//   - CRLF and lone CR become LF; U+2028 (line separator) becomes LF and
//     U+2029 (paragraph separator) a blank line.
//   - Zero-width and invisible characters are removed: U+200B (zero-width
//     space), U+FEFF (BOM), U+2060 (word joiner) and U+00AD (soft hyphen, which
//     web pages scatter inside long words).
//   - Horizontal white space (space, tab, the other Unicode spaces U+2000–U+200A,
//     U+205F, U+3000) is folded: a run becomes one character, an ordinary space,
//     unless the run holds a no-break space (U+00A0) or narrow no-break space
//     (U+202F), in which case the first of those is kept so that the
//     typographic intent survives. A lone no-break space is kept as it is.
//   - White space at the end of each line is removed, so a line of spaces is
//     a blank line.
//   - Blank lines at the start and the end are removed, and a run of blank
//     lines inside the text becomes one blank line: a blank line is what
//     separates paragraphs, and more of them says nothing more.
//   - The result is in Unicode NFC, so a decomposed "é" (e + U+0301) and a
//     precomposed one give the same string.
//
// Normalize never fails; applying it twice gives the same result as once.
func Normalize(s string) string {
	// Most texts are already normal (every article is normalised when it is
	// parsed, and so is every paragraph a provider returns): the output is
	// compared with s as it is produced, and built apart only from the first
	// difference on.
	var b strings.Builder
	building := false
	w := 0 // bytes of output so far, equal to s[:w] while !building
	emit := func(out string) {
		if !building {
			if strings.HasPrefix(s[w:], out) {
				w += len(out)
				return
			}
			building = true
			b.Grow(len(s))
			b.WriteString(s[:w])
		}
		b.WriteString(out)
		w += len(out)
	}

	var (
		spaces   int  // pending horizontal white space runes
		noBreak  rune // first no-break space of the pending run, or 0
		newlines int  // pending line breaks
	)
	// same emits s[at:end], which needs no comparison where it is also the
	// next of the output.
	same := func(at, end int) {
		if !building && w == at {
			w = end
			return
		}
		emit(s[at:end])
	}
	for i := 0; i < len(s); {
		if c := s[i]; c > ' ' && c < 0x7f && newlines == 0 && spaces == 0 {
			// A run of printable ASCII but spaces, the bulk of a text: as is.
			j := i + 1
			for j < len(s) && s[j] > ' ' && s[j] < 0x7f {
				j++
			}
			same(i, j)
			i = j
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		at := i
		i += size
		switch {
		case r == '\r':
			if i < len(s) && s[i] == '\n' {
				i++
			}
			spaces, noBreak = 0, 0
			newlines++
		case r == '\n', r == '\u2028':
			// White space before a line break is trailing: drop it.
			spaces, noBreak = 0, 0
			newlines++
		case r == '\u2029':
			spaces, noBreak = 0, 0
			newlines += 2
		case isInvisible(r):
			// Removed without ending a run, so "a \u200b b" folds like "a  b".
		case r == noBreakSpace, r == narrowNoBreakSpace:
			spaces++
			if noBreak == 0 {
				noBreak = r
			}
		case isHorizontalSpace(r):
			spaces++
		default:
			if newlines > 0 {
				// Leading blank lines (nothing written yet) are dropped.
				if w > 0 {
					emit("\n\n"[:min(newlines, 2)])
				}
				newlines = 0
			}
			if spaces > 0 {
				if noBreak != 0 {
					emit(string(noBreak))
				} else {
					emit(" ")
				}
				spaces, noBreak = 0, 0
			}
			if r == utf8.RuneError && size == 1 {
				emit(string(utf8.RuneError)) // an invalid byte becomes U+FFFD
			} else {
				same(at, i)
			}
		}
	}
	// Whatever is pending at the end is trailing white space or blank lines.
	var out string
	if building {
		out = b.String()
	} else {
		out = s[:w]
	}
	// NFC runs last: removing an invisible character can bring a base letter
	// and its combining mark together.
	return norm.NFC.String(out)
}

// isInvisible reports whether r is a character that has no visible effect in
// news text and only makes equal texts look different.
func isInvisible(r rune) bool {
	switch r {
	case '\u200b', '\ufeff', '\u2060', '\u00ad':
		return true
	}
	// Other control characters (C0 but for the white space handled apart,
	// DEL, C1) carry nothing a translation needs and must not reach a
	// provider or a cache key.
	return r < 0x20 && r != '\t' && r != '\n' && r != '\r' && r != '\v' && r != '\f' ||
		r == 0x7f || r >= 0x80 && r <= 0x9f && r != 0x85
}

// isHorizontalSpace reports whether r is a breaking space that folds into an
// ordinary space; the no-break spaces are handled apart.
func isHorizontalSpace(r rune) bool {
	switch {
	case r == ' ', r == '\t', r == '\v', r == '\f', r == '\u0085', r == '\u1680':
		return true
	case r >= '\u2000' && r <= '\u200a', r == '\u205f', r == '\u3000':
		return true
	}
	return false
}
