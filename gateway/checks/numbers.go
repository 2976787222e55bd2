package checks

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

var (
	// number matches a number as French or English write it: digits with
	// thousands groups separated by a space, a no-break space, a narrow
	// no-break space, a comma or a full stop, and a decimal part after a
	// comma or a full stop. Spaces join only groups of exactly three digits,
	// so that "en 2019 250 personnes" gives 2019 and 250.
	number = regexp.MustCompile(`\b\d{1,3}(?:[ \x{00A0}\x{202F}]\d{3})+(?:[.,]\d+)?\b|\b\d+(?:[.,]\d+)*\b`)
	// frenchTime matches "14h30", "14 h 30", "9h": the hour may come back
	// as 2 pm.
	frenchTime = regexp.MustCompile(`\b(\d{1,2}) ?h ?(\d{2})?\b`)
	// frenchDate matches "25/04/2019" or "25.04.2019": the month may come
	// back as a word.
	frenchDate = regexp.MustCompile(`\b(\d{1,2})[/.](\d{1,2})[/.](\d{2,4})\b`)
)

// smallNumberWords lets "3 enfants" become "three children": element n
// matches the English word for n.
var smallNumberWords = func() []*regexp.Regexp {
	var res []*regexp.Regexp
	for _, w := range []string{"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
		"eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty"} {
		res = append(res, regexp.MustCompile(`\b`+w+`\b`))
	}
	return res
}()

// missingNumbers returns the numbers of src, as written there, whose value
// appears nowhere in out. It is lenient by design: only a number missing
// entirely is reported. "3,5" matches "3.5", "1 000" (any space) matches
// "1,000" and "1000", "25 %" matches "25%" and "25 percent", "14h30" matches
// "14:30" and "2:30 pm", "25/04/2019" needs only 25 and 2019, a telephone
// number needs only the digits of its line ("08.11.00.06.95" matches "08 11
// 00 06 95", "01 45 67 89 10" matches "+33 1 45 67 89 10"), a code that is
// no number ("1.2.3") needs only itself, and the numbers 0 to 20 may be
// written as English words. A value written
// differently ("1 500 000" as "1.5 million") is reported: that is rare in
// translations and cheap to retry.
func missingNumbers(src, out string) []string {
	if !hasDigit(src) {
		return nil // nothing to look for
	}
	// Telephone numbers first: their pairs are no quantities, and an
	// engine may write them in another form ("+33 1 45 67 89 10" for "01
	// 45 67 89 10"), or keep a dotted one that reads as a date followed by a
	// number ("08.11.00" and "06.95"). Each is looked for by the digits of
	// the line it names, then taken out of the source.
	var missing []string
	if phones := findPhones(src); len(phones) > 0 {
		for _, m := range phones {
			if tel := src[m[0]:m[1]]; !hasLine(out, subscriberDigits(tel)) {
				missing = append(missing, tel)
			}
		}
		src = replaceAllNumeric(phone, src, phones)
	}
	have := map[string]bool{}
	addNumbers := func(out string, spans ...numericSpan) {
		for _, m := range findAllNumeric(number, out, spans...) {
			tok := out[m[0]:m[1]]
			vs := values(tok)
			for _, v := range vs {
				have[v] = true
			}
			if len(vs) == 0 {
				have[literal(tok)] = true
			}
		}
	}
	outSpans, srcSpans := numericSpans(out), numericSpans(src)
	addNumbers(out, outSpans...)
	// rest is out as the source is read below, its telephone numbers taken
	// out; restSpans are its numericSpans when known.
	rest, restSpans := out, outSpans
	outPhones := findPhones(out)
	if len(outPhones) > 0 {
		// The numbers around a telephone number of the output, read as
		// those of the source are once theirs is taken out: "01 45 67 89
		// 10 002" has 2 then, not 10 002.
		rest, restSpans = replaceAllNumeric(phone, out, outPhones), nil
		addNumbers(rest)
	}
	// The numbers around a date or a time of the output, read as those of
	// the source are once its dates and times are judged and taken out:
	// "0,000100,0 h" has the time "0 h" and the code "0,000100" then, not
	// the code "0,000100,0".
	if dates, times := datesOf(rest, restSpans), findAllNumeric(frenchTime, rest, restSpans...); len(dates) > 0 || len(times) > 0 {
		addNumbers(cutDatesAndTimes(rest, dates, times))
	}
	addDatesAndTimes := func(out string, spans ...numericSpan) {
		// An engine may keep a French time as it was ("20h45"): its digits
		// touch letters, so the number pattern above does not see them.
		for _, m := range findAllNumeric(frenchTime, out, spans...) {
			have[trimZeros(out[m[2]:m[3]])] = true
			if m[4] >= 0 {
				have[trimZeros(out[m[4]:m[5]])] = true
			}
		}
		// Or a date ("12.12.2019"), which the number pattern takes whole:
		// its parts are what a date of the source is looked for by.
		for _, m := range findAllNumeric(frenchDate, out, spans...) {
			have[trimZeros(out[m[2]:m[3]])] = true
			have[trimZeros(out[m[4]:m[5]])] = true
			have[out[m[6]:m[7]]] = true
		}
	}
	addDatesAndTimes(out, outSpans...)
	if len(outPhones) > 0 {
		// The dates and times after a telephone number, read as those of
		// the source are once theirs is taken out: "01.00.00.00.00.0.00.000"
		// has the date 0.00.000 then, not 00.0.00.
		addDatesAndTimes(rest)
	}
	// An English ordinal ("18th" for "18ème", "1st" for "1er"): its digits
	// touch letters too.
	for _, v := range ordinals(out) {
		have[v] = true
	}
	lowerOut := ""
	lower := func() string { // only a number not found needs it
		if lowerOut == "" {
			lowerOut = strings.ToLower(out)
		}
		return lowerOut
	}
	found := func(v string) bool {
		if have[v] {
			return true
		}
		if n, err := strconv.Atoi(v); err == nil && n < len(smallNumberWords) {
			return smallNumberWords[n].MatchString(lower())
		}
		return false
	}

	// Dates and times next: their parts have their own rules.
	skip := map[string]bool{} // spans of src already judged
	dates := datesOf(src, srcSpans)
	for _, m := range dates {
		whole := src[m[0]:m[1]]
		skip[whole] = true
		day, year := trimZeros(src[m[2]:m[3]]), src[m[6]:m[7]]
		if !found(day) || !found(year) && !found(strings.TrimPrefix(year, "20")) {
			missing = append(missing, whole)
		}
	}
	times := findAllNumeric(frenchTime, src, srcSpans...)
	for _, m := range times {
		whole := src[m[0]:m[1]]
		if skip[whole] {
			continue
		}
		skip[whole] = true
		hour, _ := strconv.Atoi(src[m[2]:m[3]])
		ok := found(strconv.Itoa(hour)) || hour > 12 && found(strconv.Itoa(hour-12)) || hour == 12 && strings.Contains(lower(), "noon") || hour == 0 && strings.Contains(lower(), "midnight")
		if m[4] >= 0 && !found(trimZeros(src[m[4]:m[5]])) {
			ok = false
		}
		if !ok {
			missing = append(missing, whole)
		}
	}
	if len(dates) > 0 || len(times) > 0 {
		src = cutDatesAndTimes(src, dates, times)
		srcSpans = nil
	}
	for _, m := range findAllNumeric(number, src, srcSpans...) {
		tok := src[m[0]:m[1]]
		vs := values(tok)
		if len(vs) == 0 {
			// No number but a code ("1.2.3", "10.20.30.40"): the output
			// keeps it as it is written.
			vs = []string{literal(tok)}
		}
		ok := false
		for _, v := range vs {
			if found(v) {
				ok = true
				break
			}
		}
		if !ok {
			missing = append(missing, tok)
		}
	}
	return missing
}

