package gateway

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"passerelle/checks"
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

// glossaryTerm is one entry, source and target.
type glossaryTerm struct {
	source, target string
}

// glossary is a set of terms, longest source first so that "Palais de
// l'Élysée" is matched before "Élysée".
type glossary []glossaryTerm

// maxGlossaryTerms bounds a request's glossary, and maxTermLength each term.
const (
	maxGlossaryTerms = 200
	maxTermLength    = 200
)

// newGlossary merges the configured terms with the request's (which win)
// and validates them.
func newGlossary(configured, requested map[string]string) (glossary, error) {
	if len(requested) > maxGlossaryTerms {
		return nil, Errorf(CodeInvalidRequest, "the glossary has %d terms; at most %d are accepted", len(requested), maxGlossaryTerms)
	}
	merged := make(map[string]string, len(configured)+len(requested))
	for k, v := range configured {
		merged[k] = v
	}
	for k, v := range requested {
		merged[k] = v
	}
	g := make(glossary, 0, len(merged))
	for src, dst := range merged {
		src, dst = strings.TrimSpace(src), strings.TrimSpace(dst)
		if src == "" || dst == "" {
			return nil, Errorf(CodeInvalidRequest, "a glossary term and its translation must both be non-empty")
		}
		if utf8.RuneCountInString(src) > maxTermLength || utf8.RuneCountInString(dst) > maxTermLength {
			return nil, Errorf(CodeInvalidRequest, "a glossary term is longer than %d characters", maxTermLength)
		}
		g = append(g, glossaryTerm{src, dst})
	}
	sort.Slice(g, func(i, j int) bool {
		if len(g[i].source) != len(g[j].source) {
			return len(g[i].source) > len(g[j].source)
		}
		return g[i].source < g[j].source
	})
	return g, nil
}

// in returns the terms that occur in text.
func (g glossary) in(text string) glossary {
	var out glossary
	for _, t := range g {
		if findTerm(text, t.source, 0) >= 0 {
			out = append(out, t)
		}
	}
	return out
}

// inAny returns the terms that occur in any of texts.
func (g glossary) inAny(texts []string) glossary {
	return g.in(strings.Join(texts, "\n"))
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

// placeholder is a token engines pass through as an unknown word.
func placeholder(i int) string { return fmt.Sprintf("Zxq%dqxZ", i) }

// protect replaces each term of g in text by its placeholder.
func (g glossary) protect(text string) string {
	for i, t := range g {
		text = replaceTerm(text, t.source, placeholder(i))
	}
	return text
}

// restore replaces the placeholders in an engine's output by the terms'
// translations. Engines may change a placeholder's case.
func (g glossary) restore(text string) string {
	for i, t := range g {
		ph := placeholder(i)
		for {
			at := strings.Index(strings.ToLower(text), strings.ToLower(ph))
			if at < 0 {
				break
			}
			text = text[:at] + t.target + text[at+len(ph):]
		}
	}
	return text
}

// verify checks that every term of src's glossary got its translation.
func (g glossary) verify(src, out string) *checks.Failure {
	lower := strings.ToLower(out)
	for _, t := range g.in(src) {
		if !strings.Contains(lower, strings.ToLower(t.target)) {
			return &checks.Failure{Check: "glossary", Detail: fmt.Sprintf("%q should be translated as %q", t.source, t.target)}
		}
	}
	return nil
}

// findTerm returns the index of term in text at or after from, as a whole
// word (no letter or digit touching it), or -1.
func findTerm(text, term string, from int) int {
	for from <= len(text) {
		i := strings.Index(text[from:], term)
		if i < 0 {
			return -1
		}
		at := from + i
		end := at + len(term)
		before, _ := utf8.DecodeLastRuneInString(text[:at])
		after, _ := utf8.DecodeRuneInString(text[end:])
		if !isWordRune(before) && !isWordRune(after) {
			return at
		}
		from = at + 1
	}
	return -1
}

func replaceTerm(text, term, with string) string {
	var b strings.Builder
	from := 0
	for {
		at := findTerm(text, term, from)
		if at < 0 {
			b.WriteString(text[from:])
			return b.String()
		}
		b.WriteString(text[from:at])
		b.WriteString(with)
		from = at + len(term)
	}
}

func isWordRune(r rune) bool {
	return r != utf8.RuneError && (unicode.IsLetter(r) || unicode.IsDigit(r))
}
