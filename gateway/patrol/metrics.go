package patrol

import (
	"errors"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
)

// counters are the service's tallies since New.
type counters struct {
	telemetry, progress, rejected           atomic.Uint64
	launched, refused, edgeErrors           atomic.Uint64
	aborts, abortErrors, dispatches, noneTo atomic.Uint64
}

// launch counts one launch's outcome.
func (c *counters) launch(err error) {
	var ref *Refusal
	switch {
	case err == nil:
		c.launched.Add(1)
	case errors.As(err, &ref):
		c.refused.Add(1)
	case errors.Is(err, ErrEdge):
		c.edgeErrors.Add(1)
	}
}

var (
	descMessages = prometheus.NewDesc("argus_gateway_drone_messages_total", "Drone messages received from MQTT, by kind (telemetry, patrol).", []string{"kind"}, nil)
	descRejected = prometheus.NewDesc("argus_gateway_drone_messages_rejected_total", "Drone messages dropped as invalid (bad JSON, a drone or ids that do not match).", nil, nil)
	descLaunches = prometheus.NewDesc("argus_gateway_patrol_launches_total", "Patrol launches (verification flights included), by outcome: launched, refused (pre-flight or edge), edge_error (no answer).", []string{"outcome"}, nil)
	descAborts   = prometheus.NewDesc("argus_gateway_patrol_aborts_total", "Patrol aborts sent, by outcome: sent, error.", []string{"outcome"}, nil)
	descDispatch = prometheus.NewDesc("argus_gateway_auto_dispatches_total", "Fire or smoke anomalies auto_dispatch acted on, by outcome: launched, none (no drone could go).", []string{"outcome"}, nil)
	descDrones   = prometheus.NewDesc("argus_gateway_drones", "Drones known, by state.", []string{"state"}, nil)
	descDropped  = prometheus.NewDesc("argus_gateway_drone_events_dropped_total", "Drone events slow listeners missed.", nil, nil)
)

// Describe implements prometheus.Collector.
func (s *Service) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descMessages, descRejected, descLaunches, descAborts, descDispatch, descDrones, descDropped} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (s *Service) Collect(ch chan<- prometheus.Metric) {
	c := &s.stats
	counter := func(d *prometheus.Desc, v uint64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	counter(descMessages, c.telemetry.Load(), "telemetry")
	counter(descMessages, c.progress.Load(), "patrol")
	counter(descRejected, c.rejected.Load())
	counter(descLaunches, c.launched.Load(), "launched")
	counter(descLaunches, c.refused.Load(), "refused")
	counter(descLaunches, c.edgeErrors.Load(), "edge_error")
	counter(descAborts, c.aborts.Load(), "sent")
	counter(descAborts, c.abortErrors.Load(), "error")
	counter(descDispatch, c.dispatches.Load(), "launched")
	counter(descDispatch, c.noneTo.Load(), "none")
	counter(descDropped, s.events.Dropped())
	states := map[string]int{}
	s.mu.Lock()
	for _, d := range s.drones {
		states[d.tel.State]++
	}
	s.mu.Unlock()
	for st, n := range states {
		ch <- prometheus.MustNewConstMetric(descDrones, prometheus.GaugeValue, float64(n), st)
	}
}
