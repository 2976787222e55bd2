package main

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestCheckParagraphs(t *testing.T) {
	anchors := []string{
		"The summit ended on Thursday in Vladivostok.",
		"The two leaders talked for several hours about the peninsula.",
		"No statement and no agreement were planned.",
	}
	tests := []struct {
		name                   string
		got                    []string
		lost, added, reordered int
	}{
		{"all in place", anchors, 0, 0, 0},
		{"all in place, reworded", []string{
			"The summit finished Thursday at Vladivostok.",
			"Both leaders spoke for hours about the peninsula.",
			"Neither a statement nor an agreement was planned.",
		}, 0, 0, 0},
		{"one lost", anchors[:2], 1, 0, 0},
		{"one added", append(slices.Clone(anchors), "Comments are closed."), 0, 1, 0},
		{"two swapped", []string{anchors[1], anchors[0], anchors[2]}, 0, 0, 2},
		{"one lost, one duplicated", []string{anchors[0], anchors[0], anchors[2]}, 0, 0, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lost, added, reordered := checkParagraphs(len(anchors), tt.got, anchors)
			if lost != tt.lost || added != tt.added || reordered != tt.reordered {
				t.Errorf("got lost %d, added %d, reordered %d; want %d, %d, %d", lost, added, reordered, tt.lost, tt.added, tt.reordered)
			}
		})
	}
}

// echo "translates" by returning the text as it is, so that every path
// scores the same against any reference.
func echo(_ context.Context, sentences []string) ([]string, error) { return sentences, nil }

func faithful(_ context.Context, title string, paragraphs []string) (string, []string, error) {
	return title, paragraphs, nil
}

func TestTranslateAll(t *testing.T) {
	pairs, err := readPairs(fixture)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		gw       articleTranslator
		failures []string // substrings of the floors missed; none when empty
	}{
		{"faithful gateway", faithful, nil},
		{
			"gateway drops the last paragraph",
			func(_ context.Context, title string, paragraphs []string) (string, []string, error) {
				return title, paragraphs[:len(paragraphs)-1], nil
			},
			[]string{"paragraphs lost 2, added 0, reordered 0"},
		},
		{
			"gateway swaps the first two paragraphs",
			func(_ context.Context, title string, paragraphs []string) (string, []string, error) {
				out := slices.Clone(paragraphs)
				if len(out) > 1 {
					out[0], out[1] = out[1], out[0]
				}
				return title, out, nil
			},
			[]string{"paragraphs lost 0, added 0, reordered 4"},
		},
		{
			"gateway fails",
			func(context.Context, string, []string) (string, []string, error) {
				return "", nil, errors.New("provider_error")
			},
			[]string{"the gateway failed on 2 document(s)", "paragraphs lost 6", "gateway document chrF 0.0"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := translateAll(context.Background(), pairs, tt.gw, echo, 2)
			if err != nil {
				t.Fatal(err)
			}
			rep := summarize(r.Outcomes)
			if rep.Documents != 2 || rep.ParagraphsIn != 6 || rep.Engine.Sentences != 10 {
				t.Errorf("got %d documents, %d paragraphs, %d sentences; want 2, 6, 10", rep.Documents, rep.ParagraphsIn, rep.Engine.Sentences)
			}
			got := strings.Join(rep.failures(), "; ")
			if len(tt.failures) == 0 && got != "" {
				t.Errorf("floors missed: %s", got)
			}
			for _, want := range tt.failures {
				if !strings.Contains(got, want) {
					t.Errorf("failures %q lack %q", got, want)
				}
			}
		})
	}
}

func TestSummarizeScores(t *testing.T) {
	pairs, err := readPairs(fixture)
	if err != nil {
		t.Fatal(err)
	}
	r, err := translateAll(context.Background(), pairs, faithful, echo, 1)
	if err != nil {
		t.Fatal(err)
	}
	rep := summarize(r.Outcomes)
	// Both paths return the French as it is: they must score exactly as
	// the untranslated source, at every level they share.
	if rep.Gateway.Document != rep.Source.Document || rep.Engine.Document != rep.Source.Document {
		t.Errorf("document chrF: gateway %v, engine %v, source %v; want all equal", rep.Gateway.Document, rep.Engine.Document, rep.Source.Document)
	}
	if rep.Gateway.Paragraph != rep.Source.Paragraph || rep.Engine.Paragraph != rep.Source.Paragraph {
		t.Errorf("paragraph chrF: gateway %v, engine %v, source %v; want all equal", rep.Gateway.Paragraph, rep.Engine.Paragraph, rep.Source.Paragraph)
	}
	if rep.Agreement != 100 {
		t.Errorf("agreement: got %v, want 100", rep.Agreement)
	}
	// French against English shares some characters, far from all.
	if rep.Source.Document <= 0 || rep.Source.Document >= 60 {
		t.Errorf("untranslated document chrF %v: want between 0 and 60", rep.Source.Document)
	}
	// Headline and paragraphs of the 2 articles: 2 + 6 pairs.
	if rep.AlignedDocuments != 2 || rep.Gateway.Paragraphs != 8 {
		t.Errorf("got %d aligned documents and %d paragraph pairs, want 2 and 8", rep.AlignedDocuments, rep.Gateway.Paragraphs)
	}
}

func TestTranslateAllEngineFailure(t *testing.T) {
	pairs, err := readPairs(fixture)
	if err != nil {
		t.Fatal(err)
	}
	broken := func(context.Context, []string) ([]string, error) { return nil, errors.New("connection refused") }
	short := func(_ context.Context, s []string) ([]string, error) { return s[1:], nil }
	for name, engine := range map[string]sentenceTranslator{"error": broken, "too few translations": short} {
		t.Run(name, func(t *testing.T) {
			_, err := translateAll(context.Background(), pairs, faithful, engine, 2)
			if err == nil || !strings.Contains(err.Error(), "engine, document") {
				t.Errorf("got error %v, want one naming the engine and the document", err)
			}
		})
	}
}
