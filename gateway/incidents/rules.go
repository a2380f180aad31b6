package incidents

import (
	"fmt"
	"time"
)

// Rules configure the grouping. The zero value of a field takes its
// default (DefaultRules).
type Rules struct {
	// Window: an anomaly of the same kind on the same camera within this
	// long after the incident's last event joins it (default 10m).
	Window time.Duration `yaml:"window"`
	// FlapCount and FlapWindow: a camera whose same-kind anomaly starts
	// more than FlapCount times within FlapWindow is one "flapping"
	// incident (defaults 3 and 10m) until StableAfter passes without a start
	// (default FlapWindow).
	FlapCount   int           `yaml:"flap_count"`
	FlapWindow  time.Duration `yaml:"flap_window"`
	StableAfter time.Duration `yaml:"stable_after"`
	// AreaDistance: fire or smoke on cameras within this many metres of a
	// member camera joins its incident (default 1000), if it came within
	// AreaWindow of the incident's last event (default 30m).
	AreaDistance float64       `yaml:"area_distance_m"`
	AreaWindow   time.Duration `yaml:"area_window"`
	// OutageCameras cameras of one site going offline within OutageWindow
	// make a site outage (defaults 5 and 1m); further offline cameras of
	// the site join it while they keep coming within OutageWindow.
	OutageCameras int           `yaml:"outage_cameras"`
	OutageWindow  time.Duration `yaml:"outage_window"`
	// SpreadCameras members' cameras, or LongAfter from first to last event,
	// each raise the severity one step above the highest member's
	// (defaults 3 and 30m).
	SpreadCameras int           `yaml:"spread_cameras"`
	LongAfter     time.Duration `yaml:"long_after"`
}

// DefaultRules are the rules when none are configured.
var DefaultRules = Rules{Window: 10 * time.Minute, FlapCount: 3, FlapWindow: 10 * time.Minute,
	AreaDistance: 1000, AreaWindow: 30 * time.Minute, OutageCameras: 5, OutageWindow: time.Minute,
	SpreadCameras: 3, LongAfter: 30 * time.Minute}

// withDefaults fills the zero fields and checks the rest.
func (r Rules) withDefaults() (Rules, error) {
	d := DefaultRules
	setDur(&r.Window, d.Window)
	setDur(&r.FlapWindow, d.FlapWindow)
	setDur(&r.StableAfter, r.FlapWindow)
	setDur(&r.AreaWindow, d.AreaWindow)
	setDur(&r.OutageWindow, d.OutageWindow)
	setDur(&r.LongAfter, d.LongAfter)
	setInt(&r.FlapCount, d.FlapCount)
	setInt(&r.OutageCameras, d.OutageCameras)
	setInt(&r.SpreadCameras, d.SpreadCameras)
	if r.AreaDistance == 0 {
		r.AreaDistance = d.AreaDistance
	}
	for name, v := range map[string]int64{"window": int64(r.Window), "flap_window": int64(r.FlapWindow),
		"stable_after": int64(r.StableAfter), "area_window": int64(r.AreaWindow), "outage_window": int64(r.OutageWindow),
		"long_after": int64(r.LongAfter), "flap_count": int64(r.FlapCount), "outage_cameras": int64(r.OutageCameras),
		"spread_cameras": int64(r.SpreadCameras), "area_distance_m": int64(r.AreaDistance)} {
		if v < 0 {
			return Rules{}, fmt.Errorf("incidents: rule %s is negative", name)
		}
	}
	return r, nil
}

// setDur sets a zero duration to its default.
func setDur(d *time.Duration, def time.Duration) {
	if *d == 0 {
		*d = def
	}
}

// setInt sets a zero count to its default.
func setInt(n *int, def int) {
	if *n == 0 {
		*n = def
	}
}

// horizon is how long an incident can still take members after its last
// event: the longest window of any rule.
func (r Rules) horizon() time.Duration {
	return max(r.Window, r.StableAfter, r.AreaWindow, r.OutageWindow)
}
