package gateway

import (
	"context"
	"errors"
	"slices"
	"strings"

	"passerelle/gateway/checks"
	"passerelle/providers"
)

// segmentState is where one distinct paragraph of an article stands in its
// translation.
type segmentState uint8

const (
	// pending: no output yet. A paragraph still pending when the chain is
	// through is lost: it holds what fallen keeps, and has a warning.
	pending segmentState = iota
	// kept: in the target language already, returned as it is at no cost
	// (see keepTargetLanguage).
	kept
	// cached: found in the cache, or made by another request in flight.
	cached
	// translated: translated by a provider for this request.
	translated
)

// segment is one distinct paragraph (or the title) of an article and what
// its translation made of it.
type segment struct {
	source   string
	state    segmentState
	text     string // the output; "" while pending
	provider string // the provider that made text; "" unless cached or translated
	model    string
	// fallen is what the providers did with the paragraph while it was
	// pending, for its warning should it be lost.
	fallen fallenSegment
}

// segments are an article's paragraphs, title first, as its translation
// works on them: identical paragraphs (a repeated caption, a quote) are one
// segment, translated once.
type segments struct {
	list  []segment
	index []int // for each paragraph of the article, its segment in list
	// at is, for each paragraph of the article, its place in the reply
	// (plan.paragraphAt): -1 for the title.
	at         []int
	paragraphs int            // the article's paragraphs, its title not counted
	progress   func(Progress) // Request.Progress; nil when not asked for
}

func newSegments(p plan) *segments {
	unique, index := dedupe(p.segments)
	ss := &segments{list: make([]segment, len(unique)), index: index, at: make([]int, len(index)), progress: p.progress}
	for i := range ss.at {
		ss.at[i] = p.paragraphAt(i)
		if ss.at[i] >= 0 {
			ss.paragraphs++
		}
	}
	for i, u := range unique {
		ss.list[i].source = u
	}
	return ss
}

// serve gives segment m its output.
func (ss *segments) serve(m int, state segmentState, text, provider, model string) {
	sg := &ss.list[m]
	sg.state, sg.text, sg.provider, sg.model = state, text, provider, model
	ss.announce(m)
}

// pending returns the indexes of the segments without an output.
func (ss *segments) pending() []int {
	var out []int
	for m := range ss.list {
		if ss.list[m].state == pending {
			out = append(out, m)
		}
	}
	return out
}

// count returns how many segments are in state.
func (ss *segments) count(state segmentState) int {
	n := 0
	for m := range ss.list {
		if ss.list[m].state == state {
			n++
		}
	}
	return n
}

// holdBest gives each lost segment the best a provider gave for it, or its
// source text (see fallenSegment.best).
func (ss *segments) holdBest() {
	for m := range ss.list {
		if sg := &ss.list[m]; sg.state == pending {
			sg.text = sg.fallen.best(sg.source)
		}
	}
}

// texts returns the output of every paragraph of the article, title first.
func (ss *segments) texts() []string {
	out := make([]string, len(ss.index))
	for i, m := range ss.index {
		out[i] = ss.list[m].text
	}
	return out
}

// providers and models return the providers that made the output, and
// their models, comma-separated in order of appearance; "" when none did.
func (ss *segments) providers() string {
	return joinDistinct(ss.list, func(sg segment) string { return sg.provider })
}

func (ss *segments) models() string {
	return joinDistinct(ss.list, func(sg segment) string { return sg.model })
}

// report counts the segments as the cache report does: the lost ones were
// asked for, and are no hit, but were not translated.
func (ss *segments) report() CacheReport {
	r := CacheReport{SegmentsCached: ss.count(cached), SegmentsTranslated: ss.count(translated), SegmentsKept: ss.count(kept)}
	asked := len(ss.list) - r.SegmentsCached - r.SegmentsKept
	switch {
	case asked == 0:
		r.Status = CacheHit
	case r.SegmentsCached == 0:
		r.Status = CacheMiss
	default:
		r.Status = CachePartial
	}
	return r
}

// partialAllowed reports whether the article may be returned with its
// pending segments lost: some other paragraph was translated (an article
// none of whose paragraphs could be is a failure, as before), the request
// still has time (its deadline or the process stopping cut the work short:
// what the client gets then is that error), and no paragraph was lost to
// the gateway's own lack of room, which a retry shortly fixes for the
// whole article.
func (ss *segments) partialAllowed(ctx context.Context) bool {
	if ctx.Err() != nil {
		return false
	}
	made := false
	for _, sg := range ss.list {
		switch sg.state {
		case pending:
			last := sg.fallen.last
			var check *checks.Failure
			if last == nil || (!errors.As(last, &check) && providers.KindOf(last) == providers.KindOverloaded) {
				return false
			}
		case cached, translated:
			made = true
		}
	}
	return made
}

// warnings returns one warning per paragraph (title included) whose
// segment is lost.
func (ss *segments) warnings() []Warning {
	var out []Warning
	for i, m := range ss.index {
		if ss.list[m].state != pending {
			continue
		}
		out = append(out, ss.list[m].fallen.warning(ss.at[i]))
	}
	return out
}

// dedupe returns the distinct segments and, for each input segment, the
// index of its distinct copy.
func dedupe(segments []string) (unique []string, index []int) {
	seen := make(map[string]int, len(segments))
	index = make([]int, len(segments))
	for i, seg := range segments {
		u, ok := seen[seg]
		if !ok {
			u = len(unique)
			seen[seg] = u
			unique = append(unique, seg)
		}
		index[i] = u
	}
	return unique, index
}

// joinDistinct joins the distinct non-empty values of field in order of
// appearance.
func joinDistinct(list []segment, field func(segment) string) string {
	var distinct []string
	for _, sg := range list {
		if v := field(sg); v != "" && !slices.Contains(distinct, v) {
			distinct = append(distinct, v)
		}
	}
	return strings.Join(distinct, ",")
}
