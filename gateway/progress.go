package gateway

import (
	"context"
	"sync"

	"golang.org/x/sync/errgroup"
)

// Progress is one paragraph of an article (or its title) given its final
// output while the request works: found in the cache, kept as it was
// (already in the target language), or translated and checked. A
// paragraph no provider gets through is not announced: the result names
// it with its warning. Neither is an article found whole in the cache.
//
// Request.Progress may be called from several goroutines, and must return
// at once: it is called with the request's work held, so that a caller
// that blocks in it holds up the translation (queue what it is given).
type Progress struct {
	Paragraph int    // in Translation.Paragraphs; -1 for the title
	Total     int    // the article's paragraphs, the title not counted
	Text      string // the paragraph's output, as the result will hold it
	Provider  string // the provider that made it; "" for a paragraph kept as it was
}

// announce tells the request's Progress of each paragraph whose segment
// is m, once it has its output.
func (ss *segments) announce(m int) {
	if ss.progress == nil {
		return
	}
	sg := &ss.list[m]
	for i, seg := range ss.index {
		if seg == m {
			ss.progress(Progress{Paragraph: ss.at[i], Total: ss.paragraphs, Text: sg.text, Provider: sg.provider})
		}
	}
}

// claim is holds.claim, but for a request that reports its progress: it
// claims nothing, so that no other request waits on a translation its
// caller may stop at any moment (it would fail theirs). It still waits for
// the paragraphs others are translating.
func (r *translationRun) claim(keys []string) (owned []int, waits map[int]*segmentFlight) {
	readCache := !r.p.cache.NoRead
	if r.p.progress == nil {
		return r.h.claim(keys, readCache)
	}
	return r.s.segmentFlights.take(keys, readCache, false)
}

// finish is holds.finish for what claim claimed: nothing, for a request
// that reports its progress.
func (r *translationRun) finish(key, text, model string, err error) {
	if r.p.progress == nil {
		r.h.finish(key, text, model, err)
	}
}

// sources returns the source texts of the segments of w at owned.
func (r *translationRun) sources(w wanted, owned []int) []string {
	texts := make([]string, len(owned))
	for k, j := range owned {
		texts[k] = r.ss.list[w.idx[j]].source
	}
	return texts
}

// translateEach is translateOwned for a request that reports its progress:
// each paragraph is a request to the provider of its own, at most the
// provider's Parallel at once, settled as soon as it is answered, so that
// its caller sees the paragraphs arrive rather than the whole article at
// the end. It costs more requests (an LLM reads its instructions once per
// paragraph); only a caller that asks for progress pays that. Once ctx
// ends, no paragraph is sent.
func (r *translationRun) translateEach(ctx context.Context, name string, w wanted, owned []int) (batchOutcome, int, error) {
	t := r.s.translator(name)
	parallel := defaultBudget.Parallel
	if prov, ok := r.s.provider(name); ok && prov.Budget.Parallel > 0 {
		parallel = prov.Budget.Parallel
	}
	var (
		mu     sync.Mutex // r and the totals below
		all    batchOutcome
		failed int
		last   error
	)
	g := new(errgroup.Group)
	g.SetLimit(parallel)
	for _, j := range owned {
		g.Go(func() error {
			one := []int{j}
			texts := r.sources(w, one)
			res := batchOutcome{texts: []string{""}, errs: []error{ctx.Err()}}
			if res.errs[0] == nil {
				res = r.s.translateBatches(ctx, name, t, r.p, texts)
			}
			mu.Lock()
			defer mu.Unlock()
			n, err := r.settle(ctx, name, t, w, one, texts, res)
			failed += n
			if err != nil {
				last = err
			}
			all.errs = append(all.errs, res.errs...)
			all.usage = all.usage.Add(res.usage)
			if res.model != "" {
				all.model = res.model
			}
			return nil
		})
	}
	_ = g.Wait()
	return all, failed, last
}
