package gateway

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"passerelle/gateway/checks"
)

// Verbatim spans are what a translation must carry exactly as the article
// wrote it: links (t.co links are case-sensitive), e-mail addresses,
// @handles and #hashtags, all-capital acronyms ("ANO", "CNIL") and numbers
// with inner punctuation ("3.5.1", "08.11.00.06.95"). Engines damage them:
// Apertium turns "le parti ANO" into "the split ANUS" and lowercases links.
// They are protected from engines by the glossary's placeholders and put
// back as written; an LLM is told to keep them, and every output is
// checked for them.

// verbatimKind says what a span is, for the check's message.
type verbatimKind string

const (
	verbatimLink    verbatimKind = "link"
	verbatimEmail   verbatimKind = "e-mail address"
	verbatimHandle  verbatimKind = "handle"
	verbatimHashtag verbatimKind = "hashtag"
	verbatimAcronym verbatimKind = "acronym"
	verbatimNumber  verbatimKind = "number"
)

// verbatimSpan is one span found in a text, at [start, end).
type verbatimSpan struct {
	start, end int
	kind       verbatimKind
}

// The patterns, in order of precedence: a span overlapping one found by an
// earlier pattern is dropped, so that the "@" of an e-mail address is not a
// handle and the digits of a link are not a number.
//
// Most paragraphs hold none of them: each pattern runs only on a text that
// may hold a match, as a cheap scan tells, since a regular expression costs
// far more than the scan.
var verbatimPatterns = []struct {
	kind     verbatimKind
	re       *regexp.Regexp
	mayMatch func(string) bool
}{
	{verbatimLink, regexp.MustCompile(`(?i)\b(?:https?://|www\.)[^\s<>"«»]+`), func(s string) bool {
		return strings.Contains(s, "://") || strings.Contains(s, "www.") || strings.Contains(s, "WWW.")
	}},
	{verbatimEmail, regexp.MustCompile(`[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+`), func(s string) bool { return strings.Contains(s, "@") }},
	{verbatimHandle, regexp.MustCompile(`@[A-Za-z0-9_]{1,30}`), func(s string) bool { return strings.Contains(s, "@") }},
	{verbatimHashtag, regexp.MustCompile(`#[\p{L}\p{N}_]*\p{L}[\p{L}\p{N}_]*`), func(s string) bool { return strings.Contains(s, "#") }},
	{verbatimAcronym, regexp.MustCompile(`\p{Lu}{2,6}`), hasTwoCapitals},
	// A comma is not inner punctuation here: "3,5" is a French decimal,
	// which the English must write "3.5".
	{verbatimNumber, regexp.MustCompile(`\p{N}+(?:[./:-]\p{N}+)+`), hasDottedNumber},
}

// hasTwoCapitals reports whether s holds two capitals in a row.
func hasTwoCapitals(s string) bool {
	prev := false
	for _, r := range s {
		upper := unicode.IsUpper(r)
		if upper && prev {
			return true
		}
		prev = upper
	}
	return false
}

// hasDottedNumber reports whether s holds an ASCII digit, one of ". / : -"
// and a digit: what a number with inner punctuation starts as. Digits of
// other scripts are rare enough in French news to go through the pattern
// only with these.
func hasDottedNumber(s string) bool {
	for i := 1; i+1 < len(s); i++ {
		switch s[i] {
		case '.', '/', ':', '-':
			if isDigitByte(s[i-1]) && isDigitByte(s[i+1]) {
				return true
			}
		}
	}
	return false
}

func isDigitByte(c byte) bool { return '0' <= c && c <= '9' }

// acronymTranslations are the French acronyms whose English form differs
// and is the one English readers know: they are put back in that form.
// A glossary term wins over them.
var acronymTranslations = map[string]string{
	"ADN": "DNA", "BCE": "ECB", "FMI": "IMF", "OCDE": "OECD", "OGM": "GMO",
	"OMC": "WTO", "OMS": "WHO", "ONG": "NGO", "ONU": "UN", "OPEP": "OPEC",
	"OTAN": "NATO", "PIB": "GDP", "PME": "SME", "SIDA": "AIDS", "TVA": "VAT",
	"UE": "EU", "URSS": "USSR",
}

// verbatimSpans returns the spans of text, in order, none overlapping and
// none touching a placeholder of stem (a glossary term already protected).
func verbatimSpans(text, stem string) []verbatimSpan {
	var spans []verbatimSpan
	for _, p := range verbatimPatterns {
		if !p.mayMatch(text) {
			continue
		}
		if p.kind == verbatimAcronym && mostlyCapitals(text) {
			continue // a title in capitals: its words are not acronyms
		}
		for _, m := range p.re.FindAllStringIndex(text, -1) {
			start, end := m[0], m[1]
			if p.kind == verbatimLink {
				end = start + len(strings.TrimRight(text[start:end], ".,;:!?'’)]}"))
			}
			if !verbatimBounds(text, start, end, p.kind) {
				continue
			}
			if stem != "" && strings.Contains(strings.ToLower(text[start:end]), strings.ToLower(stem)) {
				continue
			}
			if slices.ContainsFunc(spans, func(s verbatimSpan) bool { return s.start < end && start < s.end }) {
				continue
			}
			spans = append(spans, verbatimSpan{start: start, end: end, kind: p.kind})
		}
	}
	slices.SortFunc(spans, func(a, b verbatimSpan) int { return a.start - b.start })
	return spans
}

