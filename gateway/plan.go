package gateway

import (
	"context"
	"slices"
	"strings"
	"unicode/utf8"

	"passerelle/article"
	"passerelle/providers"
)

// plan is a validated request: the parsed document, languages, and the
// provider chains to use.
type plan struct {
	doc              article.Document
	source, target   string
	requestedSource  string // source_lang as the request gave it
	detected         string // the detector's answer, "" when unsure or off
	detectPending    bool   // the language is to be detected (see decideLanguage)
	passthrough      bool   // the article is already in the target language
	documentChecked  bool   // the document entry was looked up already
	translationChain []string
	summaryChain     []string
	summarySentences int
	cache            CachePolicy
	segments         []string // title (when present) then paragraphs
	hasTitle         bool
	glossary         glossary // the terms that occur in the article
	meta             pageMeta // the byline and date of a page; empty for a text
	format           string   // providers.FormatText or providers.FormatHTML
	// frame puts the translations of segments given as they are back
	// between their white space; nil for an article (see given.go).
	frame *segmentFrame

	progress func(Progress) // Request.Progress
	onStart  func(Source)   // Request.Started
}

// started tells the request's Started of the article it works on.
func (p plan) started() {
	if p.onStart == nil {
		return
	}
	p.onStart(Source{Title: p.doc.Title, Paragraphs: p.doc.Paragraphs, Byline: p.meta.Byline, Published: p.meta.Published})
}

func (s *Service) plan(ctx context.Context, req Request, wantSummary bool) (plan, error) {
	if err := CheckInput(req); err != nil {
		return plan{}, err
	}
	target, err := targetLanguage(req.TargetLang)
	if err != nil {
		return plan{}, err
	}
	doc, meta, err := s.readArticleMeta(ctx, req)
	if err != nil {
		return plan{}, err
	}
	if err := s.checkBounds(doc, len(req.Segments) > 0); err != nil {
		return plan{}, err
	}
	p := plan{doc: doc, meta: meta, target: target, cache: req.Cache, requestedSource: req.SourceLang, format: formatOf(req), progress: req.Progress, onStart: req.Started}
	switch strings.ToLower(strings.TrimSpace(req.SourceLang)) {
	case "", "auto":
		// Detected later, and only when the cache does not already hold
		// the article's translation: detection is most of a hit's work.
		p.source, p.detectPending = "fr", s.detector != nil
	default:
		if p.source, err = sourceLanguage(req.SourceLang, "", target); err != nil {
			return plan{}, err
		}
	}
	p.passthrough = p.source == target
	p.segments, p.hasTitle, p.frame = planSegments(req, doc)
	g, err := newGlossary(s.glossary, req.Glossary)
	if err != nil {
		return plan{}, err
	}
	p.glossary = g.inAny(p.textsOf(p.segments))

	p.summarySentences = s.summarySentences
	if req.SummarySentences != 0 {
		p.summarySentences = req.SummarySentences // CheckInput bounded it
	}

	p.translationChain, p.summaryChain, err = s.chains(req.Provider, wantSummary)
	if err != nil {
		return plan{}, err
	}
	// Last: a request refused for any reason above costs nothing.
	if req.Charge != nil {
		if err := req.Charge(ctx, p.characters()); err != nil {
			return plan{}, err
		}
	}
	return p, nil
}

// formatOf returns the format of a request's segments: FormatHTML, or
// FormatText for anything else CheckInput lets through. An article given
// as a page is text once extracted.
func formatOf(req Request) string {
	if len(req.Segments) > 0 && req.Format == providers.FormatHTML {
		return providers.FormatHTML
	}
	return providers.FormatText
}

// planSegments returns what is translated of doc: the title, when there
// is one, then the paragraphs; or the texts of the segments a request
// gives as they are, with their frame.
func planSegments(req Request, doc article.Document) (segments []string, hasTitle bool, frame *segmentFrame) {
	if len(req.Segments) > 0 {
		segments, frame = frameSegments(req.Segments)
		return segments, false, frame
	}
	if doc.Title != "" {
		segments, hasTitle = append(segments, doc.Title), true
	}
	return append(segments, doc.Paragraphs...), hasTitle, nil
}

// characters is what a request is charged for: the article as it will be
// worked on, or the texts of its segments as they are sent.
func (p plan) characters() int {
	if p.frame != nil {
		return characters(p.segments)
	}
	return p.doc.Characters()
}

// detectionDoc is what the language of p is told from: the article, or
// the text of its segments, all of them together.
func (p plan) detectionDoc() article.Document {
	if p.frame == nil {
		return p.doc
	}
	return article.Document{Paragraphs: p.textsOf(p.segments)}
}

// checkBounds returns the error an article over the configured bounds
// gets; texts given as they are (given) are counted as texts.
func (s *Service) checkBounds(doc article.Document, given bool) error {
	what, unit := "the article", "paragraphs"
	if given {
		what, unit = "the request", "texts"
	}
	if s.maxParagraphs > 0 && len(doc.Paragraphs) > s.maxParagraphs {
		return Errorf(CodeTooLarge, "%s has %d %s; at most %d are accepted", what, len(doc.Paragraphs), unit, s.maxParagraphs)
	}
	if n := doc.Characters(); s.maxCharacters > 0 && n > s.maxCharacters {
		return Errorf(CodeTooLarge, "%s has %d characters; at most %d are accepted", what, n, s.maxCharacters)
	}
	return nil
}

