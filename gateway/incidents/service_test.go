package incidents

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/gateway/store"
)

// openStore is a real SQLite store in the test's directory.
func openStore(t *testing.T, path string) store.Store {
	t.Helper()
	st, err := store.OpenSQLite(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// TestServiceStormRestart: a storm of 600 camera_offline over 3 sites in
// 60 s through the service into a real SQLite store leaves one outage per
// site holding every anomaly as a member; a new service on the same file
// (a gateway restart) restores the outages, and a late offline joins its
// site's outage instead of opening a new incident. Listeners hear of changes.
func TestServiceStormRestart(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "argus.db")
	st := openStore(t, path)
	svc, err := NewService(st, Rules{}, Options{Log: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	heard := make(chan store.Incident, 1)
	cancel := svc.Subscribe(func(inc store.Incident) {
		select {
		case heard <- inc:
		default:
		}
	})
	defer cancel()
	const n = 600
	offWall := 0
	for i := range n {
		site := fmt.Sprintf("s%d", i%3)
		if svc.Observe(rec(fmt.Sprintf("o%d", i), site, fmt.Sprintf("%s-cam%d", site, i), bus.KindCameraOffline, bus.StateStart,
			time.Duration(i)*60*time.Second/n)) {
			offWall++
		}
	}
	// Each site's first 4 cameras went offline before its outage: they alone may go on the wall.
	if offWall != n-3*4 {
		t.Fatalf("%d anomalies kept off the wall as outage members, want %d", offWall, n-3*4)
	}
	select {
	case <-heard:
	case <-time.After(10 * time.Second):
		t.Fatal("no listener heard of an incident")
	}
	if got := svc.opened[slices.Index(rules, store.RuleOutage)].Load(); got != 3 {
		t.Fatalf("metrics count %d outages opened, want 3", got)
	}
	if svc.Failed() != 0 {
		t.Fatalf("%d incident writes failed", svc.Failed())
	}
	page, err := st.Incidents(ctx, store.IncidentQuery{State: store.StatusOpen})
	if err != nil {
		t.Fatal(err)
	}
	members := 0
	for _, inc := range page.Items {
		if inc.Rule != store.RuleOutage {
			t.Fatalf("open incident %s by rule %s beside the outages", inc.ID, inc.Rule)
		}
		ms, err := st.IncidentMembers(ctx, inc.ID, 0)
		if err != nil {
			t.Fatal(err)
		}
		members += len(ms)
	}
	if len(page.Items) != 3 || members != n {
		t.Fatalf("%d open incidents holding %d members, want 3 outages holding all %d", len(page.Items), members, n)
	}

	// Restart: a second service on the same store.
	svc2, err := NewService(openStore(t, path), Rules{}, Options{Log: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc2.Start(ctx, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if got := svc2.Engine().Len(); got != 3 {
		t.Fatalf("restored %d incidents, want 3", got)
	}
	late := rec("late", "s0", "s0-late", bus.KindCameraOffline, bus.StateStart, 61*time.Second)
	svc2.Observe(late)
	got, err := st.Incidents(ctx, store.IncidentQuery{Site: "s0", State: store.StatusOpen})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Items) != 1 || got.Items[0].Count != n/3+1 {
		t.Fatalf("site s0 incidents %+v: want its one outage counting %d", got.Items, n/3+1)
	}
	// An action on the restored outage is stored with its timeline line.
	inc, _, err := svc2.Act(ctx, got.Items[0].ID, Action{What: ActAssign, By: "ann", Text: "bob", At: t0.Add(2 * time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	if inc.Owner != "bob" || inc.Timeline[len(inc.Timeline)-1].What != ActAssign {
		t.Fatalf("after assign: owner %q, last line %+v", inc.Owner, inc.Timeline[len(inc.Timeline)-1])
	}
}

// TestServiceOneTilePerFire: the wall keeps one tile per fire, its most
// severe camera's: smoke on a first camera goes on it, fire 200 m away
// (more severe) too, more smoke there does not; a camera 5 km away opens
// its own incident and goes on the wall.
func TestServiceOneTilePerFire(t *testing.T) {
	st := openStore(t, filepath.Join(t.TempDir(), "argus.db"))
	p := places{"a": {Lat: 30, Lon: 120}, "b": {Lat: 30 + metresNorth(200), Lon: 120}, "far": {Lat: 30 + metresNorth(5000), Lon: 120}}
	svc, err := NewService(st, Rules{}, Options{Env: Env{Locate: p.locate}, Log: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		id, camera, kind, severity string
		offWall                    bool
	}{
		{"s1", "a", bus.KindSmoke, "high", false},
		{"f1", "b", bus.KindFire, "critical", false},
		{"s2", "b", bus.KindSmoke, "high", true},
		{"f2", "far", bus.KindFire, "critical", false},
	} {
		a := rec(c.id, "s", c.camera, c.kind, bus.StateStart, 0)
		a.Severity = c.severity
		if got := svc.Observe(a); got != c.offWall {
			t.Errorf("%s on %s: off the wall %v, want %v", c.id, c.camera, got, c.offWall)
		}
	}
}
