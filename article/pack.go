package article

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ErrBudget is returned by Pack when a budget leaves no room for text.
var ErrBudget = errors.New("article: budget leaves no room for text")

// ErrMismatch is returned by Plan.Unpack when the translations do not answer
// the batches one for one: a batch or a piece is missing or in excess.
var ErrMismatch = errors.New("article: translations do not match the plan")

// Budget bounds what one request to a translation engine may carry, in the
// unit of the count function given to Pack: tokens for an LLM, characters
// for DeepL, Google Translate or Apertium.
//
// For an LLM, Max bounds what is sent; the translation that comes back is
// about as long, so Max must also leave it room under the model's output
// limit.
type Budget struct {
	// Max is the most one batch may cost, its overheads included.
	// Required.
	Max int
	// PerBatch is the fixed cost of a request whatever it carries: the
	// instructions and the envelope around the pieces. Default 0.
	PerBatch int
	// PerPiece is what each piece costs beyond its text: its key or index,
	// quotes and separators in the request. Default 0.
	PerPiece int
	// MaxPieces is the most pieces one batch may hold, for engines that
	// bound the number of texts in a request. Default 0: no limit.
	MaxPieces int
}

// Plan is how the segments of an article travel to a translation engine:
// grouped in batches that each fit a Budget, with a segment too long for one
// batch cut into pieces. Unpack turns the batches' translations back into one
// translation per segment.
type Plan struct {
	// Batches are the requests to make, in the order of the segments.
	Batches []Batch
	// Segments is the number of segments packed; Unpack returns as many.
	Segments int
}

// Batch is what one request to the engine carries.
type Batch struct {
	// Pieces are the texts to translate, in order.
	Pieces []Piece
	// Cost is what the batch counts: Budget.PerBatch plus, for each piece,
	// Budget.PerPiece and the count of its text.
	Cost int
}

// Piece is a whole segment, or a part of one that is longer than a batch may
// carry.
type Piece struct {
	// Segment is the index of the segment the piece comes from.
	Segment int
	// Part is the rank of the piece in its segment: 0 for a whole segment
	// and for the first piece of a cut one.
	Part int
	// Text is what to translate.
	Text string
	// Count is the count of Text.
	Count int

	// sep joins the translation of the piece to that of the piece before it
	// in its segment: what stood at the cut, a single space for any run of
	// white space, nothing inside a word.
	sep string
}

// Texts returns the texts of the batch's pieces, in order.
func (b Batch) Texts() []string {
	texts := make([]string, len(b.Pieces))
	for i, p := range b.Pieces {
		texts[i] = p.Text
	}
	return texts
}

// Pack groups segments (the paragraphs of an article, or its title and
// paragraphs) into batches whose Cost is at most budget.Max, measuring text
// with count; a nil count counts characters (code points). It returns
// ErrBudget, and no plan, when budget.Max does not exceed
// budget.PerBatch + budget.PerPiece or budget.MaxPieces is negative.
//
// Segments go whole and in order, each batch taking as many as fit
// before the next batch starts. A segment that cannot fit alone in a batch is
// cut between sentences (see Sentences) into pieces as long as fit, the
// pieces going to the batches in order like segments; a sentence that cannot
// fit alone is cut between words (never at a no-break space, which binds
// French guillemets and punctuation to their word), and a word between
// characters. After
// translation, Unpack joins the pieces of a segment back into one, so that the
// translation has the paragraphs of the original, no more and no fewer.
//
// An empty segment is not sent: Unpack gives "" for it. Pack trusts the
// count of a text made of several sentences or words only once it has counted
// the text itself, so a count that is not additive, such as one of
// characters, where the spaces between sentences count too, or of tokens, is
// never exceeded. The only batch that may cost more than budget.Max is one
// holding a single character that alone costs more, which nothing can cut.
//
// Pieces are sent as they stand in the segment. Unpack joins their
// translations with what stood at the cut: one space for ordinary white
// space, a no-break space for a no-break space, nothing inside a word. So it
// gives back the very segments when each translation is the text sent and
// the segments are normalised as Parse leaves them (one space between
// words); other runs of white space at a cut, or at the ends of a cut
// segment, are not kept.
func Pack(segments []string, budget Budget, count func(string) int) (Plan, error) {
	return pack(segments, budget, count, true)
}

