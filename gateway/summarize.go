package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"passerelle/cache"
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
	text := tr.Text()
	sentences := strconv.Itoa(p.summarySentences)
	var failures []string
	var lastErr error
	for i, name := range p.summaryChain {
		sm := s.summarizers[name]
		key := cache.Key(cache.KindSummary, name, sm.Fingerprint(), p.target, sentences, tr.Title, text)
		if !p.cache.NoRead {
			if raw, ok := s.cacheGet(ctx, levelSummary, key); ok {
				var v summaryValue
				if err := json.Unmarshal(raw, &v); err == nil && v.Text != "" {
					return &Summary{Text: v.Text, Provider: name, Model: v.Model, Cached: true}, nil
				}
			}
		}
		began := time.Now()
		res, err := sm.Summarize(ctx, providers.SummarizeRequest{Lang: p.target, Title: tr.Title, Text: text, Sentences: p.summarySentences})
		s.observe.ProviderCall(name, "summarize", res.Model, time.Since(began), res.Usage, err)
		if err == nil && res.Summary == "" {
			err = &providers.Error{Provider: name, Kind: providers.KindBadOutput, Message: "returned an empty summary"}
		}
		if err != nil {
			lastErr = err
			failures = append(failures, fmt.Sprintf("%s: %s", name, providers.KindOf(err)))
			s.log.WarnContext(ctx, "summarization provider failed", "provider", name, "kind", providers.KindOf(err).String(),
				"fallbacks_left", len(p.summaryChain)-i-1, "err", err)
			if ctx.Err() != nil {
				break
			}
			continue
		}
		if !p.cache.NoWrite {
			raw, _ := json.Marshal(summaryValue{Text: res.Summary, Model: res.Model, Usage: res.Usage})
			s.cacheSetMany(ctx, []cache.Entry{{Key: key, Value: raw}})
		}
		return &Summary{Text: res.Summary, Provider: name, Model: res.Model, Usage: res.Usage}, nil
	}
	return nil, providerFailure(ctx, "summarization", failures, lastErr)
}
