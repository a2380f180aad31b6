package api

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the API's Prometheus series; without a registerer they are kept but not exported.
type metrics struct {
	requests *prometheus.CounterVec
	sse      prometheus.Gauge
	drops    prometheus.Counter
	logins   *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "argus_api_requests_total",
			Help: "API calls by audit action and HTTP status."}, []string{"action", "status"}),
		sse: prometheus.NewGauge(prometheus.GaugeOpts{Name: "argus_api_event_clients",
			Help: "Console clients connected to /api/events."}),
		drops: prometheus.NewCounter(prometheus.CounterOpts{Name: "argus_api_event_clients_dropped_total",
			Help: "Event-stream clients dropped for lagging."}),
		logins: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "argus_api_logins_throttled_total",
			Help: "Login attempts refused before any password check, by reason."}, []string{"reason"}),
	}
	if reg != nil {
		reg.MustRegister(m.requests, m.sse, m.drops, m.logins)
	}
	return m
}

func (m *metrics) request(action string, status int) {
	m.requests.WithLabelValues(action, strconv.Itoa(status)).Inc()
}

func (m *metrics) clients(n int) { m.sse.Set(float64(n)) }
func (m *metrics) dropped(n int) { m.drops.Add(float64(n)) }
