package alerts

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// ingestMetrics are the batched ingest's histograms (argus_ingest_*).
type ingestMetrics struct {
	size, write, latency prometheus.Histogram
	ingested             prometheus.Counter
}

func newIngestMetrics() *ingestMetrics {
	return &ingestMetrics{
		size: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "argus_ingest_batch_size",
			Help:    "Anomalies written to the store in one transaction.",
			Buckets: []float64{1, 2, 5, 10, 20, 50, 100, 200, 500, 1000}}),
		write: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "argus_ingest_batch_seconds",
			Help:    "Time to write one batch of anomalies to the store (commit included).",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14)}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "argus_ingest_latency_seconds",
			Help:    "An anomaly's time from its arrival from MQTT to its acknowledgement (stored, grouped, told).",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16)}),
		ingested: prometheus.NewCounter(prometheus.CounterOpts{Name: "argus_ingest_anomalies_total",
			Help: "Anomalies written through the batched ingest and acknowledged (rate() is the ingest rate)."}),
	}
}

// batch records one stored batch.
func (m *ingestMetrics) batch(n int, took time.Duration) {
	m.size.Observe(float64(n))
	m.write.Observe(took.Seconds())
}

// acked records the latency of every anomaly of an acknowledged batch.
func (m *ingestMetrics) acked(batch []queued, now time.Time) {
	for _, q := range batch {
		m.latency.Observe(now.Sub(q.at).Seconds())
	}
	m.ingested.Add(float64(len(batch)))
}

func (m *ingestMetrics) collectors() []prometheus.Collector {
	return []prometheus.Collector{m.size, m.write, m.latency, m.ingested}
}

var (
	descQueueDepth = prometheus.NewDesc("argus_ingest_queue_depth", "Anomalies received from MQTT and waiting for the store.", nil, nil)
	descQueueCap   = prometheus.NewDesc("argus_ingest_queue_capacity", "The ingest queue's bound: when full, the gateway stops reading from the broker.", nil, nil)
	descQueuePeak  = prometheus.NewDesc("argus_ingest_queue_peak", "The deepest the ingest queue has been since start.", nil, nil)
	descQueueFull  = prometheus.NewDesc("argus_ingest_queue_full_total", "Anomalies that found the ingest queue full and held the broker back.", nil, nil)
	descBursts     = prometheus.NewDesc("argus_ingest_bursts_total", "Bursts that filled the ingest queue (each logged once).", nil, nil)
)

// describeIngest and collectIngest add the ingest's metrics to the Alerts' collector.
func (a *Alerts) describeIngest(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descQueueDepth, descQueueCap, descQueuePeak, descQueueFull, descBursts} {
		ch <- d
	}
	for _, c := range a.metrics.collectors() {
		c.Describe(ch)
	}
}

func (a *Alerts) collectIngest(ch chan<- prometheus.Metric) {
	ch <- prometheus.MustNewConstMetric(descQueueDepth, prometheus.GaugeValue, float64(len(a.queue)))
	ch <- prometheus.MustNewConstMetric(descQueueCap, prometheus.GaugeValue, float64(cap(a.queue)))
	ch <- prometheus.MustNewConstMetric(descQueuePeak, prometheus.GaugeValue, float64(a.stats.queuePeak.Load()))
	ch <- prometheus.MustNewConstMetric(descQueueFull, prometheus.CounterValue, float64(a.stats.queueFull.Load()))
	ch <- prometheus.MustNewConstMetric(descBursts, prometheus.CounterValue, float64(a.stats.bursts.Load()))
	for _, c := range a.metrics.collectors() {
		c.Collect(ch)
	}
}
