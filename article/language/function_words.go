package language

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// functionWords holds, for each default language, frequent articles,
// pronouns, auxiliaries and conjunctions that no other default language
// writes the same way. Shared forms are left out on purpose ("de", "la",
// "que", "il", "in", "die", "en", "des", "is", "was", "mais", "per", "do"): these lists only
// count votes, and a word two languages share would vote for both.
var functionWords = map[string][]string{
	"en": {"the", "of", "and", "to", "that", "with", "for", "on", "it", "he", "she", "they", "his",
		"her", "this", "are", "be", "by", "from", "have", "has", "not", "at", "which", "would", "will",
		"their", "been", "were", "but", "who", "said", "we", "you", "there", "what", "about", "than", "its"},
	"fr": {"le", "les", "du", "et", "est", "une", "qui", "dans", "pour", "pas", "au", "aux", "sur", "elle",
		"ils", "ce", "cette", "sont", "ont", "été", "avec", "par", "leur", "ne", "nous", "vous", "lui", "était",
		"aussi", "même", "où", "ces", "ses", "avait", "selon", "sans", "ou", "déjà"},
	"es": {"el", "los", "las", "y", "está", "fue", "pero", "más", "también", "muy", "hay", "sus",
		"ya", "cuando", "hasta", "según", "han", "había", "fueron"},
	"de": {"der", "das", "und", "ist", "nicht", "mit", "dem", "von", "zu", "auf", "ein", "eine", "sich", "auch",
		"wird", "werden", "hat", "sind", "für", "im", "bei", "nach", "aus", "oder", "noch", "einen", "wurde",
		"dass", "sie", "ich", "wir", "über"},
	"it": {"di", "che", "è", "della", "nel", "sono", "gli", "delle", "dei", "alla", "anche", "più", "questo",
		"essere", "stato", "dal", "degli", "sul", "nella", "hanno", "dopo", "ma"},
	"pt": {"os", "não", "é", "em", "um", "uma", "com", "ao", "pelo", "pela", "foi", "são", "também", "já",
		"seu", "sua", "ele", "ela", "isso", "na", "foram"},
	"nl": {"het", "een", "van", "op", "dat", "niet", "zijn", "voor", "ook", "aan", "maar", "om",
		"bij", "nog", "wordt", "worden", "heeft", "hij", "zij", "werd", "naar", "wel", "geen", "dan", "meer"},
}

// voteLanguages are the languages of functionWords, in the order of votes.
var voteLanguages = DefaultLanguages()

// votes counts function words per language of voteLanguages.
type votes [7]int

// functionWordIndex maps each function word to its language's place in
// votes.
var functionWordIndex = func() map[string]int {
	idx := map[string]int{}
	for i, lang := range voteLanguages {
		for _, w := range functionWords[lang] {
			idx[w] = i
		}
	}
	return idx
}()

// maxFunctionWord is the length in bytes of the longest function word:
// longer words are not looked up.
var maxFunctionWord = func() int {
	n := 0
	for w := range functionWordIndex {
		n = max(n, len(w))
	}
	return n
}()

// functionWordVotes counts, for each language, the words of text that are
// among its function words. Elided French forms ("l'", "d'", "qu'") count as
// the word after the apostrophe, which is how they vote: "l'avenir" has no
// French function word in it, "qu'il" neither, so French is under-counted
// rather than over-counted.
func functionWordVotes(text string) votes {
	var v votes
	start := -1
	vote := func(tok string) {
		tok = strings.Trim(tok, "'’")
		if len(tok) > maxFunctionWord && isASCII(tok) {
			return // lower-casing keeps its length
		}
		w := strings.ToLower(tok)
		if len(w) > maxFunctionWord {
			return
		}
		if i, ok := functionWordIndex[w]; ok {
			v[i]++
		}
	}
	for i, r := range text {
		var in bool
		if r < utf8.RuneSelf {
			in = 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || r == '\''
		} else {
			in = r == '’' || unicode.IsLetter(r)
		}
		switch {
		case in && start < 0:
			start = i
		case !in && start >= 0:
			vote(text[start:i])
			start = -1
		}
	}
	if start >= 0 {
		vote(text[start:])
	}
	return v
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// contradicts reports whether the function words of text vote clearly for
// another language than lang: at least three votes, and more than twice as
// many as lang gets. Trigram profiles and function words are independent
// evidence; when they disagree this clearly the text is mixed or made of
// loanwords, and the detector had better say it does not know.
func contradicts(v votes, lang string) bool {
	own := 0
	if i := slices.Index(voteLanguages, lang); i >= 0 {
		own = v[i]
	}
	for i, other := range voteLanguages {
		if other != lang && v[i] >= 3 && v[i] > 2*own {
			return true
		}
	}
	return false
}

// outvotesAll reports whether lang's function words outvote every other
// language's as contradicts counts it: at least three votes, and more than
// twice as many as each other language gets. Then contradicts(v, code) holds
// for every code but lang.
func outvotesAll(v votes, lang string) bool {
	own := slices.Index(voteLanguages, lang)
	if own < 0 || v[own] < 3 {
		return false
	}
	for i := range v {
		if i != own && v[own] <= 2*v[i] {
			return false
		}
	}
	return true
}
