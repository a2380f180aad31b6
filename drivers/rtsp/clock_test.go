package rtsp

import (
	"context"
	"testing"
	"time"

	"github.com/argus-edge/argus/drivers/media"
	"github.com/argus-edge/argus/drivers/peers"
	"github.com/argus-edge/argus/drivers/sim"
)

func TestClockTrustsTheCameraOnlyWhenClose(t *testing.T) {
	now := time.Now()
	for _, c := range []struct {
		camera time.Time
		use    bool
	}{
		{now.Add(-40 * time.Millisecond), true}, // network delay
		{now.Add(300 * time.Millisecond), true}, // slightly ahead
		{now.Add(-time.Hour), false},            // a camera without NTP
		{now.Add(5 * time.Second), false},
	} {
		var clk Clock
		if _, ok := clk.Offset(); ok || clk.Source() != ClockArrival {
			t.Fatal("a clock without sender reports claims an offset or the camera's time")
		}
		use, changed := clk.observe(c.camera, now)
		off, ok := clk.Offset()
		if use != c.use || !changed || !ok || off != c.camera.Sub(now) {
			t.Errorf("camera %s from arrival: use %v changed %v offset %s, want use %v and the offset", c.camera.Sub(now), use, changed, off, c.use)
		}
		if want := map[bool]string{true: ClockRTCP, false: ClockArrival}[c.use]; clk.Source() != want {
			t.Errorf("camera %s from arrival: source %s, want %s", c.camera.Sub(now), clk.Source(), want)
		}
		if _, changed := clk.observe(c.camera, now); changed {
			t.Error("the same offset again reported as a change")
		}
	}
}

// TestClockCostsNoAllocation: the pull observes the clock once per frame.
func TestClockCostsNoAllocation(t *testing.T) {
	var clk Clock
	now := time.Now()
	if n := testing.AllocsPerRun(1000, func() { clk.observe(now, now) }); n != 0 {
		t.Fatalf("%v allocations per frame", n)
	}
}

// TestUnitsCarryTheCameraClock pulls simulated cameras whose RTCP sender
// reports (the simulator sends one every 5 s) put their clock 400 ms
// ahead of the real time, and 5 minutes behind. The first camera's units
// carry its own time, 400 ms after their arrival; the second's carry their
// arrival time, and its clock shows how far off it is.
func TestUnitsCarryTheCameraClock(t *testing.T) {
	scene := peers.TinyScene(sim.Empty, sim.H264)
	s := peers.Sim(t,
		sim.Camera{Path: "ahead", Scene: scene, ClockOffset: 400 * time.Millisecond},
		sim.Camera{Path: "behind", Scene: scene, ClockOffset: -5 * time.Minute},
	)
	cases := []struct {
		path   string
		offset time.Duration
		source string
		// unit is the unit's time minus its arrival
		unit time.Duration
	}{
		{"ahead", 400 * time.Millisecond, ClockRTCP, 400 * time.Millisecond},
		{"behind", -5 * time.Minute, ClockArrival, 0}, // up to the callback's own delay
	}
	for _, c := range cases {
		t.Run(c.path, func(t *testing.T) {
			t.Parallel()
			got := pullClock(t, s.URL(c.path))
			// the camera's time is taken when the frame is sent, arrival a
			// little later: near allows for the delay on loopback, the
			// simulator's ticker and a loaded machine (231 ms seen with
			// the load average at 15)
			if got.source != c.source || !near(got.offset, c.offset) {
				t.Fatalf("clock %s offset %s, want %s about %s", got.source, got.offset, c.source, c.offset)
			}
			t.Logf("clock %s, offset %s; a unit is %s from its arrival", got.source, got.offset, got.unit)
			if !near(got.unit, c.unit) {
				t.Fatalf("a unit after the sender report is %s from its arrival, want %s", got.unit, c.unit)
			}
		})
	}
}

// TestSenderReportsReadEitherWay pulls simulated cameras 400 ms ahead over
// TCP (the connection reads the reports) and UDP (gortsplib does): one
// writes its sender reports as RFC 3550 says, a binary fraction of a
// second, the other nanoseconds as gortsplib v4's servers do. After a
// dozen reports, the units of both carry the camera's time, 400 ms after
// their arrival: read as nanoseconds, the fraction would put them up to
// 4.3 s off; read as a fraction, nanoseconds up to 0.77 s.
func TestSenderReportsReadEitherWay(t *testing.T) {
	scene := peers.TinyScene(sim.Empty, sim.H264)
	const every = 50 * time.Millisecond
	s := peers.Sim(t,
		sim.Camera{Path: "rfc", Scene: scene, ClockOffset: 400 * time.Millisecond, SenderReportEvery: every},
		sim.Camera{Path: "nanos", Scene: scene, ClockOffset: 400 * time.Millisecond, SenderReportEvery: every, NanosecondNTP: true},
	)
	for _, path := range []string{"rfc", "nanos"} {
		for _, transport := range []string{"tcp", "udp"} {
			t.Run(path+"/"+transport, func(t *testing.T) {
				t.Parallel()
				got := unitOffsetAfter(t, s.URL(path), transport, 12*every+500*time.Millisecond)
				if !near(got, 400*time.Millisecond) {
					t.Fatalf("a unit is %s from its arrival, want about 400ms", got)
				}
			})
		}
	}
}

