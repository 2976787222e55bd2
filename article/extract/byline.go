package extract

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// News pages write who signed the article and when above or below it:
// "Orange avec Media Services, publié le lundi 03 février 2020 à 20h15",
// "Par Jean Dupont Publié le 03/02/2020 à 20h15 Mis à jour le 04/02/2020",
// "Le Parisien avec AFP", "Temps de lecture : 3 min". The extractor keeps such
// lines as paragraphs when the page does not name their element after them;
// they are no text to translate. A paragraph made of nothing else is a
// dateline: it leaves the paragraphs, and gives the byline and the date
// when the page's metadata does not.

// The parts of a dateline. Keywords are matched whatever their case (the
// (?i:…) groups), names only capitalised.
const (
	dlWeekday = `(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche)`
	dlMonth   = `(?:janvier|février|fevrier|mars|avril|mai|juin|juillet|août|aout|septembre|octobre|novembre|décembre|decembre|janv|févr|fevr|avr|juil|sept|oct|nov|déc|dec)\.?`
	// A date as news pages write it: "lundi 03 février 2020", "1er mars",
	// "03/02/2020", "2020-02-03", "aujourd'hui", "il y a 2 heures".
	dlDate = `(?i:(?:` + dlWeekday + `\s+)?\d{1,2}(?:er)?\s+` + dlMonth + `(?:\s+\d{4})?` +
		`|` + dlWeekday + `|\d{1,2}[/.-]\d{1,2}[/.-](?:\d{4}|\d{2})|\d{4}-\d{2}-\d{2}` +
		`|aujourd['’]hui|hier|il\s+y\s+a\s+\d+\s*(?:s|sec|secondes?|min|minutes?|h|heures?|j|jours?))`
	// A time: "20h15", "20 h 15", "8h", "20:15", with an "à" or a comma
	// before it.
	dlTime = `(?i:(?:(?:à|a|,|-)\s*)?\d{1,2}\s*(?:h|:)\s*(?:\d{2})?(?:\s*(?:min|mn))?)`
	// When: a date, a time, or both.
	dlWhen = `(?:(?i:(?:le|du|on)\s+)?(?:` + dlDate + `(?:\s*` + dlTime + `)?|(?i:à\s+)?` + dlTime + `))`
	// A stamp: "publié le …", "mis à jour à …", "modifié le …".
	dlStamp = `(?:(?i:publié|publiée|publication|mis\s+à\s+jour|mise\s+à\s+jour|modifié|modifiée|actualisé|actualisée|màj|maj|mis\s+en\s+ligne|posté|updated|published)\s*(?i:le|:)?\s*` + dlWhen + `)`
	// A name: "Jean Dupont", "Marie-Hélène de La Tour", "J.-M. Durand".
	dlName  = `(?:\p{Lu}[\p{L}'’.-]*(?:\s+(?:(?:de|du|des|d['’]|la|le|van|von|di|da|ben|el)\s+)?\p{Lu}[\p{L}'’.-]*){0,3})`
	dlNames = dlName + `(?:\s*(?:,|et|and|&)\s*` + dlName + `)*`
	// An agency: "AFP", "agences".
	dlAgency = `(?:AFP|Reuters|AP|Belga|ATS|Relaxnews|(?i:agences?))`
	// A newsroom with an agency: "Orange avec Media Services", "Le
	// Parisien avec AFP", "franceinfo avec AFP", "(avec AFP)". A newsroom is
	// capitalised, or one word with an agency: "une soirée avec Johnny
	// Hallyday" is a sentence.
	dlCredit = `(?:(?:(?:\p{Lu}|\d)[\p{L}\d'’.&-]*\s+(?:(?:\p{Lu}|\d)[\p{L}\d'’.&-]*\s+){0,3})(?i:avec)\s+(?:` + dlAgency + `|` + dlName + `)` +
		`|(?:[\p{L}\d'’.&-]+\s+)?(?i:avec)\s+` + dlAgency + `|\(\s*(?i:avec)\s+` + dlAgency + `\s*\))`
	// An author: "Par Jean Dupont et Marie Durand, envoyée spéciale à Kiev",
	// "Par la rédaction", "Propos recueillis par …".
	dlRole   = `(?:(?i:journaliste|envoyée?s?\s+spéciale?s?|correspondante?s?|rédacteur|rédactrice)(?:\s+(?i:à|en|au|aux)\s+` + dlName + `)?)`
	dlAuthor = `(?:(?i:par|by|texte|propos\s+recueillis\s+par)\s*:?\s+(?:(?i:la\s+rédaction)(?:\s+(?i:de|d['’])\s*` + dlName + `)?|` + dlCredit + `|` + dlNames + `)(?:\s*,\s*` + dlRole + `)?)`
	dlRead   = `(?i:(?:temps\s+de\s+)?lecture\s*:?\s*\d+\s*(?:min|minutes?|mn)\.?)`
	dlPart   = `(?:` + dlAuthor + `|` + dlCredit + `|` + dlStamp + `|` + dlWhen + `|` + dlRead + `|` + dlNames + `)`
	dlSep    = `(?:\s*[,;|•·–—/-]\s*|\s+)`
)

// datelineRe matches a paragraph made of bylines, datelines and credits
// alone.
var datelineRe = regexp.MustCompile(`^\s*` + dlPart + `(?:` + dlSep + dlPart + `)*\s*\.?\s*$`)

