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

// defaultSentences is the summary length when a request gives none.
const defaultSentences = 3

// summarizeInput is the user message; see translateInput for why it is JSON.
type summarizeInput struct {
	Lang      string `json:"lang"`
	Title     string `json:"title"`
	Text      string `json:"text"`
	Sentences int    `json:"sentences"`
}

// Summarize asks for a summary of about req.Sentences sentences (3 when
// zero) in req.Lang, in one chat completion, and returns it trimmed. It
// returns a *providers.Error when the call fails, and one of KindBadOutput when
// the answer is empty, refused or cut off.
func (p *Provider) Summarize(ctx context.Context, req providers.SummarizeRequest) (providers.SummarizeResult, error) {
	sentences := req.Sentences
	if sentences <= 0 {
		sentences = defaultSentences
	}
	system, err := p.prompts.Render(prompts.SummarizeSystem, prompts.SummarizeData{
		Lang:      prompts.LanguageName(req.Lang),
		Sentences: sentences,
	})
	if err != nil {
		return providers.SummarizeResult{}, fmt.Errorf("openai %s: %w", p.name, err)
	}
	user, err := json.Marshal(summarizeInput{Lang: req.Lang, Title: req.Title, Text: req.Text, Sentences: sentences})
	if err != nil {
		return providers.SummarizeResult{}, fmt.Errorf("openai %s: encode article: %w", p.name, err)
	}
	choice, model, usage, err := p.chat(ctx, goopenai.ChatCompletionRequest{
		Messages: []goopenai.ChatCompletionMessage{
			{Role: goopenai.ChatMessageRoleSystem, Content: system},
			{Role: goopenai.ChatMessageRoleUser, Content: string(user)},
		},
	})
	if err != nil {
		return providers.SummarizeResult{}, err
	}
	switch {
	case choice.FinishReason == goopenai.FinishReasonLength:
		return providers.SummarizeResult{}, p.badOutput("the summary was cut off at the model's output limit")
	case choice.Message.Refusal != "":
		return providers.SummarizeResult{}, p.badOutput("the model refused: %s", providers.Truncate(choice.Message.Refusal, 200))
	}
	summary := strings.TrimSpace(choice.Message.Content)
	if summary == "" {
		return providers.SummarizeResult{}, p.badOutput("the summary is empty")
	}
	return providers.SummarizeResult{Summary: summary, Model: model, Usage: usage}, nil
}
