package article

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Sentences splits French or English text into sentences and returns them in
// order, each a trimmed substring of text (nothing is copied). Text with no
// letters or punctuation still comes back as one sentence; empty or blank text
// returns nil.
//
// A sentence ends at '.', '?', '!', '…' or "..." (with any closing quotes,
// guillemets or brackets that follow, French spacing included: « Non . »),
// when the next word does not start with a lower-case letter. A period does
// not end a sentence after a known abbreviation (M., MM., Dr., Mr., St., …),
// an initial (J. K. Rowling), a dotted acronym (U.S.), or an abbreviation that
// precedes a number (25 avr. 2019, p. 12). Decimals (3.5) and thousands
// (41.000) never split. A blank line always ends a sentence; a single line
// break ends one unless the next line starts in lower case, which marks a
// hard-wrapped line.
//
// Some text loses its paragraph breaks on the way to us ("son existence.Pourquoi
// maintenant ?"), so a period glued to a capitalised word still ends a sentence
// when the word before it ends in lower case or a digit: "M.Macron" does not.
//
// Known limits, chosen because the other reading is rarer in news: a sentence
// that really ends with an initial or an acronym ("la vitamine C.", "the U.S.")
// is joined to the next one.
func Sentences(text string) []string {
	var out []string
	start := 0
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		switch r {
		case '\n':
			if lineBreakEnds(text, i) {
				out = appendSentence(out, text[start:i])
				start = i + 1
			}
		case '.', '?', '!', '…':
			end, ok := sentenceEnd(text, i)
			if ok {
				out = appendSentence(out, text[start:end])
				start = end
			}
			i = end
			continue
		}
		i += size
	}
	return appendSentence(out, text[start:])
}

func appendSentence(out []string, s string) []string {
	s = strings.TrimSpace(s)
	if s == "" {
		return out
	}
	return append(out, s)
}

// lineBreakEnds reports whether the line break at text[i] ends a sentence.
func lineBreakEnds(text string, i int) bool {
	newlines := 0
	for j := i; j < len(text); {
		r, size := utf8.DecodeRuneInString(text[j:])
		switch {
		case r == '\n':
			newlines++
		case unicode.IsSpace(r):
		default:
			return newlines > 1 || !unicode.IsLower(r)
		}
		j += size
	}
	return true
}

// sentenceEnd looks at the run of end punctuation starting at text[i]. It
// returns the byte offset just past the run and its closing quotes, and whether
// a sentence ends there.
func sentenceEnd(text string, i int) (end int, ok bool) {
	// The run: "?!", "...", "?..", and French spacing between marks ("? !").
	j, dots, strong, ellipsis := i, 0, false, false
run:
	for j < len(text) {
		r, size := utf8.DecodeRuneInString(text[j:])
		switch r {
		case '.':
			dots++
		case '?', '!':
			strong = true
		case '…':
			ellipsis = true
		default:
			if isInlineSpace(r) {
				if k := skipInlineSpace(text, j); k < len(text) && (text[k] == '?' || text[k] == '!') {
					j = k
					continue
				}
			}
			break run
		}
		j += size
	}
	if dots > 1 {
		ellipsis = true
	}
	single := dots == 1 && !strong && !ellipsis
	before, _ := utf8.DecodeLastRuneInString(text[:i])
	if ellipsis && !strong && (before == '[' || before == '(') {
		return j, false // "[...]" marks a cut inside a quotation.
	}

	// Closing quotes and brackets belong to the sentence they close. A space
	// may stand before a guillemet («  … . ») but not before a straight quote,
	// which after a space more likely opens the next sentence.
	k := j
	for k < len(text) {
		r, size := utf8.DecodeRuneInString(text[k:])
		if isClosingMark(r) {
			k += size
			continue
		}
		if isInlineSpace(r) {
			m := skipInlineSpace(text, k)
			if r2, size2 := utf8.DecodeRuneInString(text[m:]); r2 == '»' || r2 == '”' {
				k = m + size2
				continue
			}
		}
		break
	}
	if k == len(text) {
		return k, true
	}

	next, _ := utf8.DecodeRuneInString(text[k:])
	if !unicode.IsSpace(next) {
		return k, gluedEnd(text, i, k, single)
	}
	m := k
	for m < len(text) {
		r, size := utf8.DecodeRuneInString(text[m:])
		if !unicode.IsSpace(r) {
			break
		}
		m += size
	}
	if m == len(text) {
		return k, true
	}
	next, _ = utf8.DecodeRuneInString(text[m:])
	if unicode.IsLower(next) {
		return k, false
	}
	if single && abbreviation(text[:i], next) {
		return k, false
	}
	return k, true
}

