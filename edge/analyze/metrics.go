package analyze

import (
	"github.com/prometheus/client_golang/prometheus"
)

// Metrics exports the analysis' per-camera load to Prometheus, read from
// the workers at scrape time, so the frame path pays nothing for it and a
// removed camera's series vanish with it.
type Metrics struct{ m *Manager }

// NewMetrics returns a collector over m's cameras; register it once.
func NewMetrics(m *Manager) *Metrics { return &Metrics{m: m} }

var (
	camLabels = []string{"camera", "site"}

	descAnalysed = prometheus.NewDesc("argus_analysis_frames_total", "Frames run through the detectors.", camLabels, nil)
	descShed     = prometheus.NewDesc("argus_analysis_frames_shed_total",
		"Frames shed under overload, by reason: lag (skipped to the next keyframe), budget (analysed without the objects detector), queue_full (dropped by the hub), shadow (analysed without the shadow rule set's own detectors).",
		append(camLabels, "reason"), nil)
	descRate   = prometheus.NewDesc("argus_analysis_fps", "Effective analysis rate: frames analysed per second.", camLabels, nil)
	descLag    = prometheus.NewDesc("argus_analysis_lag_seconds", "How far behind its frames the camera's analysis is.", camLabels, nil)
	descCost   = prometheus.NewDesc("argus_analysis_detector_seconds_total", "Wall time the runs of a detector took.", append(camLabels, "detector"), nil)
	descRuns   = prometheus.NewDesc("argus_analysis_detector_runs_total", "Runs of a detector.", append(camLabels, "detector"), nil)
	descAllow  = prometheus.NewDesc("argus_analysis_objects_rate", "Objects detector runs per second the scheduler allows (absent: no limit).", camLabels, nil)
	descTier   = prometheus.NewDesc("argus_analysis_tier", "Priority of the camera for the objects detector: 0 urgent, 1 motion, 2 the rest.", camLabels, nil)
	descBudget = prometheus.NewDesc("argus_analysis_budget_cores", "Cores the analysis may use (0: no limit).", nil, nil)
	descBurst  = prometheus.NewDesc("argus_analysis_shedding", "1 while the edge sheds frames.", nil, nil)
	descDemand = prometheus.NewDesc("argus_analysis_demand_cores", "Cores the cameras' live analysis asks for, shed work included: above the budget, the edge is overloaded.", nil, nil)
	descShadow = prometheus.NewDesc("argus_analysis_shadow_demand_cores", "Cores the shadow rule sets' own detectors ask for, shed work included; they get only what live analysis leaves.", nil, nil)
)

// Describe implements prometheus.Collector.
func (x *Metrics) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descAnalysed, descShed, descRate, descLag, descCost, descRuns, descAllow, descTier, descBudget, descBurst, descDemand, descShadow} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (x *Metrics) Collect(ch chan<- prometheus.Metric) {
	sites := x.m.sites()
	for _, st := range x.m.Status() {
		l := []string{st.Camera, sites[st.Camera]}
		gauge := func(d *prometheus.Desc, v float64, extra ...string) {
			ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, append(l, extra...)...)
		}
		ch <- prometheus.MustNewConstMetric(descAnalysed, prometheus.CounterValue, float64(st.Analysed), l...)
		for _, r := range shedReasons {
			ch <- prometheus.MustNewConstMetric(descShed, prometheus.CounterValue, float64(st.Shed[r]), append(l, r)...)
		}
		gauge(descRate, st.AnalysisFPS)
		gauge(descLag, st.LagSeconds)
		gauge(descTier, float64(st.Tier))
		if st.ObjectsRate >= 0 {
			gauge(descAllow, st.ObjectsRate)
		}
		for d, c := range st.costs {
			ch <- prometheus.MustNewConstMetric(descCost, prometheus.CounterValue, c.seconds, append(l, d)...)
			ch <- prometheus.MustNewConstMetric(descRuns, prometheus.CounterValue, float64(c.runs), append(l, d)...)
		}
	}
	ch <- prometheus.MustNewConstMetric(descBudget, prometheus.GaugeValue, x.m.sched.cores)
	ch <- prometheus.MustNewConstMetric(descDemand, prometheus.GaugeValue, x.m.sched.demand())
	ch <- prometheus.MustNewConstMetric(descShadow, prometheus.GaugeValue, x.m.sched.shadowDemand())
	burst := 0.0
	if x.m.Shedding() {
		burst = 1
	}
	ch <- prometheus.MustNewConstMetric(descBurst, prometheus.GaugeValue, burst)
}
