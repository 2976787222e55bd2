package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"go.opentelemetry.io/otel/attribute"
	"golang.org/x/sync/errgroup"

	"passerelle/article"
	"passerelle/cache"
	"passerelle/gateway/checks"
	"passerelle/providers"
)

// summaryValue is what the cache keeps for one summary.
type summaryValue struct {
	Text  string          `json:"text"`
	Model string          `json:"model"`
	Usage providers.Usage `json:"usage"` // what it cost when it was made
}

// summarize returns the summary of the translated article tr, from the cache
// when a provider of the chain has made it before.
func (s *Service) summarize(ctx context.Context, p plan, tr *Translation) (*Summary, error) {
	var sum *Summary
	err := s.fallback(ctx, "summarization", p.summaryChain, func(ctx context.Context, name string) ([]any, error) {
		var err error
		sum, err = s.summarizeBy(ctx, p, tr, name)
		return nil, err
	})
	if err != nil {
		return nil, err
	}
	return sum, nil
}

// summarizeBy returns the summary of tr by provider name: the one it made
// before, from the cache, or a new one, checked before it is returned or
// cached, as a translation is. A summary that fails is an error, for the
// next provider.
func (s *Service) summarizeBy(ctx context.Context, p plan, tr *Translation, name string) (*Summary, error) {
	text := summarySource(p, tr)
	sm := s.summarizer(name)
	key := cache.Key(cache.KindSummary, name, sm.Fingerprint(), p.target, strconv.Itoa(p.summarySentences), tr.Title, text)
	if !p.cache.NoRead {
		if raw, ok := s.cacheGet(ctx, levelSummary, key); ok {
			var v summaryValue
			if err := json.Unmarshal(raw, &v); err == nil && v.Text != "" {
				return &Summary{Text: v.Text, Provider: name, Model: v.Model, Cached: true}, nil
			}
		}
	}
	began := time.Now()
	sctx, span := s.span(ctx, "provider.summarize", attribute.String("passerelle.provider", name))
	res, err := s.summarizeText(sctx, name, sm, providers.SummarizeRequest{Lang: p.target, Title: tr.Title, Text: text, Sentences: p.summarySentences}, 0)
	endSpan(span, err)
	s.observe.ProviderCall(name, "summarize", res.Model, time.Since(began), res.Usage, err)
	if err == nil && res.Summary == "" {
		err = &providers.Error{Provider: name, Kind: providers.KindBadOutput, Message: "returned an empty summary"}
	}
	if err != nil {
		return nil, err
	}
	if f := s.checkSummary(p, tr, res.Summary); f != nil {
		s.log.WarnContext(ctx, "summary failed an output check", "provider", name, "check", f.Check, "detail", f.Detail)
		return nil, f
	}
	if !p.cache.NoWrite {
		raw, _ := json.Marshal(summaryValue{Text: res.Summary, Model: res.Model, Usage: res.Usage})
		s.cacheSetMany(ctx, []cache.Entry{{Key: key, Value: raw}})
	}
	return &Summary{Text: res.Summary, Provider: name, Model: res.Model, Usage: res.Usage}, nil
}

// summarySource is the text a summary of tr is written from: its
// paragraphs, or for fragments of HTML their text, which is what a
// summary tells.
func summarySource(p plan, tr *Translation) string {
	if !p.isHTML() {
		return tr.Text()
	}
	return strings.Join(p.textsOf(tr.Paragraphs), "\n\n")
}

// checkSummary runs the output checks on a summary of tr, written for p;
// it returns the failed check, or nil.
func (s *Service) checkSummary(p plan, tr *Translation, summary string) *checks.Failure {
	var det checks.Detector
	if s.detector != nil {
		det = s.detector
	}
	src := checks.SummarySource{Title: tr.Title, Text: summarySource(p, tr), Sentences: p.summarySentences, Lang: p.target}
	if err := checks.Summary(src, summary, det); err != nil {
		var f *checks.Failure
		if errors.As(err, &f) {
			return f
		}
		return &checks.Failure{Check: "unknown", Detail: err.Error()}
	}
	return nil
}

// maxReduceDepth bounds the rounds of map-reduce: each round shrinks the text
// to a few sentences per part, so two rounds cover any article accepted.
const maxReduceDepth = 3

// summarizeText summarizes req.Text in one call when it fits the
// summarizer's input budget. A longer text is summarized in parts (whole
// paragraphs packed under the budget, in parallel) and the parts' summaries
// are then summarized together: map-reduce.
func (s *Service) summarizeText(ctx context.Context, name string, sm providers.Summarizer, req providers.SummarizeRequest, depth int) (providers.SummarizeResult, error) {
	var budget Budget
	if prov, ok := s.provider(name); ok {
		budget = prov.SummaryBudget
	}
	count := budget.Count
	if count == nil {
		count = func(t string) int { return utf8.RuneCountInString(t) }
	}
	if budget.Max == 0 || depth >= maxReduceDepth || count(req.Text) <= budget.Max {
		return s.summarizeOnce(ctx, name, sm, req)
	}
	within := budget.Budget
	within.PerPiece += 2 // the blank line that joins paragraphs again
	packed, err := article.Pack(strings.Split(req.Text, "\n\n"), within, budget.Count)
	if err != nil {
		return providers.SummarizeResult{}, err
	}
	parts := make([]string, len(packed.Batches))
	var usage providers.Usage
	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(max(1, budget.Parallel))
	for i, batch := range packed.Batches {
		g.Go(func() error {
			part := providers.SummarizeRequest{Lang: req.Lang, Title: req.Title, Text: strings.Join(batch.Texts(), "\n\n"), Sentences: max(req.Sentences, 3)}
			res, err := s.summarizeOnce(gctx, name, sm, part)
			if err != nil {
				return err
			}
			mu.Lock()
			parts[i] = res.Summary
			usage = usage.Add(res.Usage)
			mu.Unlock()
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return providers.SummarizeResult{}, err
	}
	reduced := req
	reduced.Text = strings.Join(parts, "\n\n")
	res, err := s.summarizeText(ctx, name, sm, reduced, depth+1)
	res.Usage = res.Usage.Add(usage)
	return res, err
}

// summarizeOnce is one call to a summarizer, its panic made a failure of
// the call (see providerPanicked), so that the next summarizer of the
// chain is tried, whichever goroutine the call runs in.
func (s *Service) summarizeOnce(ctx context.Context, name string, sm providers.Summarizer, req providers.SummarizeRequest) (res providers.SummarizeResult, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = s.providerPanicked(name, v)
		}
	}()
	return sm.Summarize(ctx, req)
}
