package openai

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	goopenai "github.com/sashabaranov/go-openai"

	"passerelle/prompts"
	"passerelle/providers"
)

// translationSchema is the strict JSON schema of a translation answer. Strict
// mode requires every property to be listed in required and
// additionalProperties to be false.
var translationSchema = json.RawMessage(`{"type":"object","properties":{"translations":{"type":"array","items":{"type":"string"}}},"required":["translations"],"additionalProperties":false}`)

// translateInput is the user message. Built with encoding/json, the article
// text stays a string value, so nothing in it can pass for an instruction of
// ours.
type translateInput struct {
	SourceLang string `json:"source_lang"`
	TargetLang string `json:"target_lang"`
	// Segments are strings, or providers.GlossedSegment for a segment
	// that glossary terms occur in.
	Segments []any `json:"segments"`
}

// Translate translates all segments, normally in one chat completion. An
// answer with the wrong number of translations or invalid JSON is never
// accepted: each segment is then asked for alone. An answer cut off at the
// output limit, or an input over the context length, is asked for again in
// two halves. Usage is summed over every call. Translate returns a
// *providers.Error and no translations when any call fails, with
// KindContextLength when a single segment is too long, KindBadOutput when a
// single segment still gets an unusable answer.
func (p *Provider) Translate(ctx context.Context, req providers.TranslateRequest) (providers.TranslateResult, error) {
	if len(req.Segments) == 0 {
		return providers.TranslateResult{Translations: []string{}, Model: p.model}, nil
	}
	system, err := p.prompts.Render(p.translatePrompt, prompts.TranslateData{
		SourceLang: prompts.LanguageName(req.SourceLang),
		TargetLang: prompts.LanguageName(req.TargetLang),
		HTML:       req.Format == providers.FormatHTML,
	})
	if err != nil {
		return providers.TranslateResult{}, fmt.Errorf("openai %s: %w", p.name, err)
	}
	t := &translation{p: p, system: system, source: req.SourceLang, target: req.TargetLang, glossaries: req.GlossariesByText()}
	out, err := t.batch(ctx, req.Segments)
	if err != nil {
		return providers.TranslateResult{}, err
	}
	return providers.TranslateResult{Translations: out, Model: t.model, Usage: t.usage}, nil
}

// translation is one Translate call: its prompt, and what its chat
// completions reported.
type translation struct {
	p              *Provider
	system         string
	source, target string
	model          string
	usage          providers.Usage
	glossaries     map[string]map[string]string // by segment text
}

// batch translates segs, falling back as Translate describes.
func (t *translation) batch(ctx context.Context, segs []string) ([]string, error) {
	return providers.TranslateWithSplits(ctx, segs, t.call)
}

// call makes one chat completion for segs and checks its answer.
func (t *translation) call(ctx context.Context, segs []string) ([]string, error) {
	user, err := json.Marshal(translateInput{SourceLang: t.source, TargetLang: t.target, Segments: providers.MessageSegments(segs, t.glossaries)})
	if err != nil {
		return nil, fmt.Errorf("openai %s: encode segments: %w", t.p.name, err)
	}
	choice, model, usage, err := t.p.chat(ctx, goopenai.ChatCompletionRequest{
		Messages: []goopenai.ChatCompletionMessage{
			{Role: goopenai.ChatMessageRoleSystem, Content: t.system},
			{Role: goopenai.ChatMessageRoleUser, Content: string(user)},
		},
		ResponseFormat: t.p.translationFormat(),
	})
	t.usage = t.usage.Add(usage)
	if t.model == "" {
		t.model = model
	}
	if err != nil {
		return nil, err
	}
	if choice.FinishReason == goopenai.FinishReasonLength {
		return nil, &providers.Error{Provider: t.p.name, Kind: providers.KindContextLength,
			Message: fmt.Sprintf("the answer for %d segment(s) was cut off at the model's output limit", len(segs))}
	}
	if choice.Message.Refusal != "" {
		return nil, t.p.badOutput("the model refused: %s", providers.Truncate(choice.Message.Refusal, 200))
	}
	var translations []string
	if t.p.responseFormat == FormatText {
		if translations, err = parseNumbered(choice.Message.Content, len(segs)); err != nil {
			return nil, t.p.badOutput("the answer is not the numbered list asked for: %v", err)
		}
	} else {
		var answer struct {
			Translations []string `json:"translations"`
		}
		if err := json.Unmarshal([]byte(unfence(choice.Message.Content)), &answer); err != nil {
			return nil, t.p.badOutput("the answer is not the JSON object asked for: %v", err)
		}
		if answer.Translations == nil {
			return nil, t.p.badOutput("the answer has no translations array")
		}
		translations = answer.Translations
	}
	if len(translations) != len(segs) {
		return nil, t.p.badOutput("%d translations for %d segments", len(translations), len(segs))
	}
	for i, s := range translations {
		if strings.TrimSpace(s) == "" && strings.TrimSpace(segs[i]) != "" {
			return nil, t.p.badOutput("translation %d of %d is empty", i+1, len(segs))
		}
	}
	return translations, nil
}

func (p *Provider) translationFormat() *goopenai.ChatCompletionResponseFormat {
	switch p.responseFormat {
	case FormatText:
		return nil
	case FormatJSONObject:
		return &goopenai.ChatCompletionResponseFormat{Type: goopenai.ChatCompletionResponseFormatTypeJSONObject}
	}
	return &goopenai.ChatCompletionResponseFormat{
		Type: goopenai.ChatCompletionResponseFormatTypeJSONSchema,
		JSONSchema: &goopenai.ChatCompletionResponseFormatJSONSchema{
			Name:   "translations",
			Schema: translationSchema,
			Strict: true,
		},
	}
}

// unfence removes a Markdown code fence around a JSON answer, which some
// compatible servers add in json_object mode.
func unfence(s string) string {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "```") || !strings.HasSuffix(s, "```") || len(s) < 6 {
		return s
	}
	s = strings.TrimSuffix(strings.TrimPrefix(s, "```"), "```")
	s = strings.TrimPrefix(s, "json")
	return strings.TrimSpace(s)
}
