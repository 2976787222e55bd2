package main

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

const fixture = "testdata/corpus/mt"

func TestReadSGML(t *testing.T) {
	docs, err := readSGML(filepath.Join(fixture, "newstest2012-src.fr.sgm"))
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) != 2 {
		t.Fatalf("got %d documents, want 2", len(docs))
	}
	de, fr := docs[0], docs[1]
	if de.ID != "morgenpost.de/2011/11/15/14155.html" || de.OrigLang != "de" {
		t.Errorf("first document: got id %q origlang %q", de.ID, de.OrigLang)
	}
	if got, want := de.Segments[1].Text, "Le S & P 500 index pris plus largement ferma à 1251 points, un déficit de 1%"; got != want {
		t.Errorf("raw & segment: got %q, want %q", got, want)
	}
	if fr.ID != "ledevoir/2011/11/15/74380.html" || fr.OrigLang != "fr" {
		t.Errorf("second document: got id %q origlang %q", fr.ID, fr.OrigLang)
	}
	var ids []int
	for _, s := range fr.Segments {
		ids = append(ids, s.ID)
	}
	if want := []int{1, 2, 3, 4, 5, 6}; !reflect.DeepEqual(ids, want) {
		t.Errorf("segment ids: got %v, want %v", ids, want)
	}
	wantGroups := []group{{Heading: true, Segments: []int{0, 1}}, {Segments: []int{2}}, {Segments: []int{3}}, {Segments: []int{4, 5}}}
	if !reflect.DeepEqual(fr.Groups, wantGroups) {
		t.Errorf("groups: got %+v, want %+v", fr.Groups, wantGroups)
	}
}

