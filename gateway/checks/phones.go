package checks

import (
	"regexp"
	"strings"
)

// phone matches a French telephone number as articles write it: ten digits
// in pairs ("06 12 34 56 78", "08.11.00.06.95", "01-45-67-89-10",
// "0612345678"), the international form ("+33 1 45 67 89 10", "+33 (0)1 45
// 67 89 10") or a free number in threes ("0 800 123 456"). The pairs of one
// number share one separator: a date followed by a time ("03.02.2020 14")
// is not a telephone number.
var phone = regexp.MustCompile(`(?:\+33 ?(?:\(0\) ?)?|\b0)[1-9](?:(?:\d{2}){4}|(?:[ \x{00A0}\x{202F}]\d{2}){4}|(?:\.\d{2}){4}|(?:-\d{2}){4})\b` +
	`|\b0[ \x{00A0}\x{202F}]?[89]\d{2}(?:(?:[ \x{00A0}\x{202F}]\d{3}){2}|\d{6})\b`)

// phoneChar reports whether r may be part of a telephone number as phone
// reads it, or of one an engine wrote in another form ("+33 6 12 34 56 78",
// "06-12-34-56-78").
func phoneChar(r rune) bool {
	switch r {
	case ' ', '\u00a0', '\u202f', '.', '-', '+', '(', ')', '/':
		return true
	}
	return '0' <= r && r <= '9'
}

// phoneRuns returns the bounds, s[start:end], of the runs of phoneChar
// characters of s that hold at least min digits.
func phoneRuns(s string, min int) [][2]int {
	var bounds [][2]int
	for pos := 0; pos < len(s); {
		d := indexDigit(s[pos:])
		if d < 0 {
			break
		}
		start, end, digits := runAround(s, pos, pos+d, phoneChar)
		if digits >= min {
			bounds = append(bounds, [2]int{start, end})
		}
		pos = end
	}
	return bounds
}

// digitsOf returns the digits of s, in order.
func digitsOf(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if '0' <= s[i] && s[i] <= '9' {
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// hasLine reports whether out writes the line sub (see subscriberDigits)
// in a run of digits and separators, whatever its form.
func hasLine(out, sub string) bool {
	for _, b := range phoneRuns(out, len(sub)) {
		if strings.Contains(digitsOf(out[b[0]:b[1]]), sub) {
			return true
		}
	}
	return false
}

// phoneDigits is the fewest digits a telephone number of phone holds: nine
// after "+33".
const phoneDigits = 9

// findPhones returns the telephone numbers of s as index pairs. Only the
// runs of digits and separators long enough to hold one are given to the
// regexp engine, with one character on each side for \b: most paragraphs
// have none.
func findPhones(s string) [][]int {
	if countDigits(s) <= phoneDigits {
		return nil // nearly every paragraph
	}
	bounds := phoneRuns(s, phoneDigits+1)
	var out [][]int
	for _, b := range bounds {
		if !mayOpenPhone(s[b[0]:b[1]]) {
			continue
		}
		from, to := widen(s, b[0], b[1])
		for _, m := range phone.FindAllStringIndex(s[from:to], -1) {
			out = append(out, []int{m[0] + from, m[1] + from})
		}
	}
	return out
}

// subscriberDigits returns the nine digits that name a French line, without
// the "+33", "(0)" or "0" that lead to it: "+33 (0)1 45 67 89 10", "01 45
// 67 89 10" and "01.45.67.89.10" are all 145678910.
func subscriberDigits(tel string) string {
	d := digitsOf(tel)
	return d[len(d)-phoneDigits:]
}

// countDigits counts the ASCII digits of s.
func countDigits(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if '0' <= s[i] && s[i] <= '9' {
			n++
		}
	}
	return n
}

// mayOpenPhone reports whether run has what every number of phone opens
// with: a "+", or a group of digits starting with 0.
func mayOpenPhone(run string) bool {
	for i := 0; i < len(run); i++ {
		if run[i] == '+' || run[i] == '0' && (i == 0 || run[i-1] < '0' || run[i-1] > '9') {
			return true
		}
	}
	return false
}
