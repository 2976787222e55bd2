package metrics

import "github.com/prometheus/client_golang/prometheus"

// AdmissionState is what the process has taken on, read at scrape time:
// its budget of bytes of work in flight and its connections.
type AdmissionState struct {
	InflightBytes, InflightLimit int64
	// BudgetRefused counts the requests refused 503 overloaded for want
	// of room in the budget.
	BudgetRefused int64
	// Connections held by the main server and by the overflow path.
	MainConnections, OverflowConnections int
	// Overflowed counts the connections sent to the overflow path;
	// Closed, those closed by the listener, by reason: "silent" (held a
	// slot without a byte), "overflow_full" (closed to make room there),
	// "turned_away" (closed as they came).
	Overflowed int64
	Closed     map[string]int64
}

// admission collects an AdmissionState at scrape time.
type admission struct {
	state                                      func() AdmissionState
	inflight, limit, refused, conns, over, cut *prometheus.Desc
}

// RegisterAdmission exports, at each scrape, what state returns: the bytes
// of work in flight and their bound, the requests the budget refused, the
// connections held, sent to the overflow path and closed.
func (m *Metrics) RegisterAdmission(state func() AdmissionState) error {
	return m.registry.Register(&admission{
		state: state,
		inflight: prometheus.NewDesc("passerelle_inflight_bytes",
			"Bytes of work in flight reserved from the budget (server.max_inflight_bytes).", nil, nil),
		limit: prometheus.NewDesc("passerelle_inflight_limit_bytes",
			"The budget of bytes of work in flight.", nil, nil),
		refused: prometheus.NewDesc("passerelle_inflight_refused_total",
			"Requests refused 503 overloaded because the budget of work in flight was full.", nil, nil),
		conns: prometheus.NewDesc("passerelle_connections",
			"Connections held now, by the main server and by the overflow path.", []string{"server"}, nil),
		over: prometheus.NewDesc("passerelle_connections_overflowed_total",
			"Connections sent to the overflow path because server.max_connections were held.", nil, nil),
		cut: prometheus.NewDesc("passerelle_connections_closed_total",
			"Connections the listener closed: silent (held a slot without a byte), overflow_full (to make room there), turned_away (as they came).", []string{"reason"}, nil),
	})
}

func (a *admission) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{a.inflight, a.limit, a.refused, a.conns, a.over, a.cut} {
		ch <- d
	}
}

func (a *admission) Collect(ch chan<- prometheus.Metric) {
	s := a.state()
	ch <- prometheus.MustNewConstMetric(a.inflight, prometheus.GaugeValue, float64(s.InflightBytes))
	ch <- prometheus.MustNewConstMetric(a.limit, prometheus.GaugeValue, float64(s.InflightLimit))
	ch <- prometheus.MustNewConstMetric(a.refused, prometheus.CounterValue, float64(s.BudgetRefused))
	ch <- prometheus.MustNewConstMetric(a.conns, prometheus.GaugeValue, float64(s.MainConnections), "main")
	ch <- prometheus.MustNewConstMetric(a.conns, prometheus.GaugeValue, float64(s.OverflowConnections), "overflow")
	ch <- prometheus.MustNewConstMetric(a.over, prometheus.CounterValue, float64(s.Overflowed))
	for _, reason := range []string{"silent", "overflow_full", "turned_away"} {
		ch <- prometheus.MustNewConstMetric(a.cut, prometheus.CounterValue, float64(s.Closed[reason]), reason)
	}
}