// CheckInput returns the error a request gets for its form alone: several
// of text, html and url, or nothing at all, a target language or summary
// length that is not served. It reads no page and parses no text, so that
// a batch can tell the articles it will work on before spending anything
// on them; whatever it lets through is checked in full by the request.
func CheckInput(req Request) error {
	given := 0
	for _, v := range []string{req.Text, req.HTML, req.URL} {
		if strings.TrimSpace(v) != "" {
			given++
		}
	}
	if len(req.Segments) > 0 {
		given++
		// Segments are not normalised as an article is, which would
		// mend their bytes: what is not text is refused.
		if slices.ContainsFunc(req.Segments, func(s string) bool { return !utf8.ValidString(s) }) {
			return Errorf(CodeInvalidRequest, "a segment is not valid UTF-8 text")
		}
		if strings.TrimSpace(req.Title) != "" {
			return Errorf(CodeInvalidRequest, "segments are translated as they are, without a title: send it as a segment")
		}
	}
	switch req.Format {
	case "", providers.FormatText, providers.FormatHTML:
	default:
		return Errorf(CodeInvalidRequest, "format must be %q or %q", providers.FormatText, providers.FormatHTML)
	}
	switch {
	case given > 1:
		return errSeveralInputs
	case given == 0 && strings.TrimSpace(req.Title) == "":
		return errEmptyArticle
	}
	if _, err := targetLanguage(req.TargetLang); err != nil {
		return err
	}
	if req.SummarySentences != 0 && (req.SummarySentences < 1 || req.SummarySentences > MaxSummarySentences) {
		return Errorf(CodeInvalidRequest, "summary_sentences must be between 1 and %d", MaxSummarySentences)
	}
	return nil
}

// decideLanguage settles the source language of a plan whose language was
// left to detection. An article whose translation the cache holds under
// French was accepted as French before: it is not detected again, and that
// translation is returned. It fails when the article is not in a language
// Passerelle translates.
func (s *Service) decideLanguage(ctx context.Context, p *plan) (*Translation, error) {
	if !p.detectPending {
		return nil, nil
	}
	p.detectPending = false
	// When the round trip that takes the lease reads the article's entry
	// too (Redis), the language is decided first: detecting costs less than
	// a round trip of its own.
	if !p.cache.NoRead && !s.readsWithLease() {
		primaryName, docKey := s.documentKey(*p)
		p.documentChecked = true
		if tr, ok := s.lookupDocument(ctx, *p, primaryName, docKey); ok {
			p.detected = "fr"
			return tr, nil
		}
	}
	p.detected = s.detect(p.detectionDoc())
	source, err := sourceLanguage(p.requestedSource, p.detected, p.target)
	if err != nil {
		return nil, err
	}
	p.source, p.passthrough = source, source == p.target
	if p.passthrough {
		p.documentChecked = false
	}
	return nil, nil
}

// openingBytes is how much of an article its language is detected on: the
// title, then whole paragraphs until this many bytes are passed. On the 454
// documents of the WMT sets of the evaluation corpus (French sources and
// English references), 1000 decides as 2000 did on every one, in half the
// time (89 against 179 µs a document); 600 differs on one. See
// TestOpeningDecidesAsALongerOne.
const openingBytes = 1000

// detect returns the language of the article's opening, "" when unsure or
// when no detector is configured.
func (s *Service) detect(doc article.Document) string {
	if s.detector == nil {
		return ""
	}
	lang, _ := s.detector.Detect(opening(doc, openingBytes))
	return lang
}

// opening returns the title and the paragraphs of doc until more than limit
// bytes are taken.
func opening(doc article.Document, limit int) string {
	var b strings.Builder
	b.WriteString(doc.Title)
	for _, p := range doc.Paragraphs {
		if b.Len() > limit {
			break
		}
		b.WriteString("\n")
		b.WriteString(p)
	}
	return b.String()
}

// targetLanguage validates the target language. Only English is served.
func targetLanguage(target string) (string, error) {
	target = strings.ToLower(strings.TrimSpace(target))
	if target == "" {
		target = "en"
	}
	if base, _, ok := strings.Cut(target, "-"); ok {
		target = base
	}
	if target != "en" {
		return "", Errorf(CodeUnsupportedLanguage, "target_lang %q is not supported: Passerelle translates into English (\"en\")", target)
	}
	return target, nil
}

// sourceLanguage decides the article's language from what the request says
// and what the detector found. Omitted, it means French, and an article the
// detector is sure is in another language is refused, so that nobody pays
// to "translate" English into English by mistake. "auto" trusts the
// detector. An article already in the target language is passed through at
// no cost.
func sourceLanguage(requested, detected, target string) (string, error) {
	requested = strings.ToLower(strings.TrimSpace(requested))
	if base, _, ok := strings.Cut(requested, "-"); ok {
		requested = base
	}
	switch requested {
	case "":
		if detected != "" && detected != "fr" {
			return "", Errorf(CodeUnsupportedLanguage, "the article looks %s, not French: send \"source_lang\": \"auto\" (or the article's language) to accept it", languageName(detected))
		}
		return "fr", nil
	case "auto":
		switch detected {
		case "", "fr":
			return "fr", nil
		case target:
			return target, nil
		}
		return "", Errorf(CodeUnsupportedLanguage, "the article looks %s: Passerelle translates French into English", languageName(detected))
	case "fr", target:
		return requested, nil
	}
	return "", Errorf(CodeUnsupportedLanguage, "source_lang %q is not supported: Passerelle translates French (\"fr\"); \"auto\" detects the language", requested)
}

var languageNames = map[string]string{"en": "English", "fr": "French", "es": "Spanish", "de": "German", "it": "Italian", "pt": "Portuguese", "nl": "Dutch"}

func languageName(code string) string {
	if n, ok := languageNames[code]; ok {
		return n
	}
	return "written in " + code
}