// PackWhole is Pack for segments that must not be cut, such as fragments
// of HTML, whose markup a cut between sentences would break: a segment
// that cannot fit in a batch goes whole in a batch of its own, which then
// costs more than budget.Max.
func PackWhole(segments []string, budget Budget, count func(string) int) (Plan, error) {
	return pack(segments, budget, count, false)
}

func pack(segments []string, budget Budget, count func(string) int, cutLong bool) (Plan, error) {
	room := budget.Max - budget.PerBatch - budget.PerPiece
	if room < 1 || budget.MaxPieces < 0 {
		return Plan{}, fmt.Errorf("%w: max %d, per batch %d, per piece %d, max pieces %d",
			ErrBudget, budget.Max, budget.PerBatch, budget.PerPiece, budget.MaxPieces)
	}
	if count == nil {
		count = utf8.RuneCountInString
	}
	p := packer{budget: budget, plan: Plan{Segments: len(segments)}}
	for i, s := range segments {
		if s == "" {
			continue
		}
		if n := count(s); n <= room || !cutLong {
			p.add(Piece{Segment: i, Text: s, Count: n})
			continue
		}
		for part, piece := range cut(s, room, count, 0) {
			piece.Segment, piece.Part = i, part
			p.add(piece)
		}
	}
	p.flush()
	return p.plan, nil
}

// packer fills batches in order.
type packer struct {
	budget Budget
	plan   Plan
	cur    Batch
}

func (p *packer) add(piece Piece) {
	cost := p.budget.PerPiece + piece.Count
	full := p.budget.MaxPieces > 0 && len(p.cur.Pieces) == p.budget.MaxPieces
	if len(p.cur.Pieces) > 0 && (full || p.cur.Cost+cost > p.budget.Max) {
		p.flush()
	}
	if len(p.cur.Pieces) == 0 {
		p.cur.Cost = p.budget.PerBatch
	}
	p.cur.Pieces = append(p.cur.Pieces, piece)
	p.cur.Cost += cost
}

func (p *packer) flush() {
	if len(p.cur.Pieces) > 0 {
		p.plan.Batches = append(p.plan.Batches, p.cur)
	}
	p.cur = Batch{}
}

// cutLevels are the ways to cut a text too long for a batch, the finest last:
// between sentences, between words, between characters. Each returns
// substrings of its argument, in order.
var cutLevels = []func(string) []string{Sentences, words, characters}

// words returns the words of s, parted by white space other than no-break
// spaces: French puts those inside guillemets and before ? ! : ;, and a cut
// must not part « from the word it opens.
func words(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return unicode.IsSpace(r) && !isNoBreakSpace(r) })
}

func isNoBreakSpace(r rune) bool {
	return r == '\u00a0' || r == '\u202f' || r == '\u2007'
}

// characters returns the code points of s, an invalid byte as one.
func characters(s string) []string {
	out := make([]string, 0, len(s))
	for len(s) > 0 {
		_, size := utf8.DecodeRuneInString(s)
		out = append(out, s[:size])
		s = s[size:]
	}
	return out
}

// span is a unit of text found by a cut level: text[start:end].
type span struct{ start, end int }

// spans locates units, substrings of text in order, in text. It reports
// false if one is not found, which a cut level that copied text would cause.
func spans(text string, units []string) ([]span, bool) {
	out := make([]span, len(units))
	pos := 0
	for i, u := range units {
		k := strings.Index(text[pos:], u)
		if k < 0 {
			return nil, false
		}
		out[i] = span{pos + k, pos + k + len(u)}
		pos = out[i].end
	}
	return out, true
}

