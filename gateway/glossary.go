package gateway

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"passerelle/article"
	"passerelle/gateway/checks"
)

// A glossary maps source terms to the translation they must get; a term
// mapped to itself is a do-not-translate term (a name, a brand).
//
// Providers that honour a glossary natively (the LLMs, through their
// prompt) receive the terms of the segments they translate. For the others,
// each term is replaced by a placeholder the engine passes through untouched,
// and the placeholder by the required translation afterwards. Either way the
// output is verified: a segment whose translation lacks a required term fails
// the "glossary" check and goes to the next provider.

// glossaryTerm is one entry, source and target, and the source as matched
// (see fold).
type glossaryTerm struct {
	source, target string
	folded         string
}

// glossary is a set of terms, longest source first so that "Palais de
// l'Élysée" is matched before "Élysée".
//
// A term is found in a text whatever its case, in the text's normal form
// (article.Normalize), as a whole word: the same matching decides which
// terms make a paragraph's cache key, which terms a provider is shown for
// it, which are protected from an engine and which its output is checked
// for. A model told to write "Kremlin" as "Gangsterland" writes it for
// "kremlin" too; the paragraph's key must then cover the term.
type glossary []glossaryTerm

// maxGlossaryTerms bounds a request's glossary, and maxTermLength each term.
const (
	maxGlossaryTerms = 200
	maxTermLength    = 200
)

// newGlossary merges the configured terms with the request's (which win)
// and validates them. Two terms that match the same text (they differ only
// in case or spacing) are refused in a request; in the configuration, the
// first in sorted order wins.
func newGlossary(configured, requested map[string]string) (glossary, error) {
	if len(requested) > maxGlossaryTerms {
		return nil, Errorf(CodeInvalidRequest, "the glossary has %d terms; at most %d are accepted", len(requested), maxGlossaryTerms)
	}
	merged := make(map[string]glossaryTerm, len(configured)+len(requested))
	for _, src := range slices.Sorted(maps.Keys(requested)) {
		t, err := newGlossaryTerm(src, requested[src])
		if err != nil {
			return nil, err
		}
		if twin, ok := merged[t.folded]; ok {
			return nil, Errorf(CodeInvalidRequest, "the glossary terms %q and %q match the same text (terms match whatever their case): keep one", twin.source, t.source)
		}
		merged[t.folded] = t
	}
	for _, src := range slices.Sorted(maps.Keys(configured)) {
		t, err := newGlossaryTerm(src, configured[src])
		if err != nil {
			return nil, err
		}
		if _, ok := merged[t.folded]; !ok { // the request's term wins
			merged[t.folded] = t
		}
	}
	g := make(glossary, 0, len(merged))
	for _, t := range merged {
		g = append(g, t)
	}
	sort.Slice(g, func(i, j int) bool {
		if len(g[i].folded) != len(g[j].folded) {
			return len(g[i].folded) > len(g[j].folded)
		}
		return g[i].source < g[j].source
	})
	return g, nil
}

// normalTerm puts a term in the normal form of article text, its spaces
// folded to single ones, so that it matches the text as written.
func normalTerm(s string) string {
	return strings.Join(strings.Fields(article.Normalize(s)), " ")
}

func newGlossaryTerm(src, dst string) (glossaryTerm, error) {
	src, dst = normalTerm(src), normalTerm(dst)
	if src == "" || dst == "" {
		return glossaryTerm{}, Errorf(CodeInvalidRequest, "a glossary term and its translation must both be non-empty")
	}
	if utf8.RuneCountInString(src) > maxTermLength || utf8.RuneCountInString(dst) > maxTermLength {
		return glossaryTerm{}, Errorf(CodeInvalidRequest, "a glossary term is longer than %d characters", maxTermLength)
	}
	return glossaryTerm{source: src, target: dst, folded: fold(src)}, nil
}

// in returns the terms that occur in text.
func (g glossary) in(text string) glossary {
	if len(g) == 0 {
		return nil
	}
	ft := foldText(text)
	var out glossary
	for _, t := range g {
		if ft.find(t.folded, 0) >= 0 {
			out = append(out, t)
		}
	}
	return out
}

// inAny returns the terms that occur in any of texts.
func (g glossary) inAny(texts []string) glossary {
	if len(g) == 0 {
		return nil
	}
	found := make([]bool, len(g))
	for _, text := range texts {
		ft := foldText(text)
		for i, t := range g {
			if !found[i] && ft.find(t.folded, 0) >= 0 {
				found[i] = true
			}
		}
	}
	var out glossary
	for i, t := range g {
		if found[i] {
			out = append(out, t)
		}
	}
	return out
}

