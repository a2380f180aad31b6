package fleet

import "github.com/prometheus/client_golang/prometheus"

var (
	descLeading    = prometheus.NewDesc("argus_fleet_assigner_leading", "1 while this gateway replica holds the assigner lease.", nil, nil)
	descRounds     = prometheus.NewDesc("argus_fleet_placements_total", "Placements computed and written while leading.", nil, nil)
	descMoves      = prometheus.NewDesc("argus_fleet_moves_total", "Cameras and drones given to a new edge.", nil, nil)
	descTimeouts   = prometheus.NewDesc("argus_fleet_release_timeouts_total", "Moves made without the old edge confirming its release in time.", nil, nil)
	descLiveEdges  = prometheus.NewDesc("argus_fleet_live_edges", "Edges with a live heartbeat, as the assigner sees them.", nil, nil)
	descDuplicates = prometheus.NewDesc("argus_fleet_duplicate_edges_total", "Times two live processes were seen beating under one edge id.", nil, nil)
	descFenced     = prometheus.NewDesc("argus_fleet_agent_fenced", "1 while the edge is fenced: cut off from the backbone, every pull stopped.", nil, nil)
	descFences     = prometheus.NewDesc("argus_fleet_agent_fences_total", "Times the edge fenced itself.", nil, nil)
	descEpoch      = prometheus.NewDesc("argus_fleet_agent_epoch", "Revision of the assignment the edge applies.", nil, nil)
	descBeatErrors = prometheus.NewDesc("argus_fleet_agent_heartbeat_failures_total", "Heartbeats the backbone did not acknowledge.", nil, nil)
)

// Describe implements prometheus.Collector.
func (a *Assigner) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descLeading, descRounds, descMoves, descTimeouts, descLiveEdges, descDuplicates} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (a *Assigner) Collect(ch chan<- prometheus.Metric) {
	leading := 0.0
	if a.Leading() {
		leading = 1
	}
	a.mu.Lock()
	live := len(a.edges)
	a.mu.Unlock()
	ch <- prometheus.MustNewConstMetric(descLeading, prometheus.GaugeValue, leading)
	ch <- prometheus.MustNewConstMetric(descRounds, prometheus.CounterValue, float64(a.rounds.Load()))
	ch <- prometheus.MustNewConstMetric(descMoves, prometheus.CounterValue, float64(a.moves.Load()))
	ch <- prometheus.MustNewConstMetric(descTimeouts, prometheus.CounterValue, float64(a.timeouts.Load()))
	ch <- prometheus.MustNewConstMetric(descLiveEdges, prometheus.GaugeValue, float64(live))
	ch <- prometheus.MustNewConstMetric(descDuplicates, prometheus.CounterValue, float64(a.duplicates.Load()))
}

// Describe implements prometheus.Collector.
func (a *Agent) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descFenced, descFences, descEpoch, descBeatErrors} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (a *Agent) Collect(ch chan<- prometheus.Metric) {
	a.mu.Lock()
	fenced, fences, epoch, beatErrors := a.fenced, a.fences, a.applied, a.beatErrors
	a.mu.Unlock()
	f := 0.0
	if fenced {
		f = 1
	}
	ch <- prometheus.MustNewConstMetric(descFenced, prometheus.GaugeValue, f)
	ch <- prometheus.MustNewConstMetric(descFences, prometheus.CounterValue, float64(fences))
	ch <- prometheus.MustNewConstMetric(descEpoch, prometheus.GaugeValue, float64(epoch))
	ch <- prometheus.MustNewConstMetric(descBeatErrors, prometheus.CounterValue, float64(beatErrors))
}
