// Package checks decides whether one translated segment, or one summary
// (see Summary), may be returned and cached, and puts French typography and
// number style left in an English output right.
//
// Segment runs the checks in a fixed order and returns the first failure as a
// *Failure whose Check is a stable name:
//
//	empty           no letter or digit in the output while the source has some
//	refusal         the output opens with a refusal ("I'm sorry, but I can't", "As an AI")
//	injection       the output obeys an instruction hidden in the source: a canary word
//	                ("PWNED") the source lacks, or an output far too short that is an
//	                acknowledgement or a canary
//	preamble        the output opens with words about the translation ("Here is the
//	                translation", "Sure,", "Translation:", "Voici la traduction"), wraps
//	                itself in quotes or a code fence, or adds a "Note:" line
//	untranslated    the output is the source, though the languages differ, and the source
//	                shows it is French (an English quotation or a credit line in a French
//	                article comes back as it was, and rightly)
//	wrong_language  the detector is sure the output is in another language, and for
//	                French the output's words bear it out (a few French words an
//	                engine left in an English sentence do not make it French)
//	length_ratio    output characters / source characters outside the corpus bounds
//	numbers         a number of the source is missing from the output
//
// A fragment of HTML is checked by Markup first (markup: its tags,
// attributes included, are the source's, in order), then by Segment on its
// text alone (HTMLText): the markup is no text to judge.
//
// Repair fixes the harmless preamble cases instead (a label or announcing line,
// an acknowledgement line, wrapping quotes, a wrapping code fence); every other
// check only fails. The gateway calls Repair first, then Segment on what Repair
// returned, so a failure always means the provider's answer is not a
// translation of the segment.
//
// # Length ratio bounds
//
// Derived from the WMT newstest2012 and 2013 French sources and their human
// English references (6,003 sentence pairs, 2,540 paragraph pairs, 151
// documents, 32 of them written in French). The ratio is English characters
// over French characters, outer spaces trimmed:
//
//	unit        source chars   n      0.1th pct   median   99.9th pct   min / max
//	sentence    20-49          576    0.313       0.907    1.814        0.310 / 1.833
//	sentence    50-199         4224   0.401       0.883    1.587        0.270 / 1.821
//	sentence    200+           1104   0.531       0.873    1.200        0.489 / 1.308
//	paragraph   20-49          153    0.311       0.917    1.828        0.310 / 1.833
//	paragraph   50-199         678    0.305       0.873    1.519        0.270 / 1.641
//	paragraph   200+           1709   0.611       0.880    1.159        0.570 / 1.186
//	document    all            151    -           0.887    -            0.754 / 1.026
//	document    French-written 32     -           0.927    -            0.855 / 1.026
//
// For each size band the bounds take the lower of the sentence and paragraph
// 0.1th percentiles divided by 1.25 (rounded down to 0.01) and the higher of
// their 99.9th percentiles multiplied by 1.25 (rounded up to 0.1): engines
// paraphrase more or less than these human references, and a false failure
// costs a retry. Below 20 source characters (a name, a date, "Reuters") the
// ratio says nothing and is not checked:
//
//	source chars   bounds
//	< 20           not checked
//	20-49          0.24 - 2.3
//	50-199         0.24 - 2.0
//	200+           0.42 - 1.5
//
// TestLengthRatioFixture recomputes the ratios on the sentences and documents
// copied in testdata; TestLengthRatioCorpus recomputes the percentiles on the
// whole corpus (-corpus flag).
package checks

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Stable names of the checks, as found in Failure.Check.
const (
	CheckEmpty         = "empty"
	CheckWrongLanguage = "wrong_language"
	CheckUntranslated  = "untranslated"
	CheckLengthRatio   = "length_ratio"
	CheckPreamble      = "preamble"
	CheckRefusal       = "refusal"
	CheckInjection     = "injection"
	CheckNumbers       = "numbers"
)

