package article_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"passerelle/article"
)

// addArticleSeeds adds the seed article and the newstest articles of
// testdata to f's corpus, through add, which gives each the other arguments
// of the target.
func addArticleSeeds(f *testing.F, add func(text string)) {
	f.Helper()
	paths, err := filepath.Glob("testdata/*.fr.txt")
	if err != nil {
		f.Fatal(err)
	}
	paths = append(paths, "../testdata/poutine-kim-vladivostok.fr.txt")
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		add(string(b))
	}
}

// FuzzParse checks the shape Parse promises for any title and text: every
// paragraph, and the title, is non-empty (the title may be absent), in NFC,
// on one line, without white space at its ends, and unchanged by Normalize.
func FuzzParse(f *testing.F) {
	addArticleSeeds(f, func(text string) {
		f.Add("", text)
		f.Add("Premier sommet Poutine-Kim", text)
	})
	f.Fuzz(func(t *testing.T, title, text string) {
		doc := article.Parse(title, text)
		if doc.Paragraphs == nil {
			t.Errorf("Paragraphs is nil, want a non-nil slice")
		}
		check := func(what, s string) {
			t.Helper()
			switch {
			case !utf8.ValidString(s):
				t.Errorf("%s %q is not valid UTF-8", what, s)
			case !norm.NFC.IsNormalString(s):
				t.Errorf("%s %q is not in NFC", what, s)
			case strings.Contains(s, "\n"):
				t.Errorf("%s %q holds a line break", what, s)
			case strings.TrimSpace(s) != s:
				t.Errorf("%s %q has white space at an end", what, s)
			case article.Normalize(s) != s:
				t.Errorf("%s %q: Normalize gives %q, want it unchanged", what, s, article.Normalize(s))
			}
		}
		if doc.Title != "" {
			check("title", doc.Title)
		}
		for i, p := range doc.Paragraphs {
			if p == "" {
				t.Errorf("paragraph %d is empty", i)
				continue
			}
			check("paragraph", p)
		}
		if got, want := doc.Empty(), doc.Title == "" && len(doc.Paragraphs) == 0; got != want {
			t.Errorf("Empty() = %v, want %v", got, want)
		}
	})
}

// FuzzNormalize checks that Normalize is idempotent and gives valid UTF-8 in
// NFC with none of the characters it folds or removes.
func FuzzNormalize(f *testing.F) {
	addArticleSeeds(f, func(text string) { f.Add(text) })
	f.Fuzz(func(t *testing.T, s string) {
		once := article.Normalize(s)
		if twice := article.Normalize(once); twice != once {
			t.Fatalf("Normalize is not idempotent:\n in    %q\n once  %q\n twice %q", s, once, twice)
		}
		if !utf8.ValidString(once) {
			t.Errorf("Normalize(%q) = %q, not valid UTF-8", s, once)
		}
		if !norm.NFC.IsNormalString(once) {
			t.Errorf("Normalize(%q) = %q, not in NFC", s, once)
		}
		if i := strings.IndexAny(once, "\r\t\u2028\u2029\u200b\ufeff\u2060\u00ad"); i >= 0 {
			r, _ := utf8.DecodeRuneInString(once[i:])
			t.Errorf("Normalize(%q) = %q keeps %U, which it folds or removes", s, once, r)
		}
		for _, bad := range []string{"  ", " \n", "\n\n\n"} {
			if strings.Contains(once, bad) {
				t.Errorf("Normalize(%q) = %q holds %q", s, once, bad)
			}
		}
		if strings.HasPrefix(once, "\n") || strings.HasSuffix(once, "\n") {
			t.Errorf("Normalize(%q) = %q has a line break at an end", s, once)
		}
	})
}

// FuzzSentences checks that Sentences only cuts: its pieces are non-empty,
// trimmed, found in the text in order, and what lies between and around them
// is white space alone, so no letter of the text is lost.
func FuzzSentences(f *testing.F) {
	addArticleSeeds(f, func(text string) { f.Add(text) })
	f.Fuzz(func(t *testing.T, text string) {
		got := article.Sentences(text)
		if strings.TrimSpace(text) == "" {
			if got != nil {
				t.Errorf("Sentences(%q) = %q, want nil", text, got)
			}
			return
		}
		if len(got) == 0 {
			t.Fatalf("Sentences(%q) = nothing, want at least one sentence", text)
		}
		// Each sentence must follow the one before with only white space
		// between them; the text is walked rune by rune, so that a
		// sentence is never found inside the encoding of another character.
		pos := 0
		for i, s := range got {
			if s == "" || strings.TrimSpace(s) != s {
				t.Fatalf("sentence %d = %q: empty or not trimmed (text %q)", i, s, text)
			}
			start := skipSpace(text, pos)
			if !strings.HasPrefix(text[start:], s) {
				t.Fatalf("sentence %d = %q is not what follows byte %d, %q (text %q, sentences %q)", i, s, pos, text[start:], text, got)
			}
			pos = start + len(s)
		}
		if skipSpace(text, pos) != len(text) {
			t.Fatalf("after the last sentence, %q is in no sentence (text %q, sentences %q)", text[pos:], text, got)
		}
	})
}

