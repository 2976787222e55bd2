package jobclient

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestCollectNames(t *testing.T) {
	dir := articles(t, map[string]string{"sommet.html": "<p>Le même sommet, en page.</p>"})
	single := filepath.Join(t.TempDir(), "dépêche.txt")
	if err := os.WriteFile(single, []byte("Une dépêche\n\nCourte.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ins, err := collect([]string{dir, single,
		"https://www.lemonde.fr/international/article/2019/04/25/premier-sommet_5454694_3210.html",
		"https://www.lemonde.fr/",
		"https://www.lemonde.fr/international/article/2019/04/25/premier-sommet_5454694_3210.html?utm=rss"})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, in := range ins {
		names = append(names, in.name)
	}
	want := []string{"europe/brexit", "sommet", "sommet-2", "soudan", "dépêche",
		"premier-sommet_5454694_3210", "www-lemonde-fr", "premier-sommet_5454694_3210-2"}
	if !reflect.DeepEqual(names, want) {
		t.Errorf("names = %q, want %q", names, want)
	}
	if ins[1].source.HTML == "" || ins[2].source.Text == "" || ins[5].source.URL == "" {
		t.Errorf("sources = %+v: .html goes as html, .txt as text, a URL as url", ins)
	}
}

func TestCollectRefuses(t *testing.T) {
	pdf := filepath.Join(t.TempDir(), "rapport.pdf")
	if err := os.WriteFile(pdf, []byte("%PDF-1.7"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := collect([]string{pdf}); err == nil || !strings.Contains(err.Error(), "only .txt, .md and .html") {
		t.Errorf("a .pdf named: %v", err)
	}
	if _, err := collect([]string{filepath.Join(t.TempDir(), "absent.txt")}); err == nil {
		t.Error("a missing file: no error")
	}
}

func TestSlug(t *testing.T) {
	for in, want := range map[string]string{
		"Premier sommet Poutine-Kim : les « liens » historiques": "premier-sommet-poutine-kim-les-liens-historiques",
		"L'Élysée à 12,5 %":      "l-elysee-a-12-5",
		"":                       "article",
		"« »":                    "article",
		strings.Repeat("a", 200): strings.Repeat("a", 80),
	} {
		if got := slug(in); got != want {
			t.Errorf("slug(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLoadGlossary(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	want := map[string]string{"Élysée": "Élysée Palace", "Kim Jong-Un": "Kim Jong-un"}
	for _, p := range []string{
		write("g.json", `{"Élysée": "Élysée Palace", "Kim Jong-Un": "Kim Jong-un"}`),
		write("g.txt", "# noms propres\nÉlysée = Élysée Palace\n\nKim Jong-Un\tKim Jong-un\n"),
	} {
		g, err := LoadGlossary(p)
		if err != nil || !reflect.DeepEqual(g, want) {
			t.Errorf("LoadGlossary(%s) = %v, %v; want %v", filepath.Base(p), g, err, want)
		}
	}
	if _, err := LoadGlossary(write("bad.txt", "Élysée\n")); err == nil || !strings.Contains(err.Error(), "bad.txt:1") {
		t.Errorf("a line without a translation: %v, want its line named", err)
	}
}
