package apertium

import (
	"strings"
	"unicode"
)

// Apertium prefixes words it could not handle: '*' an unknown word, '@' a
// word its bilingual dictionary lacks, '#' a word it could not inflect.
// markUnknown=no only removes one '*', and in a chain the second pair marks
// again what the first left untranslated, so marks survive.
const marks = "*#@"

// stripMarks removes Apertium's marks from translated. A mark character that
// appears in the source is kept everywhere, since the text's own "*" or "#"
// cannot be told apart from a mark; the words are still translated.
func stripMarks(source, translated string) string {
	for _, m := range marks {
		if strings.ContainsRune(source, m) || !strings.ContainsRune(translated, m) {
			continue
		}
		translated = strings.Map(func(r rune) rune {
			if r == m {
				return -1
			}
			return r
		}, translated)
	}
	return translated
}

// splitSpace cuts s into its leading white space, its core and its trailing
// white space. APy trims the ends of what it translates; the caller puts
// them back so that a segment keeps the line breaks it came with.
func splitSpace(s string) (lead, core, trail string) {
	core = strings.TrimLeftFunc(s, unicode.IsSpace)
	lead = s[:len(s)-len(core)]
	core = strings.TrimRightFunc(core, unicode.IsSpace)
	trail = s[len(lead)+len(core):]
	return lead, core, trail
}
