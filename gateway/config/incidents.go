package config

import (
	"time"

	"github.com/argus-edge/argus/configs/strict"
	"github.com/argus-edge/argus/gateway/incidents"
)

// IncidentsFile configures how anomalies group into incidents
// (gateway/incidents.Rules, which documents each rule); an absent field
// takes incidents.DefaultRules' value.
type IncidentsFile struct {
	Window        *strict.Duration `yaml:"window"`
	FlapCount     *int             `yaml:"flap_count"`
	FlapWindow    *strict.Duration `yaml:"flap_window"`
	StableAfter   *strict.Duration `yaml:"stable_after"`
	AreaDistanceM *float64         `yaml:"area_distance_m"`
	AreaWindow    *strict.Duration `yaml:"area_window"`
	OutageCameras *int             `yaml:"outage_cameras"`
	OutageWindow  *strict.Duration `yaml:"outage_window"`
	SpreadCameras *int             `yaml:"spread_cameras"`
	LongAfter     *strict.Duration `yaml:"long_after"`
}

// parseIncidents checks the incidents section: durations of at least a
// second, counts and the distance above zero.
func parseIncidents(ps *strict.Problems, f IncidentsFile) incidents.Rules {
	r := incidents.DefaultRules
	for _, d := range []struct {
		field string
		v     *strict.Duration
		dst   *time.Duration
	}{{"incidents.window", f.Window, &r.Window}, {"incidents.flap_window", f.FlapWindow, &r.FlapWindow},
		{"incidents.stable_after", f.StableAfter, &r.StableAfter}, {"incidents.area_window", f.AreaWindow, &r.AreaWindow},
		{"incidents.outage_window", f.OutageWindow, &r.OutageWindow}, {"incidents.long_after", f.LongAfter, &r.LongAfter}} {
		if d.v == nil {
			continue
		}
		if d.v.D() < time.Second {
			ps.Addf(d.field, "%s: want a duration of at least 1s", d.v)
		}
		*d.dst = d.v.D()
	}
	if f.StableAfter == nil && f.FlapWindow != nil {
		r.StableAfter = r.FlapWindow // stable_after defaults to the flap window
	}
	for _, n := range []struct {
		field string
		v     *int
		dst   *int
	}{{"incidents.flap_count", f.FlapCount, &r.FlapCount}, {"incidents.outage_cameras", f.OutageCameras, &r.OutageCameras},
		{"incidents.spread_cameras", f.SpreadCameras, &r.SpreadCameras}} {
		if n.v == nil {
			continue
		}
		if *n.v < 1 {
			ps.Addf(n.field, "%d: want 1 or more", *n.v)
		}
		*n.dst = *n.v
	}
	if f.AreaDistanceM != nil {
		if *f.AreaDistanceM <= 0 || *f.AreaDistanceM > 100000 {
			ps.Addf("incidents.area_distance_m", "%g: want metres above 0, at most 100000", *f.AreaDistanceM)
		}
		r.AreaDistance = *f.AreaDistanceM
	}
	return r
}
