package gateway

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"passerelle/checks"
	"passerelle/providers"
)

// Warning names a paragraph returned without a checked translation: no
// provider of the chain gave one that passed the output checks, or none
// answered for it. The rest of the article is translated.
type Warning struct {
	// Paragraph is the index in Translation.Paragraphs; -1 for the title.
	Paragraph int
	// Code is CodeOutputCheck when a provider's output failed a check
	// (the paragraph holds the first such output), CodeProviderError when
	// no provider gave any (the paragraph holds its source text).
	Code string
	// Check is the check the held output failed, for CodeOutputCheck.
	Check   string
	Message string
}

// Complete reports whether every paragraph of the translation passed the
// checks: a translation with warnings is neither cached nor kept as a
// reply.
func (t *Translation) Complete() bool { return len(t.Warnings) == 0 }

// Incomplete returns, for a translation with warnings, the error the
// request would have failed with had it been strict (Request.Strict), nil
// for a complete one.
func (t *Translation) Incomplete() error { return t.incomplete }

// fallenSegment is what the chain made of one paragraph it could not
// translate: the output to hold instead, and what each provider did.
type fallenSegment struct {
	provider string          // who gave text
	text     string          // its output, repaired, that failed check
	check    *checks.Failure // the check text failed
	failures []string        // "provider: what went wrong", in order
	last     error
}

// output records a provider's output that failed check f. The first
// provider of the chain to give one is the one preferred: its latest answer
// (the one it gave to the paragraph alone) is kept.
func (f *fallenSegment) output(provider, text string, failure *checks.Failure) {
	if text == "" || (f.provider != "" && f.provider != provider) {
		return
	}
	f.provider, f.text, f.check = provider, text, failure
}

// fail records that provider did not give the paragraph.
func (f *fallenSegment) fail(provider string, err error) {
	f.failures = append(f.failures, fmt.Sprintf("%s: %s", provider, describeFailure(err)))
	f.last = err
}

// best returns what the paragraph holds: the preferred output that failed
// a check, or src when no provider gave one.
func (f *fallenSegment) best(src string) string {
	if f.text != "" {
		return f.text
	}
	return src
}

// warning describes the paragraph at index for the client.
func (f *fallenSegment) warning(index int) Warning {
	detail := strings.Join(f.failures, "; ")
	if f.text != "" {
		return Warning{Paragraph: index, Code: CodeOutputCheck, Check: f.check.Check,
			Message: fmt.Sprintf("no provider's translation passed the checks (%s); the paragraph holds %s's translation, which failed the %s check: %s",
				detail, f.provider, f.check.Check, f.check.Detail)}
	}
	return Warning{Paragraph: index, Code: CodeProviderError,
		Message: fmt.Sprintf("no provider translated this paragraph (%s); it holds its source text", detail)}
}

// partialAllowed reports whether the article may be returned with the
// unique segments of lost untranslated: some other paragraph was translated
// (an article none of whose paragraphs could be is a failure, as before),
// the request still has time (its deadline or the process stopping cut
// the work short: what the client gets then is that error), and no
// paragraph was lost to the gateway's own lack of room, which a retry
// shortly fixes for the whole article.
func partialAllowed(ctx context.Context, served []string, fallen []fallenSegment, lost []int) bool {
	if ctx.Err() != nil {
		return false
	}
	for _, m := range lost {
		last := fallen[m].last
		var check *checks.Failure
		if last == nil || (!errors.As(last, &check) && providers.KindOf(last) == providers.KindOverloaded) {
			return false
		}
	}
	for _, name := range served {
		if name != "" && name != keptProvider {
			return true
		}
	}
	return false
}

// warningsFor returns one warning per paragraph (title included) of p whose
// unique segment, at index, was not served.
func warningsFor(p plan, index []int, served []string, fallen []fallenSegment) []Warning {
	var out []Warning
	for i, u := range index {
		if served[u] != "" {
			continue
		}
		at := i
		if p.hasTitle {
			at-- // the title is -1
		}
		out = append(out, fallen[u].warning(at))
	}
	return out
}
