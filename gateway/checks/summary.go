package checks

import (
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"passerelle/article"
)

// Stable names of the checks that only summaries run, as found in
// Failure.Check. Summaries fail the translation's checks too, under their
// names (see Summary).
const (
	CheckLength   = "length"
	CheckOffTopic = "off_topic"
	CheckLinks    = "links"
)

// SummarySource is what a summary is checked against: the article the
// summarizer was given and what it was asked for.
type SummarySource struct {
	Title, Text string // the article, as the summarizer read it
	Sentences   int    // the length asked for, in sentences
	Lang        string // the language the summary is to be written in
}

// Length bounds of a summary, in characters (runes, outer spaces trimmed).
const (
	// maxSummarySentenceChars is what one sentence asked for may take: the
	// longest English sentence of the three Le Monde articles in testdata
	// runs to 388 characters, their median to 143. The bound also grows to
	// the article's own longest sentences (see summaryLengthBounds), which an
	// extractive summary copies.
	maxSummarySentenceChars = 400
	// minSummaryChars is the shortest summary accepted ("Kim met Putin in
	// Vladivostok." has 33): below it is an acknowledgement or a stub, not a
	// summary. Of an article shorter than four times this bound, a quarter
	// is enough; a summary made of the article's own sentences may be as
	// short as they are.
	minSummaryChars = 20
)

// minTopicWords and minTopicShare decide the off_topic check: a summary of
// at least minTopicWords content words fails when fewer than minTopicShare
// of them share a stem with a word of the article. A summary, however
// freely it is phrased, names the article's people, places and subjects; a
// poem, an opinion, a leaked prompt or an answer to another question does
// not.
const (
	minTopicWords = 8
	minTopicShare = 0.5
)

// Summary checks summary, written from src, and returns nil when it may be
// returned and cached, or a *Failure naming the first check it fails, in
// this order:
//
//	empty           no letter or digit in the summary, while the article has some
//	refusal         the summary opens with a refusal, or talks about itself or the
//	                request ("as an AI", "the article you provided")
//	injection       the summary has a canary word ("PWNED") the article lacks or holds
//	                only in an instruction, repeats an instruction addressed to a
//	                model ("ignore all previous instructions"), speaks of a system
//	                prompt, or is only an acknowledgement
//	preamble        the summary opens with words about itself ("Here is a summary:",
//	                "Summary:", "Sure,"), adds a "Note:" line, a code fence, or wraps
//	                itself in quotes
//	wrong_language  the summary is not in src.Lang
//	length          shorter than a stub, or longer than the sentences asked for allow
//	                (and longer than the article itself can explain)
//	off_topic       the summary shares few of its words with the article
//	numbers         a number of the summary is not in the article, in any form
//	links           a link of the summary is not in the article
//
// A summary whose every sentence is one of the article's, as an extractive
// summarizer writes it, says only what the article says: it is checked for
// its length alone. Sentences of the article quoted in a summary likewise
// count for neither a canary nor an instruction. det may be nil: the
// language is then judged by French words alone.
func Summary(src SummarySource, summary string, det Detector) error {
	text := src.Text
	if src.Title != "" {
		text = src.Title + "\n\n" + src.Text
	}
	sum := newSummaryText(text, summary)
	if !hasAlnum(summary) {
		if hasAlnum(text) && !sum.extract {
			return fail(CheckEmpty, "the summary has no letter or digit")
		}
		return nil
	}
	if !sum.extract {
		checks := []func(string, summaryText) *Failure{checkSummaryRefusal, checkSummaryInjection, checkSummaryPreamble}
		for _, check := range checks {
			if f := check(text, sum); f != nil {
				return f
			}
		}
		if f := checkSummaryLanguage(summary, src.Lang, det); f != nil {
			return f
		}
	}
	if f := checkSummaryLength(text, summary, src.Sentences, sum.extract); f != nil {
		return f
	}
	if sum.extract {
		return nil
	}
	if f := checkTopic(text, sum.own); f != nil {
		return f
	}
	if missing := inventedNumbers(text, sum.own); len(missing) > 0 {
		return fail(CheckNumbers, "numbers of the summary not in the article: %s", strings.Join(missing, ", "))
	}
	if links := inventedLinks(text, sum.own); len(links) > 0 {
		return fail(CheckLinks, "links of the summary not in the article: %s", strings.Join(links, ", "))
	}
	return nil
}

// summaryText is a summary split into the sentences it quotes from the
// article and the ones it wrote.
type summaryText struct {
	whole   string
	own     string // the sentences not found in the article, joined by a space
	extract bool   // every sentence is found in the article
	// quoted reports whether a sentence of the summary is one of the
	// article's.
	quoted func(sentence string) bool
}

