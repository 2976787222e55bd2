package checks

import (
	"regexp"
	"strconv"
	"strings"
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
// "14:30" and "2:30 pm", "25/04/2019" needs only 25 and 2019, and the
// numbers 0 to 20 may be written as English words. A value written
// differently ("1 500 000" as "1.5 million") is reported: that is rare in
// translations and cheap to retry.
func missingNumbers(src, out string) []string {
	have := map[string]bool{}
	for _, tok := range number.FindAllString(out, -1) {
		for _, v := range values(tok) {
			have[v] = true
		}
	}
	// An engine may keep a French time as it was ("20h45"): its digits touch
	// letters, so the number pattern above does not see them.
	for _, m := range frenchTime.FindAllStringSubmatch(out, -1) {
		have[trimZeros(m[1])] = true
		if m[2] != "" {
			have[trimZeros(m[2])] = true
		}
	}
	lowerOut := strings.ToLower(out)
	found := func(v string) bool {
		if have[v] {
			return true
		}
		if n, err := strconv.Atoi(v); err == nil && n < len(smallNumberWords) {
			return smallNumberWords[n].MatchString(lowerOut)
		}
		return false
	}

	// Dates and times first: their parts have their own rules.
	var missing []string
	skip := map[string]bool{} // spans of src already judged
	for _, m := range frenchDate.FindAllStringSubmatchIndex(src, -1) {
		whole := src[m[0]:m[1]]
		skip[whole] = true
		day, year := trimZeros(src[m[2]:m[3]]), src[m[6]:m[7]]
		if !found(day) || !found(year) && !found(strings.TrimPrefix(year, "20")) {
			missing = append(missing, whole)
		}
	}
	for _, m := range frenchTime.FindAllStringSubmatchIndex(src, -1) {
		whole := src[m[0]:m[1]]
		if skip[whole] {
			continue
		}
		skip[whole] = true
		hour, _ := strconv.Atoi(src[m[2]:m[3]])
		ok := found(strconv.Itoa(hour)) || hour > 12 && found(strconv.Itoa(hour-12)) || hour == 12 && strings.Contains(lowerOut, "noon") || hour == 0 && strings.Contains(lowerOut, "midnight")
		if m[4] >= 0 && !found(trimZeros(src[m[4]:m[5]])) {
			ok = false
		}
		if !ok {
			missing = append(missing, whole)
		}
	}
	src = frenchDate.ReplaceAllString(src, " ")
	src = frenchTime.ReplaceAllString(src, " ")
	for _, tok := range number.FindAllString(src, -1) {
		ok := false
		for _, v := range values(tok) {
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

// values returns the values a number token may stand for, as canonical
// decimal strings: "1,000" is 1000 in English and 1 in French, "3,5" can only
// be 3.5, "1 000" only 1000.
func values(tok string) []string {
	tok = strings.NewReplacer("\u00a0", " ", "\u202f", " ").Replace(tok)
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

// trimZeros drops leading zeros: "04" is 4, "0" stays 0.
func trimZeros(s string) string {
	t := strings.TrimLeft(s, "0")
	if t == "" || t[0] == '.' {
		return "0" + t
	}
	return t
}