// datelineCue is what a dateline holds and a line of names does not: a
// date, a credit or a "par". A heading that is a name alone ("Emmanuel
// Macron") is no dateline.
var datelineCue = regexp.MustCompile(`(?i)\d|\bpar\b|\bby\b|\bavec\b|publié|mis\s+à\s+jour|mise\s+à\s+jour|modifié|actualisé|\bmàj\b|aujourd|\bhier\b|lecture`)

// datelinePrefix matches a dateline that the page wrote in the same block
// as the article's first sentence: a stamp with its time, after an author
// or a credit, then the sentence.
var datelinePrefix = regexp.MustCompile(`^\s*(?:(?:` + dlAuthor + `|` + dlCredit + `|` + dlNames + `)\s*[,–—-]?\s*)?` +
	dlStamp + `(?:\s*[,|•–—-]?\s*` + dlStamp + `)*\s*[.|•–—-]?\s+\p{Lu}`)

// maxDatelineRunes bounds a dateline: a line, not a paragraph.
const maxDatelineRunes = 200

// isDateline reports whether p is made of bylines, datelines and credits
// alone.
func isDateline(p string) bool {
	return utf8.RuneCountInString(p) <= maxDatelineRunes && datelineCue.MatchString(p) && datelineRe.MatchString(p)
}

// cutDateline returns p without the dateline it opens with, and the
// dateline; rest is p and dateline empty when it opens with none.
func cutDateline(p string) (rest, dateline string) {
	if isDateline(p) {
		return "", p
	}
	loc := datelinePrefix.FindStringIndex(p)
	if loc == nil || loc[1]-1 > maxDatelineRunes*2 {
		return p, ""
	}
	end := loc[1] - 1 // the capital that starts the sentence
	for end > 0 && !utf8.RuneStart(p[end]) {
		end--
	}
	return p[end:], strings.TrimSpace(p[:end])
}

var (
	stampRe     = regexp.MustCompile(dlStamp)
	whenRe      = regexp.MustCompile(dlWhen)
	readRe      = regexp.MustCompile(dlRead)
	authorLead  = regexp.MustCompile(`(?i)^(?:par|by|texte|propos\s+recueillis\s+par)\s*:?\s+`)
	creditLead  = regexp.MustCompile(`(?i)^\(?\s*avec\s+([^)]*)\)?$`)
	numericDate = regexp.MustCompile(`^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})$`)
	isoDate     = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
	wordDate    = regexp.MustCompile(`(?i)(\d{1,2})(?:er)?\s+(` + dlMonth + `)\s+(\d{4})`)
	dateOnlyRe  = regexp.MustCompile(dlDate)
)

// datelineByline returns the author a dateline names, "" when it names
// none: what is left of it once its stamps and dates are gone, without its
// "Par".
func datelineByline(d string) string {
	d = stampRe.ReplaceAllString(d, " ")
	d = readRe.ReplaceAllString(d, " ")
	d = whenRe.ReplaceAllString(d, " ")
	d = strings.Trim(strings.Join(strings.Fields(d), " "), " ,;|•·–—/-.")
	d = authorLead.ReplaceAllString(d, "")
	d = creditLead.ReplaceAllString(d, "$1")
	if !strings.ContainsFunc(d, func(r rune) bool { return r >= 'A' && r <= 'Z' || r > 0x7f }) {
		return ""
	}
	return d
}

var frenchMonths = map[string]int{
	"janvier": 1, "janv": 1, "février": 2, "fevrier": 2, "févr": 2, "fevr": 2, "mars": 3, "avril": 4, "avr": 4,
	"mai": 5, "juin": 6, "juillet": 7, "juil": 7, "août": 8, "aout": 8, "septembre": 9, "sept": 9,
	"octobre": 10, "oct": 10, "novembre": 11, "nov": 11, "décembre": 12, "decembre": 12, "déc": 12, "dec": 12,
}

// datelineDate returns the first full date a dateline gives, as YYYY-MM-DD,
// "" when it gives none (or only "hier", "il y a 2 heures").
func datelineDate(d string) string {
	for _, m := range dateOnlyRe.FindAllString(d, -1) {
		if isoDate.MatchString(m) {
			return m
		}
		var day, month, year int
		if n := numericDate.FindStringSubmatch(m); n != nil {
			day, _ = strconv.Atoi(n[1])
			month, _ = strconv.Atoi(n[2])
			year, _ = strconv.Atoi(n[3])
		} else if w := wordDate.FindStringSubmatch(m); w != nil {
			day, _ = strconv.Atoi(w[1])
			month = frenchMonths[strings.TrimSuffix(strings.ToLower(w[2]), ".")]
			year, _ = strconv.Atoi(w[3])
		}
		if year < 100 && year > 0 {
			year += 2000
		}
		if day >= 1 && day <= 31 && month >= 1 && month <= 12 && year >= 1900 {
			return fmt.Sprintf("%04d-%02d-%02d", year, month, day)
		}
	}
	return ""
}

// maxOpeningBlocks is how far into the article a dateline is looked for at
// the start of a block, datelines of their own not counted: the title, the
// chapô, the first paragraph.
const maxOpeningBlocks = 3

// cutDatelines returns paras without their datelines: the paragraphs made of
// one, anywhere, and the dateline a paragraph of the article's opening
// starts with. The datelines are returned in order.
func cutDatelines(paras []string) (kept, datelines []string) {
	kept = paras[:0:0]
	for _, p := range paras {
		var d string
		if len(kept) < maxOpeningBlocks {
			p, d = cutDateline(p)
		} else if isDateline(p) {
			p, d = "", p
		}
		if d != "" {
			datelines = append(datelines, d)
		}
		if p != "" {
			kept = append(kept, p)
		}
	}
	return kept, datelines
}
