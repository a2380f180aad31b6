package relay

import "github.com/prometheus/client_golang/prometheus"

var descRelays = prometheus.NewDesc("argus_edge_relays",
	"Cameras relayed now, per gateway replica (gateway=\"\": the single gateway of relay.gateway).",
	[]string{"gateway"}, nil)

// Describe sends the Manager's metric descriptions.
func (m *Manager) Describe(ch chan<- *prometheus.Desc) { ch <- descRelays }

// Collect counts the running relays per gateway replica.
func (m *Manager) Collect(ch chan<- prometheus.Metric) {
	m.mu.Lock()
	n := map[string]int{}
	for k := range m.relays {
		n[k.gateway]++
	}
	m.mu.Unlock()
	for gw, c := range n {
		ch <- prometheus.MustNewConstMetric(descRelays, prometheus.GaugeValue, float64(c), gw)
	}
}
