package incidents

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/argus-edge/argus/gateway/store"
)

var (
	openedDesc = prometheus.NewDesc("argus_incidents_opened_total",
		"Incidents opened since start, by grouping rule.", []string{"rule"}, nil)
	heldDesc = prometheus.NewDesc("argus_incidents_held",
		"Incidents the grouping holds open for new members.", nil, nil)
	failedDesc = prometheus.NewDesc("argus_incidents_store_errors_total",
		"Incident changes the store refused (the anomalies themselves are stored).", nil, nil)
	droppedDesc = prometheus.NewDesc("argus_incidents_dropped_notifications_total",
		"Incident notifications slow listeners (event streams) missed (the changes told together count once).", nil, nil)
)

// rules are the grouping rules, for the metrics' labels.
var rules = []string{store.RuleRepeat, store.RuleFlapping, store.RuleArea, store.RuleOutage}

// Describe implements prometheus.Collector.
func (s *Service) Describe(ch chan<- *prometheus.Desc) {
	ch <- openedDesc
	ch <- heldDesc
	ch <- failedDesc
	ch <- droppedDesc
}

// Collect implements prometheus.Collector.
func (s *Service) Collect(ch chan<- prometheus.Metric) {
	for i, r := range rules {
		ch <- prometheus.MustNewConstMetric(openedDesc, prometheus.CounterValue, float64(s.opened[i].Load()), r)
	}
	ch <- prometheus.MustNewConstMetric(heldDesc, prometheus.GaugeValue, float64(s.Engine().Len()))
	ch <- prometheus.MustNewConstMetric(failedDesc, prometheus.CounterValue, float64(s.failed.Load()))
	ch <- prometheus.MustNewConstMetric(droppedDesc, prometheus.CounterValue, float64(s.hub.Dropped()))
}
