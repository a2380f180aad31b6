package patrol

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/argus-edge/argus/configs/airspace"
	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/gateway/store"
)

// fire is a fire start on camera hill-cam, looking at a point inside the
// hillside fence, away from the no-fly zone.
func fire(id string) store.Anomaly {
	return store.Anomaly{ID: id, Site: "hillside", Camera: "hill-cam", Edge: "edge-a", Kind: bus.KindFire,
		Severity: "critical", State: bus.StateStart, Geo: &bus.Geo{Lat: 22.307, Lon: 114.173, Alt: 90}}
}

// The nearest idle drone that passes the checks flies to look: a busy
// nearer one is passed over, the order names the anomaly and its target.
func TestVerifySendsTheNearestAbleDrone(t *testing.T) {
	r := newRig(t, map[string]*airspace.Site{"hillside": testSite("hillside", false)})
	near, far := idle("hill-near", "hillside"), idle("hill-far", "hillside")
	near.Position = &bus.DronePos{Lat: 22.306, Lon: 114.172, AltMSL: 80}
	r.put(near)
	r.put(far)

	out, err := r.svc.Verify(context.Background(), commander, fire("a-1"))
	if err != nil {
		t.Fatal(err)
	}
	c := r.command()
	if out.Drone != "hill-near" || out.Route != "verify-a-1" || c.Drone != "hill-near" || c.Patrol.Route != "verify-a-1" ||
		c.Patrol.Reason != "verify a-1" || c.Patrol.Target == nil || c.Patrol.Target.Lat != 22.307 || len(c.Patrol.Points) == 0 {
		t.Fatalf("launched %+v, order %+v", out, c.Patrol)
	}
	if e := r.event(EventDispatch); e.Dispatch.By != "hill-cmd" || e.Dispatch.Drone != "hill-near" || e.Dispatch.Patrol != out.Patrol {
		t.Fatalf("dispatch event %+v", e.Dispatch)
	}
	// hill-near is busy now: the next look goes to hill-far.
	out, err = r.svc.Verify(context.Background(), commander, fire("a-2"))
	if err != nil || out.Drone != "hill-far" {
		t.Fatalf("second verify: %+v %v", out, err)
	}
	r.command()
	// Both busy: refused, each drone's reason given.
	_, err = r.svc.Verify(context.Background(), commander, fire("a-3"))
	if StatusOf(err) != 409 || !strings.Contains(err.Error(), "hill-near: ") || !strings.Contains(err.Error(), "hill-far: ") {
		t.Fatalf("third verify: %v", err)
	}
	r.noCommand()
}

// Only fire and smoke with a location are verified; a pilot of another site may not.
func TestVerifyRefusals(t *testing.T) {
	r := newRig(t, map[string]*airspace.Site{"hillside": testSite("hillside", false)})
	r.put(idle("hill-1", "hillside"))
	person := fire("a-person")
	person.Kind = bus.KindPerson
	noGeo := fire("a-nogeo")
	noGeo.Geo = nil
	for _, a := range []store.Anomaly{person, noGeo} {
		if _, err := r.svc.Verify(context.Background(), commander, a); !errors.Is(err, ErrNotVerifiable) || StatusOf(err) != 422 {
			t.Fatalf("%s: %v", a.ID, err)
		}
	}
	if _, err := r.svc.Verify(context.Background(), outsider, fire("a-1")); StatusOf(err) != 403 {
		t.Fatalf("another site's pilot: %v", err)
	}
	river := fire("a-river")
	river.Site = "riverside" // no airspace in this test
	if _, err := r.svc.Verify(context.Background(), commander, river); StatusOf(err) != 422 || !strings.Contains(err.Error(), "no airspace configured for site riverside") {
		t.Fatalf("a site without airspace: %v", err)
	}
	r.noCommand()
}