// each returns, for each of texts, the terms it contains, for a provider
// that honours them natively; nil when none contains any.
func (g glossary) each(texts []string) []map[string]string {
	if len(g) == 0 {
		return nil
	}
	var out []map[string]string
	for i, text := range texts {
		if m := g.in(text).asMap(); m != nil {
			if out == nil {
				out = make([]map[string]string, len(texts))
			}
			out[i] = m
		}
	}
	return out
}

// leaked returns a failure when out, the translation of src, holds the
// translation of a term of g that src does not contain, and src does not
// hold that translation either: a model applied to src a term it was shown
// for another segment, which src's cache key does not cover.
func (g glossary) leaked(src, out string) *checks.Failure {
	if len(g) == 0 {
		return nil
	}
	fsrc, fout := foldText(src), foldText(out).text
	for _, t := range g {
		target := fold(t.target)
		if target == t.folded || fsrc.find(t.folded, 0) >= 0 || strings.Contains(fsrc.text, target) {
			continue
		}
		if strings.Contains(fout, target) {
			return &checks.Failure{Check: "glossary", Detail: fmt.Sprintf("%q, the translation of %q, which the paragraph does not contain", t.target, t.source)}
		}
	}
	return nil
}

// key is the canonical form of the terms for a cache key: only the terms a
// text contains change its translation, so an unrelated paragraph keeps its
// cache entry whatever the glossary.
func (g glossary) key() string {
	if len(g) == 0 {
		return ""
	}
	h := sha256.New()
	for _, t := range g {
		fmt.Fprintf(h, "%d:%s%d:%s", len(t.source), t.source, len(t.target), t.target)
	}
	return "glossary:" + hex.EncodeToString(h.Sum(nil))[:16]
}

// asMap returns the terms for a provider that honours them natively.
func (g glossary) asMap() map[string]string {
	if len(g) == 0 {
		return nil
	}
	m := make(map[string]string, len(g))
	for _, t := range g {
		m[t.source] = t.target
	}
	return m
}

// A placeholder is a stem, the term's number and placeholderEnd: a token
// engines pass through as an unknown word ("Zxq0qxZ"). The stem is chosen
// for each text among stems the text does not contain (see
// placeholderStem), so that no placeholder can be written by the article
// itself: restoring touches only what protect put there.
const (
	placeholderStart = "Zxq"
	placeholderEnd   = "qxZ"
)

// placeholderStem returns the first of "Zxq", "Zxqb", "Zxqc", …, "Zxqz",
// "Zxqbb", … that text does not contain in any case: a text of n bytes
// contains at most n of them.
func placeholderStem(text string) string {
	folded := foldText(text).text
	for n := 0; ; n++ {
		stem := placeholderStart
		for m := n; m > 0; m = (m - 1) / 25 {
			stem += string(rune('b' + (m-1)%25))
		}
		if !strings.Contains(folded, fold(stem)) {
			return stem
		}
	}
}

// protected is a text whose terms and verbatim spans were replaced by
// placeholders.
type protected struct {
	text  string
	stem  string
	terms glossary // the terms and spans replaced, by placeholder number
}

// protect replaces each term of g that text contains, then each verbatim
// span of what is left (see verbatimSpans), by a placeholder of a stem text
// does not contain.
func (g glossary) protect(text string) protected {
	terms := g.in(text)
	var stem string
	if len(terms) > 0 {
		stem = placeholderStem(text)
		for i, t := range terms {
			text = replaceTerm(text, t.folded, stem+strconv.Itoa(i)+placeholderEnd)
		}
	}
	text, stem, terms = protectVerbatim(text, stem, slices.Clip(terms))
	if len(terms) == 0 {
		return protected{text: text}
	}
	return protected{text: text, stem: stem, terms: terms}
}