// cut splits text into pieces that each count at most room, cutting at the
// given level and going to the next, finer one for a unit that alone counts
// more than room. Consecutive units are grouped as long as they fit, so that
// an engine sees whole sentences with as much context as the budget allows;
// a group is sent as it stands in text, white space included. The first
// piece has no sep; the caller sets Segment and Part.
func cut(text string, room int, count func(string) int, level int) []Piece {
	if level == len(cutLevels) {
		// A single character that counts more than room.
		return []Piece{{Text: text, Count: count(text)}}
	}
	units, ok := spans(text, cutLevels[level](text))
	if !ok {
		return cut(text, room, count, level+1)
	}
	counts := make([]int, len(units))
	for i, u := range units {
		counts[i] = count(text[u.start:u.end])
	}

	var pieces []Piece
	// sep is what joins the piece starting with unit i to the one before:
	// nothing where they touched (inside a word, or sentences glued by a
	// lost line break), a no-break space where one parted them, else one
	// space.
	sep := func(i int) string {
		if len(pieces) == 0 {
			return ""
		}
		gap := text[units[i-1].end:units[i].start]
		if gap == "" {
			return ""
		}
		if r, size := utf8.DecodeRuneInString(gap); size == len(gap) && isNoBreakSpace(r) {
			return gap
		}
		return " "
	}
	for i := 0; i < len(units); {
		if counts[i] > room {
			u := units[i]
			finer := cut(text[u.start:u.end], room, count, level+1)
			finer[0].sep = sep(i)
			pieces = append(pieces, finer...)
			i++
			continue
		}
		// Summing the units' counts leaves out what joining them adds (the
		// white space between them, a merge across it), so a group is
		// counted as it will be sent, and shortened while it does not fit.
		j, sum := i+1, counts[i]
		for j < len(units) && sum+counts[j] <= room {
			sum += counts[j]
			j++
		}
		group, n := text[units[i].start:units[i].end], counts[i]
		for ; j > i+1; j-- {
			group = text[units[i].start:units[j-1].end]
			if n = count(group); n <= room {
				break
			}
		}
		if j == i+1 {
			group, n = text[units[i].start:units[i].end], counts[i]
		}
		pieces = append(pieces, Piece{Text: group, Count: n, sep: sep(i)})
		i = j
	}
	return pieces
}

// Unpack returns one translation per segment given to Pack, in order, from
// the translations of the batches: translated[i][j] is the translation of
// p.Batches[i].Pieces[j]. The pieces of a cut segment are joined as Pack
// says: with a single space where the segment was cut at white space (the
// white space at the ends of the pieces is dropped there), with nothing
// inside a word. An empty segment gives "". Unpack returns ErrMismatch, and
// no translation, when translated does not have one entry per batch and per
// piece.
func (p Plan) Unpack(translated [][]string) ([]string, error) {
	if len(translated) != len(p.Batches) {
		return nil, fmt.Errorf("%w: %d batches translated, %d sent", ErrMismatch, len(translated), len(p.Batches))
	}
	out := make([]string, p.Segments)
	for i, b := range p.Batches {
		if len(translated[i]) != len(b.Pieces) {
			return nil, fmt.Errorf("%w: batch %d: %d pieces translated, %d sent",
				ErrMismatch, i, len(translated[i]), len(b.Pieces))
		}
		for j, piece := range b.Pieces {
			if piece.Segment < 0 || piece.Segment >= len(out) {
				return nil, fmt.Errorf("%w: batch %d, piece %d: segment %d of %d",
					ErrMismatch, i, j, piece.Segment, len(out))
			}
			t := translated[i][j]
			if piece.Part == 0 {
				out[piece.Segment] = t
				continue
			}
			out[piece.Segment] = joinPiece(out[piece.Segment], t, piece.sep)
		}
	}
	return out, nil
}

// joinPiece appends the translation of a piece to those of the pieces before
// it. Engines often return a piece with a space or a line break at an end;
// where the original had a space, the result has exactly one.
func joinPiece(before, piece, sep string) string {
	if sep == "" {
		return before + piece
	}
	before = strings.TrimRightFunc(before, unicode.IsSpace)
	piece = strings.TrimLeftFunc(piece, unicode.IsSpace)
	if before == "" || piece == "" {
		return before + piece
	}
	return before + sep + piece
}