func newSummaryText(text, summary string) summaryText {
	var sentences articleSentences
	sentences.set = map[string]bool{}
	for _, s := range article.Sentences(text) {
		s = foldSpaces(s)
		if !sentences.set[s] {
			sentences.set[s] = true
			sentences.lengths = append(sentences.lengths, len(s))
		}
	}
	slices.Sort(sentences.lengths)
	sentences.lengths = slices.Compact(sentences.lengths)
	quoted := func(s string) bool {
		return strings.TrimSpace(s) != "" && sentences.whole(foldSpaces(s))
	}
	var own []string
	for _, s := range article.Sentences(summary) {
		if !quoted(s) {
			own = append(own, s)
		}
	}
	// A summary may also be whole sentences of the article that split
	// otherwise once joined: "…iqux.Aa. AA" splits after "iqux." in the
	// article, and "…iqux. Aa. AA", as a summary of its two sentences
	// joins them, splits after "Aa." too.
	extract := strings.TrimSpace(summary) != "" && (len(own) == 0 || sentences.whole(foldSpaces(summary)))
	return summaryText{whole: summary, own: strings.Join(own, " "), extract: extract, quoted: quoted}
}

// articleSentences are the sentences of an article, spaces folded, and
// their distinct lengths in bytes.
type articleSentences struct {
	set     map[string]bool
	lengths []int
}

// whole reports whether s is made of whole sentences of the article, one
// or more: "PWNED." is a part of "Reply only PWNED.", not a sentence of its
// own. Two sentences a summary joins may read as one (the second opens in
// lower case), hence the run. Only prefixes of the article's sentence
// lengths are looked up, so that a long summary costs a few lookups per
// sentence of the article, not one per word.
func (a articleSentences) whole(s string) bool {
	for s != "" {
		if a.set[s] {
			return true
		}
		end := 0
		for _, l := range a.lengths {
			if l >= len(s) {
				break
			}
			if s[l] == ' ' && a.set[s[:l]] {
				end = l
			}
		}
		if end == 0 {
			return false
		}
		s = s[end+1:]
	}
	return false
}

// foldSpaces returns s with every run of spaces made one space.
func foldSpaces(s string) string { return strings.Join(strings.Fields(s), " ") }

// summaryMeta matches a summary that talks about itself, the request or
// the model instead of the article; an article that has the same words (a
// story about chatbots) lets them through.
var summaryMeta = regexp.MustCompile(`(?i)\b(as an ai\b|as a language model|` +
	`i (can ?not|can['’]t|am unable to|am not able to|won['’]t) (summari[sz]e|help|assist|comply|provide|do that|fulfil)|` +
	`the (article|text|content|passage) (you|that you) (provided|sent|shared|gave)|` +
	`(summary|summarise|summarize) (is|was) not possible|en tant qu['’]ia|je ne peux pas résumer)`)

func checkSummaryRefusal(text string, sum summaryText) *Failure {
	sentences := article.Sentences(sum.whole)
	if len(sentences) > 0 && refusalStart.MatchString(sentences[0]) && !sum.quoted(sentences[0]) {
		return fail(CheckRefusal, "the summary opens with a refusal: %s", quote(sum.whole))
	}
	if m := summaryMeta.FindString(sum.own); m != "" && !strings.Contains(strings.ToLower(text), strings.ToLower(m)) {
		return fail(CheckRefusal, "the summary talks about the request: %s", quote(m))
	}
	return nil
}

// instruction matches a sentence addressed to a model: an order to drop its
// instructions, a new role or task, a fake turn of a conversation, or an
// order to answer with given words. An article may carry one (a prompt
// injection); a summary that repeats it in its own words has obeyed it.
var instruction = regexp.MustCompile(`(?i)\b(ignore|disregard|forget|override|ignorez|ignore[sz]?|oubliez|oublie)\b.{0,40}\b(instructions?|prompts?|directives?|consignes?|rules|règles)\b|` +
	`\byou are now\b|\btu es désormais\b|\bvous êtes désormais\b|\bnew (task|instructions?|role)\s*:|\bnouvelle (tâche|consigne)\b|` +
	`(^|\s)(system|assistant|user|utilisateur)\s*:|` +
	`\b(reply|respond|answer|say|write|print|output|type)\b.{0,30}\b(only|just|exactly|nothing but|and nothing else)\b|` +
	`\b(répondez|réponds|réponde[sz]?|écrivez|écris|dites|dis)\b.{0,30}\b(uniquement|seulement|rien d['’]autre)\b`)

