package analyze

import (
	"math"
	"sort"
)

// Priority tiers of the expensive work, most important first.
const (
	// TierUrgent is a camera with an ongoing high or critical anomaly.
	TierUrgent = iota
	// TierMotion is a camera where something moves.
	TierMotion
	// TierRest is any other camera that asks (whole-frame looks for a
	// still person it follows).
	TierRest
	// TierShadow is a shadow rule set's own detector instances (see
	// shadow.go): they get only what every live tier left, so trying a
	// version never takes budget from live detection.
	TierShadow
	tiers
)

// demand is what one camera asked of the analysis over the last window.
type demand struct {
	camera string
	tier   int
	// cheap is the cores its cheap detectors (motion, fire, smoke,
	// health) used: they always run, so it comes off the budget first.
	cheap float64
	// want is the runs per second of the expensive detector it asked for,
	// cost the seconds one run takes.
	want, cost float64
}

// allocate shares cores among the cameras: their cheap checks first, all
// of them, then the expensive runs tier by tier. A tier the rest of the
// budget covers gets all it asks; the first one it does not is shared
// fairly (water-filling: a camera asking less than an equal share gets
// what it asks, the others split the remainder equally), and the tiers
// after it get nothing. The result is the runs per second each camera may
// make, +Inf where it is not limited.
func allocate(cores float64, ds []demand) map[string]float64 {
	left := cores
	for _, d := range ds {
		left -= d.cheap
	}
	out := make(map[string]float64, len(ds))
	for tier := range tiers {
		var in []demand
		need := 0.0
		for _, d := range ds {
			if d.tier == tier {
				in = append(in, d)
				need += d.want * d.cost
			}
		}
		if need <= left {
			for _, d := range in {
				out[d.camera] = math.Inf(1)
			}
			left -= need
			continue
		}
		share(in, max(left, 0), out)
		left = 0
	}
	return out
}

// share water-fills left cores among ds into out, as runs per second.
func share(ds []demand, left float64, out map[string]float64) {
	sort.Slice(ds, func(i, j int) bool { return ds[i].want*ds[i].cost < ds[j].want*ds[j].cost })
	for i, d := range ds {
		fair := left / float64(len(ds)-i)
		need := d.want * d.cost
		if need <= fair {
			out[d.camera] = math.Inf(1)
			left -= need
			continue
		}
		out[d.camera] = fair / d.cost
		left -= fair
	}
}
