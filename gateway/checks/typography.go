package checks

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// EnglishTypography rewrites the French typography that engines such as
// Apertium leave in an English output, and nothing else:
//
//   - « and » become straight double quotes ("), with the spaces inside them
//     (space, no-break space U+00A0, narrow no-break space U+202F, thin
//     space U+2009) removed: `to « a significant dialogue » with` becomes
//     `to "a significant dialogue" with`. Straight quotes, because the
//     English around them, from LLMs, Apertium or the WMT references alike,
//     uses straight quotes and apostrophes: curly ones here would mix two
//     styles in one article, and downstream users searching or comparing
//     text type the straight one.
//   - ‹ and › (quotes inside quotes) become ‘ and ’, not a straight ': the
//     words they surround often hold apostrophes ("‹ l'État ›"), which a
//     straight quote could not be told from.
//   - a space left before a full stop or a comma that ends a word (Apertium's
//     "it would not resign .") is removed;
//   - the space before ; : ! ? % is removed ("Why ?" becomes "Why?", "Note :
//     x" "Note: x", "25 %" "25%"), unless it starts a line.
//
// Numbers keep their digits: "3,5" stays "3,5". A comma between digits is a
// French decimal mark in an Apertium output but a thousands separator in an
// LLM's ("1,500"), and the output alone cannot tell which engine wrote it;
// EnglishNumbers, which reads the source too, can.
// URLs, times ("14:30") and ratios ("3:1") have no space before their colon
// and are left alone, and so is the space after a URL ("see
// https://example.org ?" keeps it, lest the mark be read as part of the
// address).
func EnglishTypography(s string) string {
	if !rewritesMarks(s) {
		return tightenStops(s)
	}
	var b strings.Builder
	b.Grow(len(s))
	// pending holds spaces not yet written: they are dropped if a mark
	// that takes no space before it follows.
	var pending strings.Builder
	lineStart := true
	flush := func() {
		b.WriteString(pending.String())
		pending.Reset()
	}
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		i += n
		switch {
		case isFrenchSpace(r):
			pending.WriteRune(r)
			continue
		case r == '«' || r == '‹':
			flush()
			if r == '«' {
				b.WriteByte('"')
			} else {
				b.WriteRune('‘')
			}
			// Skip the spaces inside the opening mark.
			for i < len(s) {
				r2, n2 := utf8.DecodeRuneInString(s[i:])
				if !isFrenchSpace(r2) {
					break
				}
				i += n2
			}
		case r == '»' || r == '›':
			pending.Reset()
			if r == '»' {
				b.WriteByte('"')
			} else {
				b.WriteRune('’')
			}
		case strings.ContainsRune(";:!?%", r):
			if lineStart || endsWithAddress(b.String()) {
				flush()
			} else {
				pending.Reset()
			}
			b.WriteRune(r)
		default:
			flush()
			b.WriteRune(r)
		}
		lineStart = r == '\n'
	}
	flush()
	return tightenStops(b.String())
}

// rewritesMarks reports whether the loop of EnglishTypography could give
// anything but s: when s has a guillemet, a mark of ";:!?%" right after a
// space it might drop, or such a mark and invalid UTF-8 (which the loop
// writes as U+FFFD, and which a text without a mark keeps). Otherwise the
// loop writes every rune back as it was, spaces included, in order. Most
// outputs are English with colons or question marks that no space
// precedes: they skip the loop and its copy. The marks are rare, so s is
// searched for them rather than read rune by rune.
func rewritesMarks(s string) bool {
	if hasGuillemet(s) {
		return true
	}
	mark := false
	for i := 0; ; i++ {
		j := strings.IndexAny(s[i:], ";:!?%")
		if j < 0 {
			break
		}
		i += j
		mark = true
		// In valid UTF-8 the rune before i read backwards is the one read
		// forwards; invalid UTF-8 with a mark answers true below anyway.
		if r, _ := utf8.DecodeLastRuneInString(s[:i]); isFrenchSpace(r) {
			return true
		}
	}
	return mark && !utf8.ValidString(s)
}

// hasGuillemet reports whether s has one of « » ‹ ›. Their lead bytes,
// 0xC2 and 0xE2, never continue another character, so their bytes are found
// only where the characters are.
func hasGuillemet(s string) bool {
	for i := 0; ; i++ {
		j := strings.IndexByte(s[i:], 0xC2)
		if j < 0 {
			break
		}
		i += j
		if i+1 < len(s) && (s[i+1] == 0xAB || s[i+1] == 0xBB) { // « »
			return true
		}
	}
	for i := 0; ; i++ {
		j := strings.IndexByte(s[i:], 0xE2)
		if j < 0 {
			return false
		}
		i += j
		if i+2 < len(s) && s[i+1] == 0x80 && (s[i+2] == 0xB9 || s[i+2] == 0xBA) { // ‹ ›
			return true
		}
	}
}

// isFrenchSpace reports whether r is a space French puts inside guillemets
// and before high punctuation. A line break is not one.
func isFrenchSpace(r rune) bool {
	return r == ' ' || r == '\u00a0' || r == '\u202f' || r == '\u2009' || r == '\t' || (unicode.IsSpace(r) && r != '\n' && r != '\r')
}

// endsWithAddress reports whether the last word of s is a URL, after which
// a space is kept: "https://example.org:" would read as part of the address.
func endsWithAddress(s string) bool {
	word := s
	if i := strings.LastIndexFunc(s, unicode.IsSpace); i >= 0 {
		_, n := utf8.DecodeRuneInString(s[i:])
		word = s[i+n:]
	}
	return strings.Contains(word, "://") || strings.HasPrefix(word, "www.")
}

// spaceBeforeStop matches spaces between a word and a full stop or comma that
// is followed by a word, a closing quote or the end: never a decimal such as
// " .5" or a spaced ellipsis (". . .").
var spaceBeforeStop = regexp.MustCompile(`([\p{L}\p{N})"'’»])[ \x{00A0}\x{202F}]+([.,])(\s[^.\s]|["'’»)]|\s*$)`)

func tightenStops(s string) string {
	if !hasSpaceBeforeStop(s) {
		return s
	}
	// Matches cannot overlap ("a , b , c"), so repeat until nothing
	// changes: each pass removes spaces, so the loop ends.
	for {
		next := spaceBeforeStop.ReplaceAllString(s, "$1$2$3")
		if next == s {
			return s
		}
		s = next
	}
}

// hasSpaceBeforeStop reports whether a space, a no-break space or a narrow
// no-break space is right before a full stop or a comma somewhere in s,
// which every match of spaceBeforeStop needs. The lead bytes of those
// spaces never continue another character, so their bytes are found only
// where the characters are.
func hasSpaceBeforeStop(s string) bool {
	for i := 0; ; i++ {
		j := strings.IndexAny(s[i:], ".,")
		if j < 0 {
			return false
		}
		i += j
		before := s[:i]
		if strings.HasSuffix(before, " ") || strings.HasSuffix(before, "\u00a0") || strings.HasSuffix(before, "\u202f") {
			return true
		}
	}
}
