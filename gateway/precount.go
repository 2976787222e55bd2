package gateway

// precounted holds the sizes of an article's segments in the primary
// provider's unit (tokens for an LLM), measured on another core while the
// cache is asked which of them are already translated: packing the missing
// ones into batches then costs the reply no tokenizer time.
type precounted struct {
	done   chan struct{}
	counts map[string]int // by segment text; written before done closes
}

// precount starts measuring p's segments with the primary provider's
// counter. It returns nil when that provider counts characters, which is
// cheaper than waiting for another goroutine, and when the cache is in
// process: then there is no round trip to measure them during.
func (s *Service) precount(p plan) *precounted {
	count := s.budgets[p.translationChain[0]].Count
	_, shared := s.cache.(Leaser)
	if count == nil || !shared || len(p.segments) == 0 {
		return nil
	}
	c := &precounted{done: make(chan struct{}), counts: make(map[string]int, len(p.segments))}
	segments := p.segments
	go func() {
		defer close(c.done)
		for _, seg := range segments {
			if _, ok := c.counts[seg]; !ok {
				c.counts[seg] = count(seg)
			}
		}
	}()
	return c
}

// counter returns count answering from the measured sizes once they are
// known; a text not among them (a piece of a paragraph cut in parts) is
// measured by count. A nil precounted returns count itself.
func (c *precounted) counter(count func(string) int) func(string) int {
	if c == nil || count == nil {
		return count
	}
	return func(text string) int {
		<-c.done
		if n, ok := c.counts[text]; ok {
			return n
		}
		return count(text)
	}
}
