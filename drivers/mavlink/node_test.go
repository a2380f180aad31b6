package mavlink_test

import (
	"context"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/mavlink"
)

func TestTelemetry(t *testing.T) {
	r := newRig(t, mavlink.Options{}, fast(1))
	v := r.node.Vehicle(1)
	updates := make(chan int, 100)
	r.node.OnUpdate(func(id int) {
		select {
		case updates <- id:
		default:
		}
	})
	st := waitTelemetry(t, v)
	if st.Mode != "STABILIZE" || st.Armed || st.Status != "standby" {
		t.Errorf("mode %s armed %v status %s, want STABILIZE, disarmed, standby", st.Mode, st.Armed, st.Status)
	}
	if math.Abs(st.Lat-home.Lat) > 1e-6 || math.Abs(st.Lon-home.Lon) > 1e-6 || math.Abs(st.AltMSL-home.Alt) > 0.01 {
		t.Errorf("position %.6f,%.6f %.1f m, want home %+v", st.Lat, st.Lon, st.AltMSL, home)
	}
	st = waitState(t, v, 5*time.Second, "with GPS fix and battery", func(s mavlink.State) bool {
		return s.GPSFix && s.BatteryPercent == 100 && s.Voltage > 16
	})
	if id := <-updates; id != 1 {
		t.Errorf("OnUpdate called with %d, want 1", id)
	}
	if other := r.node.Vehicle(7).State(); other.Link != bus.LinkNone {
		t.Errorf("an unheard vehicle's link is %q, want %q", other.Link, bus.LinkNone)
	}
}

func TestMissionUploadReadBackAndFence(t *testing.T) {
	r := newRig(t, mavlink.Options{}, fast(1))
	v := r.node.Vehicle(1)
	waitTelemetry(t, v)
	ctx := ctxFor(t, 30*time.Second)

	items := mavlink.PatrolItems(home, route(), true)
	back := roundTrip(t, ctx, v, mavlink.Mission, items)
	if got := r.drones[1].Status().Mission; len(got) != len(items) {
		t.Fatalf("the drone holds %d items, %d uploaded", len(got), len(items))
	}
	// The comparison is not blind: a changed altitude is caught.
	back[3].Alt += 1
	if err := mavlink.Compare(items, back); err == nil || !strings.Contains(err.Error(), "altitude") {
		t.Errorf("a changed altitude compared as %v", err)
	}

	fence := mavlink.FenceItems([][]mavlink.Point{square(0.002)}, [][]mavlink.Point{square(0.0001)})
	roundTrip(t, ctx, v, mavlink.Fence, fence)

	if err := v.Clear(ctx, mavlink.Mission); err != nil {
		t.Fatal(err)
	}
	if back, err := v.Download(ctx, mavlink.Mission); err != nil || len(back) != 0 {
		t.Fatalf("after clear: %d items, %v", len(back), err)
	}
	if got := r.drones[1].Status().Fence; len(got) != len(fence) {
		t.Errorf("clearing the mission touched the fence: %d items left of %d", len(got), len(fence))
	}
}

// roundTrip uploads items as list t, reads the list back, checks that it
// compares equal and returns it.
func roundTrip(t *testing.T, ctx context.Context, v *mavlink.Vehicle, typ mavlink.MissionType, items []mavlink.Item) []mavlink.Item {
	t.Helper()
	if err := v.Upload(ctx, typ, items); err != nil {
		t.Fatal(err)
	}
	back, err := v.Download(ctx, typ)
	if err != nil {
		t.Fatal(err)
	}
	if err := mavlink.Compare(items, back); err != nil {
		t.Fatal(err)
	}
	return back
}

// fly uploads the route and the fence, arms and starts the mission.
func fly(t *testing.T, v *mavlink.Vehicle, items []mavlink.Item, fence []mavlink.Item) {
	t.Helper()
	ctx := ctxFor(t, 30*time.Second)
	if err := v.Upload(ctx, mavlink.Mission, items); err != nil {
		t.Fatal(err)
	}
	if fence != nil {
		if err := v.Upload(ctx, mavlink.Fence, fence); err != nil {
			t.Fatal(err)
		}
	}
	if err := v.Arm(ctx); err != nil {
		t.Fatal(err)
	}
	if err := v.SetMode(ctx, "AUTO"); err != nil {
		t.Fatal(err)
	}
	if err := v.StartMission(ctx); err != nil {
		t.Fatal(err)
	}
}

// collect gathers a vehicle's events until the test ends.
type collector struct {
	reached chan int
	texts   chan string
	links   chan string
}

