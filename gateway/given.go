package gateway

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Segments given as they are (Request.Segments) are translated without
// their outer white space, and a blank one is not translated at all: the
// plan's segments are the trimmed texts of the others, and a frame puts
// each translation back in its place, between the white space it came
// with. The cache, the flights and the providers see only the trimmed
// texts, so that "Bonjour" and "Bonjour\n" are one translation.

// segmentFrame is how the segments of a request stand around the plan's.
type segmentFrame struct {
	given []string // the segments as the request gave them
	// at is, for each given segment, the index of its text among the
	// plan's segments, or -1 for a blank one.
	at []int
	// origin is, for each of the plan's segments, the index of the given
	// segment it is the text of.
	origin []int
}

// frameSegments returns the trimmed texts of the segments that are not
// blank, and the frame that puts their translations back.
func frameSegments(given []string) ([]string, *segmentFrame) {
	f := &segmentFrame{given: given, at: make([]int, len(given))}
	var texts []string
	for i, g := range given {
		core := strings.TrimSpace(g)
		if core == "" {
			f.at[i] = -1
			continue
		}
		f.at[i] = len(texts)
		f.origin = append(f.origin, i)
		texts = append(texts, core)
	}
	return texts, f
}

// paragraphs returns the translations of the given segments: each
// translation of the plan's segments (outputs) between the white space of
// its given segment, and each blank segment as it was.
func (f *segmentFrame) paragraphs(outputs []string) []string {
	out := make([]string, len(f.given))
	for i, g := range f.given {
		k := f.at[i]
		if k < 0 {
			out[i] = g
			continue
		}
		lead := g[:len(g)-len(strings.TrimLeftFunc(g, unicode.IsSpace))]
		trail := g[len(strings.TrimRightFunc(g, unicode.IsSpace)):]
		out[i] = lead + outputs[k] + trail
	}
	return out
}

// characters counts the characters of the texts sent: the given segments
// without their outer white space.
func characters(texts []string) int {
	n := 0
	for _, t := range texts {
		n += utf8.RuneCountInString(t)
	}
	return n
}

// paragraphAt returns where the translation of p's segment i stands in the
// reply: its index among the paragraphs, -1 for the title.
func (p plan) paragraphAt(i int) int {
	switch {
	case p.frame != nil:
		return p.frame.origin[i]
	case p.hasTitle:
		return i - 1
	}
	return i
}