// unitOffsetAfter pulls url over transport and returns the camera's time of
// the first unit after wait from the first unit, minus its arrival.
func unitOffsetAfter(t *testing.T, url, transport string, wait time.Duration) time.Duration {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	got := make(chan time.Duration, 1)
	var first time.Time
	errc := make(chan error, 1)
	go func() {
		errc <- Pull(ctx, Options{URL: url, Transport: transport, Clock: &Clock{},
			OnUnit: func(u *media.Unit) {
				now := time.Now()
				if first.IsZero() {
					first = now
				}
				if now.Sub(first) < wait {
					return
				}
				select {
				case got <- u.NTP.Sub(now):
				default:
				}
			}})
	}()
	var d time.Duration
	select {
	case d = <-got:
	case err := <-errc:
		t.Fatalf("pull ended: %v", err)
	}
	cancel()
	<-errc
	return d
}

// near tells whether d is want, give or take the delay between the
// camera's sending a frame and its arrival (see TestUnitsCarryTheCameraClock).
func near(d, want time.Duration) bool {
	return d > want-300*time.Millisecond && d < want+50*time.Millisecond
}

// clockSeen is what pullClock saw.
type clockSeen struct {
	source       string
	offset, unit time.Duration
}

// pullClock pulls url until the clock that times its units is known from a
// sender report, and returns it with the time of the next unit minus its
// arrival.
func pullClock(t *testing.T, url string) clockSeen {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var clk Clock
	clocked := make(chan clockSeen, 1)
	units := make(chan time.Duration, 1)
	errc := make(chan error, 1)
	go func() {
		errc <- Pull(ctx, Options{URL: url, Clock: &clk,
			OnClock: func(source string, offset time.Duration) { clocked <- clockSeen{source: source, offset: offset} },
			OnUnit: func(u *media.Unit) {
				select {
				case units <- u.NTP.Sub(time.Now()):
				default:
				}
			}})
	}()
	var seen clockSeen
	select {
	case seen = <-clocked:
	case err := <-errc:
		t.Fatalf("pull ended before a sender report: %v", err)
	}
	if clk.Source() != seen.source {
		t.Fatalf("OnClock said %s, the clock says %s", seen.source, clk.Source())
	}
	<-units // may be from before the report
	seen.unit = <-units
	cancel()
	<-errc
	return seen
}

// TestClockHysteresis: a clock is trusted within ClockGuard (1 s) but, once
// beyond it, only again within ClockClear (0.5 s): a clock wandering about
// the guard changes source once, not on every sender report.
func TestClockHysteresis(t *testing.T) {
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	for _, tc := range []struct {
		name    string
		offsets []time.Duration // one sender report each
		use     []bool
		changes int // state changes after the first report
	}{
		{"near the guard, jitter", []time.Duration{ms(900), ms(1100), ms(950), ms(1050), ms(700), ms(1200), ms(600)},
			[]bool{true, false, false, false, false, false, false}, 1},
		{"back within clear", []time.Duration{ms(1500), ms(800), ms(400), ms(900), ms(1000)},
			[]bool{false, false, true, true, false}, 2},
		{"behind, symmetric", []time.Duration{ms(-300), ms(-1001), ms(-600), ms(-499)},
			[]bool{true, false, false, true}, 2},
		{"always close", []time.Duration{ms(-40), ms(200), ms(999), ms(-999)},
			[]bool{true, true, true, true}, 0},
		{"far at first, stays so", []time.Duration{-time.Hour, ms(700), ms(510)},
			[]bool{false, false, false}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var clk Clock
			now := time.Now()
			changes := 0
			for i, off := range tc.offsets {
				use, changed := clk.observe(now.Add(off), now)
				if use != tc.use[i] {
					t.Errorf("report %d (%s off): use %v, want %v", i, off, use, tc.use[i])
				}
				if changed && i > 0 {
					changes++
				}
			}
			if changes != tc.changes {
				t.Errorf("%d changes of source, want %d", changes, tc.changes)
			}
		})
	}
}
