package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestOverlap(t *testing.T) {
	tests := []struct {
		got, want           string
		common, nGot, nWant int
	}{
		{"le chat le chien", "le chat", 2, 4, 2},
		{"le chat", "le le chat", 2, 2, 3},
		{"Été, 2024 : l’été !", "été 2024 l été", 4, 4, 4},
		{"", "un", 0, 0, 1},
	}
	for _, tt := range tests {
		t.Run(tt.got, func(t *testing.T) {
			common, nGot, nWant := overlap(words(tt.got), words(tt.want))
			if common != tt.common || nGot != tt.nGot || nWant != tt.nWant {
				t.Errorf("overlap = %d, %d, %d; want %d, %d, %d", common, nGot, nWant, tt.common, tt.nGot, tt.nWant)
			}
		})
	}
}

// corpus builds a corpus folder from the extract package's fixtures, with
// edit applied to the with/without entries.
func corpus(t *testing.T, edit func(map[string]evalEntry)) string {
	t.Helper()
	src := filepath.Join("..", "..", "article", "extract", "testdata")
	dir := t.TempDir()
	pages := filepath.Join(dir, "html", "trafilatura", "pages")
	if err := os.MkdirAll(pages, 0o755); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(src, "trafilatura", "evaldata.json"))
	if err != nil {
		t.Fatal(err)
	}
	var entries map[string]evalEntry
	if err := json.Unmarshal(raw, &entries); err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		copyFile(t, filepath.Join(src, "trafilatura", e.File), filepath.Join(pages, e.File))
	}
	edit(entries)
	raw, err = json.Marshal(entries)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "html", "trafilatura", "evaldata_fr_subset.json"), raw, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, page := range []string{"mozilla-liberation-1", "fivefilters-challenges"} {
		to := filepath.Join(dir, "html", "readability", page)
		if err := os.MkdirAll(to, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, f := range []string{"source.html", "expected.html"} {
			copyFile(t, filepath.Join(src, "readability", page, f), filepath.Join(to, f))
		}
	}
	return dir
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// fixturePages is the extraction fixtures' folder, seen from here.
var fixturePages = filepath.Join("..", "..", "article", "extract", "testdata", "pages")

func TestRun(t *testing.T) {
	var out bytes.Buffer
	dir := corpus(t, func(map[string]evalEntry) {})
	if err := run(context.Background(), []string{"-corpus", dir, "-pages", fixturePages}, &out); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	for _, want := range []string{
		"madame.lefigaro.fr.dintestin.html", "all 4 pages", "12/12 = 100.0 %", "0/13 = 0.0 %",
		"mozilla-liberation-1", "all 2 pages",
		"actu-retraites.html", "glued words: 0 on the", "bylines and datelines kept: 0",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestRunFailsUnderThresholds(t *testing.T) {
	tests := []struct {
		name string
		edit func(map[string]evalEntry)
		want string
	}{
		{"with strings missed", func(entries map[string]evalEntry) {
			for u, e := range entries {
				e.With = append(e.With, "une phrase absente de la page", "une autre phrase absente")
				entries[u] = e
			}
		}, "of the with strings found"},
		{"without strings leaked", func(entries map[string]evalEntry) {
			for u, e := range entries {
				e.Without = append(e.Without, e.With[0])
				entries[u] = e
			}
		}, "of the without strings leaked"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			err := run(context.Background(), []string{"-corpus", corpus(t, tt.edit), "-pages", fixturePages, "-v"}, &out)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("run error = %v, want one saying %q", err, tt.want)
			}
		})
	}
}

func TestRunNeedsCorpus(t *testing.T) {
	if err := run(context.Background(), nil, &bytes.Buffer{}); err == nil {
		t.Error("run without -corpus succeeded, want an error")
	}
}

// TestGluedWords: two words of the page run together in a paragraph are
// found, whether an inline element or a block parted them; words the page
// writes joined, across inline markup, are not.
func TestGluedWords(t *testing.T) {
	page := []byte(`<p><em>France Inter</em> a révélé la <strong>moitié de la population.</strong> Dans <b>in</b>édit.</p><p>Un.</p><p>Deux t.co/AbC</p>`)
	for _, tt := range []struct {
		paragraphs []string
		want       []string
	}{
		{[]string{"France Inter a révélé la moitié de la population. Dans inédit.", "Un.", "Deux t.co/AbC"}, nil},
		{[]string{"France Intera révélé la moitié de la population.Dans inédit."}, []string{"Intera", "population.Dans"}},
		{[]string{"Un.Deux"}, []string{"Un.Deux"}},
	} {
		got, err := gluedWords(page, tt.paragraphs)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("gluedWords(%q) = %q, want %q", tt.paragraphs, got, tt.want)
		}
	}
}

// TestRunFailsOnBylineKept: a fixture whose expected text would hold its
// dateline fails the run, as a byline kept would.
func TestRunFailsOnBylineKept(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"actu-retraites.html"} {
		copyFile(t, filepath.Join(fixturePages, f), filepath.Join(dir, f))
	}
	var entries map[string]pageEntry
	raw, err := os.ReadFile(filepath.Join(fixturePages, "pages.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &entries); err != nil {
		t.Fatal(err)
	}
	e := entries["actu-retraites.html"]
	e.Furniture = append(e.Furniture, e.Paragraphs[0][:40]) // a paragraph taken for a byline
	raw, err = json.Marshal(map[string]pageEntry{"actu-retraites.html": e})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "pages.json"), raw, 0o644); err != nil {
		t.Fatal(err)
	}
	err = run(context.Background(), []string{"-corpus", corpus(t, func(map[string]evalEntry) {}), "-pages", dir}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "kept as paragraphs") {
		t.Errorf("run error = %v, want one saying a byline was kept", err)
	}
}
