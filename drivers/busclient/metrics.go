package busclient

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/argus-edge/argus/drivers/spool"
)

// QueueStats counts what went through the client's on-disk queue.
type QueueStats = spool.Stats

// Stats is a snapshot of a Client's counters.
type Stats struct {
	QueueStats
	Connected bool
	Connects  uint64 // successful connections, the first included
	InFlight  int    // anomalies published and awaiting their PUBACK now
}

// Stats returns the client's counters now.
func (c *Client) Stats() Stats {
	return Stats{QueueStats: c.q.Stats(), Connected: c.Connected(), Connects: c.conn.count(), InFlight: int(c.inflight.Load())}
}

var (
	descQueued    = prometheus.NewDesc("argus_bus_anomalies_queued_total", "Anomalies appended to the on-disk queue.", nil, nil)
	descDelivered = prometheus.NewDesc("argus_bus_anomalies_delivered_total", "Anomalies the broker acknowledged.", nil, nil)
	descDropped   = prometheus.NewDesc("argus_bus_anomalies_dropped_total", "Oldest anomalies dropped because the queue reached its bound in anomalies or bytes.", nil, nil)
	descCorrupt   = prometheus.NewDesc("argus_bus_queue_corrupt_records_total", "Damaged or torn queue records skipped.", nil, nil)
	descDepth     = prometheus.NewDesc("argus_bus_queue_depth", "Anomalies waiting for the broker.", nil, nil)
	descBytes     = prometheus.NewDesc("argus_bus_queue_bytes", "Bytes of the anomalies waiting for the broker, as written on disk.", nil, nil)
	descConnected = prometheus.NewDesc("argus_bus_connected", "1 while connected to the broker.", nil, nil)
	descConnects  = prometheus.NewDesc("argus_bus_connects_total", "Connections made to the broker.", nil, nil)
	descInFlight  = prometheus.NewDesc("argus_bus_anomalies_in_flight", "Anomalies published and awaiting the broker's PUBACK.", nil, nil)
)

// Describe implements prometheus.Collector.
func (c *Client) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descQueued, descDelivered, descDropped, descCorrupt, descDepth, descBytes, descConnected, descConnects, descInFlight} {
		ch <- d
	}
}

// Collect implements prometheus.Collector: one snapshot per scrape.
func (c *Client) Collect(ch chan<- prometheus.Metric) {
	s := c.Stats()
	connected := 0.0
	if s.Connected {
		connected = 1
	}
	ch <- prometheus.MustNewConstMetric(descQueued, prometheus.CounterValue, float64(s.Queued))
	ch <- prometheus.MustNewConstMetric(descDelivered, prometheus.CounterValue, float64(s.Delivered))
	ch <- prometheus.MustNewConstMetric(descDropped, prometheus.CounterValue, float64(s.Dropped))
	ch <- prometheus.MustNewConstMetric(descCorrupt, prometheus.CounterValue, float64(s.Corrupt))
	ch <- prometheus.MustNewConstMetric(descDepth, prometheus.GaugeValue, float64(s.Depth))
	ch <- prometheus.MustNewConstMetric(descBytes, prometheus.GaugeValue, float64(s.Bytes))
	ch <- prometheus.MustNewConstMetric(descConnected, prometheus.GaugeValue, connected)
	ch <- prometheus.MustNewConstMetric(descConnects, prometheus.CounterValue, float64(s.Connects))
	ch <- prometheus.MustNewConstMetric(descInFlight, prometheus.GaugeValue, float64(s.InFlight))
}
