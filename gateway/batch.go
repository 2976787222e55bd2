package gateway

import (
	"context"
	"fmt"
	"runtime/debug"
	"sync"

	"go.opentelemetry.io/otel/attribute"
	"golang.org/x/sync/errgroup"

	"passerelle/article"
	"passerelle/providers"
)

// Budget is how much one request to a provider may carry, and how many
// requests of one article may be in flight at once.
type Budget struct {
	article.Budget
	// Count measures a text in the budget's unit (tokens or characters);
	// nil counts characters.
	Count func(string) int
	// Parallel bounds the batches of one article sent at once. Default 4.
	Parallel int
}

// defaultBudget serves providers configured without one: large enough that
// an ordinary article travels whole, small enough to split a book.
var defaultBudget = Budget{Budget: article.Budget{Max: 20000}, Parallel: 4}

// batchOutcome is what a provider made of a set of segments: a translation
// for each, or the error that stopped it.
type batchOutcome struct {
	texts []string
	errs  []error
	model string
	usage providers.Usage
}

// translateBatches packs segments into batches under the provider's budget
// (whole paragraphs together; a paragraph over the budget cut at sentence
// boundaries and joined back), translates the batches in parallel, and
// reassembles one translation per segment. A segment whose batch failed
// gets that batch's error; the others keep their translation, so that what
// was paid for is not thrown away.
func (s *Service) translateBatches(ctx context.Context, name string, t providers.Translator, p plan, segments []string) batchOutcome {
	var budget Budget
	var native bool
	if prov, ok := s.provider(name); ok {
		budget, native = prov.Budget, prov.GlossaryInPrompt
	}
	if budget.Max == 0 {
		budget = defaultBudget
	}
	out := batchOutcome{texts: make([]string, len(segments)), errs: make([]error, len(segments))}
	pack := article.Pack
	if p.isHTML() {
		// A cut between sentences would fall inside the markup: an HTML
		// segment over the budget travels whole, alone in its batch.
		pack = article.PackWhole
	}
	packed, err := pack(segments, budget.Budget, budget.Count)
	if err != nil {
		return out.failAll(err)
	}
	translated := make([][]string, len(packed.Batches))
	batchErr := make([]error, len(packed.Batches))
	var mu sync.Mutex
	send := func(i int, batch article.Batch) {
		res, err := s.translateBatch(ctx, name, t, p, batch, native)
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			batchErr[i] = err
			translated[i] = make([]string, len(batch.Pieces)) // placeholders, discarded below
			return
		}
		translated[i] = res.Translations
		out.usage = out.usage.Add(res.Usage)
		out.model = res.Model
	}
	if len(packed.Batches) == 1 {
		// The usual article is one batch: sent from this goroutine, it
		// saves starting another and waking a thread to run it.
		send(0, packed.Batches[0])
	} else {
		g := new(errgroup.Group)
		g.SetLimit(max(1, budget.Parallel))
		for i, batch := range packed.Batches {
			g.Go(func() error { send(i, batch); return nil })
		}
		_ = g.Wait()
	}
	joined, err := packed.Unpack(translated)
	if err != nil {
		return out.failAll(err)
	}
	out.texts = joined
	for i, batch := range packed.Batches {
		for _, piece := range batch.Pieces {
			if batchErr[i] != nil {
				out.errs[piece.Segment] = batchErr[i]
			}
		}
	}
	if native && len(segments) > 1 {
		out.checkLeaks(p, segments)
	}
	return out
}

// failAll gives every segment err.
func (out batchOutcome) failAll(err error) batchOutcome {
	for i := range out.errs {
		out.errs[i] = err
	}
	return out
}

// checkLeaks fails the translations into which a model carried a term shown
// for another segment of its batch: each is asked for again alone.
func (out batchOutcome) checkLeaks(p plan, segments []string) {
	shown := p.glossary.inAny(p.textsOf(segments))
	for j, text := range out.texts {
		if out.errs[j] == nil {
			if f := shown.leaked(p.textOf(segments[j]), p.textOf(text)); f != nil {
				out.errs[j] = f
			}
		}
	}
}

// translateBatch sends one batch to the provider, its panic made a failure
// of the call (see providerPanicked), whichever goroutine it runs in. Each
// segment is given only its own terms, found as its cache key finds them:
// a model shown the terms of a whole batch applies them where the key of a
// paragraph does not say so. An engine (not native) gets them, and the
// verbatim spans, as placeholders.
func (s *Service) translateBatch(ctx context.Context, name string, t providers.Translator, p plan, batch article.Batch, native bool) (res providers.TranslateResult, err error) {
	defer func() {
		if v := recover(); v != nil {
			res, err = providers.TranslateResult{}, s.providerPanicked(name, v)
		}
	}()
	req := providers.TranslateRequest{SourceLang: p.source, TargetLang: p.target, Segments: batch.Texts(), Format: p.format}
	var shields []protected
	if native {
		req.Glossaries = p.glossary.each(p.textsOf(req.Segments))
	} else {
		shields = make([]protected, len(req.Segments))
		for k, text := range req.Segments {
			shields[k] = p.glossary.protectFor(p, text)
			req.Segments[k] = shields[k].text
		}
	}
	bctx, span := s.span(ctx, "provider.translate", attribute.String("passerelle.provider", name), attribute.Int("passerelle.segments", len(req.Segments)))
	res, err = t.Translate(bctx, req)
	endSpan(span, err)
	if err == nil && len(res.Translations) != len(batch.Pieces) {
		err = &providers.Error{Provider: name, Kind: providers.KindBadOutput, Message: "returned a different number of translations than segments sent"}
	}
	if err != nil {
		return providers.TranslateResult{}, err
	}
	for k, text := range res.Translations {
		if shields != nil {
			res.Translations[k] = shields[k].restore(text)
		}
	}
	return res, nil
}

// providerPanicked turns a provider's panic, recovered in a goroutine of
// the gateway's own, into a failure of that call: out of the handlers'
// reach, the panic would end the process and every request in it. The next
// provider of the chain is tried, and the stack goes to the log.
func (s *Service) providerPanicked(name string, v any) error {
	s.log.Error("provider panicked", "provider", name, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
	return &providers.Error{Provider: name, Kind: providers.KindUnavailable, Message: "the provider failed unexpectedly"}
}