// datesOf returns the matches of frenchDate in s that are dates (see
// inChain); spans, when not nil, are numericSpans(s).
func datesOf(s string, spans []numericSpan) [][]int {
	return slices.DeleteFunc(findAllNumeric(frenchDate, s, spans...), func(m []int) bool { return inChain(s, m) })
}

// cutDatesAndTimes returns s with its dates, datesOf(s), and then the
// times of what is left taken out, so that the numbers left are read
// alone; times, the matches of frenchTime in s, tell whether s has any.
func cutDatesAndTimes(s string, dates, times [][]int) string {
	if len(dates) > 0 {
		s = replaceAllNumeric(frenchDate, s, dates)
	}
	if len(times) > 0 {
		s = replaceAllNumeric(frenchTime, s, nil)
	}
	return s
}

// inChain reports whether the date match m of s is part of a longer chain of
// numbers joined by full stops, commas or slashes ("08.11.00" in
// "08.11.00.06.95", a telephone number of an unknown form; "10.20.30" in
// "10.20.30.40"): that is no date, and its parts are not judged as a
// date's.
func inChain(s string, m []int) bool {
	joiner := func(c byte) bool { return c == '.' || c == ',' || c == '/' }
	digit := func(c byte) bool { return '0' <= c && c <= '9' }
	return m[1]+1 < len(s) && joiner(s[m[1]]) && digit(s[m[1]+1]) ||
		m[0] >= 2 && joiner(s[m[0]-1]) && digit(s[m[0]-2])
}

