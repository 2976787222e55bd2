package deepl

import (
	"bytes"
	"encoding/json"
)

// translateRequest is the JSON body of POST /v2/translate.
type translateRequest struct {
	Text                 []string `json:"text"`
	SourceLang           string   `json:"source_lang,omitempty"`
	TargetLang           string   `json:"target_lang"`
	Context              string   `json:"context,omitempty"`
	ShowBilledCharacters bool     `json:"show_billed_characters"`
	Formality            string   `json:"formality,omitempty"`
	ModelType            string   `json:"model_type,omitempty"`
	GlossaryID           string   `json:"glossary_id,omitempty"`
	TagHandling          string   `json:"tag_handling,omitempty"`
}

// encode returns v as the JSON DeepL receives: without HTML escaping, so that
// markup in HTML segments costs one byte a character, not six.
func encode(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// batch is a run of the texts to send, texts[start:end], in one request.
type batch struct{ start, end int }

// split packs texts into consecutive batches of at most maxTexts texts
// whose request body stays within maxBytes. base is the size of the body
// with an empty text list; sizes[i] is the encoded size of texts[i]. Every
// text must fit alone: base+sizes[i] <= maxBytes.
func split(base int, sizes []int, maxTexts, maxBytes int) []batch {
	var out []batch
	start, size := 0, base
	for i, n := range sizes {
		add := n
		if i > start {
			add++ // the comma before it
		}
		if i > start && (i-start == maxTexts || size+add > maxBytes) {
			out = append(out, batch{start, i})
			start, size, add = i, base, n
		}
		size += add
	}
	if start < len(sizes) {
		out = append(out, batch{start, len(sizes)})
	}
	return out
}
