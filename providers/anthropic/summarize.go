package anthropic

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

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
// zero) in req.Lang, in one Messages request, and returns it trimmed. It
// returns a *providers.Error when the call fails, and one of KindBadOutput
// when the answer is empty, refused or cut off.
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
		return providers.SummarizeResult{}, fmt.Errorf("anthropic %s: %w", p.name, err)
	}
	user, err := json.Marshal(summarizeInput{Lang: req.Lang, Title: req.Title, Text: req.Text, Sentences: sentences})
	if err != nil {
		return providers.SummarizeResult{}, fmt.Errorf("anthropic %s: encode article: %w", p.name, err)
	}
	resp, err := p.messages(ctx, messagesRequest{
		System:   system,
		Messages: []message{{Role: "user", Content: string(user)}},
	})
	if err != nil {
		return providers.SummarizeResult{}, err
	}
	switch resp.StopReason {
	case stopMaxTokens:
		return providers.SummarizeResult{}, p.badOutput("the summary was cut off at max_tokens")
	case stopRefusal:
		return providers.SummarizeResult{}, p.badOutput("the model refused to answer")
	}
	summary := strings.TrimSpace(resp.text())
	if summary == "" {
		return providers.SummarizeResult{}, p.badOutput("the summary is empty")
	}
	return providers.SummarizeResult{
		Summary: summary,
		Model:   resp.Model,
		Usage:   providers.Usage{PromptTokens: resp.Usage.InputTokens, CompletionTokens: resp.Usage.OutputTokens},
	}, nil
}
