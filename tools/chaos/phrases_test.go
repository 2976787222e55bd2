package main

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"passerelle/article/language"
	"passerelle/config"
	"passerelle/gateway/checks"
)

// TestPhrasesPassOutputChecks runs the gateway's own output checks on what
// the stand-ins answer: a phrase the checks refused would be asked for again
// and sent to the fallback, and the run would count calls no fault explains.
func TestPhrasesPassOutputChecks(t *testing.T) {
	det := language.NewDetector(language.Options{})
	book := newPhrasebook()
	for _, set := range [][]phrase{titlePhrases, paragraphPhrases} {
		for _, p := range set {
			for _, n := range []int{7, 1001, 987654} {
				fr := fmt.Sprintf(p.fr, n)
				t.Run(fr, func(t *testing.T) {
					en, ok := book.translate(fr)
					if !ok {
						t.Fatalf("translate(%q): no phrase matched", fr)
					}
					if want := fmt.Sprintf(p.en, n); en != want {
						t.Errorf("translate(%q) = %q, want %q", fr, en, want)
					}
					if err := checks.Segment(fr, en, "fr", "en", det); err != nil {
						t.Errorf("checks.Segment refuses %q: %v", en, err)
					}
					if lang, _ := det.Detect(fr); lang != "fr" && lang != "" {
						t.Errorf("the French %q reads as %q: the gateway would refuse the article", fr, lang)
					}
				})
			}
		}
	}
}

func TestPhrasebookTranslate(t *testing.T) {
	book := newPhrasebook()
	tests := []struct {
		in     string
		want   string
		wantOK bool
	}{
		{"Sommet numéro 1234 à Vladivostok", "Summit number 1234 in Vladivostok", true},
		{"  Sommet   numéro 1234 à Vladivostok ", "Summit number 1234 in Vladivostok", true},
		{"Sommet numéro à Vladivostok", "", false},
		{"Sommet numéro 1234 à Vladivostok.", "", false},
		{"Les commentaires sont fermés.", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := book.translate(tt.in)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("translate(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestArticles(t *testing.T) {
	n := 100
	next := func() int { n++; return n }
	first := func(int) int { return 0 }
	a := newArticle(first, next, 2)
	e := a.edited(first, next)
	if e.titleFR != a.titleFR || e.parasFR[0] != a.parasFR[0] {
		t.Errorf("edited article %q / %q, want the title and first paragraph of %q / %q", e.titleFR, e.parasFR, a.titleFR, a.parasFR)
	}
	if e.parasFR[1] == a.parasFR[1] || len(e.parasFR) != 2 {
		t.Errorf("edited paragraphs %q, want the last of %q replaced", e.parasFR, a.parasFR)
	}
	book := newPhrasebook()
	var paras []string
	for _, fr := range e.parasFR {
		en, _ := book.translate(fr)
		paras = append(paras, en+" ")
	}
	title, _ := book.translate(e.titleFR)
	if !e.matches(title, paras) {
		t.Errorf("the stand-ins' translation of %q does not match the article's", e.parasFR)
	}
	if a.matches(title, paras) {
		t.Errorf("the edited article's translation matches the original")
	}
}

// TestConfigIsValid loads the run's configuration with the gateway's own
// loader: an invalid one would stop the gateways at start.
func TestConfigIsValid(t *testing.T) {
	path := filepath.Join(t.TempDir(), "passerelle.yaml")
	yaml := configYAML("redis://127.0.0.1:1/0", "http://127.0.0.1:2/v1", "http://127.0.0.1:3/v1",
		"5be1a0d2c3b4a5968778695a4b3c2d1e0f5be1a0d2c3b4a5968778695a4b3c2d", 10*time.Second)
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{config.EnvConfig: path}
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatalf("config.Load: %v\n%s", err, yaml)
	}
	if !cfg.Auth.Enabled || cfg.Cache.Backend != "redis" || cfg.Translation.Chain()[0] != "primary" {
		t.Errorf("loaded auth %v, cache %s, translation %v; want auth on, redis, primary first",
			cfg.Auth.Enabled, cfg.Cache.Backend, cfg.Translation.Chain())
	}
	if got := cfg.Providers["primary"].Timeout; got != time.Second {
		t.Errorf("primary timeout %v, want 1s", got)
	}
	if got := cfg.Server.ShutdownGrace; got != 10*time.Second {
		t.Errorf("shutdown grace %v, want 10s", got)
	}
}
