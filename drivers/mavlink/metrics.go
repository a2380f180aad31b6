package mavlink

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/argus-edge/argus/drivers/bus"
)

var (
	descFrames      = prometheus.NewDesc("argus_mavlink_frames_total", "Valid MAVLink frames received on the node's links.", nil, nil)
	descParseErrors = prometheus.NewDesc("argus_mavlink_parse_errors_total", "Corrupt, unknown or truncated MAVLink frames dropped.", nil, nil)
	descRejected    = prometheus.NewDesc("argus_mavlink_unsigned_frames_total", "MAVLink frames a signing node dropped before any vehicle saw them, by reason (unsigned, wrong_key, replayed).", []string{"reason"}, nil)
	descVehicles    = prometheus.NewDesc("argus_mavlink_vehicles", "Vehicles known to the node, by link state (up, link_lost, none).", []string{"link"}, nil)
)

// Describe implements prometheus.Collector.
func (n *Node) Describe(ch chan<- *prometheus.Desc) {
	ch <- descFrames
	ch <- descParseErrors
	ch <- descRejected
	ch <- descVehicles
}

// Collect implements prometheus.Collector: one snapshot per scrape.
func (n *Node) Collect(ch chan<- prometheus.Metric) {
	s := n.Stats()
	ch <- prometheus.MustNewConstMetric(descFrames, prometheus.CounterValue, float64(s.Frames))
	ch <- prometheus.MustNewConstMetric(descParseErrors, prometheus.CounterValue, float64(s.ParseErrors))
	for reason, c := range s.Rejected {
		ch <- prometheus.MustNewConstMetric(descRejected, prometheus.CounterValue, float64(c), reason)
	}
	counts := map[string]int{bus.LinkUp: 0, bus.LinkLost: 0, bus.LinkNone: 0}
	for _, v := range n.all() {
		counts[v.State().Link]++
	}
	for link, c := range counts {
		ch <- prometheus.MustNewConstMetric(descVehicles, prometheus.GaugeValue, float64(c), link)
	}
}
