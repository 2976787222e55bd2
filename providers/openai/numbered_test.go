package openai

import (
	"context"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"passerelle/providers"
)

// numberedList writes outs as the translate_numbered prompt asks.
func numberedList(outs []string) string {
	var b strings.Builder
	for i, s := range outs {
		fmt.Fprintf(&b, "%d. %s\n", i+1, s)
	}
	return b.String()
}

func TestTranslateTextFormat(t *testing.T) {
	f := newFakeServer(t, func(f *fakeServer, w http.ResponseWriter, _ *http.Request, req chatRequest) {
		// Blank lines between items, as some models write them.
		f.completion(w, strings.ReplaceAll(numberedList(fakeTranslateAll(req.segments(f.t).Segments)), "\n", "\n\n"), "stop")
	})
	p := newProvider(t, f, Options{ResponseFormat: FormatText})
	got, err := p.Translate(context.Background(), providers.TranslateRequest{SourceLang: "fr", TargetLang: "en", Segments: frenchSegments})
	if err != nil {
		t.Fatalf("Translate: %v", err)
	}
	if want := fakeTranslateAll(frenchSegments); !reflect.DeepEqual(got.Translations, want) {
		t.Errorf("Translations = %q, want %q", got.Translations, want)
	}
	calls := f.calls()
	if len(calls) != 1 {
		t.Fatalf("%d chat completions, want 1", len(calls))
	}
	req := calls[0]
	if _, ok := req.raw["response_format"]; ok {
		t.Errorf("response_format = %s, want none", req.raw["response_format"])
	}
	if sys := req.message("system"); !strings.Contains(sys, "numbered list") || !strings.Contains(sys, "from French into English") {
		t.Errorf("system prompt = %q, want the numbered-list prompt", sys)
	}
	// The article still travels as JSON data.
	if in := req.segments(t); !reflect.DeepEqual(in.Segments, frenchSegments) {
		t.Errorf("segments = %q, want %q", in.Segments, frenchSegments)
	}
}

func TestTranslateTextFormatFallsBackPerSegment(t *testing.T) {
	tests := []struct {
		name  string
		batch func(outs []string) string
	}{
		{"missing number", func(outs []string) string {
			return "1. " + outs[0] + "\n3. " + outs[2] + "\n4. " + outs[3]
		}},
		{"extra item", func(outs []string) string {
			return numberedList(append(outs, "Translator's note: none."))
		}},
		{"multi-line item", func(outs []string) string {
			return "1. " + outs[0] + "\n2. " + outs[1] + "\n" + outs[2] + "\n3. " + outs[3]
		}},
		{"preamble", func(outs []string) string {
			return "Here are the translations:\n" + numberedList(outs)
		}},
		{"JSON instead", func(outs []string) string {
			return `{"translations": ["` + strings.Join(outs, `", "`) + `"]}`
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeServer(t, func(f *fakeServer, w http.ResponseWriter, _ *http.Request, req chatRequest) {
				segs := req.segments(f.t).Segments
				if len(segs) > 1 {
					f.completion(w, tt.batch(fakeTranslateAll(segs)), "stop")
					return
				}
				f.completion(w, numberedList(fakeTranslateAll(segs)), "stop")
			})
			p := newProvider(t, f, Options{ResponseFormat: FormatText})
			got, err := p.Translate(context.Background(), providers.TranslateRequest{SourceLang: "fr", TargetLang: "en", Segments: frenchSegments})
			if err != nil {
				t.Fatalf("Translate: %v", err)
			}
			if want := fakeTranslateAll(frenchSegments); !reflect.DeepEqual(got.Translations, want) {
				t.Errorf("Translations = %q, want %q", got.Translations, want)
			}
			if n, want := len(f.calls()), 1+len(frenchSegments); n != want {
				t.Errorf("%d chat completions, want %d: the batch, then one per segment", n, want)
			}
		})
	}
}

func TestParseNumbered(t *testing.T) {
	tests := []struct {
		name   string
		answer string
		n      int
		want   []string // nil: refused
	}{
		{"exact", "1. One.\n2. Two.\n3. Three.", 3, []string{"One.", "Two.", "Three."}},
		{"blank lines and spaces", "\n  1. One.  \n\n2. Two.\r\n\n", 2, []string{"One.", "Two."}},
		{"full stops inside items", "1. It cost 3. 5 million.\n2. Mr. Smith said 2. no.", 2, []string{"It cost 3. 5 million.", "Mr. Smith said 2. no."}},
		{"ten and more", numberedList([]string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k"}), 11, []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k"}},
		{"lone segment on two lines", "1. First line.\nSecond line.", 1, []string{"First line.\nSecond line."}},
		{"missing number", "1. One.\n3. Three.", 3, nil},
		{"missing last item", "1. One.\n2. Two.", 3, nil},
		{"extra item", "1. One.\n2. Two.\n3. Three.", 2, nil},
		{"extra item for a lone segment", "1. One.\n2. Two.", 1, nil},
		{"repeated number", "1. One.\n1. One again.\n2. Two.", 2, nil},
		{"out of order", "2. Two.\n1. One.", 2, nil},
		{"continuation line in a batch", "1. One,\ncontinued.\n2. Two.", 2, nil},
		{"preamble", "Translations:\n1. One.\n2. Two.", 2, nil},
		{"preamble for a lone segment", "Translation:\n1. One.", 1, nil},
		{"parenthesis numbers", "1) One.\n2) Two.", 2, nil},
		{"no space after the number", "1.One.\n2.Two.", 2, nil},
		{"empty", "", 1, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseNumbered(tt.answer, tt.n)
			if tt.want == nil {
				if err == nil {
					t.Errorf("parseNumbered(%q, %d) = %q, want an error", tt.answer, tt.n, got)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("parseNumbered(%q, %d) = %q, %v, want %q", tt.answer, tt.n, got, err, tt.want)
			}
		})
	}
}