// Failure is the error Segment returns: which check failed and why, in words
// fit for a log line (it quotes at most a few words of the output).
type Failure struct {
	Check  string
	Detail string
}

func (f *Failure) Error() string {
	return "output check " + f.Check + ": " + f.Detail
}

func fail(check, format string, args ...any) *Failure {
	return &Failure{Check: check, Detail: fmt.Sprintf(format, args...)}
}

// Detector identifies the language of a text, returning an ISO 639-1 code,
// or "" when it is unsure. language.Detector satisfies it.
type Detector interface {
	Detect(text string) (lang string, confidence float64)
}

// otherDetector is a Detector that can answer more cheaply whether a text
// is in another language than lang (language.Detector): other is what
// Detect answers when that is neither lang nor "", and "" otherwise.
type otherDetector interface {
	DetectOther(text, lang string) (other string, confidence float64)
}

// detectOther returns det's answer for text when it is another language
// than lang, and "" when it is lang or unsure.
func detectOther(det Detector, text, lang string) (string, float64) {
	if o, ok := det.(otherDetector); ok {
		return o.DetectOther(text, lang)
	}
	if got, conf := det.Detect(text); got != lang {
		return got, conf
	}
	return "", 0
}

// MinLanguageLetters is the size, in letters, below which the language of a
// text is not judged (an output here; in the gateway, a paragraph that might
// be kept as it is): the detector is wrong on 0.1% to 0.7% of sentences of
// 20 to 49 letters, and on none of 50 letters or more, in the corpus
// measurements of package language.
const MinLanguageLetters = 50

// Segment checks out, the translation of src from sourceLang into
// targetLang, and returns nil when it may be returned and cached, or a
// *Failure naming the first check it fails (see the package comment for the
// order). det may be nil, which skips the language check.
func Segment(src, out, sourceLang, targetLang string, det Detector) error {
	if !hasAlnum(out) {
		if hasAlnum(src) {
			return fail(CheckEmpty, "the output has no letter or digit")
		}
		return nil
	}
	if f := checkRefusal(src, out); f != nil {
		return f
	}
	if f := checkInjection(src, out); f != nil {
		return f
	}
	if f := checkPreamble(src, out); f != nil {
		return f
	}
	if sourceLang != targetLang && sameText(src, out) && hasCommonWord(src) && (sourceLang != "fr" || LooksFrench(src, det)) {
		return fail(CheckUntranslated, "the output is the source text")
	}
	// An output that is the source, let through above (names, an English
	// quotation), is not judged again by its language: the detector takes a
	// line of names for any language.
	if det != nil && CountLetters(out) >= MinLanguageLetters && !sameText(src, out) {
		if lang, conf := detectOther(det, out, targetLang); lang != "" && lang != targetLang && bearsOut(out, lang, targetLang) {
			return fail(CheckWrongLanguage, "the output reads as %q (confidence %.2f), want %q", lang, conf, targetLang)
		}
	}
	if r, lo, hi, ok := lengthRatio(src, out); ok && (r < lo || r > hi) {
		return fail(CheckLengthRatio, "output/source length ratio %.2f outside [%.2f, %.2f] for a source of %d characters",
			r, lo, hi, utf8.RuneCountInString(strings.TrimSpace(src)))
	}
	if missing := missingNumbers(src, out); len(missing) > 0 {
		return fail(CheckNumbers, "numbers of the source missing from the output: %s", strings.Join(missing, ", "))
	}
	return nil
}

func hasAlnum(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) >= 0
}

// CountLetters counts the letters of s.
func CountLetters(s string) int {
	n := 0
	for _, r := range s {
		if unicode.IsLetter(r) {
			n++
		}
	}
	return n
}

// sameText reports whether a and b are equal once spaces are folded: whether
// they have the same words, as strings.Fields splits them. It compares them
// word by word, without building the folded texts.
func sameText(a, b string) bool {
	for {
		var wa, wb string
		wa, a = nextWord(a)
		wb, b = nextWord(b)
		if wa != wb {
			return false
		}
		if wa == "" {
			return true
		}
	}
}

