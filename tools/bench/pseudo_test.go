package main

import (
	"fmt"
	"os"
	"testing"

	"passerelle/article"
	"passerelle/article/language"
	"passerelle/gateway/checks"
)

// TestPseudoTranslatePassesChecks: the stand-in's output must pass the
// gateway's output checks, or every benchmark of the miss path would measure
// retries and failures instead of the path itself.
func TestPseudoTranslatePassesChecks(t *testing.T) {
	raw, err := os.ReadFile("../../testdata/poutine-kim-vladivostok.fr.txt")
	if err != nil {
		t.Fatal(err)
	}
	seed := article.Parse("", string(raw))
	doc, err := longArticle(seed, "../../article/testdata/*.fr.txt", 40)
	if err != nil {
		t.Fatal(err)
	}
	segments := append([]string{seed.Title, doc.Title}, doc.Paragraphs...)
	// The harness marks articles to make them distinct; short titles with
	// a mark are where a detector is least sure.
	for i := range 300 {
		for _, tag := range []string{"dépêche %d", "flux %d", "coût %d"} {
			v := variant(seed, fmt.Sprintf(tag, i))
			segments = append(segments, v.Title, v.Paragraphs[2])
		}
	}
	det := language.NewDetector(language.Options{})
	for _, src := range segments {
		out := pseudoTranslate(src)
		text := article.Normalize(checks.EnglishTypography(checks.Repair(out)))
		if err := checks.Segment(src, text, "fr", "en", det); err != nil {
			t.Errorf("pseudoTranslate(%q) = %q: %v", src, out, err)
		}
		if again := pseudoTranslate(src); again != out {
			t.Errorf("pseudoTranslate is not deterministic: %q then %q", out, again)
		}
	}
}
