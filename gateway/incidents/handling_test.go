package incidents

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/gateway/store"
)

// putStart stores an anomaly's start in st (as alerts does) and hands the
// applied record to svc; it returns the record.
func putStart(t *testing.T, st store.Store, svc *Service, id, camera, kind string, at time.Duration) store.Anomaly {
	t.Helper()
	e := bus.Anomaly{ID: id, Seq: 1, Site: "hill", Camera: camera, Edge: "edge-1", Kind: kind, State: bus.StateStart,
		Severity: "high", FrameTime: bus.At(t0.Add(at)), PublishedAt: bus.At(t0.Add(at))}
	rec, _, applied, err := st.PutAnomaly(context.Background(), e)
	if err != nil || !applied {
		t.Fatalf("put %s: applied %v, %v", id, applied, err)
	}
	svc.Observe(rec)
	return rec
}

// TestServiceActsOnMembers (real SQLite): acknowledging a fire incident of
// two cameras acknowledges both member anomalies; resolving it resolves
// them and takes it out of grouping (the fire coming back opens a new
// incident). The reverse: resolving the new incident's members one by one
// leaves it open until the last, which resolves it, by that person.
func TestServiceActsOnMembers(t *testing.T) {
	ctx := context.Background()
	st := openStore(t, filepath.Join(t.TempDir(), "argus.db"))
	p := places{"a": {Lat: 30, Lon: 120}, "b": {Lat: 30 + metresNorth(200), Lon: 120}}
	svc, err := NewService(st, Rules{}, Options{Env: Env{Locate: p.locate}, Log: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	putStart(t, st, svc, "f1", "a", bus.KindFire, 0)
	putStart(t, st, svc, "f2", "b", bus.KindFire, time.Second)
	id, open, err := st.IncidentOfAnomaly(ctx, "f2")
	if err != nil || open != 2 {
		t.Fatalf("f2's incident %q with %d open members, %v: want one incident of both", id, open, err)
	}
	inc, n, err := svc.Act(ctx, id, Action{What: ActAck, By: "chief", At: t0.Add(time.Minute)})
	if err != nil || n != 2 || inc.State != store.StatusAcknowledged {
		t.Fatalf("ack: %s, %d members, %v", inc.State, n, err)
	}
	for _, m := range []string{"f1", "f2"} {
		if a, _ := st.Anomaly(ctx, m); a.Status != store.StatusAcknowledged || a.AcknowledgedBy != "chief" {
			t.Fatalf("member %s after ack: %s by %q", m, a.Status, a.AcknowledgedBy)
		}
	}
	if inc, n, err = svc.Act(ctx, id, Action{What: ActResolve, By: "chief", At: t0.Add(2 * time.Minute)}); err != nil || n != 2 {
		t.Fatalf("resolve: %d members, %v", n, err)
	}
	if a, _ := st.Anomaly(ctx, "f1"); a.Status != store.StatusResolved || a.ResolvedBy != "chief" {
		t.Fatalf("member f1 after resolve: %s by %q", a.Status, a.ResolvedBy)
	}
	if last := inc.Timeline[len(inc.Timeline)-1]; inc.State != store.StatusResolved || last.What != ActResolve || last.By != "chief" {
		t.Fatalf("resolved incident %s, last line %+v", inc.State, last)
	}

	// The fire again: a new incident, resolved member by member.
	putStart(t, st, svc, "f3", "a", bus.KindFire, 3*time.Minute)
	putStart(t, st, svc, "f4", "b", bus.KindFire, 3*time.Minute)
	id2, _, _ := st.IncidentOfAnomaly(ctx, "f4")
	if id2 == "" || id2 == id {
		t.Fatalf("the fire after the resolve joined %q, want a new incident", id2)
	}
	if _, err := st.Resolve(ctx, "f3", "pilot", "", t0.Add(4*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := svc.MemberResolved(ctx, "f3", "pilot"); ok || err != nil {
		t.Fatalf("one member of two resolved: incident resolved %v, %v", ok, err)
	}
	if _, err := st.Resolve(ctx, "f4", "pilot", "", t0.Add(5*time.Minute)); err != nil {
		t.Fatal(err)
	}
	got, ok, err := svc.MemberResolved(ctx, "f4", "pilot")
	if !ok || err != nil || got.State != store.StatusResolved || got.Timeline[len(got.Timeline)-1].By != "pilot" {
		t.Fatalf("last member resolved: %+v, %v, %v; want the incident resolved by pilot", got, ok, err)
	}
	if _, ok, _ := svc.MemberResolved(ctx, "f4", "pilot"); ok {
		t.Fatal("an incident already resolved was resolved again")
	}
}
