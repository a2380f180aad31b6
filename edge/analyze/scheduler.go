package analyze

import (
	"math"
	"sync"
	"time"
)

// Expensive is the detector the scheduler rations: a forward of the DNN
// costs tens of milliseconds a crop, the other detectors a few.
const Expensive = "objects"

// allocEvery is how often the scheduler shares the budget anew, from the
// costs and demands measured since the last time.
const allocEvery = time.Second

// defaultCost is what a run of the expensive detector is assumed to cost
// before a camera has made one: YOLOX-nano's forward on a 2-core machine.
const defaultCost = 0.05

// scheduler shares an edge's analysis budget (cores) across its cameras.
// Every camera's cheap checks run on every analysed frame, so no camera's
// fire check ever waits for another's people; the expensive detector runs
// when the scheduler admits it, by priority (TierUrgent, TierMotion,
// TierRest): under overload the least important cameras lose it first.
// Costs are measured as the detectors run (wall time, so a machine shared
// with other work shows as dearer analysis and sheds more). It is safe
// for concurrent use by the workers.
type scheduler struct {
	cores float64 // 0: no limit
	now   func() time.Time

	mu   sync.Mutex
	cams map[string]*camLoad
	last time.Time // wall time of the last allocation
}

// camLoad is one camera's measured load and its share.
type camLoad struct {
	// Measured since the last allocation.
	cheap  time.Duration
	wanted int
	tier   int
	// base is the tier the camera starts each window at: TierRest, or
	// TierShadow for a camera's shadow work.
	base int
	// cost is the smoothed seconds of one expensive run (0: none yet).
	cost float64
	// want and cheapRate are the smoothed demand of past windows.
	want, cheapRate float64
	// rate is the expensive runs per second allowed; +Inf: no limit.
	rate    float64
	lastRun time.Time // frame time of the last expensive run
}

// newScheduler returns a scheduler of cores (0 or less: no limit).
func newScheduler(cores float64, now func() time.Time) *scheduler {
	return &scheduler{cores: max(cores, 0), now: now, cams: map[string]*camLoad{}}
}

// join adds a camera; leave removes it.
func (s *scheduler) join(camera string) { s.joinAt(camera, TierRest) }

// joinShadow adds the shadow work of a camera under key, at TierShadow
// whatever it asks: it never rises above the live tiers.
func (s *scheduler) joinShadow(key string) { s.joinAt(key, TierShadow) }

func (s *scheduler) joinAt(camera string, base int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cams[camera] = &camLoad{tier: base, base: base, rate: math.Inf(1)}
}

func (s *scheduler) leave(camera string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.cams, camera)
}

// spent records the time camera's cheap detectors took on a frame.
func (s *scheduler) spent(camera string, d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.cams[camera]; c != nil {
		c.cheap += d
	}
}

// admit tells whether camera's expensive detector may run on its frame at
// t (frame time), the camera being of tier now; every call counts as
// demand, admitted or not.
func (s *scheduler) admit(camera string, tier int, t time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.cams[camera]
	if c == nil || s.cores == 0 {
		return true
	}
	s.reallocate()
	c.wanted++
	c.tier = min(c.tier, tier)
	if c.base == TierShadow {
		c.tier = TierShadow // shadow work never rises above the live tiers
	}
	switch {
	case math.IsInf(c.rate, 1):
		return true
	case c.rate <= 0:
		return false
	}
	return after(c.lastRun, t, time.Duration(float64(time.Second)/c.rate))
}

// ran records an expensive run of camera at frame time t that took d.
func (s *scheduler) ran(camera string, t time.Time, d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.cams[camera]
	if c == nil {
		return
	}
	c.lastRun = t
	c.cost = smooth(c.cost, d.Seconds())
}

// reallocate shares the budget anew once allocEvery has passed.
func (s *scheduler) reallocate() {
	now := s.now()
	if s.last.IsZero() {
		s.last = now
		return
	}
	window := now.Sub(s.last).Seconds()
	if window < allocEvery.Seconds() {
		return
	}
	s.last = now
	ds := make([]demand, 0, len(s.cams))
	mean := s.meanCost()
	for id, c := range s.cams {
		c.want = smooth(c.want, float64(c.wanted)/window)
		c.cheapRate = smooth(c.cheapRate, c.cheap.Seconds()/window)
		cost := c.cost
		if cost == 0 {
			cost = mean
		}
		ds = append(ds, demand{camera: id, tier: c.tier, cheap: c.cheapRate, want: c.want, cost: cost})
		c.wanted, c.cheap, c.tier = 0, 0, c.base
	}
	for id, r := range allocate(s.cores, ds) {
		s.cams[id].rate = r
	}
}

// meanCost is the mean cost of an expensive run over the cameras that
// made one, defaultCost before any did.
func (s *scheduler) meanCost() float64 {
	sum, n := 0.0, 0
	for _, c := range s.cams {
		if c.cost > 0 && c.base != TierShadow { // a shadow run is not one objects run
			sum += c.cost
			n++
		}
	}
	if n == 0 {
		return defaultCost
	}
	return sum / float64(n)
}

// camShare is one camera's share of the budget, for the status.
type camShare struct {
	// Tier is the camera's priority in the last window (TierUrgent...).
	Tier int
	// ObjectsRate is the expensive runs per second allowed, -1: no limit.
	ObjectsRate float64
	// Cost is the seconds one expensive run takes, as measured.
	Cost float64
	// Cheap is the cores its cheap detectors use.
	Cheap float64
}

// share returns camera's current share.
func (s *scheduler) share(camera string) camShare {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.cams[camera]
	if c == nil {
		return camShare{ObjectsRate: -1}
	}
	sh := camShare{Tier: c.tier, ObjectsRate: c.rate, Cost: c.cost, Cheap: c.cheapRate}
	if math.IsInf(c.rate, 1) {
		sh.ObjectsRate = -1
	}
	return sh
}

// smooth folds x into the running mean m (half weight; m 0 is no history).
func smooth(m, x float64) float64 {
	if m == 0 {
		return x
	}
	return (m + x) / 2
}

// demand is the cores the cameras' live analysis asked for in the last
// windows: their cheap checks and every expensive run they wanted,
// admitted or not. Above cores, the edge is overloaded by that ratio.
func (s *scheduler) demand() float64 { return s.demandOf(false) }

// shadowDemand is the cores the shadow rule sets' own detectors asked
// for, admitted or not: what a trial would cost, apart from the live load.
func (s *scheduler) shadowDemand() float64 { return s.demandOf(true) }

func (s *scheduler) demandOf(shadow bool) float64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	mean := s.meanCost()
	sum := 0.0
	for _, c := range s.cams {
		if (c.base == TierShadow) != shadow {
			continue
		}
		cost := c.cost
		if cost == 0 {
			cost = mean
		}
		sum += c.cheapRate + c.want*cost
	}
	return sum
}
