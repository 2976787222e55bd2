package main

import (
	"context"
	"net/http/httptest"
	"testing"

	"passerelle/prompts"
	"passerelle/providers"
	"passerelle/providers/openai"
)

// TestStandInSpeaksOpenAI: the gateway's own OpenAI client translates
// through the stand-in, fast and delayed, and the stand-in bills what it was
// sent.
func TestStandInSpeaksOpenAI(t *testing.T) {
	s := &standIn{}
	srv := httptest.NewServer(s)
	defer srv.Close()
	set, err := prompts.Load("")
	if err != nil {
		t.Fatal(err)
	}
	segments := []string{"Le sommet s’est achevé jeudi 25 avril.", "Aucun accord n’est prévu."}
	for _, base := range []string{srv.URL + "/v1", srv.URL + "/delay/10/v1"} {
		t.Run(base, func(t *testing.T) {
			p, err := openai.New(openai.Options{BaseURL: base, APIKey: "sk-test", Model: standinModel}, set)
			if err != nil {
				t.Fatal(err)
			}
			if err := p.Ping(context.Background()); err != nil {
				t.Errorf("Ping: %v", err)
			}
			before := s.usage()
			s.countTokens.Store(true)
			res, err := p.Translate(context.Background(), providers.TranslateRequest{SourceLang: "fr", TargetLang: "en", Segments: segments})
			if err != nil {
				t.Fatalf("Translate: %v", err)
			}
			for i, got := range res.Translations {
				if want := pseudoTranslate(segments[i]); got != want {
					t.Errorf("translation %d = %q, want %q", i, got, want)
				}
			}
			u := s.usage().since(before)
			if want := int64(characters(segments...)); u.calls != 1 || u.characters != want {
				t.Errorf("billed %d calls, %d characters; want 1 call, %d characters", u.calls, u.characters, want)
			}
			if u.tokens <= 0 || int64(res.Usage.PromptTokens) != u.tokens {
				t.Errorf("prompt tokens: stand-in counted %d, reported %d; want the same, above 0", u.tokens, res.Usage.PromptTokens)
			}
		})
	}
}