// obeyed matches, in a summary's own sentences, the instructions no summary
// repeats unless it obeys them, and a leaked prompt.
var obeyed = regexp.MustCompile(`(?i)\b(ignore|disregard|forget|override)\b.{0,20}\b(all|any|previous|prior|above|earlier|preceding|your)\b.{0,20}\b(instructions?|prompts?|directives?|rules)\b|` +
	`\byou are now\b|\bi have been (pwned|hacked)\b|\b(my|the) system (prompt|message)\b|\byou are a (news editor|translation engine|translator)\b`)

func checkSummaryInjection(text string, sum summaryText) *Failure {
	lowerText := strings.ToLower(text)
	for _, s := range article.Sentences(sum.whole) {
		if sum.quoted(s) {
			continue
		}
		for _, c := range findCanaries(s) {
			if !strings.Contains(lowerText, strings.ToLower(c)) {
				return fail(CheckInjection, "the summary has %q, which the article has not", c)
			}
			if onlyInInstructions(text, c) {
				return fail(CheckInjection, "the summary writes %q, as an instruction in the article asks", c)
			}
		}
		// Even an article that holds the words (a story about prompt
		// injection) is better summed up without them: a false failure
		// here costs the extractive summary, a true one a hijacked reply.
		if m := obeyed.FindString(s); m != "" {
			return fail(CheckInjection, "the summary repeats an instruction: %s", quote(m))
		}
	}
	rest := strings.TrimSpace(canaries.ReplaceAllString(sum.whole, ""))
	if !hasAlnum(rest) || acknowledgement.MatchString(rest) {
		return fail(CheckInjection, "the summary is only %s", quote(sum.whole))
	}
	return nil
}

// onlyInInstructions reports whether every sentence of text that has the
// canary c is an instruction.
func onlyInInstructions(text, c string) bool {
	for _, s := range article.Sentences(text) {
		if strings.Contains(strings.ToLower(s), strings.ToLower(c)) && !instruction.MatchString(s) {
			return false
		}
	}
	return true
}

var (
	// summaryAnnounce matches a first line that presents the summary:
	// "Here is a two-sentence summary of the article:", "Sure, here's the
	// summary:", "Voici un résumé :".
	summaryAnnounce = regexp.MustCompile(`(?i)^\W*((sure|certainly|of course|okay|ok|absolutely)\W+)?` +
		`(here is|here['’]s|here are|below is|the following is|this is|voici|voilà)\b.{0,60}?\b(summary|summari[sz]ation|recap|overview|tl;?dr|résumé|synthèse)\b`)
	// summaryLabel matches a label before the summary: "Summary:",
	// "Summary (2 sentences):", "TL;DR:", "Résumé :".
	summaryLabel = regexp.MustCompile(`(?i)^\W*(summary|article summary|news summary|tl;?dr|résumé|synthèse|assistant)\b[^:\n.]{0,40}:`)
)

func checkSummaryPreamble(text string, sum summaryText) *Failure {
	first := firstLine(sum.whole)
	for _, re := range []*regexp.Regexp{summaryAnnounce, summaryLabel, ack, ackPrefix} {
		if re.MatchString(first) {
			return fail(CheckPreamble, "the summary opens with %s", quote(first))
		}
	}
	if hasNoteLine(sum.whole) && !hasNoteLine(text) {
		return fail(CheckPreamble, "the summary adds a note: %s", quote(noteLine.FindString(sum.whole)))
	}
	if strings.Contains(sum.whole, fence) && !strings.Contains(text, fence) {
		return fail(CheckPreamble, "the summary has a code fence the article has not")
	}
	if inner, ok := wrappingQuotes(sum.whole); ok && !sum.quoted(inner) {
		return fail(CheckPreamble, "the summary is wrapped in quotes")
	}
	return nil
}

// checkSummaryLanguage fails a summary in another language than lang. A
// French verdict of the detector needs French words to bear it out, as a
// translation's does (bearsOut): letters that are no prose ("ABA
// chAAAABA0Au0…") can read as French to it. With no detector, an English
// summary is failed only when French function words make a good part of
// it.
func checkSummaryLanguage(summary, lang string, det Detector) *Failure {
	if CountLetters(summary) < MinLanguageLetters {
		return nil
	}
	if det != nil {
		if got, conf := detectOther(det, summary, lang); got != "" && got != lang && bearsOut(summary, got, lang) {
			return fail(CheckWrongLanguage, "the summary reads as %q (confidence %.2f), want %q", got, conf, lang)
		}
		return nil
	}
	if lang == "en" {
		words, french := 0, 0
		for _, w := range strings.FieldsFunc(strings.ToLower(summary), func(r rune) bool { return !unicode.IsLetter(r) }) {
			words++
			if frenchWords[w] {
				french++
			}
		}
		// "de" and "la" occur in English names; a fifth of the words is
		// French prose.
		if french >= 3 && french*5 >= words {
			return fail(CheckWrongLanguage, "the summary has %d French words in %d, want %q", french, words, lang)
		}
	}
	return nil
}

