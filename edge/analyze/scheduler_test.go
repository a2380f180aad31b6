package analyze

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/argus-edge/argus/drivers/peers"
)

// Synthetic: the budget goes to the cheap checks first, then tier by tier;
// the first tier it does not cover is shared fairly, the tiers after it
// get nothing.
func TestAllocate(t *testing.T) {
	inf := math.Inf(1)
	cases := []struct {
		name  string
		cores float64
		ds    []demand
		want  map[string]float64
	}{
		{"all fit", 1, []demand{
			{camera: "a", tier: TierMotion, cheap: 0.1, want: 5, cost: 0.05},
			{camera: "b", tier: TierRest, cheap: 0.1, want: 1, cost: 0.05},
		}, map[string]float64{"a": inf, "b": inf}},
		// 0.5 cores: 0.2 cheap, the urgent camera's 0.25, then 0.05 left
		// for two motion cameras asking 0.25 each: 0.025 each, half a run
		// a second; the rest gets nothing.
		{"urgent first, motion shared, rest starved", 0.5, []demand{
			{camera: "fire", tier: TierUrgent, cheap: 0.05, want: 5, cost: 0.05},
			{camera: "m1", tier: TierMotion, cheap: 0.05, want: 5, cost: 0.05},
			{camera: "m2", tier: TierMotion, cheap: 0.05, want: 5, cost: 0.05},
			{camera: "quiet", tier: TierRest, cheap: 0.05, want: 1, cost: 0.05},
		}, map[string]float64{"fire": inf, "m1": 0.5, "m2": 0.5, "quiet": 0}},
		// Water-filling: the camera asking less than an equal share gets
		// it all, the other the remainder.
		{"water-filling", 0.3, []demand{
			{camera: "small", tier: TierMotion, want: 1, cost: 0.05},
			{camera: "big", tier: TierMotion, want: 10, cost: 0.05},
		}, map[string]float64{"small": inf, "big": 5}},
		// The cheap checks alone are over budget: they still run (they
		// are not rationed), and nobody gets the expensive detector.
		{"cheap over budget", 0.1, []demand{
			{camera: "a", tier: TierUrgent, cheap: 0.2, want: 5, cost: 0.05},
		}, map[string]float64{"a": 0}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := allocate(c.cores, c.ds)
			for cam, want := range c.want {
				if g := got[cam]; !(g == want || math.Abs(g-want) < 1e-9) {
					t.Errorf("%s: %v runs/s, want %v (all %v)", cam, g, want, got)
				}
			}
		})
	}
}

// Synthetic clock: after a window of measured demand over budget, the
// scheduler admits the urgent camera on every frame and spaces out the
// motion camera's runs in frame time; the budget it spends matches the
// cores given.
func TestSchedulerAdmits(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	s := newScheduler(0.3, func() time.Time { return now })
	s.join("fire")
	s.join("walk")
	frame := time.Unix(1_700_000_000, 0)
	run := func(seconds int) (fireRuns, walkRuns int) {
		for i := range seconds * 5 { // 5 fps, a run costs 50 ms
			t := frame.Add(time.Duration(i) * 200 * time.Millisecond)
			if s.admit("fire", TierUrgent, t) {
				s.ran("fire", t, 50*time.Millisecond)
				fireRuns++
			}
			if s.admit("walk", TierMotion, t) {
				s.ran("walk", t, 50*time.Millisecond)
				walkRuns++
			}
			now = now.Add(200 * time.Millisecond)
		}
		frame = frame.Add(time.Duration(seconds) * time.Second)
		return fireRuns, walkRuns
	}
	run(3) // measure: both ask 5 runs/s of 50 ms, 0.5 cores against 0.3
	fire, walk := run(10)
	if fire != 50 {
		t.Errorf("urgent camera ran %d of 50 frames, want all", fire)
	}
	// 0.3 - 0.25 = 0.05 cores: one run a second.
	if walk < 8 || walk > 12 {
		t.Errorf("motion camera ran %d times in 10 s, want about 10 (0.05 cores of 50 ms runs)", walk)
	}
	if sh := s.share("walk"); sh.ObjectsRate <= 0 || sh.ObjectsRate > 1.5 || sh.Cost != 0.05 {
		t.Errorf("share of the motion camera %+v", sh)
	}
	if sh := s.share("fire"); sh.ObjectsRate != -1 {
		t.Errorf("share of the urgent camera %+v, want no limit", sh)
	}
	s.leave("walk")
	if !s.admit("walk", TierRest, frame) {
		t.Error("a camera the scheduler does not know is refused")
	}
}

// Synthetic clock: a burst of shedding logs one warning when it starts
// and one when nothing was shed for BurstQuiet, with the counts.
func TestBurstLog(t *testing.T) {
	var buf peers.LogBuffer
	now := time.Unix(1_800_000_000, 0)
	b := &burstLog{log: zerolog.New(&buf), now: func() time.Time { return now }}
	for i := range 500 {
		b.shed([]string{"a", "b"}[i%2], ShedBudget, 1, 0.5)
		if i%100 == 0 {
			b.shed("a", ShedLag, 3, 0.5)
		}
		now = now.Add(10 * time.Millisecond)
		b.tick()
	}
	if !b.shedding() {
		t.Fatal("not shedding during the burst")
	}
	now = now.Add(BurstQuiet - time.Second)
	b.tick()
	if !b.shedding() {
		t.Fatal("the burst ended before BurstQuiet")
	}
	now = now.Add(time.Second)
	b.tick()
	b.tick()
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], "shedding frames") ||
		!strings.Contains(lines[1], `"shed_budget":500`) || !strings.Contains(lines[1], `"shed_lag":15`) ||
		!strings.Contains(lines[1], `"cameras":2`) {
		t.Fatalf("log of a burst of 515 shed frames:\n%s\nwant a start and an end with the counts", buf.String())
	}
}