// With auto_dispatch on, a fire start sends a drone by itself, once per
// anomaly, audited and announced as by auto_dispatch; off, nothing flies.
func TestAutoDispatch(t *testing.T) {
	r := newRig(t, map[string]*airspace.Site{"hillside": testSite("hillside", true), "riverside": testSite("riverside", false)})
	r.put(idle("hill-1", "hillside"))
	r.put(idle("river-1", "riverside"))

	r.svc.OnAnomaly(fire("a-1"))
	c := r.command()
	if c.Action != bus.ActionPatrolLaunch || c.Drone != "hill-1" || c.Patrol.By != AutoDispatch || c.Patrol.Route != "verify-a-1" {
		t.Fatalf("command %+v %+v", c, c.Patrol)
	}
	if e := r.event(EventDispatch); e.Dispatch.By != AutoDispatch || e.Dispatch.Anomaly != "a-1" || e.Dispatch.Drone != "hill-1" || e.Site != "hillside" {
		t.Fatalf("dispatch event %+v", e.Dispatch)
	}
	r.waitFor(func() bool {
		p, err := r.st.AuditLog(context.Background(), store.AuditQuery{Who: AutoDispatch})
		return err == nil && len(p.Items) == 1 && p.Items[0].Object == "a-1" && p.Items[0].Status == 202 &&
			strings.Contains(p.Items[0].Detail, "drone hill-1")
	}, "the auto_dispatch audit entry")

	again := fire("a-1") // the same anomaly again (an acknowledgement republishes it)
	again.Status = store.StatusAcknowledged
	r.svc.OnAnomaly(again)
	river := fire("a-river")
	river.Site, river.Camera = "riverside", "river-cam"
	r.svc.OnAnomaly(river)
	// An anomaly whose dispatch is refused (hill-1 is busy) is audited too:
	// once that entry exists, the two above have been passed over.
	r.svc.OnAnomaly(fire("a-2"))
	r.waitFor(func() bool {
		p, err := r.st.AuditLog(context.Background(), store.AuditQuery{Who: AutoDispatch})
		return err == nil && len(p.Items) == 2 && p.Items[0].Object == "a-2" && p.Items[0].Status == 409
	}, "the refused auto_dispatch's audit entry")
	r.noCommand()
	if v := r.svc.Plan("hillside"); len(v.Cameras) != 0 {
		t.Fatalf("cameras without a directory: %+v", v.Cameras)
	}
	_ = time.Second
}

// A site's plan: its airspace for drawing, and its cameras placed by the
// inventory or, failing that, by their anomalies.
func TestPlan(t *testing.T) {
	gate := &bus.Geo{Lat: 22.303, Lon: 114.171, Alt: 85}
	r := newRig(t, map[string]*airspace.Site{"hillside": testSite("hillside", false)}, func(o *Options) {
		o.Cameras = func(site string) []PlanCamera {
			return []PlanCamera{{ID: "hill-gate", Location: gate}, {ID: "hill-cam"}, {ID: "hill-dark"}}
		}
	})
	r.svc.OnAnomaly(fire("a-1")) // hill-cam's location, from its anomaly
	p := r.svc.Plan("hillside")
	if !p.Configured || len(p.Geofence) != 4 || len(p.NoFly) != 1 || p.NoFly[0].Name != "chemical-plant" || len(p.NoFly[0].Polygon) != 4 ||
		len(p.Routes) != 3 || p.Routes[1].Name != "across-plant" || len(p.Routes[1].Waypoints) != 2 || !p.Routes[0].RTL || p.Reserve != 25 {
		t.Fatalf("plan %+v", p)
	}
	if len(p.Cameras) != 3 || p.Cameras[0].ID != "hill-cam" || p.Cameras[0].Location == nil || p.Cameras[0].Location.Lat != 22.307 ||
		p.Cameras[1].ID != "hill-dark" || p.Cameras[1].Location != nil || p.Cameras[2].Location == nil || *p.Cameras[2].Location != *gate {
		t.Fatalf("cameras %+v", p.Cameras)
	}
	if p := r.svc.Plan("riverside"); p.Configured || len(p.Routes) != 0 || p.Geofence == nil {
		t.Fatalf("a site without airspace: %+v", p)
	}
}

// A fire that came without a location is placed at its camera's, from the
// inventory, and verified there.
func TestVerifyPlacesTheCamera(t *testing.T) {
	r := newRig(t, map[string]*airspace.Site{"hillside": testSite("hillside", false)}, func(o *Options) {
		o.Cameras = func(string) []PlanCamera {
			return []PlanCamera{{ID: "hill-cam", Location: &bus.Geo{Lat: 22.307, Lon: 114.173}}}
		}
	})
	r.put(idle("hill-1", "hillside"))
	a := fire("a-1")
	a.Geo = nil
	if _, err := r.svc.Verify(context.Background(), commander, a); err != nil {
		t.Fatal(err)
	}
	if c := r.command(); c.Patrol == nil || c.Patrol.Target == nil || c.Patrol.Target.Lat != 22.307 {
		t.Fatalf("command %+v", c)
	}
}
