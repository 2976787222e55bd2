package checks

import (
	"regexp"
	"strings"
)

// refusalStart matches an output that opens by declining, which a
// translation of a news segment never does unless its source opens the same
// way (see sourceDeclines).
var refusalStart = regexp.MustCompile(`(?i)^\W*(` +
	`i['’]?m sorry|i am sorry|sorry, (but )?i|i apologi[sz]e|unfortunately,? i|` +
	`i (can ?not|can['’]t|won['’]t|am unable to|am not able to|must decline)\b|` +
	`as an ai\b|as a language model|as an? (ai )?assistant\b|` +
	`je suis désolée?|désolée?, (mais )?je|je ne peux pas|en tant qu['’]ia)`)

// sourceDeclines matches a source that itself opens with an apology or a
// refusal (a quoted statement), whose faithful translation opens likewise.
var sourceDeclines = regexp.MustCompile(`(?i)^\W*(je suis désolée?|désolée?|pardon|excusez|je ne (peux|pourrai|saurais)|nous ne (pouvons|pourrons)|en tant qu)`)

func checkRefusal(src, out string) *Failure {
	if refusalStart.MatchString(out) && !sourceDeclines.MatchString(src) {
		return fail(CheckRefusal, "the output opens with a refusal: %s", quote(out))
	}
	return nil
}

// canaries are words that injection attempts ask a model to write and that
// no translation of French news produces unless its source has them; an
// output that has one its source lacks has obeyed the source instead of
// translating it. Words such as "hacked" are left out: "piraté" translates
// to them.
var canaries = regexp.MustCompile(`(?i)\b(pwned|pwnd|pwn3d)\b`)

// findCanaries returns canaries.FindAllString(s, -1). Every canary opens
// with "pw" in some case: a text without it, which is nearly every text, is
// not run through the regexp.
func findCanaries(s string) []string {
	for i := 0; i+1 < len(s); i++ {
		if (s[i] == 'p' || s[i] == 'P') && (s[i+1] == 'w' || s[i+1] == 'W') {
			return canaries.FindAllString(s, -1)
		}
	}
	return nil
}

// acknowledgement matches an output made only of an acknowledgement ("OK",
// "Understood.", "D'accord"), the answer of a model that took an instruction
// hidden in the source as addressed to it.
var acknowledgement = regexp.MustCompile(`(?i)^\W*(ok(ay)?|sure|yes|understood|done|noted|got it|certainly|of course|` +
	`d['’]accord|compris|entendu|bien reçu|oui)\W*$`)

// checkInjection finds outputs that obeyed the source. It stays on two
// principled signals rather than guessing at intent: a canary the source did
// not contain, and an output far below the length bounds that is nothing but
// a canary or an acknowledgement. Other obedient outputs (a summary instead of
// a translation, a poem, an answer in French) fail the length, language or
// numbers checks.
func checkInjection(src, out string) *Failure {
	for _, c := range findCanaries(out) {
		if !strings.Contains(strings.ToLower(src), strings.ToLower(c)) {
			return fail(CheckInjection, "the output has %q, which the source has not", c)
		}
	}
	if tooShort(src, out) {
		rest := strings.TrimSpace(canaries.ReplaceAllString(out, ""))
		if !hasAlnum(rest) || acknowledgement.MatchString(rest) {
			return fail(CheckInjection, "the output is only %s, far shorter than the source", quote(out))
		}
	}
	return nil
}