// gluedEnd reports whether end punctuation with no space after it ends a sentence:
// only before a capitalised word ("existence.Pourquoi", "2017.L'OMS"), and for
// a lone period only after lower case, a digit or a closing quote, so that
// "M.Macron", "U.S.A" and "41.000" hold together.
func gluedEnd(text string, i, k int, single bool) bool {
	r, size := utf8.DecodeRuneInString(text[k:])
	if !unicode.IsUpper(r) {
		return false
	}
	r2, _ := utf8.DecodeRuneInString(text[k+size:])
	if !unicode.IsLower(r2) && r2 != '\'' && r2 != '’' {
		return false
	}
	if !single {
		return true
	}
	before, _ := utf8.DecodeLastRuneInString(text[:i])
	return unicode.IsLower(before) || unicode.IsDigit(before) || isClosingMark(before)
}

// abbreviation reports whether the word that ends head (the text before a
// period) is an abbreviation, given the first character of the next word.
func abbreviation(head string, next rune) bool {
	ws := len(head)
	for ws > 0 {
		r, size := utf8.DecodeLastRuneInString(head[:ws])
		if !unicode.IsLetter(r) && r != '.' {
			break
		}
		ws -= size
	}
	word := strings.TrimLeft(head[ws:], ".")
	if word == "" {
		return false
	}
	if dot := strings.LastIndexByte(word, '.'); dot >= 0 {
		// U.S., e.g., a.m.: short letters between dots; not "U.S.Army".
		return utf8.RuneCountInString(word[dot+1:]) <= 2
	}
	if r, size := utf8.DecodeRuneInString(word); size == len(word) && unicode.IsUpper(r) {
		return true // an initial
	}
	if _, ok := abbrevTitles[word]; ok {
		return true
	}
	if unicode.IsDigit(next) {
		_, ok := abbrevBeforeNumber[strings.ToLower(word)]
		return ok
	}
	return false
}

// abbrevTitles are abbreviations that stand before a name or a capitalised word and
// so are never followed by a sentence end. Case matters: "me." ends sentences,
// "Me." (Maître) does not.
var abbrevTitles = wordSet(
	// French
	"M", "MM", "Mme", "Mmes", "Mlle", "Mlles", "Mgr", "Me", "Dr", "Pr", "Prof",
	"St", "Ste", "Sts", "Gén", "Cdt", "Cne", "Lt", "Col", "Cie", "av", "apr", "cf", "Cf",
	// English
	"Mr", "Mrs", "Ms", "Messrs", "Jr", "Sr", "Gen", "Gov", "Sen", "Rep", "Rev", "Sgt",
	"Capt", "Mt", "Ft", "vs", "Inc", "Ltd", "Corp", "Co",
)

// abbrevBeforeNumber are abbreviations that stand before a number: months ("25 avr.
// 2019", "Jan. 5"), pages, numbers and volumes. Matched in lower case.
var abbrevBeforeNumber = wordSet(
	"janv", "févr", "fév", "avr", "juil", "sept", "oct", "nov", "déc",
	"jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "dec",
	"p", "pp", "n", "no", "nos", "vol", "art", "chap", "ch", "fig", "éd", "ed", "t", "env", "approx",
)

func wordSet(words ...string) map[string]struct{} {
	m := make(map[string]struct{}, len(words))
	for _, w := range words {
		m[w] = struct{}{}
	}
	return m
}

func isClosingMark(r rune) bool {
	switch r {
	case '»', '”', '’', '"', '\'', ')', ']':
		return true
	}
	return false
}

// isInlineSpace is a space inside a line, including the no-break and narrow
// no-break spaces French puts before ? ! and ».
func isInlineSpace(r rune) bool {
	return r == ' ' || r == '\t' || r == '\u00a0' || r == '\u202f' || r == '\u2009'
}

func skipInlineSpace(text string, j int) int {
	for j < len(text) {
		r, size := utf8.DecodeRuneInString(text[j:])
		if !isInlineSpace(r) {
			break
		}
		j += size
	}
	return j
}
