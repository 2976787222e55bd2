package registry

import (
	"time"

	"passerelle/article"
	"passerelle/providers/extractive"
)

// ExtractiveOptions configure a provider of type extractive, the built-in
// offline summarizer. It has no options of its own: its summary length is
// summarization.sentences.
type ExtractiveOptions struct{}

var extractiveRow = Row{
	Type:         "extractive",
	Capabilities: Capabilities{Summarize: true},
	Timeout:      30 * time.Second,
	Options:      func() Options { return &ExtractiveOptions{} },
	Env:          &Env{Name: "extractive", Offline: true},
}

// Default implements Options.
func (o *ExtractiveOptions) Default() {}

// Check implements Options.
func (o *ExtractiveOptions) Check() []Problem { return nil }

// Masked implements Options.
func (o *ExtractiveOptions) Masked() Options { return &ExtractiveOptions{} }

// Credentials implements Options.
func (o *ExtractiveOptions) Credentials() Credentials { return KeyNotNeeded }

// FromEnv implements Options.
func (o *ExtractiveOptions) FromEnv(_, _, _ string) {}

// Budget implements Options; a summarizer reads the whole text.
func (o *ExtractiveOptions) Budget() Budget { return Budget{Budget: article.Budget{Max: 8000}} }

// Build implements Options.
func (o *ExtractiveOptions) Build(s Setup) (Parts, error) {
	return Parts{Summarizer: extractive.New(extractive.Options{Sentences: s.Sentences})}, nil
}
