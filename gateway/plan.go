package gateway

import (
	"context"
	"strings"

	"passerelle/article"
)

// plan is a validated request: the parsed document, languages, and the
// provider chains to use.
type plan struct {
	doc              article.Document
	source, target   string
	detected         string // the detector's answer, "" when unsure or off
	passthrough      bool   // the article is already in the target language
	translationChain []string
	summaryChain     []string
	summarySentences int
	cache            CachePolicy
	segments         []string // title (when present) then paragraphs
	hasTitle         bool
	glossary         glossary // the terms that occur in the article
}

func (s *Service) plan(ctx context.Context, req Request, wantSummary bool) (plan, error) {
	target, err := targetLanguage(req.TargetLang)
	if err != nil {
		return plan{}, err
	}
	doc, err := s.readArticle(ctx, req)
	if err != nil {
		return plan{}, err
	}
	if s.maxParagraphs > 0 && len(doc.Paragraphs) > s.maxParagraphs {
		return plan{}, Errorf(CodeTooLarge, "the article has %d paragraphs; at most %d are accepted", len(doc.Paragraphs), s.maxParagraphs)
	}
	if n := doc.Characters(); s.maxCharacters > 0 && n > s.maxCharacters {
		return plan{}, Errorf(CodeTooLarge, "the article has %d characters; at most %d are accepted", n, s.maxCharacters)
	}
	p := plan{doc: doc, target: target, cache: req.Cache, detected: s.detect(doc)}
	if p.source, err = sourceLanguage(req.SourceLang, p.detected, target); err != nil {
		return plan{}, err
	}
	p.passthrough = p.source == target
	if doc.Title != "" {
		p.segments = append(p.segments, doc.Title)
		p.hasTitle = true
	}
	p.segments = append(p.segments, doc.Paragraphs...)
	g, err := newGlossary(s.glossary, req.Glossary)
	if err != nil {
		return plan{}, err
	}
	p.glossary = g.inAny(p.segments)

	p.summarySentences = s.summarySentences
	if req.SummarySentences != 0 {
		if req.SummarySentences < 1 || req.SummarySentences > MaxSummarySentences {
			return plan{}, Errorf(CodeInvalidRequest, "summary_sentences must be between 1 and %d", MaxSummarySentences)
		}
		p.summarySentences = req.SummarySentences
	}

	p.translationChain, p.summaryChain, err = s.chains(req.Provider, wantSummary)
	if err != nil {
		return plan{}, err
	}
	return p, nil
}

// detect returns the language of the article's opening, "" when unsure or
// when no detector is configured.
func (s *Service) detect(doc article.Document) string {
	if s.detector == nil {
		return ""
	}
	var b strings.Builder
	b.WriteString(doc.Title)
	for _, p := range doc.Paragraphs {
		if b.Len() > 2000 {
			break
		}
		b.WriteString("\n")
		b.WriteString(p)
	}
	lang, _ := s.detector.Detect(b.String())
	return lang
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
