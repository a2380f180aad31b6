package analyze

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"
)

// Reasons a frame is shed, the reason label of
// argus_analysis_frames_shed_total.
const (
	// ShedLag: the camera's analysis was more than MaxLag behind its
	// frames; it skipped to the next keyframe without decoding.
	ShedLag = "lag"
	// ShedBudget: the frame was analysed without the expensive detector
	// (objects), which the scheduler gave to more important cameras.
	ShedBudget = "budget"
	// ShedQueue: the hub dropped the unit because the camera's queue was
	// full (the analysis fell behind faster than it could skip).
	ShedQueue = "queue_full"
	// ShedShadow: the frame was analysed for the live rule set only; the
	// shadow set's own detector instances, at the lowest priority, found
	// no budget left (see shadow.go).
	ShedShadow = "shadow"
)

// shedReasons lists the reasons in the order they are reported.
var shedReasons = [...]string{ShedLag, ShedBudget, ShedQueue, ShedShadow}

// shedCounts are one camera's shed frames by reason.
type shedCounts [len(shedReasons)]atomic.Uint64

func reasonIndex(reason string) int {
	for i, r := range shedReasons {
		if r == reason {
			return i
		}
	}
	panic("analyze: unknown shed reason " + reason)
}

// add counts n frames shed for reason.
func (s *shedCounts) add(reason string, n uint64) { s[reasonIndex(reason)].Add(n) }

// byReason returns the counts as a map, reasons with none left out.
func (s *shedCounts) byReason() map[string]uint64 {
	out := map[string]uint64{}
	for i, r := range shedReasons {
		if n := s[i].Load(); n > 0 {
			out[r] = n
		}
	}
	return out
}

// BurstQuiet is how long the edge must shed nothing for a burst of
// shedding to be over.
const BurstQuiet = 5 * time.Second

// burstLog logs shedding once per burst, edge-wide: one warning when the
// first frame is shed, with the cameras' totals so far, and one when
// nothing was shed for BurstQuiet, with what the burst shed by reason and
// how many cameras it touched. An overloaded edge sheds hundreds of frames
// a second: a line per frame would bury the log.
type burstLog struct {
	log zerolog.Logger
	now func() time.Time
	// shadow marks the log of shadow work shed (ShedShadow), kept apart
	// so that a trial starved of budget never reads as live overload.
	shadow bool

	mu      sync.Mutex
	on      bool
	began   time.Time
	last    time.Time
	counts  map[string]uint64
	cameras map[string]bool
}

// shed notes n frames of camera shed for reason, logging the start of a
// burst.
func (b *burstLog) shed(camera, reason string, n uint64, budget float64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	b.last = now
	if !b.on {
		b.on, b.began = true, now
		b.counts, b.cameras = map[string]uint64{}, map[string]bool{}
		msg := "analysis overloaded: shedding frames (counted in argus_analysis_frames_shed_total)"
		if b.shadow {
			msg = "no budget left after live detection: shadow detectors shed (counted in argus_analysis_frames_shed_total{reason=\"shadow\"})"
		}
		b.log.Warn().Str("camera", camera).Str("reason", reason).Uint64("shed", n).Float64("budget_cores", budget).Msg(msg)
	}
	b.counts[reason] += n
	b.cameras[camera] = true
}

// tick ends a burst when nothing was shed for BurstQuiet.
func (b *burstLog) tick() {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	if !b.on || now.Sub(b.last) < BurstQuiet {
		return
	}
	b.on = false
	ev := b.log.Warn().Dur("lasted", b.last.Sub(b.began)).Int("cameras", len(b.cameras))
	for _, r := range shedReasons {
		ev = ev.Uint64("shed_"+r, b.counts[r])
	}
	if b.shadow {
		ev.Msg("shadow detectors no longer shed")
		return
	}
	ev.Msg("analysis no longer shedding frames")
}

// shedding tells whether a burst is under way.
func (b *burstLog) shedding() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.on
}
