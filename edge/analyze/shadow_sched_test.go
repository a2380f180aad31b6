package analyze

import (
	"testing"
	"time"
)

// Synthetic clock: a camera's shadow work is at TierShadow whatever tier
// it asks for, so it gets only what the live detection left (0.3 cores,
// live asks 0.25: about one shadow run a second) and nothing at all when
// live needs the whole budget, where the live camera runs exactly as
// often as it does with no shadow.
func TestSchedulerShadowLast(t *testing.T) {
	var s *scheduler
	run := func(cores float64, shadow bool) (liveRuns, shadowRuns int) {
		now := time.Unix(1_800_000_000, 0)
		s = newScheduler(cores, func() time.Time { return now })
		s.join("walk")
		s.joinShadow(shadowKey("walk"))
		frame := time.Unix(1_700_000_000, 0)
		for i := range 13 * 5 { // 5 fps, a run costs 50 ms; the first 3 s measure
			t := frame.Add(time.Duration(i) * 200 * time.Millisecond)
			counted := i >= 15
			if s.admit("walk", TierMotion, t) {
				s.ran("walk", t, 50*time.Millisecond)
				if counted {
					liveRuns++
				}
			}
			if shadow && s.admit(shadowKey("walk"), TierUrgent, t) {
				s.ran(shadowKey("walk"), t, 50*time.Millisecond)
				if counted {
					shadowRuns++
				}
			}
			now = now.Add(200 * time.Millisecond)
		}
		return liveRuns, shadowRuns
	}
	live, shadow := run(0.3, true)
	if live != 50 {
		t.Errorf("live camera ran %d of 50 frames beside its shadow, want all", live)
	}
	if shadow < 8 || shadow > 12 {
		t.Errorf("shadow ran %d times in 10 s, want about 10 (the 0.05 cores live left)", shadow)
	}
	// Demand: live asks 0.25 cores, its shadow as much, reported apart.
	if d, sd := s.demand(), s.shadowDemand(); d < 0.2 || d > 0.3 || sd < 0.2 || sd > 0.3 {
		t.Errorf("demand: live %.3f, shadow %.3f cores, want about 0.25 each", d, sd)
	}
	alone, _ := run(0.2, false)
	live, shadow = run(0.2, true)
	if shadow != 0 {
		t.Errorf("shadow ran %d times while live needed the whole budget", shadow)
	}
	if live != alone {
		t.Errorf("live camera ran %d times beside its shadow, %d alone: the shadow took live budget", live, alone)
	}
}
