package analyze

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/peers"
	"github.com/argus-edge/argus/drivers/sim"
	"github.com/argus-edge/argus/edge/detect"
	"github.com/argus-edge/argus/edge/hub"
	"github.com/argus-edge/argus/edge/rules"
)

// plazaRules are the people cameras' rules on site: riverside's, with the
// objects detector on FastestDet, a person being of severity.
func plazaRules(t testing.TB, site, severity string) *rules.Runner {
	t.Helper()
	const doc = `site: %s
version: 1
cameras:
  "*":
    detectors:
      motion: {threshold: 25, min_area: 0.002}
      objects: {model: fastestdet, min_score: 0.5}
      health: {}
    rules:
      - {name: person, kind: person, min_score: 0.5, min_duration: 1s, end_after: 5s, severity: %s}
      - {name: offline, kind: camera_offline, min_duration: 3s, end_after: 2s, severity: high}
`
	set, err := rules.Parse(site+".yaml", []byte(fmt.Sprintf(doc, site, severity)), detect.Names())
	if err != nil {
		t.Fatal(err)
	}
	r := rules.NewRunner(site)
	if _, err := r.Apply(set, time.Now()); err != nil {
		t.Fatal(err)
	}
	return r
}

// overload is one overload experiment.
type overload struct {
	fire, people int           // cameras of each scene
	span         time.Duration // how long the people cameras overload the edge
	ratio        float64       // demand over budget the budget is set for
}

// TestOverloadKeepsFire overloads the analysis about 3 times over and
// checks that it degrades on purpose (issue 13, "what must be shown").
//
// Simulated: the cameras' pulls. Each camera's units are the simulator's
// ffmpeg-encoded scenes (hillside fire, 640x360 10 fps; people, OpenCV's
// vtest at 768x576 10 fps) published into the hub at their own times, as
// ingest would, so decode, detectors, rules and scheduler are the real
// ones. The people cameras run the objects detector with FastestDet (the
// plaza rules below), whose cost keeps the run within what a shared
// 2-core machine can give. The overload is made deterministic by the
// budget, not the machine: the analysis is given detect.cores = a third
// of what the cameras ask for (measured on the scenes first), a fraction
// of a core, so it is ~3 times over whatever the machine's load; where
// the real CPU is short too, the lag shedding absorbs it.
//
// "Within 5 s of it starting" is measured from when the fire's anomaly
// starts with the same scene analysed alone, frame by frame: the delay
// the overload adds. The detector's own latency from the flame's first
// frame (min_duration 2 s included; about 4 s on this scene) is logged
// and is the evaluation's figure (make eval), not the overload's.
func TestOverloadKeepsFire(t *testing.T) {
	runOverload(t, overload{fire: 4, people: 3, span: 25 * time.Second, ratio: 3})
}

// BenchmarkOverloadSoak is the same check for ten minutes with more
// cameras (make bench; $ARGUS_SOAK sets another length); it reports the
// fire cameras' p99 time to alert.
func BenchmarkOverloadSoak(b *testing.B) {
	span := 10 * time.Minute
	if s := os.Getenv("ARGUS_SOAK"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil {
			b.Fatalf("ARGUS_SOAK: %v", err)
		}
		span = d
	}
	res := runOverload(b, overload{fire: 8, people: 6, span: span, ratio: 3})
	b.ReportMetric(res.fireP99.Seconds(), "fire-p99-s")
	b.ReportMetric(res.demand/res.budget, "demand/budget")
}

// overloadResult is what a run measured.
type overloadResult struct {
	fireP99        time.Duration
	budget, demand float64
}

