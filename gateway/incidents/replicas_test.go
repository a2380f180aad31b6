package incidents

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/peers"
	"github.com/argus-edge/argus/gateway/store"
)

// replica is one gateway replica's store, lead and grouping.
type replica struct {
	st   store.Store
	lead *store.Leader
	svc  *Service
	stop context.CancelFunc
	done chan struct{}
}

// newReplica opens a store on dsn with its lead running and a grouping service led by it.
func newReplica(t *testing.T, dsn string, env Env) *replica {
	t.Helper()
	st, err := store.Open(context.Background(), "postgres", dsn)
	if err != nil {
		t.Fatal(err)
	}
	r := &replica{st: st, lead: st.Leader("incidents"), done: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	r.stop = func() { cancel(); <-r.done }
	go func() { defer close(r.done); r.lead.Run(ctx) }()
	t.Cleanup(func() { r.stop(); st.Close() })
	if r.svc, err = NewService(st, Rules{}, Options{Env: env, Leads: r.lead.Held, Log: zerolog.Nop()}); err != nil {
		t.Fatal(err)
	}
	if err := r.svc.Start(context.Background(), t0); err != nil {
		t.Fatal(err)
	}
	return r
}

// receive is what gateway/alerts does with one event off the bus: store
// it, and hand the grouping the record it applied, or the one another
// replica applied from this event or a later one (it ran ahead).
func (r *replica) receive(t *testing.T, e bus.Anomaly) {
	rec, _, applied, err := r.st.PutAnomaly(context.Background(), e)
	if err != nil {
		t.Error(err)
		return
	}
	if applied || rec.ID == e.ID && rec.Seq >= e.Seq {
		r.svc.Observe(rec)
	}
}

// fireEvent is an anomaly event of kind on camera at t0+at.
func fireEvent(id string, seq uint64, state, camera, kind string, at time.Duration) bus.Anomaly {
	return bus.Anomaly{ID: id, Seq: seq, Site: "hill", Camera: camera, Edge: "edge-1", Kind: kind, State: state,
		Severity: "high", FrameTime: bus.At(t0.Add(at)), PublishedAt: bus.At(t0.Add(at))}
}

// TestPostgresReplicasGroupOnce. Real: one PostgreSQL database shared by
// two stores, each with its own pool and its own lead (a session advisory
// lock), as two gateway replicas have. Simulated: the replicas are two
// store+grouping pairs in this process, and the bus is a loop handing
// every event to both at once, as both replicas' MQTT sessions receive it.
// Each anomaly's write is won by one replica or the other; still a real
// event is one incident: a fire seen by two cameras 200 m apart (one,
// two members), smoke 5 km away (its own), a camera going covered five
// times (one, flapping). Then the leading replica stops: the other takes
// the lead and the fire's next anomaly joins the same incident.
func TestPostgresReplicasGroupOnce(t *testing.T) {
	dsn := peers.Postgres(t)
	p := places{"a": {Lat: 30, Lon: 120}, "b": {Lat: 30 + metresNorth(200), Lon: 120}, "far": {Lat: 30 + metresNorth(5000), Lon: 120}}
	rs := []*replica{newReplica(t, dsn, Env{Locate: p.locate}), newReplica(t, dsn, Env{Locate: p.locate})}
	leader := waitLeader(t, rs)

	var events []bus.Anomaly
	add := func(id, camera, kind string, at time.Duration) {
		events = append(events, fireEvent(id, 1, bus.StateStart, camera, kind, at),
			fireEvent(id, 2, bus.StateUpdate, camera, kind, at+time.Second),
			fireEvent(id, 3, bus.StateEnd, camera, kind, at+2*time.Second))
	}
	add("fire-a", "a", bus.KindFire, 0)
	add("fire-b", "b", bus.KindFire, time.Second)
	add("smoke-far", "far", bus.KindSmoke, 2*time.Second)
	for i := range 5 {
		add(fmt.Sprintf("cov-%d", i), "c", bus.KindCameraCovered, time.Duration(10+i*5)*time.Second)
	}
	var wg sync.WaitGroup
	for _, r := range rs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, e := range events {
				r.receive(t, e)
			}
		}()
	}
	wg.Wait()
	incs := openIncidents(t, rs[0].st)
	if countDistinct(incs) != 3 {
		t.Fatalf("%d open incidents %v, want 3: the fire, the far smoke, the covered camera", len(incs), incs)
	}
	fire := incs["fire-a"]
	if fire.Count != 2 || len(fire.Cameras) != 2 || incs["smoke-far"].ID == fire.ID || incs["cov-0"].Rule != store.RuleFlapping || incs["cov-0"].Count != 5 {
		t.Fatalf("incidents %+v: want the fire with 2 members, the smoke apart, the covered camera flapping 5 times", incs)
	}

	// The leader goes; the other replica takes over from the store.
	rs[leader].stop()
	other := rs[1-leader]
	deadline := time.Now().Add(15 * time.Second)
	for !other.lead.Held() {
		if time.Now().After(deadline) {
			t.Fatal("the remaining replica did not take the lead within 15 s")
		}
		time.Sleep(50 * time.Millisecond)
	}
	other.receive(t, fireEvent("fire-b2", 1, bus.StateStart, "b", bus.KindFire, time.Minute))
	after := openIncidents(t, other.st)
	if got := after["fire-b2"]; got.ID != fire.ID || got.Count != 3 {
		t.Fatalf("after the takeover the fire's next anomaly is in %+v, want %s with 3 members", got, fire.ID)
	}
}

// waitLeader waits until one replica holds the lead and returns its index.
func waitLeader(t *testing.T, rs []*replica) int {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		held := -1
		for i, r := range rs {
			if r.lead.Held() {
				if held >= 0 {
					t.Fatal("two replicas hold the lead at once")
				}
				held = i
			}
		}
		if held >= 0 {
			return held
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("no replica took the lead within 15 s")
	return -1
}

// openIncidents maps each member anomaly of the open incidents to its incident.
func openIncidents(t *testing.T, st store.Store) map[string]store.Incident {
	t.Helper()
	ctx := context.Background()
	page, err := st.Incidents(ctx, store.IncidentQuery{State: store.StatusOpen})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]store.Incident{}
	for _, inc := range page.Items {
		ms, err := st.IncidentMembers(ctx, inc.ID, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ms {
			out[m.Anomaly] = inc
		}
	}
	if len(page.Items) != countDistinct(out) {
		t.Fatalf("%d open incidents but %d hold members", len(page.Items), countDistinct(out))
	}
	return out
}

// countDistinct counts the incidents of a member map.
func countDistinct(m map[string]store.Incident) int {
	ids := map[string]bool{}
	for _, inc := range m {
		ids[inc.ID] = true
	}
	return len(ids)
}