func collect(t *testing.T, v *mavlink.Vehicle) *collector {
	c := &collector{reached: make(chan int, 100), texts: make(chan string, 100), links: make(chan string, 100)}
	evs, stop := v.Events()
	t.Cleanup(stop)
	go func() {
		for e := range evs {
			switch e := e.(type) {
			case mavlink.ItemReached:
				c.reached <- e.Seq
			case mavlink.StatusText:
				c.texts <- e.Text
			case mavlink.LinkChange:
				c.links <- e.Link
			}
		}
	}()
	return c
}

// waitText waits for a STATUSTEXT containing want.
func (c *collector) waitText(t *testing.T, want string, within time.Duration) {
	t.Helper()
	deadline := time.After(within)
	for {
		select {
		case s := <-c.texts:
			if strings.Contains(s, want) {
				return
			}
		case <-deadline:
			t.Fatalf("no STATUSTEXT %q within %s", want, within)
		}
	}
}

func landedHome(t *testing.T, v *mavlink.Vehicle, within time.Duration) mavlink.State {
	t.Helper()
	st := waitState(t, v, within, "landed and disarmed", func(s mavlink.State) bool {
		return !s.Armed && s.AltRel < 0.2 && s.Mode == "RTL"
	})
	if d := metres(st.Lat, st.Lon, home.Lat, home.Lon); d > 1 {
		t.Errorf("landed %.1f m from home", d)
	}
	return st
}

func metres(lat1, lon1, lat2, lon2 float64) float64 {
	n := (lat2 - lat1) * 111320
	e := (lon2 - lon1) * 111320 * math.Cos(lat1*math.Pi/180)
	return math.Hypot(n, e)
}

func TestPatrolFlightReachesWaypointsInOrderAndComesHome(t *testing.T) {
	r := newRig(t, mavlink.Options{}, fast(1))
	v := r.node.Vehicle(1)
	waitTelemetry(t, v)
	c := collect(t, v)
	items := mavlink.PatrolItems(home, route(), true)
	fly(t, v, items, mavlink.FenceItems([][]mavlink.Point{square(0.002)}, nil))

	// Takeoff, every waypoint, then the RTL item: in this order.
	want := append([]int{1}, mavlink.WaypointSeqs(items)...)
	want = append(want, len(items)-1)
	var got []int
	deadline := time.After(40 * time.Second)
	for len(got) < len(want) {
		select {
		case seq := <-c.reached:
			got = append(got, seq)
		case <-deadline:
			t.Fatalf("items reached %v, want %v", got, want)
		}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("items reached %v, want %v", got, want)
	}
	st := landedHome(t, v, 30*time.Second)
	if st.MissionCount != len(items) {
		t.Errorf("MISSION_CURRENT total %d, want %d", st.MissionCount, len(items))
	}
	if st.BatteryPercent >= 100 {
		t.Errorf("battery %d%% after a flight, want it drained", st.BatteryPercent)
	}
	if s := r.drones[1].Status(); s.Failsafe != "" {
		t.Errorf("a clean patrol ended by failsafe %q", s.Failsafe)
	}
}

func TestAbortWithReturnToLaunch(t *testing.T) {
	r := newRig(t, mavlink.Options{}, fast(1))
	v := r.node.Vehicle(1)
	waitTelemetry(t, v)
	c := collect(t, v)
	items := mavlink.PatrolItems(home, route(), false)
	fly(t, v, items, nil)
	first := mavlink.WaypointSeqs(items)[0]
	for seq := range c.reached {
		if seq == first {
			break
		}
	}
	if err := v.ReturnToLaunch(ctxFor(t, 10*time.Second)); err != nil {
		t.Fatal(err)
	}
	landedHome(t, v, 30*time.Second)
	if r := r.drones[1].Status().Reached; slices.Contains(r, mavlink.WaypointSeqs(items)[2]) {
		t.Errorf("the last waypoint was reached after the abort: %v", r)
	}
}

func TestLinkLostWithinTimeoutAndBack(t *testing.T) {
	r := newRig(t, mavlink.Options{}, fast(1))
	v := r.node.Vehicle(1)
	waitTelemetry(t, v)
	c := collect(t, v)
	r.drones[1].LoseLink(5 * time.Second)
	select {
	case l := <-c.links:
		if l != bus.LinkLost {
			t.Fatalf("link change %q, want %q", l, bus.LinkLost)
		}
	case <-time.After(6 * time.Second):
		t.Fatal("no link_lost event")
	}
	st := v.State()
	// Updated is when the driver declared the link lost: the silence it
	// took is measured inside the driver, whatever this test's scheduling.
	silent := st.Updated.Sub(st.LastHeartbeat)
	t.Logf("link_lost declared %s after the last heartbeat", silent.Round(time.Millisecond))
	// The spec: link_lost when no heartbeat came for 3 s, noticed by a
	// ticker (100 ms) rather than by the next message.
	if silent > 3500*time.Millisecond || silent < 3*time.Second {
		t.Errorf("link_lost after %s of silence, want 3-3.5 s", silent)
	}
	if st.Link != bus.LinkLost {
		t.Errorf("state link %q, want %q", st.Link, bus.LinkLost)
	}
	select {
	case l := <-c.links:
		if l != bus.LinkUp {
			t.Fatalf("link change %q, want %q", l, bus.LinkUp)
		}
	case <-time.After(6 * time.Second):
		t.Fatal("the link did not come back")
	}
}

