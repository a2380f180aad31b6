package record

import "github.com/prometheus/client_golang/prometheus"

// metrics are the recorder's counters, argus_record_*.
type metrics struct {
	segments, clips, patrols, written, deleted, errors, eventsLost prometheus.Counter
}

func newMetrics() metrics {
	c := func(name, help string) prometheus.Counter {
		return prometheus.NewCounter(prometheus.CounterOpts{Name: "argus_record_" + name, Help: help})
	}
	return metrics{
		segments:   c("segments_total", "Continuous segments closed and indexed."),
		clips:      c("clips_total", "Event clips closed and indexed."),
		patrols:    c("patrol_files_total", "Drone patrol video files closed and indexed."),
		written:    c("written_bytes_total", "Bytes of closed recordings and clips."),
		deleted:    c("deleted_total", "Recordings and clips deleted by age or quota."),
		errors:     c("write_errors_total", "Failed recording writes (a full disk); the fragment is lost, ingest goes on."),
		eventsLost: c("events_lost_total", "Anomaly events a camera's recorder had no room for."),
	}
}

var diskBytes = prometheus.NewDesc("argus_record_disk_bytes", "Bytes the edge's recordings and clips take on disk.", nil, nil)

// Describe implements prometheus.Collector.
func (r *Recorder) Describe(ch chan<- *prometheus.Desc) {
	for _, c := range r.m.all() {
		c.Describe(ch)
	}
	ch <- diskBytes
}

// Collect implements prometheus.Collector.
func (r *Recorder) Collect(ch chan<- prometheus.Metric) {
	for _, c := range r.m.all() {
		c.Collect(ch)
	}
	ch <- prometheus.MustNewConstMetric(diskBytes, prometheus.GaugeValue, float64(r.ix.bytes()))
}

func (m metrics) all() []prometheus.Counter {
	return []prometheus.Counter{m.segments, m.clips, m.patrols, m.written, m.deleted, m.errors, m.eventsLost}
}
