package directory

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/argus-edge/argus/drivers/bus"
)

var (
	descCameras = prometheus.NewDesc("argus_gateway_cameras", "Cameras with a retained status, by state.", []string{"state"}, nil)
	descEdges   = prometheus.NewDesc("argus_gateway_edges", "Edges with a retained status, by state.", []string{"state"}, nil)
	descDropped = prometheus.NewDesc("argus_gateway_directory_events_dropped_total", "Directory changes dropped for slow listeners.", nil, nil)
	descStale   = prometheus.NewDesc("argus_gateway_camera_statuses_stale_total", "Camera statuses dropped as not from the camera's current owner (fleet).", nil, nil)
)

// Describe implements prometheus.Collector.
func (d *Directory) Describe(ch chan<- *prometheus.Desc) {
	ch <- descCameras
	ch <- descEdges
	ch <- descDropped
	ch <- descStale
}

// Collect implements prometheus.Collector: counts taken at scrape time.
func (d *Directory) Collect(ch chan<- prometheus.Metric) {
	cams, edges := map[string]int{}, map[string]int{}
	d.mu.RLock()
	for _, e := range d.catalog.entries {
		cams[stateLabel(e.state)]++
	}
	for _, e := range d.edges {
		edges[stateLabel(e.State)]++
	}
	d.mu.RUnlock()
	for state, n := range cams {
		ch <- prometheus.MustNewConstMetric(descCameras, prometheus.GaugeValue, float64(n), state)
	}
	for state, n := range edges {
		ch <- prometheus.MustNewConstMetric(descEdges, prometheus.GaugeValue, float64(n), state)
	}
	ch <- prometheus.MustNewConstMetric(descDropped, prometheus.CounterValue, float64(d.DroppedEvents()))
	ch <- prometheus.MustNewConstMetric(descStale, prometheus.CounterValue, float64(d.Stale()))
}

// stateLabel keeps the label's values few whatever an edge reports.
func stateLabel(s string) string {
	switch s {
	case bus.Online, bus.Offline, bus.Connecting, bus.Disabled:
		return s
	}
	return "other"
}
