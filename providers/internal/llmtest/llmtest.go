// Package llmtest reads the user message of a translation as the LLM
// providers send it, for the fake servers of their tests, so that every
// provider's tests read the wire format the same way.
package llmtest

import (
	"encoding/json"
	"testing"

	"passerelle/providers"
)

// Translation is the user message of a translation as a server reads it:
// each segment's text, and the glossary that came with it (nil for none).
type Translation struct {
	SourceLang, TargetLang string
	Segments               []string
	Glossaries             []map[string]string
}

// ReadTranslation decodes user, the user message of a translation request;
// what does not decode is reported through t.
func ReadTranslation(t testing.TB, user string) Translation {
	t.Helper()
	var in struct {
		SourceLang string            `json:"source_lang"`
		TargetLang string            `json:"target_lang"`
		Segments   []json.RawMessage `json:"segments"`
	}
	if err := json.Unmarshal([]byte(user), &in); err != nil {
		t.Errorf("user message is not the JSON of a translation: %v: %q", err, user)
	}
	sent := Translation{SourceLang: in.SourceLang, TargetLang: in.TargetLang, Glossaries: make([]map[string]string, len(in.Segments))}
	for i, raw := range in.Segments {
		var text string
		if json.Unmarshal(raw, &text) != nil {
			var glossed providers.GlossedSegment
			if err := json.Unmarshal(raw, &glossed); err != nil {
				t.Errorf("segment %d is neither a string nor a text with its glossary: %s", i, raw)
			}
			text, sent.Glossaries[i] = glossed.Text, glossed.Glossary
		}
		sent.Segments = append(sent.Segments, text)
	}
	return sent
}