// restore replaces the placeholders in an engine's translation of p by the
// terms' translations, in one pass, so that a translation that happens to
// look like a placeholder is not replaced again. Engines may change a
// placeholder's case.
func (p protected) restore(translated string) string {
	if len(p.terms) == 0 {
		return translated
	}
	ft := foldText(translated)
	stem, end := fold(p.stem), fold(placeholderEnd)
	var b strings.Builder
	from, last := 0, 0 // in ft.text; last in translated
	for {
		i := strings.Index(ft.text[from:], stem)
		if i < 0 {
			break
		}
		at := from + i
		digits := at + len(stem)
		n := digits
		for n < len(ft.text) && n-digits < 4 && ft.text[n] >= '0' && ft.text[n] <= '9' {
			n++
		}
		num, err := strconv.Atoi(ft.text[digits:n])
		if err != nil || num >= len(p.terms) || !strings.HasPrefix(ft.text[n:], end) {
			from = at + len(stem)
			continue
		}
		b.WriteString(translated[last:ft.original(at)])
		b.WriteString(p.terms[num].target)
		from = n + len(end)
		last = ft.original(from)
	}
	b.WriteString(translated[last:])
	return b.String()
}

// verify checks that every term of src's glossary got its translation.
func (g glossary) verify(src, out string) *checks.Failure {
	terms := g.in(src)
	if len(terms) == 0 {
		return nil
	}
	folded := foldText(out).text
	for _, t := range terms {
		if !strings.Contains(folded, fold(t.target)) {
			return &checks.Failure{Check: "glossary", Detail: fmt.Sprintf("%q should be translated as %q", t.source, t.target)}
		}
	}
	return nil
}

// foldedText is a text with each rune replaced by foldRune, and where each
// of its bytes was in the text: folding may change a rune's length.
type foldedText struct {
	text, orig string
	at         []int // offset in orig of each byte offset of text, and of its end; nil when they are the same
}

func foldText(s string) foldedText {
	same := true
	for i, r := range s {
		// An invalid byte reads as utf8.RuneError, which is written in
		// three: its length is that of the bytes read, not of r.
		if f := foldRune(r); utf8.RuneLen(f) != runeSize(s, i) {
			same = false
			break
		}
	}
	var b strings.Builder
	b.Grow(len(s))
	var at []int
	if !same {
		at = make([]int, 0, len(s)+1)
	}
	for i, r := range s {
		n := b.Len()
		b.WriteRune(foldRune(r))
		for ; !same && n < b.Len(); n++ {
			at = append(at, i)
		}
	}
	if !same {
		at = append(at, len(s))
	}
	return foldedText{text: b.String(), orig: s, at: at}
}

// runeSize returns the length of the rune at s[i:], 1 for an invalid byte.
func runeSize(s string, i int) int {
	_, size := utf8.DecodeRuneInString(s[i:])
	return size
}

// original returns the offset in the original text of offset i of the
// folded one.
func (f foldedText) original(i int) int {
	if f.at == nil {
		return i
	}
	return f.at[i]
}

// find returns the offset, in the folded text, of term (folded) at or after
// from, as a whole word (no letter or digit touching it), or -1.
func (f foldedText) find(term string, from int) int {
	for from <= len(f.text) {
		i := strings.Index(f.text[from:], term)
		if i < 0 {
			return -1
		}
		at := from + i
		end := at + len(term)
		before, _ := utf8.DecodeLastRuneInString(f.text[:at])
		after, _ := utf8.DecodeRuneInString(f.text[end:])
		if !isWordRune(before) && !isWordRune(after) {
			return at
		}
		from = at + 1
	}
	return -1
}

// fold returns s with each rune replaced by foldRune.
func fold(s string) string { return foldText(s).text }

// foldRune maps the runes strings.EqualFold holds equal ("k", "K" and the
// Kelvin sign) to one of them, the smallest, and every space to an
// ordinary one.
func foldRune(r rune) rune {
	if r < utf8.RuneSelf {
		if 'a' <= r && r <= 'z' {
			return r - 'a' + 'A'
		}
		return r
	}
	if unicode.IsSpace(r) {
		return ' '
	}
	least := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		least = min(least, f)
	}
	return least
}

// replaceTerm replaces each whole-word match of term (folded) in text.
func replaceTerm(text, term, with string) string {
	ft := foldText(text)
	var b strings.Builder
	from := 0
	for {
		at := ft.find(term, from)
		if at < 0 {
			b.WriteString(text[ft.original(from):])
			return b.String()
		}
		b.WriteString(text[ft.original(from):ft.original(at)])
		b.WriteString(with)
		from = at + len(term)
	}
}

func isWordRune(r rune) bool {
	return r != utf8.RuneError && (unicode.IsLetter(r) || unicode.IsDigit(r))
}
