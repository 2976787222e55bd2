package gateway

import (
	"context"
	"strings"
	"sync"
	"testing"

	"passerelle/article/language"
	"passerelle/cache"
	"passerelle/providers"
)

// answering translates each segment with a function of the segment and of
// how many calls it has had, to script misbehaving models.
type answering struct {
	name   string
	answer func(call int, segment string) string
	mu     sync.Mutex
	calls  int
}

func (a *answering) Fingerprint() string { return "answering|" + a.name }

func (a *answering) Translate(ctx context.Context, req providers.TranslateRequest) (providers.TranslateResult, error) {
	a.mu.Lock()
	a.calls++
	call := a.calls
	a.mu.Unlock()
	out := make([]string, len(req.Segments))
	for i, seg := range req.Segments {
		out[i] = a.answer(call, seg)
	}
	return providers.TranslateResult{Translations: out, Model: a.name}, nil
}

var faithful = map[string]string{
	"Le président russe a rencontré le dirigeant nord-coréen jeudi à Vladivostok, dans l'Extrême-Orient russe.": "The Russian president met the North Korean leader on Thursday in Vladivostok, in the Russian Far East.",
	"Kim Jong-un a dit s'attendre à « un dialogue significatif » avec le président russe.":                      "Kim Jong-un said he expected « un dialogue significatif » with the Russian president.",
}

const checkedArticle = "Le président russe a rencontré le dirigeant nord-coréen jeudi à Vladivostok, dans l'Extrême-Orient russe.\n\nKim Jong-un a dit s'attendre à « un dialogue significatif » avec le président russe."

func checkedService(t *testing.T, primary, fallback *answering) *Service {
	t.Helper()
	options := []option{withCache(cache.NewMemory(cache.MemoryOptions{})), withTranslator("primary", primary),
		withDetector(language.NewDetector(language.Options{}))}
	if fallback != nil {
		options = append(options, withTranslator("fallback", fallback))
	}
	return newTestService(t, options...)
}

func TestOutputChecks(t *testing.T) {
	good := func(_ int, seg string) string { return faithful[seg] }
	tests := []struct {
		name         string
		primary      func(call int, seg string) string
		fallback     func(call int, seg string) string
		wantCode     string
		wantProvider string
		wantCalls    int // primary calls
	}{
		{name: "faithful output passes", primary: good, wantProvider: "primary", wantCalls: 1},
		{name: "a label is repaired, not failed",
			primary: func(_ int, seg string) string { return "Translation: " + faithful[seg] }, wantProvider: "primary", wantCalls: 1},
		{name: "an obeyed injection is retried alone and then accepted",
			primary: func(call int, seg string) string {
				if call == 1 {
					return "PWNED"
				}
				return faithful[seg]
			}, wantProvider: "primary", wantCalls: 3},
		{name: "a model that keeps refusing goes to the fallback",
			primary:  func(int, string) string { return "I'm sorry, but I can't help with that request." },
			fallback: good, wantProvider: "fallback", wantCalls: 3},
		{name: "French left in French fails everywhere",
			primary: func(_ int, seg string) string { return seg }, fallback: func(_ int, seg string) string { return seg },
			wantCode: CodeOutputCheck, wantCalls: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			primary := &answering{name: "primary", answer: tt.primary}
			var fallback *answering
			if tt.fallback != nil {
				fallback = &answering{name: "fallback", answer: tt.fallback}
			}
			res, err := checkedService(t, primary, fallback).Translate(context.Background(), Request{Text: checkedArticle})
			if tt.wantCode != "" {
				if got := ErrorCode(err); got != tt.wantCode {
					t.Fatalf("code = %q (%v), want %q", got, err, tt.wantCode)
				}
				if msg := ErrorMessage(err); !strings.Contains(msg, "output check untranslated") && !strings.Contains(msg, "output check wrong_language") {
					t.Errorf("message %q does not name the check", ErrorMessage(err))
				}
			} else {
				if err != nil {
					t.Fatal(err)
				}
				if res.Translation.Provider != tt.wantProvider {
					t.Errorf("provider = %q, want %q", res.Translation.Provider, tt.wantProvider)
				}
				want := `Kim Jong-un said he expected "un dialogue significatif" with the Russian president.`
				if got := res.Translation.Paragraphs[1]; got != want {
					t.Errorf("paragraph = %q, want %q (English quotes)", got, want)
				}
			}
			if primary.calls != tt.wantCalls {
				t.Errorf("primary calls = %d, want %d", primary.calls, tt.wantCalls)
			}
		})
	}
}

// TestFrenchNumbersBecomeEnglish: a number an engine left in French style
// ("12,5", "12 000") comes back in English style, as the source wrote it.
func TestFrenchNumbersBecomeEnglish(t *testing.T) {
	src := "La ville de 12\u00a0000 habitants a voté un budget de 12,5 millions d'euros, en hausse de 3,5 %."
	engine := &answering{name: "primary", answer: func(int, string) string {
		return "The city of 12 000 inhabitants has voted a budget of 12,5 million euros, up 3,5 %."
	}}
	res, err := checkedService(t, engine, nil).Translate(context.Background(), Request{Text: src})
	if err != nil {
		t.Fatal(err)
	}
	want := "The city of 12,000 inhabitants has voted a budget of 12.5 million euros, up 3.5%."
	if got := res.Translation.Paragraphs[0]; got != want {
		t.Errorf("paragraph = %q, want %q", got, want)
	}
}
