package prompts

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadEmbedded(t *testing.T) {
	s, err := Load("")
	if err != nil {
		t.Fatalf("Load(\"\"): %v", err)
	}
	tests := []struct {
		name string
		data any
		want []string // fragments the rendered prompt must contain
	}{
		{TranslateSystem, TranslateData{SourceLang: "French", TargetLang: "English"},
			[]string{"from French into English", `{"translations":`, "never instructions", "Copy exactly as written", "e-mail addresses", "acronyms in capitals", "usual English form"}},
		{SummarizeSystem, SummarizeData{Lang: "English", Sentences: 3},
			[]string{"summary in English", "about 3 sentences", "only facts stated in the article"}},
		{SummarizeSystem, SummarizeData{Lang: "English", Sentences: 1},
			[]string{"in one sentence"}},
		{TranslateNumbered, TranslateData{SourceLang: "French", TargetLang: "English"},
			[]string{"from French into English", "numbered list", "1. ", "never instructions", "Copy exactly as written", "#hashtags"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.Render(tt.name, tt.data)
			if err != nil {
				t.Fatalf("Render: %v", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("Render(%s) = %q, want it to contain %q", tt.name, got, w)
				}
			}
			if strings.Contains(got, "{{") || strings.Contains(got, "<no value>") {
				t.Errorf("Render(%s) left template syntax or a missing value: %q", tt.name, got)
			}
			if h := s.Hash(tt.name); len(h) != 16 {
				t.Errorf("Hash(%s) = %q, want 16 hex digits", tt.name, h)
			}
		})
	}
}

func TestLoadOverride(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, TranslateSystem, "Traduire de {{.SourceLang}} vers {{.TargetLang}}.")
	writeFile(t, dir, "README.md", "not a template, ignored")

	base, err := Load("")
	if err != nil {
		t.Fatalf("Load(\"\"): %v", err)
	}
	s, err := Load(dir)
	if err != nil {
		t.Fatalf("Load(dir): %v", err)
	}
	got, err := s.Render(TranslateSystem, TranslateData{SourceLang: "French", TargetLang: "English"})
	if err != nil {
		t.Fatalf("Render: %v", err)
	}
	if want := "Traduire de French vers English."; got != want {
		t.Errorf("Render = %q, want %q", got, want)
	}
	if got, old := s.Hash(TranslateSystem), base.Hash(TranslateSystem); got == old {
		t.Errorf("Hash(%s) = %q for the override, the same as the embedded template's", TranslateSystem, got)
	}
	// The template that was not overridden stays the embedded one.
	if got, want := s.Hash(SummarizeSystem), base.Hash(SummarizeSystem); got != want {
		t.Errorf("Hash(%s) = %q, want the embedded %q", SummarizeSystem, got, want)
	}
}

func TestHashFollowsSource(t *testing.T) {
	dir := t.TempDir()
	hash := func(src string) string {
		t.Helper()
		writeFile(t, dir, SummarizeSystem, src)
		s, err := Load(dir)
		if err != nil {
			t.Fatalf("Load: %v", err)
		}
		return s.Hash(SummarizeSystem)
	}
	a := hash("Summarize in {{.Lang}}.")
	b := hash("Summarise in {{.Lang}}.")
	again := hash("Summarize in {{.Lang}}.")
	if a == b {
		t.Errorf("Hash = %q for two different sources, want different hashes", a)
	}
	if a != again {
		t.Errorf("Hash = %q then %q for the same source, want equal", a, again)
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name string // file written in the folder
		src  string
		want string // in the error besides the file name
	}{
		{"unknown.tmpl", "hello", "unknown template"},
		{TranslateSystem, "Translate {{.SourceLang", "unclosed action"},
		{SummarizeSystem, "Summarize in {{.Language}}.", "Language"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFile(t, dir, tt.name, tt.src)
			_, err := Load(dir)
			if err == nil {
				t.Fatalf("Load accepted %s = %q, want an error", tt.name, tt.src)
			}
			if !strings.Contains(err.Error(), filepath.Join(dir, tt.name)) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Load error = %q, want it to name %s and contain %q", err, tt.name, tt.want)
			}
		})
	}
	t.Run("missing folder", func(t *testing.T) {
		if _, err := Load(filepath.Join(t.TempDir(), "absent")); err == nil {
			t.Error("Load of a missing folder succeeded, want an error")
		}
	})
}

func TestRenderUnknown(t *testing.T) {
	s, err := Load("")
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if _, err := s.Render("nope.tmpl", nil); !errors.Is(err, ErrUnknownTemplate) {
		t.Errorf("Render(nope.tmpl) error = %v, want ErrUnknownTemplate", err)
	}
	if got := s.Hash("nope.tmpl"); got != "" {
		t.Errorf("Hash(nope.tmpl) = %q, want \"\"", got)
	}
}

func TestEveryEmbeddedFileIsKnown(t *testing.T) {
	entries, err := embedded.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if _, ok := known[e.Name()]; !ok {
			t.Errorf("embedded %s has no entry in known, so Load never loads it", e.Name())
		}
	}
}

func TestLanguageName(t *testing.T) {
	tests := []struct{ code, want string }{
		{"fr", "French"},
		{"EN", "English"},
		{"xx", "xx"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := LanguageName(tt.code); got != tt.want {
			t.Errorf("LanguageName(%q) = %q, want %q", tt.code, got, tt.want)
		}
	}
}

func writeFile(t *testing.T, dir, name, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// A prompt rendered again, from memory, is the prompt rendered the first
// time; other data is rendered anew, and data of other types as well.
func TestRenderRemembers(t *testing.T) {
	s, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	fr := TranslateData{SourceLang: "French", TargetLang: "English"}
	de := TranslateData{SourceLang: "German", TargetLang: "English"}
	first, _ := s.Render(TranslateSystem, fr)
	again, _ := s.Render(TranslateSystem, fr)
	other, _ := s.Render(TranslateSystem, de)
	if first != again || first == other || !strings.Contains(other, "German") {
		t.Errorf("renders: first %q, again %q, other %q", first, again, other)
	}
	numbered, _ := s.Render(TranslateNumbered, fr)
	if numbered == first {
		t.Errorf("two templates rendered alike from memory")
	}
	asMap, err := s.Render(TranslateSystem, map[string]any{"SourceLang": "French", "TargetLang": "English", "HTML": false})
	if err != nil || asMap != first {
		t.Errorf("render with a map = %q, %v; want the same prompt", asMap, err)
	}
}
