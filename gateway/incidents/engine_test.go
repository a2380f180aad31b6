package incidents

import (
	"fmt"
	"testing"
	"time"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/gateway/store"
)

// TestFireArea: one fire seen by two cameras 200 m apart is one incident
// with two members; a third camera 5 km away has its own; a drone's
// anomaly that verifies a member joins the first. Locations are the
// inventory's, given by a table.
func TestFireArea(t *testing.T) {
	p := places{"cam-a": {Lat: 30, Lon: 120}, "cam-b": {Lat: 30 + metresNorth(200), Lon: 120},
		"cam-far": {Lat: 30 + metresNorth(5000), Lon: 120}}
	e := newEngine(t, Env{Locate: p.locate})
	c := newCollector()
	c.add(e.Observe(rec("a1", "north", "cam-a", bus.KindFire, bus.StateStart, 0)))
	c.add(e.Observe(rec("b1", "north", "cam-b", bus.KindSmoke, bus.StateStart, 20*time.Second)))
	c.add(e.Observe(rec("f1", "north", "cam-far", bus.KindFire, bus.StateStart, 30*time.Second)))
	drone := rec("d1", "north", "drone-1", bus.KindFire, bus.StateStart, 5*time.Minute)
	drone.Verifies = "a1"
	c.add(e.Observe(drone))

	if c.members["a1"] != c.members["b1"] || c.members["a1"] == "" {
		t.Fatalf("a1 in %q, b1 in %q: want one incident", c.members["a1"], c.members["b1"])
	}
	if c.members["f1"] == c.members["a1"] {
		t.Fatalf("the camera 5 km away joined the fire 5 km off")
	}
	if c.members["d1"] != c.members["a1"] {
		t.Fatalf("the drone's verifying look is in %q, want %q", c.members["d1"], c.members["a1"])
	}
	fire := c.incs[c.members["a1"]]
	if fire.Count != 3 || fire.Rule != store.RuleArea || len(fire.Cameras) != 3 {
		t.Fatalf("fire incident %+v: want 3 members on 3 cameras by rule area", fire)
	}
	if fire.Severity != "high" { // medium, one step up for 3 cameras
		t.Fatalf("severity %s, want high (spread over 3 cameras)", fire.Severity)
	}
	if got := len(c.live()); got != 2 {
		t.Fatalf("%d incidents, want 2", got)
	}
}

// TestRepeat: the same kind on the same camera within the window is one
// incident with a count; after the window a new one; another kind is apart.
func TestRepeat(t *testing.T) {
	tests := []struct {
		name      string
		gaps      []time.Duration // between starts
		incidents int
		count     int // of the first incident
	}{
		{"three within the window", []time.Duration{0, 3 * time.Minute, 3 * time.Minute}, 1, 3},
		{"second after the window", []time.Duration{0, 11 * time.Minute}, 2, 1},
		{"one alone", []time.Duration{0}, 1, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, c := newEngine(t, Env{}), newCollector()
			at := time.Duration(0)
			for i, g := range tc.gaps {
				at += g
				id := fmt.Sprintf("x%d", i)
				c.add(e.Observe(rec(id, "s", "cam-1", bus.KindCameraCovered, bus.StateStart, at)))
				c.add(e.Observe(rec(id, "s", "cam-1", bus.KindCameraCovered, bus.StateEnd, at+20*time.Second)))
			}
			c.add(e.Observe(rec("p", "s", "cam-1", bus.KindPerson, bus.StateStart, at)))
			if got := len(c.live()); got != tc.incidents+1 {
				t.Fatalf("%d incidents, want %d and the person's", got, tc.incidents)
			}
			if got := c.incs[c.members["x0"]].Count; got != tc.count {
				t.Fatalf("first incident counts %d, want %d", got, tc.count)
			}
		})
	}
}

// TestFlapping: a camera going offline and online every 28 s is one
// flapping incident with a count, until stable; then a new one.
func TestFlapping(t *testing.T) {
	e, c := newEngine(t, Env{}), newCollector()
	at := time.Duration(0)
	for i := range 20 {
		id := fmt.Sprintf("off%d", i)
		c.add(e.Observe(rec(id, "s", "cam-flap", bus.KindCameraOffline, bus.StateStart, at)))
		c.add(e.Observe(rec(id, "s", "cam-flap", bus.KindCameraOffline, bus.StateEnd, at+10*time.Second)))
		at += 28 * time.Second
	}
	live := c.live()
	if len(live) != 1 || live[0].Rule != store.RuleFlapping || live[0].Count != 20 {
		t.Fatalf("incidents %+v: want one flapping incident counting 20", live)
	}
	// Stable for longer than StableAfter: the next drop is a new incident.
	c.add(e.Observe(rec("later", "s", "cam-flap", bus.KindCameraOffline, bus.StateStart, at+11*time.Minute)))
	if c.members["later"] == c.members["off0"] {
		t.Fatalf("an offline after the camera was stable joined the flapping incident")
	}
	if got := c.incs[c.members["later"]].Rule; got != store.RuleRepeat {
		t.Fatalf("new incident's rule %s, want repeat", got)
	}
}

