package checks

import (
	"strings"
	"unicode/utf8"
)

// EnglishNumbers rewrites, in out, the numbers that src (French) writes in
// French style and out kept as they were: the decimal comma becomes a point
// and the spaces between thousands become commas, "12,5" giving "12.5",
// "12 000" "12,000" and "1 234,5" "1,234.5" (any space: plain, no-break or
// narrow no-break).
//
// Only a number written exactly so in the source is rewritten, which is what
// tells a French decimal comma left by an engine (Apertium keeps "12,5
// millions" as "12,5 million", which an English reader takes for twelve
// thousand five hundred or cannot read at all) from a thousands separator an
// LLM wrote ("12 500" becoming "12,500"): French never separates thousands
// with a comma. Left alone, their meaning being unsure:
//   - a comma before exactly three digits ("2,500"): it is the thousands
//     separator of an English quotation as often as a French decimal (and
//     so no English form made here is another number's French one: a
//     second pass changes nothing);
//   - a number whose first group starts with 0 ("0 800 130 000"): a phone
//     number, not a quantity;
//   - a number with a full stop in it ("1.234");
//   - a number that is part of a longer run of digit groups, as a
//     registration number is ("SIRET 123 456 789 00012"): it names, it
//     does not count.
func EnglishNumbers(src, out string) string {
	if !hasDigit(out) || !strings.ContainsAny(out, ", \u00a0\u202f") {
		return out
	}
	english := map[string]string{}
	for _, m := range findAllNumeric(number, src) {
		tok := src[m[0]:m[1]]
		if inDigitGroups(src, m) {
			continue
		}
		if en, ok := englishNumber(tok); ok {
			english[plainSpaces(tok)] = en
		}
	}
	if len(english) == 0 {
		return out
	}
	var b strings.Builder
	last := 0
	for _, m := range findAllNumeric(number, out) {
		en, ok := english[plainSpaces(out[m[0]:m[1]])]
		if !ok {
			continue
		}
		b.WriteString(out[last:m[0]])
		b.WriteString(en)
		last = m[1]
	}
	if last == 0 {
		return out
	}
	b.WriteString(out[last:])
	return b.String()
}

// englishNumber returns the English form of a number written in French
// style, and false when tok is not one (no decimal comma and no thousands
// space) or when its meaning is unsure (see EnglishNumbers).
func englishNumber(tok string) (string, bool) {
	if strings.Contains(tok, ".") || strings.Count(tok, ",") > 1 {
		return "", false
	}
	whole, decimals, hasDecimals := strings.Cut(tok, ",")
	if hasDecimals && len(decimals) == 3 {
		return "", false
	}
	groups := strings.FieldsFunc(whole, isFrenchSpace)
	if !hasDecimals && len(groups) < 2 || len(groups) > 1 && groups[0][0] == '0' {
		return "", false
	}
	en := strings.Join(groups, ",")
	if hasDecimals {
		en += "." + decimals
	}
	return en, true
}

// plainSpaces returns s with its no-break and narrow no-break spaces made
// plain: an engine may give back a number with another space than the
// source's.
func plainSpaces(s string) string {
	return strings.Map(func(r rune) rune {
		if isFrenchSpace(r) {
			return ' '
		}
		return r
	}, s)
}

// inDigitGroups reports whether the number m of s is followed or preceded,
// across one space, by more digits.
func inDigitGroups(s string, m []int) bool {
	digit := func(c byte) bool { return '0' <= c && c <= '9' }
	if r, n := utf8.DecodeRuneInString(s[m[1]:]); n > 0 && isFrenchSpace(r) && m[1]+n < len(s) && digit(s[m[1]+n]) {
		return true
	}
	r, n := utf8.DecodeLastRuneInString(s[:m[0]])
	return n > 0 && isFrenchSpace(r) && m[0]-n > 0 && digit(s[m[0]-n-1])
}
