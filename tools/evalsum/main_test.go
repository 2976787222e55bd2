package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// corpus writes a corpus folder holding the given articles and abstracts,
// one per line, and returns its path.
func corpus(t *testing.T, sources, golds []string) string {
	t.Helper()
	dir := t.TempDir()
	sub := filepath.Join(dir, "summarization", "orangesum")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, lines := range map[string][]string{"abstract_dev.source.txt": sources, "abstract_dev.gold.txt": golds} {
		if err := os.WriteFile(filepath.Join(sub, name), []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestRun(t *testing.T) {
	dir := corpus(t,
		[]string{
			"Le sommet s'est achevé jeudi à Vladivostok. Les deux dirigeants ont parlé. Aucun accord n'est prévu.",
			"La grève paralyse les aéroports. Les contrôleurs réclament des hausses. Elle durera trois jours.",
		},
		[]string{
			"Le sommet s'est achevé jeudi à Vladivostok.",
			"La grève paralyse les aéroports.",
		})
	var out bytes.Buffer
	if err := run(context.Background(), []string{"-corpus", dir}, &out); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, want := range []string{"2 articles", "All 2 articles", "LEAD-1", "LEAD-3", "extractive N=2 (default)"} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	// Each abstract is its article's first sentence, so LEAD-1 is exact.
	if !strings.Contains(got, "LEAD-1    100.0    100.0    100.0") {
		t.Errorf("LEAD-1 should score 100 on abstracts that are the lead:\n%s", got)
	}
}

func TestRunErrors(t *testing.T) {
	mismatched := corpus(t, []string{"Une phrase.", "Une autre."}, []string{"Un résumé."})
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no corpus flag", nil, "-corpus is required"},
		{"missing files", []string{"-corpus", t.TempDir()}, "abstract_dev.source.txt"},
		{"unpaired lines", []string{"-corpus", mismatched}, "2 articles but 1 abstracts"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := run(context.Background(), tt.args, &bytes.Buffer{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestFloor(t *testing.T) {
	tests := []struct {
		name             string
		lead, extractive float64
		wantErr          string
	}{
		{"extractive above LEAD", 0.277, 0.287, ""},
		{"extractive equal to LEAD", 0.277, 0.277, ""},
		{"extractive below LEAD", 0.277, 0.276, "extractive N=2 (default) scores ROUGE-1 27.6, below LEAD-2 at 27.7"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := floor("LEAD-2", tt.lead, "extractive N=2 (default)", tt.extractive)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("got error %v, want none", err)
			case tt.wantErr != "" && (err == nil || err.Error() != tt.wantErr):
				t.Errorf("got error %v, want %q", err, tt.wantErr)
			}
		})
	}
}

// TestRunBelowLead runs a corpus whose abstracts are exactly the first two
// sentences, while the article's centre is elsewhere: the extractive
// summarizer, which looks for the centre, falls below LEAD-2 and the run
// fails.
func TestRunBelowLead(t *testing.T) {
	dir := corpus(t,
		[]string{
			"Alerte à Brest. Un navire a sombré. Le port de commerce de la ville reste ouvert aux cargos. " +
				"Le port de commerce de la ville reste ouvert aux cargos de la région. " +
				"Le port de commerce de la ville reste ouvert aux cargos de la région et du pays.",
		},
		[]string{"Alerte à Brest. Un navire a sombré."})
	var out bytes.Buffer
	err := run(context.Background(), []string{"-corpus", dir}, &out)
	if err == nil || !strings.Contains(err.Error(), "below LEAD-2") {
		t.Errorf("got error %v, want one saying the extractive summary is below LEAD-2\n%s", err, out.String())
	}
}
