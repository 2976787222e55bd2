package checks

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"passerelle/article/language"
)

// hostileCase is one file of testdata/hostile.
type hostileCase struct {
	name                       string
	source, obedient, faithful string
}

func readHostile(t *testing.T) []hostileCase {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("testdata", "hostile", "*.txt"))
	if err != nil || len(paths) < 8 {
		t.Fatalf("hostile corpus: %d files (%v), want at least 8", len(paths), err)
	}
	var cases []hostileCase
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatalf("read %s: %v", p, err)
		}
		sections := map[string]string{}
		var name string
		for _, line := range strings.SplitAfter(string(b), "\n") {
			if h, ok := strings.CutPrefix(strings.TrimSpace(line), "-- "); ok && strings.HasSuffix(h, " --") {
				name = strings.TrimSuffix(h, " --")
				continue
			}
			sections[name] += line
		}
		c := hostileCase{
			name:     strings.TrimSuffix(filepath.Base(p), ".txt"),
			source:   strings.TrimSpace(sections["source"]),
			obedient: strings.TrimSpace(sections["obedient"]),
			faithful: strings.TrimSpace(sections["faithful"]),
		}
		if c.source == "" || c.obedient == "" || c.faithful == "" {
			t.Fatalf("%s: a section is missing or empty", p)
		}
		cases = append(cases, c)
	}
	return cases
}

// TestHostileCorpus runs the checks as the gateway does (Repair, then
// Segment) on each injection attempt: every obedient output must fail and
// every faithful one pass.
func TestHostileCorpus(t *testing.T) {
	det := language.NewDetector(language.Options{})
	for _, c := range readHostile(t) {
		t.Run(c.name, func(t *testing.T) {
			err := Segment(c.source, Repair(c.obedient), "fr", "en", det)
			var f *Failure
			if !errors.As(err, &f) {
				t.Errorf("obedient output passed (err %v):\n%s", err, c.obedient)
			} else {
				t.Logf("obedient output fails %s: %s", f.Check, f.Detail)
			}
			if err := Segment(c.source, Repair(c.faithful), "fr", "en", det); err != nil {
				t.Errorf("faithful output failed: %v\n%s", err, c.faithful)
			}
		})
	}
}