func runOverload(t testing.TB, o overload) overloadResult {
	fireSc := scene(t, sim.SceneSpec{Kind: sim.Fire, Width: 640, Height: 360, FPS: 10})
	peopleSc := scene(t, sim.SceneSpec{Kind: sim.People, Width: 768, Height: 576, FPS: 10, Duration: 79 * time.Second})
	models := modelDir(t)
	if models == "" {
		t.Fatal("no models: the overload needs FastestDet (see models/README.md)")
	}
	plaza, vault := plazaRules(t, "plaza", "medium"), plazaRules(t, "vault", "critical")
	objCost, peopleCheap, _ := calibrate(t, peopleSc, plaza, models)
	_, fireCheap, fireAt := calibrate(t, fireSc, siteRules(t, "hillside"), models)
	if fireAt == 0 {
		t.Fatal("the fire scene raises no fire even analysed alone")
	}
	const fps = 5 // active_fps
	asked := fps * (float64(o.people)*(objCost+peopleCheap) + float64(o.fire)*fireCheap)
	budget := asked / o.ratio
	t.Logf("calibrated: objects %.0f ms and cheap %.1f ms a people frame, cheap %.1f ms a fire frame: "+
		"%d+%d cameras ask %.2f cores, budget %.2f", objCost*1000, peopleCheap*1000, fireCheap*1000, o.fire, o.people, asked, budget)

	var logs peers.LogBuffer
	h := hub.New(hub.Options{})
	sink := &clockedSink{}
	an := New(Options{Edge: "edge-test", Hub: h, Sink: sink, Log: zerolog.New(&logs).With().Timestamp().Logger(),
		ModelDir: models, IdleFPS: 1, ActiveFPS: fps, Quiet: 10 * time.Second, Cores: budget})
	closed := false
	defer func() {
		if !closed {
			an.Close()
		}
	}()
	for _, r := range []*rules.Runner{siteRules(t, "hillside"), plaza, vault} {
		if err := an.Rules(r.Live()); err != nil {
			t.Fatal(err)
		}
	}
	var cams []Camera
	for i := range o.fire {
		cams = append(cams, Camera{ID: fmt.Sprintf("fire-%d", i), Site: "hillside", Stream: fmt.Sprintf("fire-%d", i)})
	}
	// walk-0 is a vault's camera: a person there is critical, so once its
	// anomaly is under way the camera comes first for the objects detector.
	for i := range o.people {
		site := "plaza"
		if i == 0 {
			site = "vault"
		}
		cams = append(cams, Camera{ID: fmt.Sprintf("walk-%d", i), Site: site, Stream: fmt.Sprintf("walk-%d", i)})
	}
	an.Apply(cams)
	// The cores the cameras ask for, summed each second of the overload.
	var mu sync.Mutex
	var asking []float64
	began := time.Now()
	stopTicks := ticking(func(now time.Time) {
		an.Tick(now)
		if d := an.sched.demand(); now.Sub(began) > 3*time.Second && now.Before(began.Add(o.span)) {
			mu.Lock()
			asking = append(asking, d)
			mu.Unlock()
		}
	})
	defer stopTicks()

	// The people cameras start first and overload the edge; the fire
	// cameras' flames then start at staggered times within it, and go on
	// past the overload, until the burst of shedding is over.
	if 14*time.Second+o.span/4 >= o.span { // the last fire starts about then
		t.Fatalf("span %s: too short for the fires to start within the overload", o.span)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var feeds sync.WaitGroup
	for i := range o.people {
		feeds.Add(1)
		go func() {
			defer feeds.Done()
			feedLive(ctx, h.Open(fmt.Sprintf("walk-%d", i)), peopleSc, began, o.span)
		}()
	}
	fireStart := make([]time.Time, o.fire)
	fireCtx, stopFire := context.WithCancel(ctx)
	for i := range o.fire {
		// Each fire starts within the overload (12 s into the scene).
		fireStart[i] = began.Add(2*time.Second + time.Duration(i)*o.span/4/time.Duration(o.fire))
		feeds.Add(1)
		go func() {
			defer feeds.Done()
			feedLive(fireCtx, h.Open(fmt.Sprintf("fire-%d", i)), fireSc, fireStart[i], 2*o.span)
		}()
	}
	// The overload ends with the people cameras' feeds; the burst ends
	// BurstQuiet after the last shed frame.
	deadline := began.Add(o.span + 30*time.Second)
	for time.Now().Before(began.Add(o.span)) || an.Shedding() {
		if time.Now().After(deadline) {
			t.Fatalf("still shedding %s after the overload ended", time.Since(began.Add(o.span)).Round(time.Second))
		}
		time.Sleep(200 * time.Millisecond)
	}
	stopFire()
	feeds.Wait()
	st := an.Status()
	shed := gatherShed(t, an)
	closeAt := time.Now()
	an.Close()
	closed = true

	mu.Lock()
	res := overloadResult{budget: budget, demand: mean(asking)}
	mu.Unlock()
	t.Logf("demand %.2f cores on average (wall time of the detectors, so the machine's other load counts) against a budget of %.2f (%.1fx)",
		res.demand, budget, res.demand/budget)
	if res.demand < 2*budget {
		t.Errorf("the cameras asked %.2f cores of a %.2f budget: not an overload of ~%gx", res.demand, budget, o.ratio)
	}
	t.Logf("the fire starts %s into the scene analysed alone (flame from %s)", fireAt, fireSc.Truth[0].From)
	res.fireP99 = checkFires(t, sink.all(), fireStart, fireAt, fireSc.Truth[0].From, closeAt)
	checkShed(t, st, shed, logs.String())
	logPeople(t, sink.all())
	return res
}

// logPeople prints the person anomalies of the people cameras: under the
// budget their objects detector ran a few times a second at most, and
// frames without it judge no person rule (not asserted: vtest's people
// come and go).
func logPeople(t testing.TB, got []published) {
	n := map[string]map[string]int{}
	for _, a := range got {
		if a.Kind != bus.KindPerson {
			continue
		}
		if n[a.Camera] == nil {
			n[a.Camera] = map[string]int{}
		}
		n[a.Camera][a.State]++
	}
	for cam, c := range n {
		t.Logf("%s: person anomalies %v", cam, c)
	}
}

func indexOf(st []Status, camera string) int {
	for i, s := range st {
		if s.Camera == camera {
			return i
		}
	}
	panic("no status of " + camera)
}

func mean(xs []float64) float64 {
	sum := 0.0
	for _, x := range xs {
		sum += x
	}
	return sum / float64(max(len(xs), 1))
}

// checkFires checks that every fire camera raised its fire in time and
// kept it as one anomaly with updates until the analysis closed; it
// returns the p99 time to alert.
func checkFires(t testing.TB, got []published, fireStart []time.Time, alone, flame time.Duration, closeAt time.Time) time.Duration {
	var delays, fromFlame []time.Duration
	for i, start := range fireStart {
		cam := fmt.Sprintf("fire-%d", i)
		var ids []string
		updates := 0
		var first *published
		for _, a := range got {
			if a.Camera != cam || a.Kind != bus.KindFire || a.Shadow {
				continue
			}
			switch a.State {
			case bus.StateStart:
				ids = append(ids, a.ID)
				if first == nil {
					first = &a
				}
			case bus.StateUpdate:
				updates++
			case bus.StateEnd:
				if a.at.Before(closeAt) {
					t.Errorf("%s: fire %s ended at %s while the flame burned (its gaps, 3 s a loop, are shorter than end_after)",
						cam, a.ID, a.FrameTime.Time.Format("15:04:05.000"))
				}
			}
		}
		if first == nil {
			t.Errorf("%s: no fire raised", cam)
			continue
		}
		delay := first.at.Sub(start.Add(alone))
		delays = append(delays, delay)
		fromFlame = append(fromFlame, first.at.Sub(start.Add(flame)))
		t.Logf("%s: fire raised %s after it started alone, %d anomaly, %d updates", cam, delay.Round(10*time.Millisecond), len(ids), updates)
		if len(ids) != 1 {
			t.Errorf("%s: the fire was %d anomalies %v, want one", cam, len(ids), ids)
		}
		if burned := closeAt.Sub(first.at); updates < int(burned/(5*time.Second))-1 {
			t.Errorf("%s: %d updates over %s of fire (update_every 5s)", cam, updates, burned.Round(time.Second))
		}
	}
	if len(delays) == 0 {
		return 0
	}
	p := p99(delays)
	t.Logf("fire time to alert p99 %s over %d cameras after it starts alone, %s after the flame's first frame",
		p.Round(10*time.Millisecond), len(delays), p99(fromFlame).Round(10*time.Millisecond))
	if p > 5*time.Second {
		t.Errorf("fire time to alert p99 %s, want at most 5s", p)
	}
	return p
}

// gatherShed reads argus_analysis_frames_shed_total from the collector,
// by camera and reason.
func gatherShed(t testing.TB, an *Manager) map[string]map[string]float64 {
	reg := prometheus.NewRegistry()
	reg.MustRegister(NewMetrics(an))
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]float64{}
	for _, mf := range mfs {
		if mf.GetName() != "argus_analysis_frames_shed_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			l := map[string]string{}
			for _, p := range m.GetLabel() {
				l[p.GetName()] = p.GetValue()
			}
			if out[l["camera"]] == nil {
				out[l["camera"]] = map[string]float64{}
			}
			out[l["camera"]][l["reason"]] = m.GetCounter().GetValue()
		}
	}
	return out
}

