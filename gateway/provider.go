package gateway

import (
	"fmt"
	"slices"

	"passerelle/providers"
	"passerelle/providers/resilient"
)

// Provider is one configured provider, everything the gateway knows of it
// in one value: what it can do, how much it is given at once, whether it
// honours a glossary itself, how GET /v1/providers describes it, and why it
// is unavailable when it could not be built.
type Provider struct {
	Name string
	// Translator and Summarizer are what the provider does; nil for a task
	// it does not do, or when it could not be built.
	Translator providers.Translator
	Summarizer providers.Summarizer
	// Budget bounds the batches sent to it; a zero Max gets a generous
	// default.
	Budget Budget
	// SummaryBudget bounds the text its summarizer is given at once; a
	// longer text is summarized in parts, then the parts together. A zero
	// Max gives it the whole text.
	SummaryBudget Budget
	// GlossaryInPrompt is true when it honours a glossary itself (in its
	// prompt); the others get the terms protected by placeholders.
	GlossaryInPrompt bool
	// Unavailable says why it could not be built, for /readyz and GET
	// /v1/providers; "" when it was.
	Unavailable string

	// Type, Capabilities and Credentials describe it for GET /v1/providers.
	Type         string
	Capabilities Capabilities
	// Credentials is "present", "missing" or "not_needed".
	Credentials string
	// Health reports its breaker and recent calls; nil when it has none.
	Health func() resilient.Health
}

// Info returns how GET /v1/providers describes p.
func (p Provider) Info() ProviderInfo {
	return ProviderInfo{Name: p.Name, Type: p.Type, Capabilities: p.Capabilities, Credentials: p.Credentials,
		Available: p.Unavailable == "", Reason: p.Unavailable, Health: p.Health}
}

// fingerprint is everything of p that shapes a reply: its name, what it
// does and the fingerprints of both (model, prompt, options), its budgets
// and how it takes a glossary. What only describes it is left out.
func (p Provider) fingerprint() []string {
	translator, summarizer := "-", "-"
	if p.Translator != nil {
		translator = "+" + p.Translator.Fingerprint()
	}
	if p.Summarizer != nil {
		summarizer = "+" + p.Summarizer.Fingerprint()
	}
	return []string{"provider", p.Name, translator, summarizer,
		budgetFingerprint(p.Budget), budgetFingerprint(p.SummaryBudget), fmt.Sprint(p.GlossaryInPrompt)}
}

// budgetFingerprint names a budget by the bounds that decide how a text is
// cut (how many parts go at once does not); how it counts is named by the
// provider's own fingerprint (its model).
func budgetFingerprint(b Budget) string {
	return fmt.Sprintf("%d/%d/%d/%d/%t", b.Max, b.PerBatch, b.PerPiece, b.MaxPieces, b.Count != nil)
}

// ProviderInfo describes one configured provider, for GET /v1/providers.
type ProviderInfo struct {
	Name         string       `json:"name"`
	Type         string       `json:"type"`
	Capabilities Capabilities `json:"capabilities"`
	// Credentials is "present", "missing" or "not_needed".
	Credentials string `json:"credentials"`
	// Available is false when the provider could not be built; Reason says why.
	Available bool   `json:"available"`
	Reason    string `json:"reason,omitempty"`
	// Health reports the breaker and recent calls; nil when unavailable.
	Health func() resilient.Health `json:"-"`
}

// Capabilities says what a provider can do.
type Capabilities struct {
	Translate bool `json:"translate"`
	Summarize bool `json:"summarize"`
	HTML      bool `json:"html"`
	// VendorGlossary: the vendor applies a glossary itself (an LLM in
	// its prompt, DeepL through a glossary of its own).
	VendorGlossary bool `json:"glossary"`
}

// ProviderStatus is a ProviderInfo with where the routes use it and its
// current health.
type ProviderStatus struct {
	ProviderInfo
	Routes []string          `json:"routes"`
	Health *resilient.Health `json:"health,omitempty"`
}

// Providers returns the status of every configured provider, in
// configuration order.
func (s *Service) Providers() []ProviderStatus {
	out := make([]ProviderStatus, 0, len(s.providers))
	for _, p := range s.providers {
		info := p.Info()
		st := ProviderStatus{ProviderInfo: info, Routes: []string{}}
		for i, name := range s.translation.Chain {
			if name == info.Name {
				st.Routes = append(st.Routes, routeRole("translation", i))
			}
		}
		for i, name := range s.summarizing.Chain {
			if name == info.Name {
				st.Routes = append(st.Routes, routeRole("summarization", i))
			}
		}
		if slices.Contains(s.translation.AllowOverride, info.Name) || slices.Contains(s.summarizing.AllowOverride, info.Name) {
			st.Routes = append(st.Routes, "request_override")
		}
		if info.Health != nil {
			h := info.Health()
			st.Health = &h
		}
		out = append(out, st)
	}
	return out
}

func routeRole(task string, position int) string {
	if position == 0 {
		return task + ":primary"
	}
	return task + ":fallback"
}

// provider returns the configured provider of that name.
func (s *Service) provider(name string) (*Provider, bool) {
	p, ok := s.byName[name]
	return p, ok
}

// translator returns the translator of that name, nil when none is built.
func (s *Service) translator(name string) providers.Translator {
	if p, ok := s.byName[name]; ok {
		return p.Translator
	}
	return nil
}

// summarizer returns the summarizer of that name, nil when none is built.
func (s *Service) summarizer(name string) providers.Summarizer {
	if p, ok := s.byName[name]; ok {
		return p.Summarizer
	}
	return nil
}