// verbatimBounds reports whether [start, end) of text is a whole span: not
// part of a longer word or number.
func verbatimBounds(text string, start, end int, kind verbatimKind) bool {
	before, _ := utf8.DecodeLastRuneInString(text[:start])
	after, _ := utf8.DecodeRuneInString(text[end:])
	switch kind {
	case verbatimLink, verbatimEmail:
		return !isWordRune(before)
	case verbatimHandle, verbatimHashtag:
		return !isWordRune(before) && before != '@' && !isWordRune(after) && after != '@'
	case verbatimNumber:
		// "1.5" in "1.5.2" is the same span; a number glued to a
		// letter ("A320-200") is a name, an acronym's business.
		next, _ := utf8.DecodeRuneInString(text[min(len(text), end+utf8.RuneLen(after)):])
		if (after == '.' || after == ',' || after == '/' || after == ':' || after == '-') && unicode.IsDigit(next) {
			return false
		}
		return !isWordRune(before) && !isWordRune(after)
	}
	return !isWordRune(before) && !isWordRune(after)
}

// mostlyCapitals reports whether most of text's words are in capitals, as a
// title set in capitals is: its words are not acronyms.
func mostlyCapitals(text string) bool {
	words, capitals := 0, 0
	for _, w := range strings.FieldsFunc(text, func(r rune) bool { return !unicode.IsLetter(r) }) {
		if utf8.RuneCountInString(w) < 2 {
			continue
		}
		words++
		if strings.ToUpper(w) == w {
			capitals++
		}
	}
	return words >= 2 && 2*capitals > words
}

// verbatimTarget is what span must read as in the translation.
func verbatimTarget(text string, s verbatimSpan) string {
	src := text[s.start:s.end]
	if s.kind == verbatimAcronym {
		if en, ok := acronymTranslations[src]; ok {
			return en
		}
	}
	return src
}

// protectVerbatim replaces each verbatim span of text by a placeholder of
// stem numbered from len(terms) on, and returns the text, the stem and the
// terms with one term per distinct span, mapped to its target. An empty
// stem means text holds no placeholder yet; one is chosen when a span needs
// it.
func protectVerbatim(text, stem string, terms glossary) (string, string, glossary) {
	spans := verbatimSpans(text, stem)
	if len(spans) == 0 {
		return text, stem, terms
	}
	if stem == "" {
		stem = placeholderStem(text)
	}
	index := map[string]int{}
	var b strings.Builder
	last := 0
	for _, s := range spans {
		src := text[s.start:s.end]
		n, ok := index[src]
		if !ok {
			n = len(terms)
			index[src] = n
			terms = append(terms, glossaryTerm{source: src, target: verbatimTarget(text, s)})
		}
		b.WriteString(text[last:s.start])
		fmt.Fprintf(&b, "%s%d%s", stem, n, placeholderEnd)
		last = s.end
	}
	b.WriteString(text[last:])
	return b.String(), stem, terms
}

// verifyVerbatim checks that out, the translation of src, carries src's
// verbatim spans that are not glossary terms exactly as written, but for
// the acronyms that have an English form, which are translated. Numbers are left to
// the numbers check, which knows that "03/02/2020" may be written
// "3 February 2020"; a verbatim number is put back exactly for engines.
func (g glossary) verifyVerbatim(src, out string) *checks.Failure {
	masked := src
	stem := ""
	if terms := g.in(src); len(terms) > 0 {
		// Spans inside a glossary term are the glossary's to check.
		stem = placeholderStem(src)
		for i, t := range terms {
			masked = replaceTerm(masked, t.folded, fmt.Sprintf("%s%d%s", stem, i, placeholderEnd))
		}
	}
	for _, s := range verbatimSpans(masked, stem) {
		if s.kind == verbatimNumber {
			continue
		}
		want := verbatimTarget(masked, s)
		if want != masked[s.start:s.end] {
			continue // "OTAN" is translated, as "NATO" or "the Atlantic Alliance"
		}
		if !containsVerbatim(out, want) {
			return &checks.Failure{Check: "verbatim", Detail: fmt.Sprintf("the %s %q is missing or altered", s.kind, want)}
		}
	}
	return nil
}

// containsVerbatim reports whether out holds span as a whole, exactly.
func containsVerbatim(out, span string) bool {
	for from := 0; ; {
		i := strings.Index(out[from:], span)
		if i < 0 {
			return false
		}
		at := from + i
		before, _ := utf8.DecodeLastRuneInString(out[:at])
		after, _ := utf8.DecodeRuneInString(out[at+len(span):])
		if !isWordRune(before) && !isWordRune(after) || !isWordRune(rune(span[0])) && !isWordRune(after) {
			return true
		}
		from = at + 1
	}
}
