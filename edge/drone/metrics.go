package drone

import (
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/argus-edge/argus/drivers/bus"
)

// stats counts patrols by how they ended, and those followed on after a
// restart.
type stats struct {
	mu       sync.Mutex
	outcomes map[string]uint64
	resumed  uint64
}

func newStats() *stats {
	s := &stats{outcomes: map[string]uint64{}}
	for _, o := range []string{bus.PatrolCompleted, bus.PatrolAborted, bus.PatrolRefused, bus.PatrolFailed} {
		s.outcomes[o] = 0 // every outcome shows from the first scrape
	}
	return s
}

// ended counts a patrol that ended in state.
func (s *stats) ended(state string) {
	s.mu.Lock()
	s.outcomes[state]++
	s.mu.Unlock()
}

// resume counts a patrol from before the edge's start followed on.
func (s *stats) resume() {
	s.mu.Lock()
	s.resumed++
	s.mu.Unlock()
}

// Outcomes returns how many patrols ended in each of completed, aborted,
// refused and failed since the edge started.
func (m *Manager) Outcomes() map[string]uint64 {
	m.stats.mu.Lock()
	defer m.stats.mu.Unlock()
	out := make(map[string]uint64, len(m.stats.outcomes))
	for k, v := range m.stats.outcomes {
		out[k] = v
	}
	return out
}

var (
	descDrones  = prometheus.NewDesc("argus_drones", "Drones of this edge by the state of their MAVLink link.", []string{"link"}, nil)
	descPatrols = prometheus.NewDesc("argus_drone_patrols_total", "Patrols ended, by outcome.", []string{"outcome"}, nil)
	descResumed = prometheus.NewDesc("argus_drone_patrols_resumed_total", "Patrols under way when the edge started (it had stopped mid-flight), followed on to their end.", nil, nil)
	descAge     = prometheus.NewDesc("argus_drone_telemetry_age_seconds", "Seconds since the drone's state last changed on its link (absent until first heard).", []string{"drone"}, nil)
)

// Describe implements prometheus.Collector, the MAVLink node's metrics
// (frames, parse errors) included.
func (m *Manager) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descDrones, descPatrols, descResumed, descAge} {
		ch <- d
	}
	m.node.Describe(ch)
}

// Collect implements prometheus.Collector: one look at every drone.
func (m *Manager) Collect(ch chan<- prometheus.Metric) {
	m.node.Collect(ch)
	links := map[string]float64{bus.LinkUp: 0, bus.LinkLost: 0, bus.LinkNone: 0}
	now := time.Now()
	for _, id := range m.ids {
		st := m.units[id].v.State()
		links[st.Link]++
		if !st.Updated.IsZero() {
			ch <- prometheus.MustNewConstMetric(descAge, prometheus.GaugeValue, now.Sub(st.Updated).Seconds(), id)
		}
	}
	for l, n := range links {
		ch <- prometheus.MustNewConstMetric(descDrones, prometheus.GaugeValue, n, l)
	}
	for o, n := range m.Outcomes() {
		ch <- prometheus.MustNewConstMetric(descPatrols, prometheus.CounterValue, float64(n), o)
	}
	m.stats.mu.Lock()
	resumed := m.stats.resumed
	m.stats.mu.Unlock()
	ch <- prometheus.MustNewConstMetric(descResumed, prometheus.CounterValue, float64(resumed))
}