// checkShed checks that the people cameras lost the objects detector to
// the budget and the fire cameras lost nothing to it, that the metrics
// count what the status says, and that the log has one warning as the
// shedding started and one as it stopped.
func checkShed(t testing.TB, st []Status, shed map[string]map[string]float64, log string) {
	total := uint64(0)
	for _, s := range st {
		t.Logf("%s: %d frames analysed, %.1f/s at the end, lag %.2f s, shed %v, objects %.2f runs/s allowed, costs %v",
			s.Camera, s.Analysed, s.AnalysisFPS, s.LagSeconds, s.Shed, s.ObjectsRate, s.Costs)
		for _, r := range shedReasons {
			if got := shed[s.Camera][r]; got != float64(s.Shed[r]) {
				t.Errorf("%s: argus_analysis_frames_shed_total{reason=%q} %v, status %d", s.Camera, r, got, s.Shed[r])
			}
		}
		total += s.ShedTotal()
		switch {
		case strings.HasPrefix(s.Camera, "walk-") && s.Shed[ShedBudget] == 0:
			t.Errorf("%s: no frame shed for the budget: the overload did not reach the scheduler", s.Camera)
		case strings.HasPrefix(s.Camera, "fire-") && s.Shed[ShedBudget] != 0:
			t.Errorf("%s: %d frames shed for the budget: a fire camera lost its checks", s.Camera, s.Shed[ShedBudget])
		}
	}
	// The vault's camera, urgent once its critical person anomaly is under
	// way, loses the objects detector on fewer of its frames than any
	// plaza camera.
	lost := func(s Status) float64 { return float64(s.Shed[ShedBudget]) / float64(max(s.Analysed, 1)) }
	for _, s := range st {
		if strings.HasPrefix(s.Camera, "walk-") && s.Camera != "walk-0" && lost(st[indexOf(st, "walk-0")]) >= lost(s) {
			t.Errorf("the urgent walk-0 lost the objects detector on %.0f%% of its frames, %s (motion only) on %.0f%%",
				100*lost(st[indexOf(st, "walk-0")]), s.Camera, 100*lost(s))
		}
	}
	starts := strings.Count(log, "analysis overloaded: shedding frames")
	stops := strings.Count(log, "analysis no longer shedding frames")
	t.Logf("%d frames shed, %d shedding warnings at start and %d at stop", total, starts, stops)
	if starts != 1 || stops != 1 {
		t.Errorf("%d start and %d stop warnings for one burst of %d shed frames, want one each:\n%s", starts, stops, total, log)
	}
}