func TestDroppedItemsAreRetried(t *testing.T) {
	o := fast(1)
	o.DropItems = 4 // every 4th MISSION_ITEM_INT (upload) or MISSION_REQUEST_INT (download) is lost
	r := newRig(t, mavlink.Options{}, o)
	v := r.node.Vehicle(1)
	waitTelemetry(t, v)
	ctx := ctxFor(t, 40*time.Second)
	items := mavlink.PatrolItems(home, route(), true)
	began := time.Now()
	if err := v.Upload(ctx, mavlink.Mission, items); err != nil {
		t.Fatal(err)
	}
	back, err := v.Download(ctx, mavlink.Mission)
	if err != nil {
		t.Fatal(err)
	}
	if err := mavlink.Compare(items, back); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d items up and back with every 4th lost: %s", len(items), time.Since(began).Round(time.Millisecond))
}

func TestAllItemsDroppedTimesOutClearly(t *testing.T) {
	o := fast(1)
	o.DropItems = 1
	r := newRig(t, mavlink.Options{}, o)
	v := r.node.Vehicle(1)
	waitTelemetry(t, v)
	ctx := ctxFor(t, 30*time.Second)
	began := time.Now()
	err := v.Upload(ctx, mavlink.Mission, mavlink.PatrolItems(home, route(), true))
	took := time.Since(began)
	if !errors.Is(err, mavlink.ErrNoAnswer) {
		t.Fatalf("upload with every item lost: %v, want ErrNoAnswer", err)
	}
	if ctx.Err() != nil {
		t.Fatal("the upload hung until the test's own deadline")
	}
	t.Logf("gave up after %s: %v", took.Round(time.Millisecond), err)
}

func TestRefusedMissionSaysWhy(t *testing.T) {
	o := fast(1)
	o.Refuse = common.MAV_MISSION_NO_SPACE
	r := newRig(t, mavlink.Options{}, o)
	v := r.node.Vehicle(1)
	waitTelemetry(t, v)
	err := v.Upload(ctxFor(t, 10*time.Second), mavlink.Mission, mavlink.PatrolItems(home, route(), true))
	var me *mavlink.MissionError
	if !errors.As(err, &me) || me.Result != common.MAV_MISSION_NO_SPACE || me.Op != "upload" {
		t.Fatalf("refused upload: %v, want a MissionError with MAV_MISSION_NO_SPACE", err)
	}
	if !strings.Contains(err.Error(), "MAV_MISSION_NO_SPACE") || !strings.Contains(err.Error(), "refused") {
		t.Errorf("error does not say why: %v", err)
	}
}

func TestNoGPSRefusesToArm(t *testing.T) {
	o := fast(1)
	o.NoGPS = true
	r := newRig(t, mavlink.Options{}, o)
	v := r.node.Vehicle(1)
	waitState(t, v, 10*time.Second, "up", func(s mavlink.State) bool { return s.Link == bus.LinkUp && s.BatteryPercent >= 0 })
	c := collect(t, v)
	err := v.Arm(ctxFor(t, 10*time.Second))
	var ce *mavlink.CommandError
	if !errors.As(err, &ce) || ce.Result != common.MAV_RESULT_FAILED {
		t.Fatalf("arm without GPS: %v, want a CommandError FAILED", err)
	}
	c.waitText(t, "3D Fix", 5*time.Second)
	if st := v.State(); st.GPSFix || st.Armed {
		t.Errorf("gps fix %v armed %v, want neither", st.GPSFix, st.Armed)
	}
}

func TestLowBatteryReturnsHome(t *testing.T) {
	o := fast(1)
	o.Battery, o.DrainPerMinute = 24, 20 // 4 % above the failsafe: 12 s of simulated flight
	r := newRig(t, mavlink.Options{}, o)
	v := r.node.Vehicle(1)
	waitTelemetry(t, v)
	c := collect(t, v)
	fly(t, v, mavlink.PatrolItems(home, route(), false), nil)
	c.waitText(t, "Battery failsafe", 20*time.Second)
	landedHome(t, v, 30*time.Second)
	if s := r.drones[1].Status(); s.Failsafe != "Battery failsafe" || s.Battery > 20 {
		t.Errorf("failsafe %q at %.0f%%, want the battery's at 20%% or less", s.Failsafe, s.Battery)
	}
}

