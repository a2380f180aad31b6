package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/gateway/store"
)

// retention and now of the prune tests: a month after t0.
var (
	retention = store.Retention{Anomalies: 7 * 24 * time.Hour, Snapshots: 2 * 24 * time.Hour, Audit: 3 * 24 * time.Hour}
	now       = t0.Add(30 * 24 * time.Hour)
)

// agedAnomaly stores an anomaly started at start, ended or not, with a snapshot or not.
func agedAnomaly(t *testing.T, s store.Store, id string, start time.Time, ended, snapshot bool) {
	t.Helper()
	e := event(id, 1, bus.StateStart, "north", "cam-1", start.Sub(t0))
	if snapshot {
		e.Snapshot = jpeg
	}
	put(t, s, e)
	if ended {
		put(t, s, event(id, 2, bus.StateEnd, "north", "cam-1", start.Sub(t0)+time.Second))
	}
}

// fillAged stores records just inside and just past each age.
func fillAged(t *testing.T, s store.Store) {
	ctx := context.Background()
	ms := time.Millisecond
	anomalyCut, snapCut, auditCut := now.Add(-retention.Anomalies), now.Add(-retention.Snapshots), now.Add(-retention.Audit)
	agedAnomaly(t, s, "old-ended", anomalyCut.Add(-ms), true, true)
	agedAnomaly(t, s, "edge-ended", anomalyCut, true, true)
	agedAnomaly(t, s, "old-ongoing", anomalyCut.Add(-ms), false, true)
	agedAnomaly(t, s, "old-acked", anomalyCut.Add(-time.Hour), true, false)
	if _, err := s.Acknowledge(ctx, "old-acked", "ann", "", anomalyCut); err != nil {
		t.Fatal(err)
	}
	agedAnomaly(t, s, "snap-edge", snapCut, true, true)
	agedAnomaly(t, s, "snap-old", snapCut.Add(-ms), true, true)
	for _, at := range []time.Time{auditCut, auditCut.Add(-ms), now} {
		if err := s.Audit(ctx, store.AuditEntry{Time: at, Who: "ann", Action: "x"}); err != nil {
			t.Fatal(err)
		}
	}
	// More than one prune batch of old entries.
	for i := range 1000 {
		if err := s.Audit(ctx, store.AuditEntry{Time: auditCut.Add(-time.Duration(i+2) * ms), Who: "bulk", Action: "x"}); err != nil {
			t.Fatal(err)
		}
	}
	for i, exp := range []time.Time{now, now.Add(ms), now.Add(-time.Hour)} {
		if err := s.PutSession(ctx, store.Session{TokenHash: store.HashToken(string(rune('a' + i))), User: "ann", Created: t0, Expires: exp}); err != nil {
			t.Fatal(err)
		}
	}
	for cam, dismissed := range map[string]time.Time{"cam-1": anomalyCut.Add(-ms), "cam-2": anomalyCut} {
		if err := s.PutWall(ctx, store.WallEntry{Camera: cam, Added: t0}); err != nil {
			t.Fatal(err)
		}
		if err := s.DismissWall(ctx, cam, "ann", dismissed); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.PutWall(ctx, store.WallEntry{Camera: "cam-3", Added: t0}); err != nil {
		t.Fatal(err)
	}
}

// testPruneBoundary: Prune removes exactly what is past its age, and a
// second Prune finds nothing more.
func testPruneBoundary(t *testing.T, s store.Store) {
	ctx := context.Background()
	fillAged(t, s)
	p, err := s.Prune(ctx, retention, now)
	if err != nil {
		t.Fatal(err)
	}
	want := store.Pruned{Anomalies: 2, Snapshots: 4, Audit: 1001, Sessions: 2, Wall: 1}
	if p != want {
		t.Errorf("pruned %+v, want %+v", p, want)
	}
	cases := []struct {
		id            string
		kept, hasSnap bool
	}{
		{"old-ended", false, false},
		{"old-acked", false, false},
		{"edge-ended", true, false},
		{"old-ongoing", true, false},
		{"snap-edge", true, true},
		{"snap-old", true, false},
	}
	for _, c := range cases {
		a, err := s.Anomaly(ctx, c.id)
		if !c.kept {
			if !errors.Is(err, store.ErrNotFound) {
				t.Errorf("%s: still stored (%v)", c.id, err)
			}
			continue
		}
		if err != nil || a.HasSnapshot != c.hasSnap {
			t.Errorf("%s: %v, has_snapshot %v want %v", c.id, err, a.HasSnapshot, c.hasSnap)
		}
		if _, err := s.Snapshot(ctx, c.id); (err == nil) != c.hasSnap {
			t.Errorf("%s: snapshot read %v, want present %v", c.id, err, c.hasSnap)
		}
	}
	log, err := s.AuditLog(ctx, store.AuditQuery{})
	if err != nil || len(log.Items) != 2 || !log.Items[1].Time.Equal(now.Add(-retention.Audit)) {
		t.Errorf("audit left: %+v %v", log.Items, err)
	}
	if _, err := s.Session(ctx, store.HashToken("b"), now); err != nil {
		t.Errorf("unexpired session: %v", err)
	}
	if w := wallOf(t, s); w != "cam-3:@0" {
		t.Errorf("wall %q", w)
	}
	if p, err := s.Prune(ctx, retention, now); err != nil || p != (store.Pruned{}) {
		t.Errorf("second prune: %+v %v", p, err)
	}
}

// testPruneKeepsForever: a zero retention keeps everything; only expired
// sessions go.
func testPruneKeepsForever(t *testing.T, s store.Store) {
	fillAged(t, s)
	p, err := s.Prune(context.Background(), store.Retention{}, now)
	if err != nil || p != (store.Pruned{Sessions: 2}) {
		t.Errorf("pruned %+v %v, want only 2 sessions", p, err)
	}
	page, err := s.Anomalies(context.Background(), store.AnomalyQuery{})
	if err != nil || len(page.Items) != 6 {
		t.Errorf("%d anomalies left, %v", len(page.Items), err)
	}
}