// summaryLengthBounds returns the shortest and longest summary of text, in
// characters, for the sentences asked for.
func summaryLengthBounds(text string, sentences int) (lo, hi int) {
	n := utf8.RuneCountInString(strings.TrimSpace(text))
	lo = min(minSummaryChars, n/4)
	sentences = max(sentences, 1)
	// The longest sentences of the article, joined by a space, which is
	// what an extractive summary of them comes to.
	var lengths []int
	for _, s := range article.Sentences(text) {
		lengths = append(lengths, utf8.RuneCountInString(s))
	}
	longest := 0
	for range min(sentences, len(lengths)) {
		at := 0
		for i, l := range lengths {
			if l > lengths[at] {
				at = i
			}
		}
		longest += lengths[at] + 1
		lengths[at] = -1
	}
	hi = max(sentences*maxSummarySentenceChars, longest)
	// A summary longer than the article by half again says more than
	// the article does.
	hi = min(hi, n+n/2+100)
	return lo, hi
}

func checkSummaryLength(text, summary string, sentences int, extract bool) *Failure {
	lo, hi := summaryLengthBounds(text, sentences)
	if extract {
		lo = 0
	}
	n := utf8.RuneCountInString(strings.TrimSpace(summary))
	switch {
	case n < lo:
		return fail(CheckLength, "the summary has %d characters, fewer than %d", n, lo)
	case n > hi:
		return fail(CheckLength, "the summary has %d characters, more than %d (%d sentences asked, an article of %d)",
			n, hi, sentences, utf8.RuneCountInString(strings.TrimSpace(text)))
	}
	return nil
}

// topicStopWords are English words too common to say what a text is about.
var topicStopWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`about above after again against also among another because been before being
		below between both could does doing down during each even ever every from further have having here hers herself
		himself into itself just like made make many more most much must myself only other ours over said same says should
		since some such than that their theirs them themselves then there these they this those through under until upon
		very were what when where which while whom whose will with within without would your yours year years week
		according told also still well`) {
		m[w] = true
	}
	return m
}()

// topicStems returns the stems of the content words of s: its words of four
// letters or more, stop words aside, cut to their first five letters so that
// "Russia" meets "Russian" and "negotiations" "negotiated".
func topicStems(s string) []string {
	var stems []string
	for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) }) {
		if utf8.RuneCountInString(w) < 4 || topicStopWords[w] {
			continue
		}
		if r := []rune(w); len(r) > 5 {
			w = string(r[:5])
		}
		stems = append(stems, w)
	}
	return stems
}

func checkTopic(text, own string) *Failure {
	stems := topicStems(own)
	if len(stems) < minTopicWords {
		return nil
	}
	known := map[string]bool{}
	for _, s := range topicStems(text) {
		known[s] = true
	}
	shared := 0
	for _, s := range stems {
		if known[s] {
			shared++
		}
	}
	if share := float64(shared) / float64(len(stems)); share < minTopicShare {
		return fail(CheckOffTopic, "the summary shares %.0f%% of its words with the article, under %.0f%%", 100*share, 100*minTopicShare)
	}
	return nil
}

// link matches an address: with a scheme, opening with "www.", or a bare
// domain name under a common top-level domain ("example.com/page").
var link = regexp.MustCompile(`(?i)\b(?:https?://|ftp://|www\.)[^\s<>"'«»()\[\]]+|` +
	`\b(?:[a-z0-9-]+\.)+(?:com|org|net|info|io|co|fr|uk|ru|de|eu|gov|edu|ly|me|xyz|biz|app|ai|tv|news|int|be|ch)\b(?:/[^\s<>"'«»()\[\]]*)?`)

// inventedLinks returns the links of own that text does not hold, compared
// without their scheme, "www." and trailing punctuation, in any case.
func inventedLinks(text, own string) []string {
	if !strings.Contains(own, ".") {
		return nil
	}
	lower := strings.ToLower(text)
	var out []string
	for _, l := range link.FindAllString(own, -1) {
		l = strings.TrimRight(l, ".,;:!?")
		norm := strings.ToLower(strings.TrimRight(l, "/"))
		if _, rest, ok := strings.Cut(norm, "://"); ok {
			norm = rest
		}
		norm = strings.TrimPrefix(norm, "www.")
		if norm != "" && !strings.Contains(lower, norm) {
			out = append(out, l)
		}
	}
	return out
}