// nextWord returns the first word of s as strings.Fields splits it, and
// what follows; word is "" when s has no word left.
func nextWord(s string) (word, rest string) {
	start := strings.IndexFunc(s, func(r rune) bool { return !unicode.IsSpace(r) })
	if start < 0 {
		return "", ""
	}
	s = s[start:]
	end := strings.IndexFunc(s, unicode.IsSpace)
	if end < 0 {
		return s, ""
	}
	return s[:end], s[end:]
}

// hasCommonWord reports whether s has a word that translation would change:
// one of two letters or more starting with a lower-case letter. A segment of
// names, numbers and dates ("Kim Jong-un", "2019", "Vladivostok") has none
// and may come back unchanged.
func hasCommonWord(s string) bool {
	for _, w := range strings.Fields(s) {
		if isHandle(w) {
			continue
		}
		w = strings.TrimFunc(w, func(r rune) bool { return !unicode.IsLetter(r) })
		first, _ := utf8.DecodeRuneInString(w)
		if CountLetters(w) >= 2 && unicode.IsLower(first) {
			return true
		}
	}
	return false
}

// isHandle reports whether a word of a text is an address, an account or a
// hashtag ("https://t.co/x", "(@elonmusk)", "#Covid"): it reads the same in
// every language.
func isHandle(w string) bool {
	w = strings.TrimLeft(w, "([{«\"'“‘")
	return strings.HasPrefix(w, "@") || strings.HasPrefix(w, "#") || strings.Contains(w, "://") ||
		strings.HasPrefix(w, "www.") || strings.Contains(w, "@")
}

// frenchWords are frequent French words that English does not write ("son",
// "non" and "avant" are left out for "non-profit" and "avant-garde"): one of
// them in a text is French evidence.
var frenchWords = map[string]bool{
	"le": true, "la": true, "les": true, "l": true, "de": true, "d": true, "du": true, "des": true, "en": true,
	"un": true, "une": true, "et": true, "est": true, "qu": true,
	"dans": true, "pour": true, "que": true, "qui": true, "pas": true, "sur": true, "au": true, "aux": true,
	"ce": true, "cette": true, "ces": true, "sa": true, "ses": true, "ne": true, "avec": true,
	"mais": true, "ou": true, "il": true, "elle": true, "ils": true, "nous": true, "vous": true, "leur": true,
	"merci": true, "oui": true, "très": true, "selon": true, "après": true,
}

// englishWords are frequent English words that French does not write ("on",
// "but", "or", "an" and "as" are French words too): the counterpart of
// frenchWords.
var englishWords = map[string]bool{
	"the": true, "of": true, "and": true, "to": true, "in": true, "is": true, "was": true, "that": true,
	"with": true, "for": true, "it": true, "he": true, "she": true, "they": true, "his": true, "her": true,
	"this": true, "are": true, "be": true, "by": true, "from": true, "have": true, "has": true, "had": true,
	"not": true, "at": true, "which": true, "would": true, "will": true, "their": true, "been": true,
	"were": true, "who": true, "said": true, "we": true, "you": true, "there": true, "what": true,
	"about": true, "than": true, "its": true,
}

// bearsOut reports whether the words of out bear out the detector's verdict
// that out is in lang rather than target. A French verdict needs French
// words (frenchWords) in out and, in an English output, no fewer of them
// than English ones (englishWords); other verdicts stand as they are.
//
// The words an engine leaves untranslated are nouns and adjectives ("a
// soul bienveillante, a spirit salvateur"): their trigrams can make a short
// English sentence read as French, but its small words stay English. A
// text in French, the source given back or an answer in French, has them in
// nearly every sentence: see TestFrenchEvidenceCorpus.
func bearsOut(out, lang, target string) bool {
	if lang != "fr" {
		return true
	}
	fr := countWords(out, frenchWords) + countElisions(out)
	if target == "en" {
		return fr > 0 && fr >= countWords(out, englishWords)
	}
	return fr > 0
}

