package replay

import (
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/argus-edge/argus/drivers/bus"
)

// metrics are the edge's replay figures, argus_replay_*, kept from the
// reports a Runner's replays send.
type metrics struct {
	ended  *prometheus.CounterVec
	media  prometheus.Counter
	paused prometheus.Gauge
	active prometheus.Gauge

	mu   sync.Mutex
	seen map[string]float64 // media seconds reported so far, by replay
}

func newMetrics() *metrics {
	return &metrics{
		ended: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "argus_replays_total",
			Help: "Rule replays ended, by final state (done, failed, cancelled)."}, []string{"state"}),
		media: prometheus.NewCounter(prometheus.CounterOpts{Name: "argus_replay_media_seconds_total",
			Help: "Recorded media seconds replayed (its rate over the CPU's is the replay speed)."}),
		paused: prometheus.NewGauge(prometheus.GaugeOpts{Name: "argus_replay_paused",
			Help: "1 while the running replay yields to live cameras."}),
		active: prometheus.NewGauge(prometheus.GaugeOpts{Name: "argus_replay_running",
			Help: "1 while a replay runs (paused or not)."}),
		seen: map[string]float64{},
	}
}

// observe takes one report.
func (m *metrics) observe(r bus.ReplayReport) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if d := r.Media - m.seen[r.ID]; d > 0 {
		m.media.Add(d)
		m.seen[r.ID] = r.Media
	}
	m.paused.Set(0)
	if r.State == bus.ReplayPaused {
		m.paused.Set(1)
	}
	m.active.Set(1)
	if r.Final() {
		m.active.Set(0)
		m.ended.WithLabelValues(r.State).Inc()
		delete(m.seen, r.ID)
	}
}

func (m *metrics) all() []prometheus.Collector {
	return []prometheus.Collector{m.ended, m.media, m.paused, m.active}
}

// Describe implements prometheus.Collector.
func (r *Runner) Describe(ch chan<- *prometheus.Desc) {
	for _, c := range r.m.all() {
		c.Describe(ch)
	}
}

// Collect implements prometheus.Collector.
func (r *Runner) Collect(ch chan<- prometheus.Metric) {
	for _, c := range r.m.all() {
		c.Collect(ch)
	}
}
