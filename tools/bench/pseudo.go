package main

import (
	"cmp"
	"hash/fnv"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

var frenchTime = regexp.MustCompile(`^(\d{1,2})h(\d{2})?$`)

// englishText is what pseudoTranslate writes, word after word: plain English
// news prose, so that the language detector always reads the output as
// English, even in a short title. None of its words opens a preamble or a
// refusal ("Sure", "Here is", "Sorry"), which the output checks reject.
var englishText = strings.Fields(`The two leaders met on Thursday in the port city for their first summit,
	and they spoke for several hours about the situation on the peninsula. The talks came at a time when
	the negotiations between the North and the United States seemed to have reached a dead end, as the
	second meeting of their leaders had ended in February without any agreement. No statement and no
	agreement were expected at the end of the meeting. Almost twenty years ago, the president went to
	the capital to meet the father of the young leader, who came to the country a year later. Like his
	father before him, the leader made the long journey on board his own armoured train. After the
	failure of the last summit, he hopes to revive the old ties between the two capitals. During the
	short session in front of the press, he said that he expected a meaningful dialogue with the
	president, who explained that the meeting should help to develop relations and to find diplomatic
	solutions to the situation in the region.`)

// pseudoTranslate returns an English text about as long as src: each word
// of letters becomes the next word of englishText, from a place chosen by a
// hash of src (so the same source always gives the same output), with its
// capital kept; numbers and punctuation are kept, so the numbers check
// passes. It stands for a model's translation: what the gateway does with it
// (checks, caching, assembly) costs the same.
func pseudoTranslate(src string) string {
	// What a model keeps as written, as the gateway's prompt asks and its
	// verbatim check verifies: links, addresses, handles, hashtags and
	// acronyms are copied, the text between them rewritten.
	var b strings.Builder
	b.Grow(len(src))
	last := 0
	for _, m := range verbatim.FindAllStringIndex(src, -1) {
		b.WriteString(pseudoWords(src[last:m[0]]))
		// An elided article ("l'AFP") became a word of its own: the
		// span must not be glued to it.
		if r, _ := utf8.DecodeLastRuneInString(b.String()); unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteByte(' ')
		}
		b.WriteString(src[m[0]:m[1]])
		last = m[1]
	}
	b.WriteString(pseudoWords(src[last:]))
	return b.String()
}

// verbatim finds the spans a model copies: URLs, e-mail addresses,
// @handles, #hashtags and all-capital acronyms.
var verbatim = regexp.MustCompile(`(?:https?://|www\.)[^\s]+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+|[@#][\p{L}\p{N}_]+|\b\p{Lu}{2,6}\b`)

// pseudoWords rewrites a text without verbatim spans.
func pseudoWords(src string) string {
	var b strings.Builder
	b.Grow(len(src))
	h := fnv.New32a()
	h.Write([]byte(src))
	next := int(h.Sum32() % uint32(len(englishText)))
	word := func(w string) {
		if w == "" {
			return
		}
		if strings.IndexFunc(w, unicode.IsDigit) >= 0 {
			// A French time (20h45) reads 20:45 in English; other numbers
			// stay as they are.
			if m := frenchTime.FindStringSubmatch(w); m != nil {
				w = m[1] + ":" + cmp.Or(m[2], "00")
			}
			b.WriteString(w)
			return
		}
		out := strings.TrimRight(englishText[next%len(englishText)], ".,")
		next++
		if r, _ := utf8.DecodeRuneInString(w); unicode.IsUpper(r) {
			out = strings.ToUpper(out[:1]) + out[1:]
		} else {
			out = strings.ToLower(out[:1]) + out[1:]
		}
		b.WriteString(out)
	}
	start := -1
	for i, r := range src {
		inWord := unicode.IsLetter(r) || unicode.IsDigit(r) || (start >= 0 && (r == '-' || r == '\''))
		switch {
		case inWord && start < 0:
			start = i
		case !inWord && start >= 0:
			word(src[start:i])
			start = -1
		}
		if !inWord {
			switch r {
			case '«', '»':
				b.WriteByte('"')
			case '’':
				b.WriteByte('\'')
			case '\u00a0', '\u202f':
				b.WriteByte(' ')
			default:
				b.WriteRune(r)
			}
		}
	}
	if start >= 0 {
		word(src[start:])
	}
	return b.String()
}
