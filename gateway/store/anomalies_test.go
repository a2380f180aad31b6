package store_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/gateway/store"
)

// jpeg is a stand-in snapshot: the store keeps bytes, it never decodes them.
var jpeg = []byte{0xff, 0xd8, 0xff, 0xe0, 'a', 'r', 'g', 'u', 's', 0x00, 0xff, 0xd9}

// testAnomalyEvents plays one anomaly's events, redeliveries and stragglers
// included, and checks what each did.
func testAnomalyEvents(t *testing.T, s store.Store) {
	start := event("a1", 10, bus.StateStart, "north", "cam-1", 0)
	start.Snapshot = jpeg
	start.Geo = &bus.Geo{Lat: 48.1, Lon: 11.5, Alt: 520}
	update := event("a1", 12, bus.StateUpdate, "north", "cam-1", 5*time.Second)
	update.Score = 0.95
	late := event("a1", 11, bus.StateUpdate, "north", "cam-1", 3*time.Second)
	late.Score = 0.1
	end := event("a1", 13, bus.StateEnd, "north", "cam-1", 9*time.Second)
	end.Score = 0.5 // the record is the latest event's
	after := event("a1", 14, bus.StateUpdate, "north", "cam-1", 12*time.Second)
	steps := []struct {
		name             string
		e                bus.Anomaly
		created, applied bool
		state            string
		seq              uint64
	}{
		{"start creates", start, true, true, bus.StateStart, 10},
		{"redelivered start is ignored", start, false, false, bus.StateStart, 10},
		{"update applies", update, false, true, bus.StateUpdate, 12},
		{"older update is ignored", late, false, false, bus.StateUpdate, 12},
		{"end applies", end, false, true, bus.StateEnd, 13},
		{"update after end is ignored", after, false, false, bus.StateEnd, 13},
	}
	for _, st := range steps {
		rec, created, applied, err := s.PutAnomaly(context.Background(), st.e)
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if created != st.created || applied != st.applied || rec.State != st.state || rec.Seq != st.seq {
			t.Errorf("%s: created %v applied %v state %s seq %d, want %v %v %s %d",
				st.name, created, applied, rec.State, rec.Seq, st.created, st.applied, st.state, st.seq)
		}
	}
	a := get(t, s, "a1")
	if a.Score != 0.5 || !a.StartedAt.Equal(t0) || !a.UpdatedAt.Equal(t0.Add(9*time.Second)) ||
		!a.EndedAt.Equal(t0.Add(9*time.Second)) || a.Status != store.StatusOpen || !a.HasSnapshot {
		t.Errorf("stored %+v", a)
	}
	if a.Geo == nil || *a.Geo != *start.Geo || a.Box != start.Box || a.Severity != "high" || a.RuleVersion != 3 {
		t.Errorf("stored geo %v box %v severity %s rule version %d", a.Geo, a.Box, a.Severity, a.RuleVersion)
	}
	snap, err := s.Snapshot(context.Background(), "a1")
	if err != nil || !bytes.Equal(snap, jpeg) {
		t.Errorf("snapshot %x, %v; want %x", snap, err, jpeg)
	}
	if _, err := s.Anomaly(context.Background(), "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown id: %v, want ErrNotFound", err)
	}
	if _, err := s.Snapshot(context.Background(), "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown snapshot: %v, want ErrNotFound", err)
	}
}

// testAnomalyWithoutStart: an update or end whose start never came still
// files the anomaly, and a start that arrives late still gives its picture.
func testAnomalyWithoutStart(t *testing.T, s store.Store) {
	rec, created, applied, err := s.PutAnomaly(context.Background(), event("u1", 5, bus.StateUpdate, "north", "cam-1", time.Second))
	if err != nil || !created || !applied || rec.State != bus.StateUpdate || !rec.StartedAt.Equal(t0.Add(time.Second)) {
		t.Fatalf("update first: %+v created %v applied %v %v", rec, created, applied, err)
	}
	lateStart := event("u1", 4, bus.StateStart, "north", "cam-1", 0)
	lateStart.Snapshot = jpeg
	rec, created, applied, err = s.PutAnomaly(context.Background(), lateStart)
	if err != nil || created || applied || rec.State != bus.StateUpdate || !rec.HasSnapshot {
		t.Errorf("late start: %+v created %v applied %v %v; want ignored but its snapshot kept", rec, created, applied, err)
	}
	if snap, err := s.Snapshot(context.Background(), "u1"); err != nil || !bytes.Equal(snap, jpeg) {
		t.Errorf("late start's snapshot: %x, %v", snap, err)
	}
	rec, created, _, err = s.PutAnomaly(context.Background(), event("e1", 9, bus.StateEnd, "north", "cam-2", 2*time.Second))
	if err != nil || !created || rec.State != bus.StateEnd || !rec.EndedAt.Equal(t0.Add(2*time.Second)) || rec.HasSnapshot {
		t.Errorf("end first: %+v created %v %v", rec, created, err)
	}
}

// testAnomalyBadInput: events the store cannot file are refused with
// ErrInvalid and leave nothing behind.
func testAnomalyBadInput(t *testing.T, s store.Store) {
	noID := event("", 1, bus.StateStart, "north", "cam-1", 0)
	noSite := event("b2", 1, bus.StateStart, "", "cam-1", 0)
	noCam := event("b3", 1, bus.StateStart, "north", "", 0)
	badState := event("b4", 1, "begin", "north", "cam-1", 0)
	hugeSeq := event("b5", 1<<63, bus.StateStart, "north", "cam-1", 0)
	for _, e := range []bus.Anomaly{noID, noSite, noCam, badState, hugeSeq} {
		if _, _, _, err := s.PutAnomaly(context.Background(), e); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("%+v: %v, want ErrInvalid", e, err)
		}
	}
	page, err := s.Anomalies(context.Background(), store.AnomalyQuery{})
	if err != nil || len(page.Items) != 0 {
		t.Errorf("after bad input: %d stored, %v", len(page.Items), err)
	}
}

// testAnomalyConcurrentEvents sends the events of a few anomalies from
// many goroutines at once: exactly one event creates each, and each ends
// with its highest seq.
func testAnomalyConcurrentEvents(t *testing.T, s store.Store) {
	const anomalies, events = 4, 16
	var wg sync.WaitGroup
	var mu sync.Mutex
	creations := map[string]int{}
	for a := range anomalies {
		id := fmt.Sprintf("c%d", a)
		for i := 1; i <= events; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, created, _, err := s.PutAnomaly(context.Background(), event(id, uint64(i), bus.StateUpdate, "north", "cam-1", time.Duration(i)*time.Second))
				if err != nil {
					t.Error(err)
				}
				if created {
					mu.Lock()
					creations[id]++
					mu.Unlock()
				}
			}()
		}
	}
	wg.Wait()
	for a := range anomalies {
		id := fmt.Sprintf("c%d", a)
		if got := get(t, s, id); creations[id] != 1 || got.Seq != events {
			t.Errorf("%s: %d creations, final seq %d; want 1 and %d", id, creations[id], got.Seq, events)
		}
	}
}
