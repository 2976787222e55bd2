package gateway

import (
	"context"
	"strings"
	"testing"

	"passerelle/cache"
	"passerelle/gateway/checks"
	"passerelle/internal/testenv"
	"passerelle/providers/apertium"
)

// TestUntranslatedWordsWithApertium: the fra→spa→eng pivot leaves Spanish
// "millardos" for "milliards"; the reply names it in a warning, yet the
// translation is complete, cached, and a cache hit (and a strict request)
// carries the same warning.
func TestUntranslatedWordsWithApertium(t *testing.T) {
	engine, err := apertium.New(apertium.Options{URL: testenv.ApertiumURL(t)})
	if err != nil {
		t.Fatal(err)
	}
	svc := newTestService(t, withCache(cache.NewMemory(cache.MemoryOptions{})), withTranslator("apertium", engine))
	req := Request{Title: "Le budget d'IBM",
		Text: "Kim Jong-un a rencontré Vladimir Poutine à Vladivostok.\n\n" +
			"IBM s'est retrouvée cette année avec 220 milliards de dollars la deuxième plus grande firme technologique."}
	ctx := context.Background()

	check := func(what string, res *Result) {
		t.Helper()
		tr := res.Translation
		if !tr.Complete() {
			t.Errorf("%s: Complete() = false, want true: untranslated words are no failure", what)
		}
		if len(tr.Warnings) != 1 {
			t.Fatalf("%s: warnings = %+v, want one, for paragraph 1 (%q)", what, tr.Warnings, tr.Paragraphs)
		}
		w := tr.Warnings[0]
		if w.Paragraph != 1 || w.Code != checks.CheckUntranslatedWords || w.Check != checks.CheckUntranslatedWords {
			t.Errorf("%s: warning = %+v, want paragraph 1, code and check %s", what, w, checks.CheckUntranslatedWords)
		}
		if !strings.Contains(tr.Paragraphs[1], "millardos") || !strings.Contains(w.Message, `"millardos"`) {
			t.Errorf("%s: paragraph %q, warning %q: want the pivot's \"millardos\" named", what, tr.Paragraphs[1], w.Message)
		}
	}

	res, err := svc.Translate(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	check("first request", res)
	if res.Cache.Status != CacheMiss {
		t.Errorf("first request: cache %q, want %q", res.Cache.Status, CacheMiss)
	}
	replay, ok := res.Replay()
	if !ok {
		t.Fatal("a complete translation with an informational warning is not kept as a reply")
	}
	check("kept reply", replay)
	svc.Flush()

	again, err := svc.Translate(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if again.Cache.Status != CacheHit {
		t.Errorf("second request: cache %q, want %q: the paragraph with untranslated words was not cached", again.Cache.Status, CacheHit)
	}
	check("cache hit", again)

	req.Strict = true
	strict, err := svc.Translate(ctx, req)
	if err != nil {
		t.Fatalf("a strict request failed on an informational warning: %v", err)
	}
	check("strict request", strict)
}

// TestUntranslatedWordsLeaveSharedTranslations: the post-pass copies a
// translation it adds to, since a coalesced or published one is shared,
// and gives no second warning to a paragraph that failed.
func TestUntranslatedWordsLeaveSharedTranslations(t *testing.T) {
	p := plan{target: "en", hasTitle: true, segments: []string{"Titre", "Le gazoduc.", "Les milliards."}}
	failed := Warning{Paragraph: 1, Code: CodeOutputCheck, Check: "numbers", Message: "m"}
	tr := &Translation{Title: "Title", Paragraphs: []string{"The gazoduc.", "The millardos."}, Warnings: []Warning{failed}}
	got := withUntranslatedWords(p, tr)
	if got == tr {
		t.Fatal("the translation was changed in place")
	}
	if len(tr.Warnings) != 1 {
		t.Errorf("the shared translation's warnings became %+v", tr.Warnings)
	}
	if len(got.Warnings) != 2 || got.Warnings[0].Paragraph != 0 || got.Warnings[1] != failed {
		t.Errorf("warnings = %+v, want paragraph 0's untranslated words, then the failure of paragraph 1 alone", got.Warnings)
	}
	if got.Complete() {
		t.Error("Complete() = true with a failed paragraph")
	}
	p.passthrough = true
	if again := withUntranslatedWords(p, tr); again != tr {
		t.Error("an article returned as it was got warnings")
	}
}
