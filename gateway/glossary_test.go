package gateway

import (
	"context"
	"maps"
	"strings"
	"sync"
	"testing"

	"passerelle/cache"
	"passerelle/internal/testenv"
	"passerelle/providers"
	"passerelle/providers/apertium"
)

func TestGlossaryTerms(t *testing.T) {
	g, err := newGlossary(map[string]string{"Élysée": "Élysée Palace"}, map[string]string{"Kim Jong-Un": "Kim Jong-un", "Palais de l'Élysée": "Élysée Palace"})
	if err != nil {
		t.Fatal(err)
	}
	if g[0].source != "Palais de l'Élysée" {
		t.Errorf("the longest term must come first: %v", g)
	}
	tests := []struct {
		text, want string
	}{
		{"Il s'est rendu à l'Élysée.", "Il s'est rendu à l'Zxq0qxZ."},
		{"Au Palais de l'Élysée, Kim Jong-Un.", "Au Zxq0qxZ, Zxq1qxZ."},
		{"Les Élyséens ne comptent pas.", "Les Élyséens ne comptent pas."}, // not a whole word
		{"Rien ici.", "Rien ici."},
	}
	for _, tt := range tests {
		if got := g.protect(tt.text).text; got != tt.want {
			t.Errorf("protect(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
	if got := g.protect("Il s'est rendu à l'Élysée.").restore("He went to the *zxq0qxz on Thursday."); got != "He went to the *Élysée Palace on Thursday." {
		t.Errorf("restore = %q", got)
	}
	if f := g.verify("Il a vu Kim Jong-Un.", "He saw Kim Jong-One."); f == nil || f.Check != "glossary" {
		t.Errorf("verify missed a mistranslated name: %v", f)
	}
	if f := g.verify("Il a vu Kim Jong-Un.", "He saw Kim Jong-un."); f != nil {
		t.Errorf("verify refused a faithful output: %v", f)
	}
	if g.in("Rien ici.").key() != "" || g.in("à l'Élysée").key() == g.in("Kim Jong-Un").key() {
		t.Errorf("keys must depend on the terms a text contains only")
	}
	if _, err := newGlossary(nil, map[string]string{"": "x"}); ErrorCode(err) != CodeInvalidRequest {
		t.Errorf("an empty term: %v, want invalid_request", err)
	}
}

// recordingTranslator keeps the glossary each call received.
type recordingTranslator struct {
	fakeTranslator
	mu        sync.Mutex
	glossarys []map[string]string
}

func (r *recordingTranslator) Translate(ctx context.Context, req providers.TranslateRequest) (providers.TranslateResult, error) {
	all := map[string]string{}
	for _, g := range req.Glossaries {
		maps.Copy(all, g)
	}
	r.mu.Lock()
	r.glossarys = append(r.glossarys, all)
	r.mu.Unlock()
	res, err := r.fakeTranslator.Translate(ctx, req)
	for i := range res.Translations {
		if i >= len(req.Glossaries) {
			break
		}
		// Obey each segment's glossary as an LLM told to would.
		for src, dst := range req.Glossaries[i] {
			res.Translations[i] = strings.ReplaceAll(res.Translations[i], strings.ToUpper(src), dst)
		}
	}
	return res, err
}

// glossaryInPromptService translates by tr alone, under name, a provider that
// takes the glossary natively, and summarizes by a fake.
func glossaryInPromptService(t *testing.T, store cache.Store, name string, tr providers.Translator) *Service {
	t.Helper()
	return newTestService(t, withCache(store), withTranslator(name, tr, glossaryInPrompt))
}

func TestGlossaryReachesNativeProvidersAndKeysOnlyWhatItTouches(t *testing.T) {
	llm := &recordingTranslator{fakeTranslator: fakeTranslator{name: "llm"}}
	svc := glossaryInPromptService(t, cache.NewMemory(cache.MemoryOptions{}), "llm", llm)
	text := "Le président a parlé hier.\n\nIl a reçu Kim Jong-Un à l'Élysée."
	ctx := context.Background()
	if _, err := svc.Translate(ctx, Request{Text: text}); err != nil {
		t.Fatal(err)
	}
	res, err := svc.Translate(ctx, Request{Text: text, Glossary: map[string]string{"Élysée": "Élysée Palace", "Absent": "Missing"}})
	if err != nil {
		t.Fatal(err)
	}
	// Only the paragraph holding the term is translated again.
	if res.Cache.Status != CachePartial || res.Cache.SegmentsTranslated != 1 {
		t.Errorf("cache = %+v, want partial with 1 translated", res.Cache)
	}
	last := llm.glossarys[len(llm.glossarys)-1]
	if len(last) != 1 || last["Élysée"] != "Élysée Palace" {
		t.Errorf("glossary sent = %v, want only the term the batch contains", last)
	}
	if !strings.Contains(res.Translation.Paragraphs[1], "Élysée Palace") {
		t.Errorf("paragraph = %q", res.Translation.Paragraphs[1])
	}
}

// TestGlossaryWithApertium protects terms from a real engine that does not
// know glossaries: Apertium turns "Kim Jong-Un" into "Kim Jong-One" and
// "l'Élysée" into "Elíseo" unless told.
func TestGlossaryWithApertium(t *testing.T) {
	engine, err := apertium.New(apertium.Options{URL: testenv.ApertiumURL(t)})
	if err != nil {
		t.Fatal(err)
	}
	svc := newTestService(t, withCache(cache.NewMemory(cache.MemoryOptions{})), withTranslator("apertium", engine))
	text := "Le président russe a reçu Kim Jong-Un jeudi, puis il s'est rendu à l'Élysée pour une réunion."
	plain, err := svc.Translate(context.Background(), Request{Text: text})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(plain.Translation.Paragraphs[0], "Kim Jong-Un") {
		t.Logf("Apertium now keeps the name on its own: %q", plain.Translation.Paragraphs[0])
	}
	res, err := svc.Translate(context.Background(), Request{Text: text,
		Glossary: map[string]string{"Kim Jong-Un": "Kim Jong-un", "Élysée": "Élysée Palace"}})
	if err != nil {
		t.Fatal(err)
	}
	got := res.Translation.Paragraphs[0]
	for _, want := range []string{"Kim Jong-un", "Élysée Palace", "Russian president"} {
		if !strings.Contains(got, want) {
			t.Errorf("translation %q lacks %q", got, want)
		}
	}
	if strings.Contains(got, "Zxq") {
		t.Errorf("a placeholder leaked: %q", got)
	}
}

// TestGlossaryMatching: one matcher for keys, prompts, protection and
// checks, whatever the case and the Unicode form of text and term.
func TestGlossaryMatching(t *testing.T) {
	g, err := newGlossary(map[string]string{"Kremlin": "Gangsterland"}, map[string]string{"Ke\u0301vin  İnce": "Kevin Ince"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		text string
		want int // terms found
	}{
		{"Le Kremlin a réagi.", 1},
		{"Les murs du kremlin.", 1},
		{"LE KREMLIN.", 1},
		{"Le \u212aremlin (a Kelvin sign).", 1},
		{"Les kremlinologues.", 0},
		{"Kévin İnce et le kremlin.", 2}, // the term decomposed and with two spaces, the text composed
		{"kévin i̇nce", 0},               // "İ" lowercased is two runes: not the same letter
	} {
		if got := len(g.in(tt.text)); got != tt.want {
			t.Errorf("in(%q) found %d terms, want %d", tt.text, got, tt.want)
		}
	}
	// Folding changes the length of "İ" (2 bytes, folded to itself) and
	// of the Kelvin sign (3 bytes, folded to "K"): the text around each
	// match stays in place.
	p := g.protect("İstanbul, \u212aremlin, fin.")
	if p.text != "İstanbul, Zxq0qxZ, fin." {
		t.Errorf("protect = %q", p.text)
	}
	if got := p.restore("Istanbul, ZXQ0QXZ, end."); got != "Istanbul, Gangsterland, end." {
		t.Errorf("restore = %q", got)
	}
	if f := g.verify("le kremlin", "the GANGSTERLAND"); f != nil {
		t.Errorf("verify refused the term in another case: %v", f)
	}
	if _, err := newGlossary(nil, map[string]string{"Kremlin": "A", "kremlin": "B"}); ErrorCode(err) != CodeInvalidRequest {
		t.Errorf("two terms for the same text: %v, want invalid_request", err)
	}
	merged, err := newGlossary(map[string]string{"Kremlin": "A"}, map[string]string{"KREMLIN": "B"})
	if err != nil || len(merged) != 1 || merged[0].target != "B" {
		t.Errorf("the request's term must replace the configured one it matches: %v, %v", merged, err)
	}
}

// TestPlaceholdersTheTextDoesNotHold: a paragraph that writes placeholders
// gets a stem it does not contain; a translation that looks like a
// placeholder is not replaced again.
func TestPlaceholdersTheTextDoesNotHold(t *testing.T) {
	g, err := newGlossary(nil, map[string]string{"Poutine": "Zxq0qxZ", "Kremlin": "Gangsterland"})
	if err != nil {
		t.Fatal(err)
	}
	p := g.protect("Poutine, le Kremlin, zxq1qxz et ZXQB0QXZ.")
	if p.stem != "Zxqc" || p.text != "Zxqc1qxZ, le Zxqc0qxZ, zxq1qxz et ZXQB0QXZ." {
		t.Errorf("protect = %q with stem %q", p.text, p.stem)
	}
	if got := p.restore("zxqc1qxz, the Zxqc0qxZ, zxq1qxz and ZXQB0QXZ, Zxqc9qxZ."); got != "Zxq0qxZ, the Gangsterland, zxq1qxz and ZXQB0QXZ, Zxqc9qxZ." {
		t.Errorf("restore = %q", got)
	}
	if got := g.protect("Rien ici, Zxq0qxZ.").restore("Nothing here, Zxq0qxZ."); got != "Nothing here, Zxq0qxZ." {
		t.Errorf("a paragraph without terms: %q", got)
	}
}

// leakyTranslator writes into every segment the translation of every term
// it was shown for any segment: a model that mixes up a batch's glossaries.
type leakyTranslator struct {
	recordingTranslator
}

func (l *leakyTranslator) Translate(ctx context.Context, req providers.TranslateRequest) (providers.TranslateResult, error) {
	res, err := l.recordingTranslator.Translate(ctx, req)
	for i := range res.Translations {
		for _, g := range req.Glossaries {
			for _, dst := range g {
				if !strings.Contains(res.Translations[i], dst) {
					res.Translations[i] += " " + dst
				}
			}
		}
	}
	return res, err
}

// TestALeakedTermIsAskedForAgainAlone: a translation that holds a term
// shown for another paragraph is not cached under its own key: the
// paragraph is asked for again alone, with its own terms only.
func TestALeakedTermIsAskedForAgainAlone(t *testing.T) {
	llm := &leakyTranslator{recordingTranslator{fakeTranslator: fakeTranslator{name: "llm"}}}
	svc := glossaryInPromptService(t, cache.NewMemory(cache.MemoryOptions{}), "llm", llm)
	res, err := svc.Translate(context.Background(), Request{Text: "Le Kremlin a réagi.\n\nMoscou se tait.", Glossary: map[string]string{"Kremlin": "Gangsterland"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Translation.Paragraphs; !strings.Contains(got[0], "Gangsterland") || strings.Contains(got[1], "Gangsterland") {
		t.Errorf("paragraphs = %q: want the term in the first only", got)
	}
	if calls, _ := llm.counts(); calls != 2 {
		t.Errorf("%d calls, want the article then the second paragraph alone", calls)
	}
}
