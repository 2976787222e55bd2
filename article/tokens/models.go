package tokens

import "strings"

// For returns the token counter of a model. It never fails: a model it does
// not know is counted with cl100k_base, as an estimate (see Exact).
//
// OpenAI models count exactly: o200k_base for gpt-4o, chatgpt-4o, gpt-4.1,
// gpt-4.5, gpt-5, the o-series reasoning models (o1, o3, o4) and
// gpt-oss; cl100k_base for gpt-4 and gpt-3.5-turbo. Dated and suffixed
// names count as their family ("gpt-4o-mini-2024-07-18"), and so do names
// as routers and fine-tuning write them ("openai/gpt-4o", "ft:gpt-4o-mini:org::id",
// Ollama's "gpt-oss:20b"). Case does not matter.
//
// Other vendors' models (Llama, Mistral, Qwen, Claude, Gemini…) have
// tokenizers of their own, and so may an Azure deployment named freely:
// cl100k_base is only an estimate for them. It is close for Llama 3, whose
// vocabulary adds 28,000 tokens to cl100k_base's, and may be further off, in
// either direction, for the others: leave headroom in a budget built on it.
func For(model string) Counter {
	enc, _ := lookup(model)
	return enc
}

// Exact reports whether For(model) counts with the model's own tokenizer,
// false when its count is an estimate.
func Exact(model string) bool {
	_, exact := lookup(model)
	return exact
}

// families maps the names of OpenAI model families to their encoding. A name
// belongs to a family when it equals it or continues it after '-', '.', ':'
// or '@', so that "gpt-4" does not take "gpt-4o". Longer names come before
// the names they extend: "gpt-4.1" and "gpt-4o" before "gpt-4".
var families = []struct {
	name string
	enc  *encoding
}{
	{"gpt-4o", o200kBase},
	{"chatgpt-4o", o200kBase},
	{"gpt-4.1", o200kBase},
	{"gpt-4.5", o200kBase},
	{"gpt-5", o200kBase},
	{"gpt-oss", o200kBase}, // o200k_harmony: o200k_base with more special tokens
	{"o1", o200kBase},
	{"o3", o200kBase},
	{"o4", o200kBase},
	{"gpt-4", cl100kBase},
	{"gpt-3.5-turbo", cl100kBase},
	{"gpt-3.5", cl100kBase},
	{"gpt-35-turbo", cl100kBase}, // how Azure spells it
}

// lookup returns the encoding of model and whether it is the model's own.
func lookup(model string) (*encoding, bool) {
	name := strings.ToLower(strings.TrimSpace(model))
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		name = name[i+1:] // "openai/gpt-4o" on OpenRouter, "azure/gpt-4o"
	}
	name = strings.TrimPrefix(name, "ft:")
	for _, f := range families {
		rest, ok := strings.CutPrefix(name, f.name)
		if ok && (rest == "" || strings.ContainsRune("-.:@", rune(rest[0]))) {
			return f.enc, true
		}
	}
	return cl100kBase, false
}