// TestStorm: 5,000 camera_offline in 60 s across 3 sites (a typhoon cuts
// power) make at most one outage incident per site, and every anomaly is
// a member of one incident. Site c's edge is offline: its cause says so.
func TestStorm(t *testing.T) {
	e := newEngine(t, Env{EdgeOffline: func(edge string) bool { return edge == "edge-c" }})
	c := newCollector()
	sites := []string{"a", "b", "c"}
	for i := range 5000 {
		site := sites[i%3]
		id := fmt.Sprintf("o%d", i)
		at := time.Duration(i) * 60 * time.Second / 5000
		c.add(e.Observe(rec(id, site, fmt.Sprintf("%s-cam%d", site, i), bus.KindCameraOffline, bus.StateStart, at)))
	}
	perSite := map[string]int{}
	for _, inc := range c.live() {
		if inc.Rule != store.RuleOutage {
			t.Fatalf("incident %s by rule %s left beside the outages", inc.ID, inc.Rule)
		}
		perSite[inc.Site]++
		want := "many cameras at once"
		if inc.Site == "c" {
			want = "edge lost: edge-c"
		}
		if inc.Cause != want {
			t.Fatalf("site %s outage cause %q, want %q", inc.Site, inc.Cause, want)
		}
	}
	for _, s := range sites {
		if perSite[s] != 1 {
			t.Fatalf("site %s has %d outage incidents, want 1", s, perSite[s])
		}
	}
	for i := range 5000 {
		id := fmt.Sprintf("o%d", i)
		inc := c.incs[c.members[id]]
		if inc.Rule != store.RuleOutage {
			t.Fatalf("anomaly %s is in %q (rule %q), not in its site's outage", id, inc.ID, inc.Rule)
		}
	}
}

// TestIgnored: shadow anomalies make no incident. A record seen first at
// its end (another replica applied its start and ran ahead) is grouped as
// an anomaly that started and ended: its start and end on the timeline.
func TestIgnored(t *testing.T) {
	e := newEngine(t, Env{})
	sh := rec("s1", "s", "cam", bus.KindPerson, bus.StateStart, 0)
	sh.Shadow = true
	if ch := e.Observe(sh); ch != nil {
		t.Fatalf("shadow anomaly made %+v", ch)
	}
	end := rec("e1", "s", "cam", bus.KindPerson, bus.StateEnd, 5*time.Second)
	end.StartedAt = t0
	c := newCollector()
	c.add(e.Observe(end))
	for _, ch := range e.Observe(end) { // again: nothing more
		t.Fatalf("the same end again made %+v", ch)
	}
	inc := c.incs[c.members["e1"]]
	if c.members["e1"] == "" || !inc.First.Equal(t0) || !inc.Last.Equal(t0.Add(5*time.Second)) {
		t.Fatalf("a lone end: incident %+v, want one from its start to its end", inc)
	}
}

// TestActResolveRestore: a resolved incident takes no more members; an
// engine restored from stored incidents finds a member's end and groups
// a repeat into the restored incident.
func TestActResolveRestore(t *testing.T) {
	e, c := newEngine(t, Env{}), newCollector()
	c.add(e.Observe(rec("a", "s", "cam", bus.KindPerson, bus.StateStart, 0)))
	id := c.members["a"]
	ack, err := e.Act(id, Action{What: ActAck, By: "ops", At: t0})
	inc := ack.Incident
	if err != nil || inc.State != store.StatusAcknowledged || len(ack.Entries) != 1 || ack.Entries[0].What != ActAck {
		t.Fatalf("ack: %v, state %s, entries %+v", err, inc.State, ack.Entries)
	}
	if _, err := e.Act(id, Action{What: "explode", By: "ops"}); err == nil {
		t.Fatal("an unknown action was taken")
	}
	// A restart: a new engine restored from what the store holds.
	e2 := newEngine(t, Env{})
	e2.Restore(inc, []store.IncidentMember{{Anomaly: "a", Camera: "cam", Site: "s", Kind: bus.KindPerson, At: t0}})
	if ch := e2.Observe(rec("a", "s", "cam", bus.KindPerson, bus.StateEnd, time.Minute)); len(ch) != 1 || ch[0].Incident.ID != id {
		t.Fatalf("member's end after restore: %+v, want a change of %s", ch, id)
	}
	if ch := e2.Observe(rec("b", "s", "cam", bus.KindPerson, bus.StateStart, 2*time.Minute)); ch[0].Incident.ID != id || ch[0].Incident.Count != 2 {
		t.Fatalf("repeat after restore went to %+v, want %s counting 2", ch[0].Incident, id)
	}
	if _, err := e2.Act(id, Action{What: ActResolve, By: "ops", Text: "false alarm", At: t0}); err != nil {
		t.Fatal(err)
	}
	// b still runs: its later events must not reopen the resolved incident under its id.
	if ch := e2.Observe(rec("b", "s", "cam", bus.KindPerson, bus.StateUpdate, 150*time.Second)); ch != nil {
		t.Fatalf("an update of a resolved incident's member made %+v", ch)
	}
	ch := e2.Observe(rec("c", "s", "cam", bus.KindPerson, bus.StateStart, 3*time.Minute))
	if ch[0].Incident.ID == id || !ch[0].Created {
		t.Fatalf("anomaly after resolve joined the resolved incident")
	}
}