// countWords counts the words of s, in any case, that are in set; the
// parts of an elided word ("l'avenir", "qu'il") are words, letters glued to
// digits ("0Au0Ce0" in a code or garbage) are none.
func countWords(s string, set map[string]bool) int {
	n := 0
	for _, w := range strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		if set[strings.ToLower(w)] {
			n++
		}
	}
	return n
}

// countElisions counts the elided words of s that frenchWords leaves out,
// being English too once split at the apostrophe: "j'étais", "m'apporte",
// "n'a", "c'est", "s'est", "t'a" ("I'm", "John's" and "don't" do not count:
// an elided word is a single letter).
func countElisions(s string) int {
	n := 0
	for i := 1; i+1 < len(s); i++ {
		if s[i] != '\'' && !strings.HasPrefix(s[i:], "’") {
			continue
		}
		c := s[i-1] | 0x20
		if !strings.ContainsRune("jmncst", rune(c)) || i >= 2 && isWordLetter(s[:i-1]) {
			continue
		}
		if r, _ := utf8.DecodeRuneInString(s[i+apostropheLen(s[i:]):]); unicode.IsLetter(r) {
			n++
		}
	}
	return n
}

// apostropheLen is the length of the apostrophe that opens s.
func apostropheLen(s string) int {
	if s[0] == '\'' {
		return 1
	}
	return len("’")
}

// isWordLetter reports whether s ends with a letter.
func isWordLetter(s string) bool {
	r, _ := utf8.DecodeLastRuneInString(s)
	return unicode.IsLetter(r)
}

// LooksFrench reports whether a text that came back as it was shows it is
// French: the detector finds French, or it holds a French word or a letter
// English does not use. "6 Days (film, 1h34, Netflix)" shows none, and
// reads the same in English; "Merci beaucoup." shows "merci", and a French
// sentence around an English quotation its own words.
func LooksFrench(src string, det Detector) bool {
	// The cheap evidence first: this runs on every paragraph of a new
	// article (the gateway's keepTargetLanguage), and French letters or
	// words settle nearly every French one.
	if hasFrenchLetter(src) || hasFrenchWord(src) {
		return true
	}
	if det != nil {
		got, _ := det.Detect(src)
		return got == "fr"
	}
	return false
}

// hasFrenchLetter reports whether s holds a letter French writes and English
// does not.
func hasFrenchLetter(s string) bool {
	for _, r := range s {
		if r < utf8.RuneSelf {
			continue
		}
		switch r {
		case 'é', 'è', 'ê', 'ë', 'à', 'â', 'ç', 'ù', 'û', 'ü', 'î', 'ï', 'ô', 'œ', 'æ', 'É', 'È', 'Ê', 'À', 'Ç', 'Ô', 'Œ':
			return true
		}
	}
	return false
}

// hasFrenchWord reports whether s holds one of frenchWords, in any case.
func hasFrenchWord(s string) bool {
	var buf [8]byte
	for i := 0; i < len(s); {
		if !isLetterByte(s[i]) {
			i++
			continue
		}
		j := i
		for j < len(s) && isLetterByte(s[j]) {
			j++
		}
		// Only short ASCII words are looked up; a word with another
		// letter in it ("très", "après") runs on past the ASCII ones.
		if j-i <= len(buf) && (j == len(s) || s[j] < utf8.RuneSelf) {
			w := buf[:j-i]
			for k := range w {
				w[k] = s[i+k] | 0x20
			}
			if frenchWords[string(w)] {
				return true
			}
		}
		i = j
	}
	return false
}

func isLetterByte(c byte) bool { return 'a' <= c|0x20 && c|0x20 <= 'z' }

// quote returns the first words of s for a failure detail.
func quote(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) > 40 {
		s = string([]rune(s)[:40]) + "…"
	}
	return fmt.Sprintf("%q", s)
}
