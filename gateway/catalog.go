package gateway

import (
	"slices"

	"passerelle/providers/resilient"
)

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
	Glossary  bool `json:"glossary"`
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
	out := make([]ProviderStatus, 0, len(s.catalog))
	for _, info := range s.catalog {
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
