package checks

import (
	"strconv"
	"strings"
	"unicode"
)

// numberWords are the words for numbers an article may write in letters, in
// English and French, and the summary in digits ("twenty years" as "20
// years").
var numberWords = map[string]string{
	"zero": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7",
	"eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12", "thirteen": "13", "fourteen": "14",
	"fifteen": "15", "sixteen": "16", "seventeen": "17", "eighteen": "18", "nineteen": "19", "twenty": "20",
	"thirty": "30", "forty": "40", "fifty": "50", "sixty": "60", "seventy": "70", "eighty": "80", "ninety": "90",
	"hundred": "100", "thousand": "1000", "dozen": "12", "first": "1", "second": "2", "third": "3",
	"zéro": "0", "un": "1", "une": "1", "deux": "2", "trois": "3", "quatre": "4", "cinq": "5", "sept": "7",
	"huit": "8", "neuf": "9", "dix": "10", "onze": "11", "douze": "12", "treize": "13", "quatorze": "14",
	"quinze": "15", "seize": "16", "vingt": "20", "trente": "30", "quarante": "40", "cinquante": "50",
	"soixante": "60", "cent": "100", "mille": "1000", "douzaine": "12", "premier": "1", "première": "1",
}

// scaleWords are the words that multiply the number before them: "3
// millions" may come back as "3,000,000", "1,5 milliard" as "1.5 billion".
var scaleWords = map[string]int{
	"thousand": 3, "mille": 3, "million": 6, "millions": 6, "billion": 9, "billions": 9, "milliard": 9,
	"milliards": 9, "bn": 9, "trillion": 12, "trillions": 12,
}

// inventedNumbers returns the numbers of a summary's own sentences, as
// written there, whose value text does not hold in any form: digits in
// French or English style ("12,5" is "12.5", "1 000" is "1,000"), a scale
// word ("3 millions" is "3 million" and "3,000,000"), a number word
// ("twenty" is 20), a French time ("14h30" is 14:30 and 2:30), or digits
// glued to letters ("18e", "G7"). It is as lenient with the article as
// missingNumbers is with a translation: only a number found nowhere is
// reported.
func inventedNumbers(text, own string) []string {
	if !hasDigit(own) {
		return nil
	}
	have := articleNumbers(text)
	var missing []string
	for _, m := range findAllNumeric(number, own) {
		tok := own[m[0]:m[1]]
		vs := values(tok)
		if len(vs) == 0 {
			// A date or a code ("25.04.2019"): each of its digit runs.
			vs = digitRuns(tok)
		}
		ok := false
		for _, v := range vs {
			if have[v] {
				ok = true
				break
			}
			if z, found := scaleAfter(own, m[1]); found && have[scaled(v, z)] {
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

// articleNumbers returns every value text holds, as canonical decimal
// strings (see values).
func articleNumbers(text string) map[string]bool {
	have := map[string]bool{}
	for _, m := range findAllNumeric(number, text) {
		tok := text[m[0]:m[1]]
		vs := values(tok)
		for _, v := range vs {
			have[v] = true
		}
		if z, ok := scaleAfter(text, m[1]); ok {
			for _, v := range vs {
				have[scaled(v, z)] = true
			}
		}
	}
	for _, v := range digitRuns(text) {
		have[v] = true
	}
	for _, m := range findAllNumeric(frenchTime, text) {
		if hour, err := strconv.Atoi(text[m[2]:m[3]]); err == nil && hour > 12 {
			have[strconv.Itoa(hour-12)] = true
		}
	}
	for _, w := range strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !unicode.IsLetter(r) }) {
		if v, ok := numberWords[w]; ok {
			have[v] = true
		}
	}
	return have
}

// digitRuns returns the value of each run of digits of s.
func digitRuns(s string) []string {
	var out []string
	for i := 0; i < len(s); {
		start, end, ok := nextDigits(s, i)
		if !ok {
			break
		}
		out = append(out, trimZeros(s[start:end]))
		i = end
	}
	return out
}

// scaleAfter returns the power of ten of the scale word that follows
// s[:at] ("3 millions"), if one does.
func scaleAfter(s string, at int) (int, bool) {
	rest := strings.TrimLeft(s[at:], " \u00a0\u202f")
	end := strings.IndexFunc(rest, func(r rune) bool { return !unicode.IsLetter(r) })
	if end < 0 {
		end = len(rest)
	}
	z, ok := scaleWords[strings.ToLower(rest[:end])]
	return z, ok
}

// scaled returns the canonical decimal v times ten to the power z.
func scaled(v string, z int) string {
	whole, frac, _ := strings.Cut(v, ".")
	if len(frac) > z {
		return trimZeros(whole+frac[:z]) + "." + frac[z:]
	}
	return trimZeros(whole + frac + strings.Repeat("0", z-len(frac)))
}
