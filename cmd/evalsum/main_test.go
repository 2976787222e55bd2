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
