package checks

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// Preambles are matched on the first line of the output only: the same words
// inside a translation ("Here is the plan", "Note: the figures…") are the
// source's, and a source that opens with them is exempt (see sourceAnnounces).
var (
	// announce matches a line that presents the translation rather than
	// being part of it: "Here is the translation:", "Sure, here's the
	// English version:", "Voici la traduction :".
	announce = regexp.MustCompile(`(?i)^\W*((sure|certainly|of course|okay|ok)\W+)?` +
		`(here is|here['’]s|here are|below is|voici|voilà)\b.{0,60}?\b(translation|translated|english|version|traduction|texte traduit)\b`)
	// label matches a label before the text: "Translation:", "Translated
	// text:", "English:", "Traduction :".
	label = regexp.MustCompile(`(?i)^\W*(english translation|translation|translated text|translated|english version|english|traduction|texte traduit|assistant)\s*:\s*`)
	// repairLabel is the part of label that Repair removes: only words
	// about the translation, which no news text opens with.
	repairLabel = regexp.MustCompile(`(?i)^\W*(english translation|translation|translated text|traduction|texte traduit)\s*:\s*`)
	// ack matches a first line that is only an acknowledgement: "Sure!",
	// "Certainly.", "Of course,".
	ack = regexp.MustCompile(`(?i)^\W*(sure|certainly|of course|okay|ok|absolutely|bien sûr|d['’]accord)\s*[,.!:]?\s*$`)
	// ackPrefix matches an acknowledgement opening the first line: "Sure, ".
	ackPrefix = regexp.MustCompile(`(?i)^\W*(sure|certainly|of course|absolutely)\s*[,!]\s+`)
	// noteLine matches a line of commentary added after the translation.
	noteLine = regexp.MustCompile(`(?im)^\W*(note|notes|translator['’]s note|translation note|n\.\s?b\.|nb|remarque)\s*:`)
	// sourceAnnounces matches a source that opens like a preamble ("Voici…",
	// "Note : …", "Traduction : …"), whose faithful translation does too.
	sourceAnnounces = regexp.MustCompile(`(?i)^\W*(voici|voilà|bien sûr|d['’]accord|note|nota|n\.\s?b\.|nb|remarque|traduction|assistant)\b`)
)

// hasNoteLine reports whether noteLine matches s. Every note ends with a
// colon: a text without one is not run through the regexp.
func hasNoteLine(s string) bool {
	return strings.IndexByte(s, ':') >= 0 && noteLine.MatchString(s)
}

const fence = "```"

// checkPreamble fails an output that talks about the translation instead of
// only giving it.
func checkPreamble(src, out string) *Failure {
	first := firstLine(out)
	if !sourceAnnounces.MatchString(src) {
		for _, re := range []*regexp.Regexp{announce, label, ack, ackPrefix} {
			if re.MatchString(first) {
				return fail(CheckPreamble, "the output opens with %s", quote(first))
			}
		}
	}
	if hasNoteLine(out) && !hasNoteLine(src) {
		return fail(CheckPreamble, "the output adds a note: %s", quote(noteLine.FindString(out)))
	}
	if strings.Contains(out, fence) && !strings.Contains(src, fence) {
		return fail(CheckPreamble, "the output has a code fence the source has not")
	}
	if _, ok := wrappingQuotes(out); ok {
		if _, srcOK := wrappingQuotes(src); !srcOK && !startsWithQuote(src) {
			return fail(CheckPreamble, "the output is wrapped in quotes the source has not")
		}
	}
	return nil
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return strings.TrimSpace(s[:i])
	}
	return s
}

// quotePairs maps an opening quotation mark to its closing one.
var quotePairs = map[rune]rune{'"': '"', '“': '”', '«': '»', '\'': '\'', '‘': '’'}

// wrappingQuotes returns s without the quotation marks around it, when it
// starts and ends with a matching pair and has no other mark of that pair
// inside: `"We won," he said, "again."` opens and closes with quotes that
// are not one pair, and is left alone.
func wrappingQuotes(s string) (string, bool) {
	s = strings.TrimSpace(s)
	open, n := utf8.DecodeRuneInString(s)
	closing, ok := quotePairs[open]
	if !ok || utf8.RuneCountInString(s) < 3 {
		return s, false
	}
	last, m := utf8.DecodeLastRuneInString(s)
	if last != closing {
		return s, false
	}
	inner := s[n : len(s)-m]
	if strings.ContainsRune(inner, open) || strings.ContainsRune(inner, closing) {
		return s, false
	}
	return strings.TrimSpace(inner), true
}

func startsWithQuote(s string) bool {
	r, _ := utf8.DecodeRuneInString(strings.TrimSpace(s))
	_, ok := quotePairs[r]
	return ok || r == '”' || r == '»' || r == '’'
}

// Repair removes what models wrap around a translation when removing it
// cannot harm the text: a first line that only announces, labels or
// acknowledges ("Here is the translation:", "Translation:", "Sure!"), a
// translation label before the text ("Translation: The summit…"), a code
// fence around the whole output, and quotation marks around the whole
// output when no other mark of that pair is inside. It returns out unchanged
// when there is nothing to remove, and never removes the only line of text.
//
// Repaired: those wrappers. Failed by Segment, never repaired: refusals,
// injections, trailing notes (a model that comments may have changed the
// text too), an acknowledgement before the text on the same line ("Sure, the
// summit…"), and every content check. Repair does not see the source, so the
// gateway calls it first and Segment on its result, which still compares
// with the source.
func Repair(out string) string {
	s := strings.TrimSpace(out)
	// Peel layers (a fence inside quotes inside a label...) until none is
	// left: each pass removes text, so the loop ends.
	for {
		before := s
		s = unfence(s)
		if first, rest, ok := strings.Cut(s, "\n"); ok && strings.TrimSpace(rest) != "" {
			f := strings.TrimSpace(first)
			if ack.MatchString(f) || (strings.HasSuffix(f, ":") && (announce.MatchString(f) || repairLabel.FindString(f) == f)) {
				s = strings.TrimSpace(rest)
			}
		}
		if loc := repairLabel.FindStringIndex(s); loc != nil && hasAlnum(s[loc[1]:]) {
			s = strings.TrimSpace(s[loc[1]:])
		}
		if inner, ok := wrappingQuotes(s); ok {
			s = inner
		}
		if s == before {
			break
		}
	}
	if s == strings.TrimSpace(out) {
		return out
	}
	return s
}

// unfence returns the text inside a code fence that wraps all of s.
func isFenceLanguage(s string) bool {
	if s == "" {
		return true
	}
	if len(s) > 16 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '-' || r == '_' || r == '+') {
			return false
		}
	}
	return true
}

func unfence(s string) string {
	if !strings.HasPrefix(s, fence) || !strings.HasSuffix(s, fence) || len(s) < 2*len(fence) {
		return s
	}
	inner := s[len(fence) : len(s)-len(fence)]
	if strings.Contains(inner, fence) {
		return s
	}
	// The opening fence may name a language (```text, ```json): a short
	// word of letters, never the text itself.
	if first, rest, ok := strings.Cut(inner, "\n"); ok && isFenceLanguage(strings.TrimSpace(first)) {
		inner = rest
	}
	return strings.TrimSpace(inner)
}
