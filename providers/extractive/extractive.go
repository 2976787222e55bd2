// Package extractive writes summaries offline: it picks the sentences of the
// article that best stand for the whole and returns them in article order. It
// costs nothing and needs no network, so it serves as the fallback when the
// configured LLM cannot answer, and as the baseline an LLM summary must beat.
//
// A sentence scores by centrality, how much it shares with the rest of the
// article (PageRank over the TF-IDF cosine similarity of sentences, as in
// LexRank, its random jumps drawn towards the start), mixed with its position,
// since news stories put what matters first. Very short sentences (captions,
// teasers) and, in longer summaries, very long ones are scaled down, and a
// sentence that repeats one already picked is passed over. The weights were
// chosen on the first 500 articles of a French news summarisation set
// (OrangeSum); tools/evalsum measures them against the LEAD baseline, on those
// and on 500 held-out articles.
package extractive

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"passerelle/article"
	"passerelle/providers"
)

// DefaultSentences is the summary length when neither the request nor the
// Options give one. Reference abstracts of French news run to about 32 words,
// and news sentences to about 25: two sentences come closest, and score best
// against those abstracts (see tools/evalsum).
const DefaultSentences = 2

// model is what SummarizeResult.Model reports.
const model = "extractive"

// Options configure a Summarizer. The zero value is ready to use.
type Options struct {
	// Sentences is the summary length used when a request asks for 0
	// sentences. Zero or less means DefaultSentences.
	Sentences int
}

// Summarizer is an offline extractive summarizer. It holds no mutable state
// and is safe for concurrent use.
type Summarizer struct {
	sentences int
	p         params
}

var _ providers.Summarizer = (*Summarizer)(nil)

// New returns a Summarizer configured by opts.
func New(opts Options) *Summarizer {
	n := opts.Sentences
	if n <= 0 {
		n = DefaultSentences
	}
	return &Summarizer{sentences: n, p: defaultParams}
}

// Fingerprint names the algorithm version and the default length, the only
// option that changes the output for the same request.
func (s *Summarizer) Fingerprint() string {
	return fmt.Sprintf("extractive/v1 sentences=%d", s.sentences)
}

// Summarize returns the req.Sentences most representative sentences of
// req.Text (the default length when 0), joined by a space, in article order;
// the whole text when it has no more sentences than that. Stop words are
// those of req.Lang ("en" or "fr", "fr-FR" alike; any other language uses none). Usage
// counts the characters of the text read. It returns a *providers.Error of
// KindBadRequest when the text is blank or the length negative, and ctx's
// error when ctx is already done.
func (s *Summarizer) Summarize(ctx context.Context, req providers.SummarizeRequest) (providers.SummarizeResult, error) {
	if err := ctx.Err(); err != nil {
		return providers.SummarizeResult{}, err
	}
	n := req.Sentences
	switch {
	case n < 0:
		return providers.SummarizeResult{}, badRequest(fmt.Sprintf("summary length %d is negative", n))
	case n == 0:
		n = s.sentences
	}
	sents := article.Sentences(req.Text)
	if len(sents) == 0 {
		return providers.SummarizeResult{}, badRequest("text is empty")
	}
	picked := sents
	if len(sents) > n {
		idx := s.p.pick(sents, stopWords[baseLang(req.Lang)], n)
		picked = make([]string, len(idx))
		for i, j := range idx {
			picked[i] = sents[j]
		}
	}
	return providers.SummarizeResult{
		Summary: strings.Join(picked, " "),
		Model:   model,
		Usage:   providers.Usage{Characters: utf8.RuneCountInString(req.Text)},
	}, nil
}

// baseLang reduces a language tag to its lower-case primary subtag: "fr-FR"
// and "FR" are both "fr".
func baseLang(tag string) string {
	if i := strings.IndexAny(tag, "-_"); i >= 0 {
		tag = tag[:i]
	}
	return strings.ToLower(tag)
}

func badRequest(msg string) *providers.Error {
	return &providers.Error{Provider: model, Kind: providers.KindBadRequest, Message: msg}
}
