package language

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// signal returns the words of text that say something about its language,
// joined by spaces, and how many letters they hold.
//
// Proper names and acronyms are set aside: "Vladimir Poutine", "Deutsche
// Bank" or "UNASUR" look like the language they come from, not like the
// sentence around them, and on the WMT news sentences they were the cause of
// every confident mistake of the trigram detector (an English sentence listing
// Spanish footballers reads as Spanish). A name is a word starting with a
// capital letter that does not open a sentence; an acronym is a word of two
// or more capitals. URLs and e-mail addresses are set aside too.
//
// The cost falls on German, whose nouns are capitalised: what remains of a
// German sentence is its verbs and function words, which still identify it.
func signal(text string) (words string, letters int) {
	var b strings.Builder
	b.Grow(len(text))
	sentenceStart := true
	for rest := text; ; {
		var tok string
		if tok, rest = nextField(rest); tok == "" {
			break
		}
		opens := sentenceStart || opensQuote(tok)
		sentenceStart = endsSentence(tok)
		if isAddress(tok) {
			continue
		}
		word := trimNonLetters(tok)
		if word == "" {
			continue
		}
		first, _ := utf8.DecodeRuneInString(word)
		if isAcronym(word) || (unicode.IsUpper(first) && !opens) {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(tok)
		letters += countLetters(word)
	}
	return b.String(), letters
}

// trimNonLetters is strings.TrimFunc(tok, not unicode.IsLetter), with ASCII
// read byte by byte.
func trimNonLetters(tok string) string {
	isLetter := func(r rune) bool {
		if r < utf8.RuneSelf {
			return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z'
		}
		return unicode.IsLetter(r)
	}
	for tok != "" {
		r, n := rune(tok[0]), 1
		if r >= utf8.RuneSelf {
			r, n = utf8.DecodeRuneInString(tok)
		}
		if isLetter(r) {
			break
		}
		tok = tok[n:]
	}
	for tok != "" {
		r, n := rune(tok[len(tok)-1]), 1
		if r >= utf8.RuneSelf {
			r, n = utf8.DecodeLastRuneInString(tok)
		}
		if isLetter(r) {
			break
		}
		tok = tok[:len(tok)-n]
	}
	return tok
}

// nextField returns the first word of s as strings.Fields splits it, and
// what follows; tok is "" when s has no word left. The detector reads each
// text word by word once, without the slice Fields would allocate.
func nextField(s string) (tok, rest string) {
	start := -1
	for i := 0; i < len(s); {
		r, n := rune(s[i]), 1
		if r >= utf8.RuneSelf {
			r, n = utf8.DecodeRuneInString(s[i:])
		}
		if isSpace(r) {
			if start >= 0 {
				return s[start:i], s[i:]
			}
		} else if start < 0 {
			start = i
		}
		i += n
	}
	if start < 0 {
		return "", ""
	}
	return s[start:], ""
}

// asciiSpace holds the ASCII runes unicode.IsSpace accepts.
var asciiSpace = [utf8.RuneSelf]bool{'\t': true, '\n': true, '\v': true, '\f': true, '\r': true, ' ': true}

// isSpace is unicode.IsSpace, with ASCII, nearly every rune of a text,
// looked up in a table.
func isSpace(r rune) bool {
	if r < utf8.RuneSelf {
		return asciiSpace[r]
	}
	return unicode.IsSpace(r)
}

// endsSentence reports whether the word after tok opens a sentence (or a
// quotation, whose first word is capitalised in French and English alike).
func endsSentence(tok string) bool {
	last, n := utf8.DecodeLastRuneInString(tok)
	switch last {
	case '.':
		// An initial ("J.", or "FontaineJ." and "Nardi22J." in a team
		// sheet run together) ends a name, not a sentence: the capital
		// after it is another name. An acronym ("la SNCF.") does end one.
		rest := tok[:len(tok)-n]
		before, m := utf8.DecodeLastRuneInString(rest)
		if !unicode.IsUpper(before) {
			return true
		}
		prev, _ := utf8.DecodeLastRuneInString(rest[:len(rest)-m])
		return !(prev == utf8.RuneError || unicode.IsLower(prev) || unicode.IsDigit(prev))
	case '!', '?', ':', '«', '“', '"', '‹', '—', '–', '(', '[':
		return true
	}
	return tok == "-" // a dash opening a line of dialogue
}

// opensQuote reports whether tok starts with an opening quotation mark or
// bracket, after which a capital is no sign of a name.
func opensQuote(tok string) bool {
	first, _ := utf8.DecodeRuneInString(tok)
	switch first {
	case '«', '“', '"', '‹', '‘', '\'', '(', '[', '—', '–':
		return true
	}
	return false
}

// isAddress reports whether tok is a URL or an e-mail address: it has
// "://" or "@", or starts with "www.". Words are short: one pass over
// their bytes costs less than three searches.
func isAddress(tok string) bool {
	if strings.HasPrefix(tok, "www.") {
		return true
	}
	for i := 0; i < len(tok); i++ {
		switch tok[i] {
		case '@':
			return true
		case ':':
			if strings.HasPrefix(tok[i:], "://") {
				return true
			}
		}
	}
	return false
}

// isAcronym reports whether word has at least two letters, all capitals
// ("NATO", "PS", "SNCF"); "À" or "I" alone are not acronyms.
func isAcronym(word string) bool {
	upper := 0
	for _, r := range word {
		if unicode.IsLower(r) {
			return false
		}
		if unicode.IsUpper(r) {
			upper++
		}
	}
	return upper >= 2
}

func countLetters(s string) int {
	n := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' {
				n++
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if unicode.IsLetter(r) {
			n++
		}
		i += size
	}
	return n
}
