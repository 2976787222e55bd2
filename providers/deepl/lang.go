package deepl

import (
	"regexp"
	"strings"

	"passerelle/providers"
)

// DeepL language codes: a primary code of two or three letters, and for
// targets an optional variant ("EN-GB", "PT-BR", "ZH-HANS", "ES-419").
var (
	primaryCode = regexp.MustCompile(`^[A-Z]{2,3}$`)
	targetCode  = regexp.MustCompile(`^[A-Z]{2,3}(-[A-Z0-9]{2,4})?$`)
)

// sourceLang returns DeepL's source_lang for an ISO 639-1 code ("fr",
// "FR", "fr-CA"), or "" for "" and "auto": DeepL detects the language when
// source_lang is absent. Source codes never carry a variant: DeepL refuses
// "EN-US" as a source.
func (p *Provider) sourceLang(lang string) (string, error) {
	l := strings.TrimSpace(lang)
	if l == "" || strings.EqualFold(l, "auto") {
		return "", nil
	}
	if i := strings.IndexAny(l, "-_"); i > 0 {
		l = l[:i]
	}
	code := strings.ToUpper(l)
	if !primaryCode.MatchString(code) {
		return "", p.errorf(providers.KindBadRequest, "source language %q is not a language code such as \"fr\"", lang)
	}
	return code, nil
}

// targetLang returns DeepL's target_lang for an ISO 639-1 code, with an
// optional region. English becomes the configured variant unless the
// request names "en-GB" or "en-US"; Portuguese without a region becomes
// "PT-PT", which is what DeepL's deprecated bare "PT" means. Other codes are
// upper-cased as given ("de" → "DE", "zh-Hant" → "ZH-HANT").
func (p *Provider) targetLang(lang string) (string, error) {
	code := strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(lang), "_", "-"))
	primary, variant, _ := strings.Cut(code, "-")
	switch {
	case primary == "EN" && (variant == "GB" || variant == "US"):
	case primary == "EN":
		code = p.targetVariant
	case code == "PT":
		code = "PT-PT"
	}
	if !targetCode.MatchString(code) {
		return "", p.errorf(providers.KindBadRequest, "target language %q is not a language code such as \"en\" or \"en-GB\"", lang)
	}
	return code, nil
}
