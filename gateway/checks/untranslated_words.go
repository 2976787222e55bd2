package checks

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"io"
	"regexp"
	"sort"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// CheckUntranslatedWords names the words of an English output that are no
// English: French an engine left as it was ("a soul bienveillante"), or
// Spanish the fra→spa→eng pivot of Apertium leaves ("millardo",
// "norcoreano"). It is no failure: the paragraph passed the checks and is
// returned and cached; the words are reported so that an editor sees them.
const CheckUntranslatedWords = "untranslated_words"

// english.txt.gz is the union of Debian's wamerican-large and
// wbritish-large word lists (SCOWL size 70, see english.NOTICE), lower-case
// entries only, possessives dropped: 118,959 words with their inflections,
// 326 KB compressed. The smaller lists (size 50) lack words of the news
// such as "boson", "mafia" or "domiciliary"; this one also holds the loans
// English writes ("bonhomie", "diktat"), which are no leak.
//
//go:embed english.txt.gz
var englishGz []byte

// lexicon is the embedded word list, read on first use: its text, one
// word a line in byte order, and the offset of each line, which binary
// search looks words up in (2 MB, a fifth of a map's size).
type lexicon struct {
	text  string
	lines []uint32
}

func (l *lexicon) word(i int) string {
	end := len(l.text)
	if i+1 < len(l.lines) {
		end = int(l.lines[i+1]) - 1
	}
	return l.text[l.lines[i]:end]
}

func (l *lexicon) has(w string) bool {
	i, ok := sort.Find(len(l.lines), func(i int) int { return strings.Compare(w, l.word(i)) })
	return ok && i < len(l.lines)
}

var englishLexicon = sync.OnceValue(func() *lexicon {
	zr, err := gzip.NewReader(bytes.NewReader(englishGz))
	if err != nil {
		panic("checks: embedded English lexicon: " + err.Error())
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		panic("checks: embedded English lexicon: " + err.Error())
	}
	text := strings.TrimSuffix(string(b), "\n")
	l := &lexicon{text: text, lines: make([]uint32, 0, 120000)}
	for i := 0; i < len(text); {
		l.lines = append(l.lines, uint32(i))
		n := strings.IndexByte(text[i:], '\n')
		if n < 0 {
			break
		}
		i += n + 1
	}
	return l
})

// IsEnglishWord reports whether the lower-case word w is in the English
// lexicon.
func IsEnglishWord(w string) bool { return englishLexicon().has(w) }

// minUntranslatedLetters is the shortest word judged: shorter ones ("y",
// "el", "la") are English abbreviations or notes as often as leaks, and an
// editor learns nothing from them.
const minUntranslatedLetters = 3

// UntranslatedWords returns the distinct words of out, an English
// translation of src, that are no English, in their order in out. A word
// is judged only when it is written in lower case: a capitalised one is a
// name, an acronym or the first word of a sentence, and names are copied
// as they are. Numbers, addresses, handles and hashtags (which protected
// spans carry through) are not words. A word copied unchanged from src
// is reported all the same when it is lower case and no English: it is
// French the engine left. A quotation kept whole as src writes it
// ("« un dialogue significatif »" as "\"un dialogue significatif\"") was
// kept on purpose, and its words are not judged. An output that is src
// itself (a paragraph already in English, kept as it was) has none.
func UntranslatedWords(src, out string) []string {
	if sameText(src, out) {
		return nil
	}
	var found []string
	seen := map[string]bool{}
	out = keptQuotations.ReplaceAllStringFunc(out, func(q string) string {
		_, open := utf8.DecodeRuneInString(q)
		_, closing := utf8.DecodeLastRuneInString(q)
		if inner := strings.TrimSpace(q[open : len(q)-closing]); inner != "" && strings.Contains(src, inner) {
			return " "
		}
		return q
	})
	for _, field := range strings.Fields(out) {
		if isHandle(field) || looksLikeAddress(field) {
			continue
		}
		for _, w := range fieldWords(field) {
			if seen[w] || !foreignWord(w) {
				continue
			}
			seen[w] = true
			found = append(found, w)
		}
	}
	return found
}

// keptQuotations matches a quotation between double quotes or guillemets.
var keptQuotations = regexp.MustCompile(`"[^"]+"|“[^”]+”|«[^»]+»`)

// foreignWord reports whether w, one word of a field, is a lower-case word
// of enough letters that the lexicon lacks.
func foreignWord(w string) bool {
	if utf8.RuneCountInString(w) < minUntranslatedLetters {
		return false
	}
	for _, r := range w {
		if !unicode.IsLower(r) && r != '\'' {
			return false // a name, an acronym, a word with a digit
		}
	}
	if IsEnglishWord(w) || IsEnglishWord(diaeresisFolder.Replace(w)) {
		return false
	}
	// "don't" is in the lexicon; "l'état" and "aujourd'hui" are judged by
	// their parts.
	if strings.Contains(w, "'") {
		for _, part := range strings.Split(w, "'") {
			if foreignWord(part) {
				return true
			}
		}
		return false
	}
	return true
}

// diaeresisFolder folds the diaeresis English writes on some words
// ("naïve", "coöperate") and its word lists do not. Other accents are
// French evidence: "réputé" is no "repute".
var diaeresisFolder = strings.NewReplacer("ä", "a", "ë", "e", "ï", "i", "ö", "o", "ü", "u")

// apostrophes writes the typographic apostrophes as ' .
var apostrophes = strings.NewReplacer("’", "'", "‘", "'")

// fieldWords splits a run of non-space characters into its words: runs of
// letters, with an apostrophe inside a word kept (as ' ), a possessive "'s"
// or a closing apostrophe dropped. Hyphens, dashes, digits and punctuation
// separate words.
func fieldWords(field string) []string {
	field = apostrophes.Replace(field)
	var words []string
	for _, w := range strings.FieldsFunc(field, func(r rune) bool { return !unicode.IsLetter(r) && r != '\'' }) {
		w = strings.Trim(w, "'")
		w = strings.TrimSuffix(w, "'s")
		if w != "" {
			words = append(words, w)
		}
	}
	return words
}

// looksLikeAddress reports whether a field is a domain or a path
// ("t.co/abc", "lemonde.fr", "a/b"): a dot between two letters, or a
// slash.
func looksLikeAddress(field string) bool {
	if strings.Contains(field, "/") {
		return true
	}
	field = strings.TrimRight(field, ".,;:!?)]}\"'’»")
	for i := 1; i < len(field)-1; i++ {
		if field[i] == '.' && isLetterByte(field[i-1]) && isLetterByte(field[i+1]) {
			return true
		}
	}
	return false
}
