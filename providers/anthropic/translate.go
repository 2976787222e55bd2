package anthropic

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"passerelle/prompts"
	"passerelle/providers"
)

// translationTool is the tool the model is made to call with its answer.
const translationTool = "record_translations"

// translationSchema is the input_schema of translationTool: the answer object
// of the translate_system prompt.
var translationSchema = json.RawMessage(`{"type":"object","properties":{"translations":{"type":"array","items":{"type":"string"},"description":"One translation per input segment, in the same order."}},"required":["translations"],"additionalProperties":false}`)

const translationToolDescription = "Record the translations of the segments: exactly one string per input segment, in the same order."

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

// Translate translates all segments, normally in one Messages request. An
// answer with the wrong number of translations or invalid JSON is never
// accepted: each segment is then asked for alone. An answer cut off at
// max_tokens, or an input over the context window, is asked for again in two
// halves. Usage is summed over every call. Translate returns a
// *providers.Error and no translations when any call fails, with
// KindContextLength when a single segment is too long, KindBadOutput when a
// single segment still gets an unusable answer.
func (p *Provider) Translate(ctx context.Context, req providers.TranslateRequest) (providers.TranslateResult, error) {
	if len(req.Segments) == 0 {
		return providers.TranslateResult{Translations: []string{}, Model: p.model}, nil
	}
	system, err := p.prompts.Render(prompts.TranslateSystem, prompts.TranslateData{
		SourceLang: prompts.LanguageName(req.SourceLang),
		TargetLang: prompts.LanguageName(req.TargetLang),
		HTML:       req.Format == providers.FormatHTML,
	})
	if err != nil {
		return providers.TranslateResult{}, fmt.Errorf("anthropic %s: %w", p.name, err)
	}
	t := &translation{p: p, system: system, source: req.SourceLang, target: req.TargetLang, glossaries: req.GlossariesByText()}
	out, err := t.batch(ctx, req.Segments)
	if err != nil {
		return providers.TranslateResult{}, err
	}
	return providers.TranslateResult{Translations: out, Model: t.model, Usage: t.usage}, nil
}

// translation is one Translate call: its prompt, and what its requests reported.
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

// call makes one Messages request for segs and checks its answer.
func (t *translation) call(ctx context.Context, segs []string) ([]string, error) {
	user, err := json.Marshal(translateInput{SourceLang: t.source, TargetLang: t.target, Segments: providers.MessageSegments(segs, t.glossaries)})
	if err != nil {
		return nil, fmt.Errorf("anthropic %s: encode segments: %w", t.p.name, err)
	}
	resp, err := t.p.messages(ctx, messagesRequest{
		System:     t.system,
		Messages:   []message{{Role: "user", Content: string(user)}},
		Tools:      []tool{{Name: translationTool, Description: translationToolDescription, InputSchema: translationSchema}},
		ToolChoice: &toolChoice{Type: "tool", Name: translationTool},
	})
	if err != nil {
		return nil, err
	}
	t.usage = t.usage.Add(providers.Usage{PromptTokens: resp.Usage.InputTokens, CompletionTokens: resp.Usage.OutputTokens})
	if t.model == "" {
		t.model = resp.Model
	}
	switch resp.StopReason {
	case stopMaxTokens:
		return nil, &providers.Error{Provider: t.p.name, Kind: providers.KindContextLength,
			Message: fmt.Sprintf("the answer for %d segment(s) was cut off at max_tokens", len(segs))}
	case stopRefusal:
		return nil, t.p.badOutput("the model refused to answer")
	}
	// The forced tool call carries the answer as a parsed object; a server
	// that ignored tool_choice may still have written the JSON as text.
	raw := resp.toolInput(translationTool)
	if raw == nil {
		raw = json.RawMessage(unfence(resp.text()))
	}
	var answer struct {
		Translations []string `json:"translations"`
	}
	if err := json.Unmarshal(raw, &answer); err != nil {
		return nil, t.p.badOutput("the answer is not the JSON object asked for: %v", err)
	}
	if answer.Translations == nil {
		return nil, t.p.badOutput("the answer has no translations array")
	}
	if len(answer.Translations) != len(segs) {
		return nil, t.p.badOutput("%d translations for %d segments", len(answer.Translations), len(segs))
	}
	for i, s := range answer.Translations {
		if strings.TrimSpace(s) == "" && strings.TrimSpace(segs[i]) != "" {
			return nil, t.p.badOutput("translation %d of %d is empty", i+1, len(segs))
		}
	}
	return answer.Translations, nil
}

// unfence removes a Markdown code fence around a JSON answer.
func unfence(s string) string {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "```") || !strings.HasSuffix(s, "```") || len(s) < 6 {
		return s
	}
	s = strings.TrimSuffix(strings.TrimPrefix(s, "```"), "```")
	s = strings.TrimPrefix(s, "json")
	return strings.TrimSpace(s)
}
