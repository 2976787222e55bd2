package metrics

import "github.com/prometheus/client_golang/prometheus"

// ProviderState is one provider's breaker and recent error rate.
type ProviderState struct {
	Provider  string
	Breaker   string // closed, half-open or open
	ErrorRate float64
}

// providerStates collects the state of the providers at scrape time, so that
// it follows configuration reloads without registering anything again.
type providerStates struct {
	list    func() []ProviderState
	breaker *prometheus.Desc
	errors  *prometheus.Desc
}

// RegisterProviderStates exports, at each scrape, the breaker state (1 for
// the current state's series, 0 for the others) and the recent error rate
// of every provider list returns.
func (m *Metrics) RegisterProviderStates(list func() []ProviderState) error {
	return m.registry.Register(&providerStates{
		list: list,
		breaker: prometheus.NewDesc("passerelle_provider_breaker_state",
			"Circuit breaker state of each provider: 1 for its current state.", []string{"provider", "state"}, nil),
		errors: prometheus.NewDesc("passerelle_provider_recent_error_ratio",
			"Share of each provider's last 100 calls that failed.", []string{"provider"}, nil),
	})
}

func (c *providerStates) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.breaker
	ch <- c.errors
}

func (c *providerStates) Collect(ch chan<- prometheus.Metric) {
	for _, p := range c.list() {
		for _, state := range []string{"closed", "half-open", "open"} {
			v := 0.0
			if p.Breaker == state {
				v = 1
			}
			ch <- prometheus.MustNewConstMetric(c.breaker, prometheus.GaugeValue, v, p.Provider, state)
		}
		ch <- prometheus.MustNewConstMetric(c.errors, prometheus.GaugeValue, p.ErrorRate, p.Provider)
	}
}