func TestParseSGML(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  []document
	}{
		{
			name:  "entities decoded, raw ampersand kept, spaces trimmed",
			input: "<doc docid=\"d\" origlang=\"fr\">\n<p>\n<seg id=\"1\"> AT&T &amp; S&amp;P &lt;b&gt; &quot;x&quot; </seg>\n</p>\n</doc>\n",
			want: []document{{ID: "d", OrigLang: "fr", Segments: []segment{{1, `AT&T & S&P <b> "x"`}},
				Groups: []group{{Segments: []int{0}}}}},
		},
		{
			name:  "a stray word after </p> and a space after <p>",
			input: "<doc docid=\"d\">\n<p> \n<seg id=\"1\">a</seg>\n</p>payments\n<p>\n<seg id=\"2\">b</seg>\n</p>\n</doc>\n",
			want: []document{{ID: "d", Segments: []segment{{1, "a"}, {2, "b"}},
				Groups: []group{{Segments: []int{0}}, {Segments: []int{1}}}}},
		},
		{
			name:  "wrappers skipped, segment outside a block kept",
			input: "<srcset setid=\"s\">\n<doc docid=\"d\" origlang=\"fr\">\n<seg id=\"1\">t</seg>\n<seg id=\"2\">u</seg>\n</doc>\n</srcset>\n",
			want:  []document{{ID: "d", OrigLang: "fr", Segments: []segment{{1, "t"}, {2, "u"}}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseSGML(strings.NewReader(tt.input))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestParseSGMLErrors(t *testing.T) {
	tests := []struct {
		name, input, want string
	}{
		{"segment outside a document", "<seg id=\"1\">a</seg>\n", "line 1: <seg> outside a document"},
		{"document without docid", "<doc origlang=\"fr\">\n", "line 1: <doc> without docid"},
		{"nested document", "<doc docid=\"a\">\n<doc docid=\"b\">\n", "line 2: <doc> inside document \"a\""},
		{"nested paragraph", "<doc docid=\"a\">\n<p>\n<p>\n", "line 3: <p> inside another block"},
		{"closing an unopened block", "<doc docid=\"a\">\n</p>\n", "line 2: \"</p>\" closes no open block"},
		{"heading closed as paragraph", "<doc docid=\"a\">\n<h1>\n</p>\n", "line 3: \"</p>\" closes no open block"},
		{"malformed segment", "<doc docid=\"a\">\n<seg id=\"x\">a</seg>\n", "line 2: malformed segment"},
		{"document ending inside a block", "<doc docid=\"a\">\n<p>\n</doc>\n", "line 3: document \"a\" ends inside a block"},
		{"document not closed", "<doc docid=\"a\">\n", "document \"a\" is not closed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseSGML(strings.NewReader(tt.input))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestLayoutOf(t *testing.T) {
	seg := func(ids ...int) []segment {
		out := make([]segment, len(ids))
		for i, id := range ids {
			out[i] = segment{ID: id}
		}
		return out
	}
	tests := []struct {
		name string
		doc  document
		want layout
	}{
		{
			name: "headline alone in <h1>",
			doc:  document{Segments: seg(1, 2, 3, 4), Groups: []group{{true, []int{0}}, {false, []int{1, 2}}, {false, []int{3}}}},
			want: layout{title: 1, paragraphs: [][]int{{2, 3}, {4}}},
		},
		{
			name: "a subtitle in <h1> is a paragraph of its own",
			doc:  document{Segments: seg(1, 2, 3), Groups: []group{{true, []int{0, 1}}, {false, []int{2}}}},
			want: layout{title: 1, paragraphs: [][]int{{2}, {3}}},
		},
		{
			name: "segments outside blocks are paragraphs in place",
			doc:  document{Segments: seg(1, 2, 3, 4, 5), Groups: []group{{false, []int{2, 3}}}},
			want: layout{title: 1, paragraphs: [][]int{{2}, {3, 4}, {5}}},
		},
		{
			name: "adjacent blocks stay apart",
			doc:  document{Segments: seg(1, 2, 3), Groups: []group{{false, []int{1}}, {false, []int{2}}}},
			want: layout{title: 1, paragraphs: [][]int{{2}, {3}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := layoutOf(tt.doc)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestReadPairs(t *testing.T) {
	pairs, err := readPairs(fixture)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, p := range pairs {
		ids = append(ids, p.ID)
	}
	// The document written in German is left out.
	if want := []string{"ledevoir/2011/11/15/74380.html", "liberation/2012/12/01/160496"}; !reflect.DeepEqual(ids, want) {
		t.Fatalf("got documents %v, want %v", ids, want)
	}
	jordan := pairs[0]
	if got, want := jordan.Source.Title, "Le roi de Jordanie appelle le président Assad à quitter le pouvoir"; got != want {
		t.Errorf("title: got %q, want %q", got, want)
	}
	if got, want := jordan.Reference.Title, "The King of Jordan calls on president Assad to relinquish power"; got != want {
		t.Errorf("reference title: got %q, want %q", got, want)
	}
	if got, want := len(jordan.Source.Paragraphs), 4; got != want {
		t.Errorf("paragraphs: got %d, want %d", got, want)
	}
	if got, want := joinParagraphs(jordan.Reference)[3], "Diplomatic pressures intensified yesterday on the Syria of Bachar al-Assad, who, with the support of Russia, "+
		"is resisting them and has denounced a \"plot\" against his country. Two days after the suspension of Syria from membership of the "+
		"Arab League, the European Union has reinforced its sanctions against Damascus, whilst Syria's neighbours Turkey and Jordan, came "+
		"out in favour of president Assad's departure."; got != want {
		t.Errorf("last reference paragraph:\ngot  %q\nwant %q", got, want)
	}
	for _, p := range pairs {
		if s, r := len(p.Source.Sentences()), len(p.Reference.Sentences()); s != r {
			t.Errorf("%s: %d source sentences, %d reference sentences", p.ID, s, r)
		}
	}
}

func TestPairDocumentsErrors(t *testing.T) {
	src := []document{{ID: "a", OrigLang: "fr", Segments: []segment{{1, "t"}, {2, "u"}}}}
	tests := []struct {
		name string
		ref  []document
		want string
	}{
		{"no reference document", nil, `document "a" has no reference`},
		{"reference lacks a segment", []document{{ID: "a", Segments: []segment{{1, "T"}}}}, `reference: document "a" has no segment 2`},
		{"reference has an extra segment", []document{{ID: "a", Segments: []segment{{1, "T"}, {2, "U"}, {3, "V"}}}}, `document "a" has 3 segments, its source 2`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := pairDocuments(src, tt.ref, "fr")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got error %v, want one containing %q", err, tt.want)
			}
		})
	}
}