// literal is the key under which a token that reads as no number (see
// values) is looked for: as it is written, spaces made plain. It cannot be
// a value, which starts with a digit.
func literal(tok string) string { return "=" + plainSpaces(tok) }

// The patterns above match only digits and the characters of numericChar,
// and start with a digit. Run on a whole paragraph, the regexp engine tries
// every position of it, which made these checks a fifth of the gateway's
// work on a miss; findAllNumeric runs them only around the digits, with the
// same result.

// numericChar reports whether r may be part of a match of number,
// frenchTime or frenchDate.
func numericChar(r rune) bool {
	switch r {
	case ' ', '\u00a0', '\u202f', '.', ',', '/', 'h':
		return true
	}
	return '0' <= r && r <= '9'
}

func hasDigit(s string) bool { return indexDigit(s) >= 0 }

// indexDigit returns the index of the first ASCII digit of s, -1 if none;
// bytes of multi-byte characters are never digits.
func indexDigit(s string) int {
	for i := 0; i < len(s); i++ {
		if '0' <= s[i] && s[i] <= '9' {
			return i
		}
	}
	return -1
}

// runAround returns the bounds, s[start:end], of the run of in characters
// around the digit at s[i], reaching back no further than from, and how many
// ASCII digits it holds.
func runAround(s string, from, i int, in func(rune) bool) (start, end, digits int) {
	start, end = i, i
	for start > from {
		r, n := utf8.DecodeLastRuneInString(s[:start])
		if !in(r) {
			break
		}
		start -= n
	}
	for end < len(s) {
		r, n := utf8.DecodeRuneInString(s[end:])
		if !in(r) {
			break
		}
		if '0' <= r && r <= '9' {
			digits++
		}
		end += n
	}
	return start, end, digits
}

// widen returns the bounds of s[start:end] with one more character on each
// side where s has one, so that a regexp's \b sees what borders the span.
func widen(s string, start, end int) (from, to int) {
	from, to = start, end
	if from > 0 {
		_, n := utf8.DecodeLastRuneInString(s[:from])
		from -= n
	}
	if to < len(s) {
		_, n := utf8.DecodeRuneInString(s[to:])
		to += n
	}
	return from, to
}

// numericSpan is a span of numericChar characters holding a digit,
// s[start:end], within s[from:to], which adds one character on each side.
type numericSpan struct{ from, start, end, to int }

// numericSpans returns the spans of s that findAllNumeric reads.
func numericSpans(s string) []numericSpan {
	var spans []numericSpan
	for pos := 0; pos < len(s); {
		d := indexDigit(s[pos:])
		if d < 0 {
			break
		}
		start, end, _ := runAround(s, pos, pos+d, numericChar)
		from, to := widen(s, start, end)
		spans = append(spans, numericSpan{from, start, end, to})
		pos = end
	}
	return spans
}

// findAllNumeric returns re.FindAllStringSubmatchIndex(s, -1) for a re whose
// matches hold only numericChar characters and start with a digit; spans,
// when not nil, are numericSpans(s). It runs re on each span of such
// characters that has a digit, with one character on each side so that \b
// sees the text around it: a match cannot cross a character outside the
// span, nor start before its first digit, so the matches, and the order the
// engine finds them in, are the same.
func findAllNumeric(re *regexp.Regexp, s string, spans ...numericSpan) [][]int {
	if spans == nil {
		spans = numericSpans(s)
	}
	var out [][]int
	for _, sp := range spans {
		out = appendMatches(out, re, s, sp.from, sp.start, sp.end, sp.to)
	}
	return out
}

// appendMatches appends the matches of re in s[from:to], the span
// s[start:end] with a character on each side, as indexes into s. Most spans
// are a plain number, or cannot hold a time or a date: those are answered
// without the regexp engine, whose every call costs more than reading them.
func appendMatches(out [][]int, re *regexp.Regexp, s string, from, start, end, to int) [][]int {
	if re == number {
		// A match of number starts and ends with a digit: the spaces and
		// stops around the digits of a span ("25 April", "in 2019.") are
		// no part of one, and a span cut to its digits is often a plain
		// number.
		from, start, end, to = digitBounds(s, from, start, end, to)
	}
	span := s[start:end]
	switch {
	case re == frenchTime && strings.IndexByte(span, 'h') < 0,
		re == frenchDate && strings.Count(span, "/")+strings.Count(span, ".") < 2:
		return out // both need these characters
	case re == number && onlyDigits(span):
		// \b\d+\b, when the characters around are not ASCII word characters;
		// nothing otherwise.
		if (start == from || !isWordByte(s[start-1])) && (end == to || !isWordByte(s[end])) {
			return append(out, []int{start, end})
		}
		return out
	}
	for _, m := range re.FindAllStringSubmatchIndex(s[from:to], -1) {
		for i := range m {
			if m[i] >= 0 {
				m[i] += from
			}
		}
		out = append(out, m)
	}
	return out
}

