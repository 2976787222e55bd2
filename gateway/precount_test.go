package gateway

import (
	"os"
	"strings"
	"testing"

	"passerelle/article"
	"passerelle/cache"
	"passerelle/tokens"
)

// seedSegments returns the seed article's segments, as the gateway sends
// them, and their faithful translations.
func seedSegments(t *testing.T) (french, english []string) {
	t.Helper()
	fr, err := os.ReadFile("../testdata/poutine-kim-vladivostok.fr.txt")
	if err != nil {
		t.Fatal(err)
	}
	en, err := os.ReadFile(seedEnglishPath)
	if err != nil {
		t.Fatal(err)
	}
	doc := article.Parse("", string(fr))
	french = append([]string{doc.Title}, doc.Paragraphs...)
	english = strings.Split(strings.TrimSpace(string(en)), "\n\n")
	if len(french) != len(english) {
		t.Fatalf("the seed has %d segments, its translation %d", len(french), len(english))
	}
	return french, english
}

func TestPrecountedSizesAreTheCounters(t *testing.T) {
	french, _ := seedSegments(t)
	count := tokens.For("gpt-4o-mini").Count
	shared := cache.NewTiered(cache.NewMemory(cache.MemoryOptions{}), cache.NewMemory(cache.MemoryOptions{}), nil)
	svc := &Service{cache: shared, budgets: map[string]Budget{"llm": {Count: count}}}
	p := plan{translationChain: []string{"llm"}, segments: french}

	counted := svc.precount(p)
	if counted == nil {
		t.Fatal("no precount for a token budget over a shared cache")
	}
	measure := counted.counter(count)
	// A piece of a paragraph cut in parts is not among the segments.
	for _, text := range append(french, french[1][:40], "") {
		if got, want := measure(text), count(text); got != want {
			t.Errorf("%q: %d tokens, the counter says %d", text, got, want)
		}
	}

	if svc.precount(plan{translationChain: []string{"chars"}, segments: french}) != nil {
		t.Error("a budget in characters was precounted")
	}
	inProcess := &Service{cache: cache.NewMemory(cache.MemoryOptions{}), budgets: svc.budgets}
	if inProcess.precount(p) != nil {
		t.Error("precounted over an in-process cache, which has no round trip to hide it in")
	}
	var none *precounted
	if got := none.counter(count)(french[0]); got != count(french[0]) {
		t.Errorf("a nil precount answers %d, want the counter's %d", got, count(french[0]))
	}
}