// skipSpace returns the offset of the first rune of s at or after i that is
// not white space, or len(s).
func skipSpace(s string, i int) int {
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if !unicode.IsSpace(r) {
			break
		}
		i += size
	}
	return i
}

// Counts Pack is given in FuzzPack: characters (Pack's own default), bytes,
// and a count that is not additive over the parts of a text, as tokens are not.
var packCounts = []func(string) int{
	nil,
	func(s string) int { return len(s) },
	func(s string) int { return (len(s) + 3) / 4 },
}

// FuzzPack checks that for any budget Pack keeps its batches within it (but
// for a single character that alone costs more) and that Unpack, given each
// piece back unchanged, returns the very paragraphs Parse made.
func FuzzPack(f *testing.F) {
	addArticleSeeds(f, func(text string) {
		f.Add(text, 200, 10, 2, 0, uint8(0), uint8(0))
		f.Add(text, 40, 0, 1, 3, uint8(1), uint8(2))
		f.Add(text, 3, 0, 0, 0, uint8(2), uint8(5))
	})
	f.Fuzz(func(t *testing.T, text string, maxCost, perBatch, perPiece, maxPieces int, countSel, emptyAt uint8) {
		// Small budgets make many pieces; bounding them keeps each run short
		// without hiding any case.
		budget := article.Budget{Max: maxCost % 400, PerBatch: perBatch % 50, PerPiece: perPiece % 10, MaxPieces: maxPieces % 8}
		count := packCounts[int(countSel)%len(packCounts)]
		measure := count
		if measure == nil {
			measure = utf8.RuneCountInString
		}

		segments := article.Parse("", text).Paragraphs
		// An empty segment is allowed and comes back empty.
		if at := int(emptyAt); at <= len(segments) && emptyAt%2 == 0 {
			segments = slices.Insert(slices.Clone(segments), at, "")
		}

		plan, err := article.Pack(segments, budget, count)
		wantErr := budget.Max-budget.PerBatch-budget.PerPiece < 1 || budget.MaxPieces < 0
		if wantErr {
			if !errors.Is(err, article.ErrBudget) {
				t.Fatalf("Pack(budget %+v) error = %v, want ErrBudget", budget, err)
			}
			return
		}
		if err != nil {
			t.Fatalf("Pack(budget %+v) error = %v, want none", budget, err)
		}
		if plan.Segments != len(segments) {
			t.Errorf("plan.Segments = %d, want %d", plan.Segments, len(segments))
		}

		translated := make([][]string, len(plan.Batches))
		lastSeg, lastPart := -1, 0
		for i, b := range plan.Batches {
			if len(b.Pieces) == 0 {
				t.Fatalf("batch %d is empty", i)
			}
			if budget.MaxPieces > 0 && len(b.Pieces) > budget.MaxPieces {
				t.Errorf("batch %d has %d pieces, over MaxPieces %d", i, len(b.Pieces), budget.MaxPieces)
			}
			cost := budget.PerBatch
			for j, p := range b.Pieces {
				if n := measure(p.Text); p.Count != n {
					t.Errorf("batch %d piece %d: Count = %d, want count(%q) = %d", i, j, p.Count, p.Text, n)
				}
				cost += budget.PerPiece + p.Count
				switch {
				case p.Segment == lastSeg && p.Part == lastPart+1:
				case p.Segment > lastSeg && p.Part == 0:
				default:
					t.Fatalf("batch %d piece %d is segment %d part %d after segment %d part %d", i, j, p.Segment, p.Part, lastSeg, lastPart)
				}
				if p.Text == "" {
					t.Errorf("batch %d piece %d (segment %d) is empty", i, j, p.Segment)
				}
				lastSeg, lastPart = p.Segment, p.Part
			}
			if b.Cost != cost {
				t.Errorf("batch %d: Cost = %d, want %d", i, b.Cost, cost)
			}
			if b.Cost > budget.Max && (len(b.Pieces) > 1 || utf8.RuneCountInString(b.Pieces[0].Text) > 1) {
				t.Errorf("batch %d costs %d over Max %d (budget %+v): %q", i, b.Cost, budget.Max, budget, b.Texts())
			}
			translated[i] = b.Texts()
		}

		got, err := plan.Unpack(translated)
		if err != nil {
			t.Fatalf("Unpack: %v", err)
		}
		if !slices.Equal(got, segments) {
			for i := range min(len(got), len(segments)) {
				if got[i] != segments[i] {
					t.Fatalf("Unpack(Pack(x)) != x at segment %d (budget %+v, count %d):\n got  %q\n want %q", i, budget, countSel%3, got[i], segments[i])
				}
			}
			t.Fatalf("Unpack gave %d segments, want %d", len(got), len(segments))
		}

		// Unpack refuses translations that do not answer the plan.
		if len(translated) > 0 {
			short := slices.Clone(translated)
			short[len(short)-1] = short[len(short)-1][1:]
			if _, err := plan.Unpack(short); !errors.Is(err, article.ErrMismatch) {
				t.Errorf("Unpack with a piece missing: error = %v, want ErrMismatch", err)
			}
		}
	})
}
