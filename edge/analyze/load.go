package analyze

import (
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/argus-edge/argus/drivers/media"
	"github.com/argus-edge/argus/edge/detect"
)

// workerLoad is what a worker measures of its own analysis: how far
// behind its frames it is, how many frames a second it analyses, what it
// shed and what each detector costs. The worker writes it; the status,
// the metrics and the manager's tick read it.
type workerLoad struct {
	shed     shedCounts
	lag      atomic.Int64  // nanoseconds between a unit's time and its taking
	rate     atomic.Uint64 // float64 bits: analysed frames per second
	dropped  uint64        // the hub reader's drops already counted (worker only)
	skipping bool          // skipping to the next keyframe (worker only)

	mu       sync.Mutex
	costs    map[string]*detectorCost
	measured uint64    // analysed frames at the last measure
	at       time.Time // wall time of the last measure
}

// detectorCost is what one detector's runs on a camera took.
type detectorCost struct {
	runs    uint64
	seconds float64 // all runs
	recent  float64 // smoothed seconds per run
}

// countDrops counts the units the hub dropped from the camera's full
// queue since the last unit as shed.
func (w *worker) countDrops() {
	if w.reader == nil {
		return
	}
	if d := w.reader.Dropped(); d > w.load.dropped {
		w.shedFrames(ShedQueue, d-w.load.dropped)
		w.load.dropped = d
	}
}

// behind tells whether u is skipped because the analysis lags: a unit
// taken more than maxLag after its time starts a skip, without decoding,
// to the next keyframe, so that a camera's analysis catches up at once
// instead of publishing anomalies tens of seconds late. The skipped units
// the pacer would have analysed are counted as shed. Until the camera's
// first analysed frame nothing is skipped: the hub's cached GOP, up to a
// GOP old, is what gives a camera coming online its first look at once.
func (w *worker) behind(u *media.Unit) bool {
	if w.maxLag <= 0 {
		return false
	}
	lag := time.Since(u.NTP)
	w.load.lag.Store(int64(lag))
	if w.analysed.Load() == 0 {
		return false
	}
	if w.load.skipping && !u.Key {
		w.shedUnit(u)
		return true
	}
	w.load.skipping = false
	if lag > w.maxLag {
		w.load.skipping = true
		w.shedUnit(u)
		return true
	}
	return false
}

// shedUnit counts u as shed for lag when the pacer would have analysed
// it, and lets the pacer count it as its turn.
func (w *worker) shedUnit(u *media.Unit) {
	if w.pace.decode(u.Key, u.NTP) && w.pace.wants(u.NTP) && w.pace.analyse(u.NTP) {
		w.shedFrames(ShedLag, 1)
	}
}

// shedFrames counts n frames shed for reason and tells the burst log.
func (w *worker) shedFrames(reason string, n uint64) {
	w.load.shed.add(reason, n)
	burst := w.burst
	if reason == ShedShadow {
		burst = w.shadowBurst
	}
	if burst != nil {
		cores := 0.0
		if w.sched != nil {
			cores = w.sched.cores
		}
		burst.shed(w.cam.ID, reason, n, cores)
	}
}

// admit asks the scheduler whether the expensive detector runs on the
// frame at t, where it would look at where (nil: the whole frame) and
// motion was seen in regions. A look at nothing (no motion, no
// whole-frame look due) costs nothing and is not asked for.
func (w *worker) admit(t time.Time, where, regions []detect.Box) bool {
	if w.sched == nil || (where != nil && len(where) == 0) {
		return true
	}
	tier := TierRest
	switch {
	case w.runner.Urgent(w.cam.ID):
		tier = TierUrgent
	case len(regions) > 0:
		tier = TierMotion
	}
	if w.sched.admit(w.cam.ID, tier, t) {
		return true
	}
	w.shedFrames(ShedBudget, 1)
	return false
}

// spent records what a detector's run on the frame at t took.
func (w *worker) spent(detector string, t time.Time, d time.Duration) {
	w.cost(detector, d)
	if w.sched == nil {
		return
	}
	if detector == Expensive {
		w.sched.ran(w.cam.ID, t, d)
	} else {
		w.sched.spent(w.cam.ID, d)
	}
}

// cost counts a run of detector that took d, for the status and metrics.
func (w *worker) cost(detector string, d time.Duration) {
	w.load.mu.Lock()
	defer w.load.mu.Unlock()
	if w.load.costs == nil {
		w.load.costs = map[string]*detectorCost{}
	}
	c := w.load.costs[detector]
	if c == nil {
		c = &detectorCost{}
		w.load.costs[detector] = c
	}
	c.runs++
	c.seconds += d.Seconds()
	c.recent = smooth(c.recent, d.Seconds())
}

// measure updates the analysed frames per second since the last call.
func (w *worker) measure(now time.Time) {
	n := w.analysed.Load()
	w.load.mu.Lock()
	defer w.load.mu.Unlock()
	if !w.load.at.IsZero() && now.After(w.load.at) {
		r := float64(n-w.load.measured) / now.Sub(w.load.at).Seconds()
		w.load.rate.Store(math.Float64bits(r))
	}
	w.load.measured, w.load.at = n, now
}

// analysisFPS is the analysed frames per second at the last measure.
func (w *worker) analysisFPS() float64 { return math.Float64frombits(w.load.rate.Load()) }

// lag is how far behind its frames the analysis was at the last unit.
func (w *worker) lag() time.Duration { return time.Duration(w.load.lag.Load()) }

// costs returns what each detector's runs took so far.
func (w *worker) costs() map[string]detectorCost {
	w.load.mu.Lock()
	defer w.load.mu.Unlock()
	out := make(map[string]detectorCost, len(w.load.costs))
	for k, v := range w.load.costs {
		out[k] = *v
	}
	return out
}