// digitBounds cuts the span s[start:end], which holds a digit, from its
// first digit to its last, and returns it with the character on each side
// as appendMatches takes it.
func digitBounds(s string, from, start, end, to int) (int, int, int, int) {
	first, last := start+indexDigit(s[start:end]), end
	for s[last-1] < '0' || s[last-1] > '9' {
		last--
	}
	if first > start {
		_, n := utf8.DecodeLastRuneInString(s[:first])
		from, start = first-n, first
	}
	if last < end {
		_, n := utf8.DecodeRuneInString(s[last:])
		end, to = last, last+n
	}
	return from, start, end, to
}

func onlyDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// isWordByte reports whether b is an ASCII word character, as \b reads
// them; a byte of a multi-byte character is not one.
func isWordByte(b byte) bool {
	return '0' <= b && b <= '9' || 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || b == '_'
}

// replaceAllNumeric returns re.ReplaceAllString(s, " ") for a re of
// findAllNumeric; matches, when not nil, are re's matches in s.
func replaceAllNumeric(re *regexp.Regexp, s string, matches [][]int) string {
	if matches == nil {
		matches = findAllNumeric(re, s)
	}
	if len(matches) == 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	last := 0
	for _, m := range matches {
		b.WriteString(s[last:m[0]])
		b.WriteByte(' ')
		last = m[1]
	}
	b.WriteString(s[last:])
	return b.String()
}

// spaces reads the no-break spaces of a number as spaces.
var spaces = strings.NewReplacer("\u00a0", " ", "\u202f", " ")

// values returns the values a number token may stand for, as canonical
// decimal strings: "1,000" is 1000 in English and 1 in French, "3,5" can only
// be 3.5, "1 000" only 1000.
func values(tok string) []string {
	if onlyDigits(tok) {
		return []string{trimZeros(tok)} // what each reading below gives
	}
	tok = spaces.Replace(tok)
	var vs []string
	add := func(v string, ok bool) {
		if ok {
			vs = append(vs, v)
		}
	}
	add(parse(tok, ',', '.')) // French: decimal comma, grouping full stop
	add(parse(tok, '.', ',')) // English: decimal point, grouping comma
	add(trimZeros(strings.ReplaceAll(tok, " ", "")), !strings.ContainsAny(tok, ".,"))
	return vs
}

// parse reads tok with the given decimal mark, every other separator being
// a thousands separator followed by exactly three digits; ok is false when
// tok cannot be read that way.
func parse(tok string, decimal, group rune) (string, bool) {
	intPart, frac, hasFrac := strings.Cut(tok, string(decimal))
	if hasFrac && strings.ContainsAny(frac, " .,") {
		return "", false
	}
	groups := strings.FieldsFunc(intPart, func(r rune) bool { return r == ' ' || r == group })
	if len(groups) == 0 {
		return "", false
	}
	for i, g := range groups {
		if strings.ContainsAny(g, ".,") || (i > 0 && len(g) != 3) {
			return "", false
		}
	}
	v := trimZeros(strings.Join(groups, ""))
	if frac = strings.TrimRight(frac, "0"); frac != "" {
		v += "." + frac
	}
	return v, true
}

// ordinals returns the numbers of the English ordinals in s ("18th",
// "1st", "2nd", "3rd", any case), without leading zeros.
func ordinals(s string) []string {
	var out []string
	for i := 0; i < len(s); {
		start, end, ok := nextDigits(s, i)
		if !ok {
			break
		}
		i = end
		if start > 0 && isASCIILetter(s[start-1]) || end+2 > len(s) {
			continue
		}
		switch strings.ToLower(s[end : end+2]) {
		case "st", "nd", "rd", "th":
			if end+2 == len(s) || !isASCIILetter(s[end+2]) {
				out = append(out, trimZeros(s[start:end]))
			}
		}
	}
	return out
}

// nextDigits returns the bounds, s[start:end], of the first run of ASCII
// digits of s at or after i; ok is false when there is none.
func nextDigits(s string, i int) (start, end int, ok bool) {
	d := indexDigit(s[i:])
	if d < 0 {
		return 0, 0, false
	}
	start, end = i+d, i+d
	for end < len(s) && '0' <= s[end] && s[end] <= '9' {
		end++
	}
	return start, end, true
}

func isASCIILetter(c byte) bool { return 'a' <= c|0x20 && c|0x20 <= 'z' }

// trimZeros drops leading zeros: "04" is 4, "0" stays 0.
func trimZeros(s string) string {
	t := strings.TrimLeft(s, "0")
	if t == "" || t[0] == '.' {
		return "0" + t
	}
	return t
}
