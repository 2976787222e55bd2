package gateway

import (
	"fmt"
	"slices"
	"strings"

	"passerelle/gateway/checks"
)

// withUntranslatedWords returns tr with a warning (check
// untranslated_words) for each paragraph, title included, whose output
// holds words that are no English (see checks.UntranslatedWords): French an
// engine left, Spanish from a pivot. They are informational: the paragraph
// passed the checks, is cached, and the translation stays complete.
//
// It runs on every reply, from the source and the final output alone, so
// that a cache hit carries the same warnings as the miss that filled it.
// A paragraph that already has a warning (it failed) gets no other, and an
// article returned as it was (already in the target language) has none.
// tr may be shared with other requests (coalesced, published): it is never
// changed; a copy is returned when a warning is added.
func withUntranslatedWords(p plan, tr *Translation) *Translation {
	if tr == nil || p.passthrough || p.target != "en" {
		return tr
	}
	outputs, ok := outputsOf(p, tr)
	if !ok {
		return tr
	}
	warned := map[int]bool{}
	for _, w := range tr.Warnings {
		warned[w.Paragraph] = true
	}
	var targets []string
	for _, t := range p.glossary {
		targets = append(targets, strings.ToLower(t.target))
	}
	var added []Warning
	for i, src := range p.segments {
		at := p.paragraphAt(i)
		if warned[at] {
			continue
		}
		words := slices.DeleteFunc(checks.UntranslatedWords(p.textOf(src), p.textOf(outputs[i])), func(w string) bool {
			return slices.ContainsFunc(targets, func(t string) bool { return strings.Contains(t, w) })
		})
		if len(words) == 0 {
			continue
		}
		added = append(added, Warning{Paragraph: at, Code: checks.CheckUntranslatedWords, Check: checks.CheckUntranslatedWords,
			Message: fmt.Sprintf("the translation holds words that are not English, left in French or another language by the provider: %s", quoteWords(words))})
	}
	if len(added) == 0 {
		return tr
	}
	out := *tr
	out.Warnings = append(slices.Clip(tr.Warnings), added...)
	slices.SortStableFunc(out.Warnings, func(a, b Warning) int { return a.Paragraph - b.Paragraph })
	return &out
}

// outputsOf returns the output of each of p's segments in tr, and false
// when tr does not have them all.
func outputsOf(p plan, tr *Translation) ([]string, bool) {
	outputs := make([]string, len(p.segments))
	for i := range p.segments {
		at := p.paragraphAt(i)
		switch {
		case at == -1:
			outputs[i] = tr.Title
		case at < len(tr.Paragraphs):
			outputs[i] = tr.Paragraphs[at]
		default:
			return nil, false
		}
	}
	return outputs, true
}

// quoteWords lists words as "a", "b" and "c".
func quoteWords(words []string) string {
	q := make([]string, len(words))
	for i, w := range words {
		q[i] = `"` + w + `"`
	}
	if len(q) == 1 {
		return q[0]
	}
	return strings.Join(q[:len(q)-1], ", ") + " and " + q[len(q)-1]
}
