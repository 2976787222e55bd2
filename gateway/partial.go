package gateway

import (
	"fmt"
	"strings"

	"passerelle/gateway/checks"
)

// Warning names a paragraph returned without a checked translation: no
// provider of the chain gave one that passed the output checks, or none
// answered for it. The rest of the article is translated. A warning of
// code checks.CheckUntranslatedWords is informational instead: the
// paragraph passed the checks, but its translation holds words that are not
// English (see withUntranslatedWords).
type Warning struct {
	// Paragraph is the index in Translation.Paragraphs; -1 for the title.
	Paragraph int
	// Code is CodeOutputCheck when a provider's output failed a check (the
	// paragraph holds the first such output that is still a translation,
	// or its source text), CodeProviderError when no provider gave any
	// (the paragraph holds its source text).
	Code string
	// Check is the check that failed, for CodeOutputCheck.
	Check   string
	Message string
}

// Complete reports whether every paragraph of the translation passed the
// checks: a translation with a paragraph that failed them, or that no
// provider gave, is neither cached nor kept as a reply. Informational
// warnings (untranslated_words) leave it complete.
func (t *Translation) Complete() bool {
	for _, w := range t.Warnings {
		if w.Code == CodeOutputCheck || w.Code == CodeProviderError {
			return false
		}
	}
	return true
}

// Incomplete returns, for a translation with warnings, the error the
// request would have failed with had it been strict (Request.Strict), nil
// for a complete one.
func (t *Translation) Incomplete() error { return t.incomplete }

// fallenSegment is what the chain made of one paragraph it could not
// translate: the output to hold instead, and what each provider did.
type fallenSegment struct {
	heldFrom string          // the provider whose output is held
	held     string          // its output, repaired, which failed heldFail
	heldFail *checks.Failure //
	check    *checks.Failure // the first check failed, when nothing is held
	failures []string        // "provider: what went wrong", in order
	last     error
}

// output records a provider's output that failed check failure. The first
// provider of the chain to give one that may be held is preferred, and its
// latest answer (the one to the paragraph alone). An answer that is no
// translation at all (a refusal, an obeyed injection, a preamble, nothing)
// is never held: the source text is worth more to an editor, and a
// hostile article's words must not reach a reader as its translation.
func (f *fallenSegment) output(provider, text string, failure *checks.Failure) {
	if f.check == nil {
		f.check = failure
	}
	if text == "" || !holdable(failure.Check) || (f.heldFrom != "" && f.heldFrom != provider) {
		return
	}
	f.heldFrom, f.held, f.heldFail = provider, text, failure
}

// holdable reports whether an output that failed check is still a
// translation, one an editor can correct. A fragment of HTML whose tags
// were lost or changed is not: put in a page, it would break it or lose a
// link, and its source keeps them.
func holdable(check string) bool {
	switch check {
	case checks.CheckEmpty, checks.CheckRefusal, checks.CheckInjection, checks.CheckPreamble, checks.CheckMarkup:
		return false
	}
	return true
}

// fail records that provider did not give the paragraph.
func (f *fallenSegment) fail(provider string, err error) {
	f.failures = append(f.failures, fmt.Sprintf("%s: %s", provider, describeFailure(err)))
	f.last = err
}

// best returns what the paragraph holds: the preferred output that failed
// a check, or src when there is none.
func (f *fallenSegment) best(src string) string {
	if f.held != "" {
		return f.held
	}
	return src
}

// warning describes the paragraph at index for the client.
func (f *fallenSegment) warning(index int) Warning {
	detail := strings.Join(f.failures, "; ")
	switch {
	case f.held != "":
		return Warning{Paragraph: index, Code: CodeOutputCheck, Check: f.heldFail.Check,
			Message: fmt.Sprintf("no provider's translation passed the checks (%s); the paragraph holds %s's translation, which failed the %s check: %s",
				detail, f.heldFrom, f.heldFail.Check, f.heldFail.Detail)}
	case f.check != nil:
		return Warning{Paragraph: index, Code: CodeOutputCheck, Check: f.check.Check,
			Message: fmt.Sprintf("no provider's translation passed the checks (%s); none could be kept, and the paragraph holds its source text", detail)}
	}
	return Warning{Paragraph: index, Code: CodeProviderError,
		Message: fmt.Sprintf("no provider translated this paragraph (%s); it holds its source text", detail)}
}