func TestFenceBreachReturnsHome(t *testing.T) {
	r := newRig(t, mavlink.Options{}, fast(1))
	v := r.node.Vehicle(1)
	waitTelemetry(t, v)
	c := collect(t, v)
	// The second waypoint lies outside this inclusion zone.
	zone := []mavlink.Point{
		{Lat: home.Lat - 0.0002, Lon: home.Lon - 0.0002}, {Lat: home.Lat + 0.0006, Lon: home.Lon - 0.0002},
		{Lat: home.Lat + 0.0006, Lon: home.Lon + 0.0002}, {Lat: home.Lat - 0.0002, Lon: home.Lon + 0.0002},
	}
	items := mavlink.PatrolItems(home, route(), false)
	fly(t, v, items, mavlink.FenceItems([][]mavlink.Point{zone}, nil))
	c.waitText(t, "Fence breach", 30*time.Second)
	landedHome(t, v, 30*time.Second)
	if s := r.drones[1].Status(); slices.Contains(s.Reached, mavlink.WaypointSeqs(items)[1]) {
		t.Errorf("the waypoint outside the fence was reached: %v", s.Reached)
	}
}

func TestLostGroundStationReturnsHome(t *testing.T) {
	o := fast(1)
	o.GCSTimeout = time.Second
	r := newRig(t, mavlink.Options{}, o)
	v := r.node.Vehicle(1)
	waitTelemetry(t, v)
	c := collect(t, v)
	items := mavlink.PatrolItems(home, route(), false)
	fly(t, v, items, nil)
	waitState(t, v, 10*time.Second, "airborne", func(s mavlink.State) bool { return s.AltRel > 5 })
	r.drones[1].LoseLink(2500 * time.Millisecond)
	// The failsafe's STATUSTEXT went out while the link was cut; what the
	// ground station sees once it is back is the drone in RTL.
	waitState(t, v, 10*time.Second, "back in RTL", func(s mavlink.State) bool { return s.Link == bus.LinkUp && s.Mode == "RTL" })
	landedHome(t, v, 30*time.Second)
	if s := r.drones[1].Status(); s.Failsafe != "GCS failsafe" {
		t.Errorf("failsafe %q, want the GCS failsafe", s.Failsafe)
	}
	_ = c
}

// An abort never waits for a mission transaction: while an upload is
// stuck (the drone loses every item), RTL goes through at once; the upload
// then ends in a clear error.
func TestCommandDuringStuckUpload(t *testing.T) {
	o := fast(1)
	o.DropItems = 1
	r := newRig(t, mavlink.Options{}, o)
	v := r.node.Vehicle(1)
	waitTelemetry(t, v)
	ctx := ctxFor(t, 30*time.Second)
	upload := make(chan error, 1)
	go func() { upload <- v.Upload(ctx, mavlink.Mission, mavlink.PatrolItems(home, route(), true)) }()
	for !r.drones[1].Status().Uploading {
		if ctx.Err() != nil {
			t.Fatal("the upload never began")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := v.ReturnToLaunch(ctx); err != nil {
		t.Fatalf("RTL during an upload: %v", err)
	}
	select {
	case err := <-upload:
		t.Fatalf("the upload ended (%v) before the RTL was answered: nothing was stuck", err)
	default:
	}
	waitState(t, v, 5*time.Second, "in RTL", func(s mavlink.State) bool { return s.Mode == "RTL" })
	if err := <-upload; !errors.Is(err, mavlink.ErrNoAnswer) {
		t.Fatalf("stuck upload: %v, want ErrNoAnswer", err)
	}
}

// A link cut during an upload ends it with ErrNoAnswer; once the link is
// back the same upload goes through.
func TestLinkLostDuringUpload(t *testing.T) {
	r := newRig(t, mavlink.Options{}, fast(1))
	v := r.node.Vehicle(1)
	waitTelemetry(t, v)
	ctx := ctxFor(t, 40*time.Second)
	items := mavlink.PatrolItems(home, route(), true)
	r.drones[1].LoseLink(8 * time.Second)
	if err := v.Upload(ctx, mavlink.Mission, items); !errors.Is(err, mavlink.ErrNoAnswer) {
		t.Fatalf("upload over a cut link: %v, want ErrNoAnswer", err)
	}
	waitState(t, v, 10*time.Second, "back up", func(s mavlink.State) bool { return s.Link == bus.LinkUp })
	if err := v.Upload(ctx, mavlink.Mission, items); err != nil {
		t.Fatalf("upload once the link is back: %v", err)
	}
}
