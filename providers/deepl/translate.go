package deepl

import (
	"context"
	"slices"
	"strings"
	"unicode/utf8"

	"golang.org/x/sync/errgroup"

	"passerelle/providers"
)

// translation is one entry of DeepL's answer.
type translation struct {
	DetectedSourceLanguage string `json:"detected_source_language"`
	Text                   string `json:"text"`
	BilledCharacters       *int   `json:"billed_characters"`
	ModelTypeUsed          string `json:"model_type_used"`
}

// Translate translates the segments with POST /v2/translate and returns the
// translations in request order. Blank segments are returned unchanged
// without being sent. A batch over DeepL's limits (MaxTexts texts,
// MaxRequestBytes of body) is sent as several requests, in parallel up to
// MaxConcurrency. Model is "deepl", or "deepl:<model_type_used>" when a
// model type is configured; Usage.Characters is what DeepL billed
// (billed_characters), or the characters sent when it does not say.
//
// On failure it returns a *providers.Error and no translations: KindBadRequest
// for a language code that is not one, a glossary without a source language,
// or a segment too large for one request; otherwise the kind of DeepL's
// answer (see kindForStatus).
func (p *Provider) Translate(ctx context.Context, req providers.TranslateRequest) (providers.TranslateResult, error) {
	src, err := p.sourceLang(req.SourceLang)
	if err != nil {
		return providers.TranslateResult{}, err
	}
	tgt, err := p.targetLang(req.TargetLang)
	if err != nil {
		return providers.TranslateResult{}, err
	}
	if p.glossaryID != "" && src == "" {
		return providers.TranslateResult{}, p.errorf(providers.KindBadRequest,
			"glossary %s needs a source language: DeepL applies no glossary to a detected language", p.glossaryID)
	}

	out := make([]string, len(req.Segments))
	var texts []string // the segments sent, in order
	var index []int    // index[i] is the segment of texts[i]
	for i, seg := range req.Segments {
		if strings.TrimSpace(seg) == "" {
			out[i] = seg
			continue
		}
		texts = append(texts, seg)
		index = append(index, i)
	}
	model := "deepl"
	if len(texts) == 0 {
		return providers.TranslateResult{Translations: out, Model: model}, nil
	}

	template := translateRequest{
		Text:                 []string{},
		SourceLang:           src,
		TargetLang:           tgt,
		Context:              p.context,
		ShowBilledCharacters: true,
		Formality:            p.formality,
		ModelType:            p.modelType,
		GlossaryID:           p.glossaryID,
	}
	if req.Format == providers.FormatHTML {
		template.TagHandling = "html"
	}
	batches, err := p.plan(template, texts)
	if err != nil {
		return providers.TranslateResult{}, err
	}

	answers := make([][]translation, len(batches))
	g, gctx := errgroup.WithContext(ctx)
	for i, b := range batches {
		body := template
		body.Text = texts[b.start:b.end]
		g.Go(func() error {
			ts, err := p.translateBatch(gctx, body)
			answers[i] = ts
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return providers.TranslateResult{}, err
	}

	var usage providers.Usage
	var models []string
	k := 0
	for _, ts := range answers {
		for _, t := range ts {
			out[index[k]] = t.Text
			if t.BilledCharacters != nil {
				usage.Characters += *t.BilledCharacters
			} else {
				usage.Characters += utf8.RuneCountInString(texts[k])
			}
			if t.ModelTypeUsed != "" && !slices.Contains(models, t.ModelTypeUsed) {
				models = append(models, t.ModelTypeUsed)
			}
			k++
		}
	}
	if len(models) > 0 {
		model += ":" + strings.Join(models, "+")
	}
	return providers.TranslateResult{Translations: out, Model: model, Usage: usage}, nil
}

// plan splits texts into the requests to send, or returns a KindBadRequest
// error naming the first text too large for a request of its own.
func (p *Provider) plan(template translateRequest, texts []string) ([]batch, error) {
	empty, err := encode(template)
	if err != nil {
		return nil, p.errorf(providers.KindBadRequest, "encode request: %v", err)
	}
	sizes := make([]int, len(texts))
	for i, text := range texts {
		b, err := encode(text)
		if err != nil {
			return nil, p.errorf(providers.KindBadRequest, "encode segment %d: %v", i, err)
		}
		sizes[i] = len(b)
		if len(empty)+sizes[i] > MaxRequestBytes {
			return nil, p.errorf(providers.KindBadRequest,
				"a segment of %d bytes is too large: DeepL accepts at most %d bytes (128 KiB) per request, options included; split it",
				len(text), MaxRequestBytes)
		}
	}
	return split(len(empty), sizes, MaxTexts, MaxRequestBytes), nil
}

// translateBatch sends one request once a slot is free, and checks that
// the answer holds one translation per text.
func (p *Provider) translateBatch(ctx context.Context, body translateRequest) ([]translation, error) {
	select {
	case p.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, p.transportError(ctx.Err())
	}
	defer func() { <-p.sem }()

	var answer struct {
		Translations []translation `json:"translations"`
	}
	if err := p.call(ctx, "POST", "/v2/translate", body, &answer); err != nil {
		return nil, err
	}
	if len(answer.Translations) != len(body.Text) {
		return nil, p.errorf(providers.KindBadOutput, "DeepL returned %d translations for %d texts", len(answer.Translations), len(body.Text))
	}
	return answer.Translations, nil
}
