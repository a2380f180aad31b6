package fleet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/argus-edge/argus/configs"
	"github.com/argus-edge/argus/drivers/peers"
)

// These tests run a real 3-node nats-server cluster (JetStream, replicas
// 3). Edges are in-process agents with their own connections; their pulls
// are simulated by the oracle, which records every start and stop.

// startFleet starts n edges (edge-0 …) on every URL and one assigner, and
// waits until every camera is pulled once.
func startFleet(t *testing.T, n int) (*harness, *testAssigner, map[string]string) {
	h := newHarness(t, 4, 10)
	for i := range n {
		h.startEdge(fmt.Sprintf("edge-%d", i), h.nats.URLs())
	}
	a := h.startAssigner("gw-a")
	owners, took := h.owned(30 * time.Second)
	t.Logf("cold start: %d cameras owned after %s", len(owners), took.Round(time.Millisecond))
	return h, a, owners
}

func TestEdgeKilledOnlyItsCamerasMove(t *testing.T) {
	h, _, before := startFleet(t, 4)
	filter := h.startFilter()
	starts := h.oracle.startsOf()
	var victim string // a camera of edge-2, with a status from it
	for c, e := range before {
		if e == "edge-2" {
			victim = c
		}
	}
	old := h.putStatus("edge-2", victim)
	h.waitFor(5*time.Second, "the filter knowing the owners", func() bool {
		return filter.Accept(victim, "edge-2", old.Owner)
	})
	h.kill("edge-2")
	after, took := h.owned(10 * time.Second)
	t.Logf("edge-2's cameras owned again after %s", took.Round(time.Millisecond))
	moved := 0
	for c, e := range before {
		switch {
		case e == "edge-2":
			moved++
			if after[c] == "edge-2" {
				t.Errorf("%s still on the dead edge", c)
			}
		case after[c] != e || h.oracle.startsOf()[c] != starts[c]:
			t.Errorf("%s moved from live %s to %s", c, e, after[c])
		}
	}
	if moved == 0 {
		t.Fatal("edge-2 owned nothing: the test shows nothing")
	}
	h.noDoubles()

	// The gateway's filter now drops edge-2's status and takes the new
	// owner's, read back from the status bucket.
	h.waitFor(5*time.Second, "the filter following the move", func() bool {
		e, _, ok := filter.Owner(victim)
		return ok && e == after[victim]
	})
	if filter.Accept(victim, "edge-2", old.Owner) {
		t.Errorf("the dead edge's status for %s is still accepted", victim)
	}
	if st := h.putStatus(after[victim], victim); !filter.Accept(victim, st.Edge, st.Owner) {
		t.Errorf("the new owner's status %+v is dropped", st)
	}
}

func TestAssignerRestartMovesNothing(t *testing.T) {
	h, a, _ := startFleet(t, 3)
	revs, starts := h.revisions(), h.oracle.startsOf()
	a.stop()
	b := h.startAssigner("gw-b")
	h.waitFor(15*time.Second, "the new assigner placing", func() bool { return b.Leading() && b.Rounds() >= 1 })
	if got := h.revisions(); fmt.Sprint(got) != fmt.Sprint(revs) {
		t.Fatalf("assignments rewritten by the new assigner: %v, were %v", got, revs)
	}
	if got := h.oracle.startsOf(); fmt.Sprint(got) != fmt.Sprint(starts) {
		t.Fatal("a camera was stopped and started again")
	}
}

func TestTwoAssignersOneWrites(t *testing.T) {
	h := newHarness(t, 2, 10)
	for i := range 3 {
		h.startEdge(fmt.Sprintf("edge-%d", i), h.nats.URLs())
	}
	a, b := h.startAssigner("gw-a"), h.startAssigner("gw-b")
	h.waitFor(30*time.Second, "cameras owned, one assigner leading", func() bool {
		if a.Leading() && b.Leading() {
			t.Fatal("both assigners lead")
		}
		_, ok := h.oracle.owners(h.cameras)
		return ok
	})
	leader, other := a, b
	if b.Leading() {
		leader, other = b, a
	}
	stale := h.revisions()

	// The leader is cut off (its connection closes, it never releases the
	// lease): it stops leading before its lease expires, and only then
	// does the other take over; then the other re-places after a loss.
	leader.conn.Close()
	h.waitFor(15*time.Second, "the other assigner leading", func() bool {
		if leader.Leading() && other.Leading() {
			t.Fatal("both assigners lead")
		}
		return other.Leading()
	})
	if leader.Leading() {
		t.Fatal("the cut-off assigner still leads")
	}
	h.kill("edge-1")
	h.owned(10 * time.Second)

	// The old leader, paused with a lease it still believes valid,
	// writes from its stale view: the engine refuses.
	kv, err := h.js.KeyValue(h.ctx(5*time.Second), BucketAssign)
	if err != nil {
		t.Fatal(err)
	}
	old := leader.Assigner
	old.mu.Lock()
	old.lease.until = time.Now().Add(time.Hour)
	for e, rev := range stale {
		old.assign[e] = assigned{Assignment: Assignment{Edge: e}, rev: rev}
	}
	old.mu.Unlock()
	refused := 0
	for e, rev := range h.revisions() {
		if rev == stale[e] {
			continue
		}
		_, err := old.write(h.ctx(5*time.Second), kv, Assignment{Edge: e, Cameras: []string{"cam-0-0"}})
		if !errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
			t.Fatalf("stale write to %s: %v, want a revision mismatch", e, err)
		}
		refused++
	}
	if refused == 0 {
		t.Fatal("the new leader rewrote no key: nothing to refuse")
	}
	h.noDoubles()
}

func TestCutOffEdgeFencesBeforeItsCamerasMove(t *testing.T) {
	h := newHarness(t, 4, 10)
	link := peers.TCPLink(t, h.nats.URL(0)[len("nats://"):])
	h.startEdge("edge-0", "nats://"+link.Addr(), nats.IgnoreDiscoveredServers())
	for i := 1; i < 4; i++ {
		h.startEdge(fmt.Sprintf("edge-%d", i), h.nats.URLs())
	}
	h.startAssigner("gw-a")
	before, _ := h.owned(30 * time.Second)
	mine := 0
	for _, e := range before {
		if e == "edge-0" {
			mine++
		}
	}
	if mine == 0 {
		t.Fatal("edge-0 owns nothing: the test shows nothing")
	}
	link.Cut()
	took := h.waitFor(15*time.Second, "edge-0 fenced and its cameras owned elsewhere", func() bool {
		owners, ok := h.oracle.owners(h.cameras)
		for _, e := range owners {
			if e == "edge-0" {
				return false
			}
		}
		return ok && h.oracle.holds("edge-0") == 0
	})
	t.Logf("cut off: cameras owned elsewhere after %s", took.Round(time.Millisecond))
	h.noDoubles()

	// Back on the backbone it rejoins and takes a share again, by
	// break-before-make moves.
	link.Restore()
	h.waitFor(30*time.Second, "edge-0 pulling again", func() bool {
		_, ok := h.oracle.owners(h.cameras)
		return ok && h.oracle.holds("edge-0") > 0
	})
	h.noDoubles()
}

func TestNATSNodeKilledAssignmentGoesOn(t *testing.T) {
	h, _, _ := startFleet(t, 4)
	h.nats.Kill(0)
	h.kill("edge-3")
	after, took := h.owned(30 * time.Second)
	t.Logf("node 0 killed, edge-3 killed: cameras owned again after %s", took.Round(time.Millisecond))
	for c, e := range after {
		if e == "edge-3" {
			t.Fatalf("%s on the dead edge", c)
		}
	}
	h.noDoubles()
	h.nats.Restart(0)
}

// Garbage in the buckets (a heartbeat, a camera spec, an assignment that
// are not JSON) is logged and skipped: nothing crashes, every real
// camera stays where it was, and a corrupt assignment is rewritten from
// the assigner's last known one.
func TestCorruptValuesAreSkipped(t *testing.T) {
	h, a, before := startFleet(t, 3)
	ctx := h.ctx(10 * time.Second)
	put := func(bucket, key, value string) {
		t.Helper()
		kv, err := h.js.KeyValue(ctx, bucket)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := kv.Put(ctx, key, []byte(value)); err != nil {
			t.Fatal(err)
		}
	}
	rounds := a.Rounds()
	put(BucketEdges, "edge-junk", "{not json")
	put(BucketCameras, "cam-junk", "\x00\xff")
	put(BucketAssign, "edge-1", "[1,2")
	h.waitFor(10*time.Second, "a placement after the garbage", func() bool { return a.Rounds() > rounds })
	h.waitFor(10*time.Second, "edge-1's assignment rewritten", func() bool {
		kv, _ := h.js.KeyValue(ctx, BucketAssign)
		e, err := kv.Get(ctx, "edge-1")
		var as Assignment
		return err == nil && json.Unmarshal(e.Value(), &as) == nil
	})
	after, _ := h.owned(10 * time.Second)
	for c, e := range before {
		if after[c] != e {
			t.Errorf("%s moved from %s to %s", c, e, after[c])
		}
	}
	h.noDoubles()
}

// Draining moves an edge's cameras between live edges break-before-make:
// the drained edge takes 700 ms to stop its pulls, and no other edge
// starts one of them before it has.
func TestDrainIsBreakBeforeMake(t *testing.T) {
	h := newHarness(t, 4, 10)
	slow := h.startSlowEdge("edge-0", h.nats.URLs(), 700*time.Millisecond)
	for i := 1; i < 4; i++ {
		h.startEdge(fmt.Sprintf("edge-%d", i), h.nats.URLs())
	}
	h.startAssigner("gw-a")
	before, _ := h.owned(30 * time.Second)
	if h.oracle.holds("edge-0") == 0 {
		t.Fatal("edge-0 owns nothing: the test shows nothing")
	}
	slow.agent.SetDraining(true)
	h.waitFor(15*time.Second, "edge-0 drained", func() bool {
		_, ok := h.oracle.owners(h.cameras)
		return ok && h.oracle.holds("edge-0") == 0
	})
	after, _ := h.oracle.owners(h.cameras)
	for c, e := range before {
		if e != "edge-0" && after[c] != e {
			t.Errorf("%s moved from %s to %s", c, e, after[c])
		}
	}
	h.noDoubles()
}

func TestAgentConfigChecked(t *testing.T) {
	for _, cfg := range []AgentConfig{
		{},
		{Edge: "e", TTL: 3 * time.Second, Fence: 3 * time.Second},
		{Edge: "e", Every: 2 * time.Second, Fence: 2 * time.Second},
	} {
		if _, err := NewAgent(nil, cfg, func(Work) {}); err == nil {
			t.Errorf("%+v accepted", cfg)
		}
	}
	if _, err := NewAgent(nil, AgentConfig{Edge: "e"}, func(Work) {}); err != nil {
		t.Errorf("defaults refused: %v", err)
	}
}

// Two processes started under one edge id (a misconfiguration) are seen
// by the assigner, which says so in its log and metrics.
func TestDuplicateEdgeIDSeen(t *testing.T) {
	h := newHarness(t, 1, 4)
	h.startEdge("edge-0", h.nats.URLs())
	a := h.startAssigner("gw-a")
	h.owned(30 * time.Second)
	twin, err := NewAgent(h.connect(h.nats.URLs()), AgentConfig{Edge: "edge-0", Log: logger(t)}, func(Work) {})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); twin.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	h.waitFor(15*time.Second, "the duplicate seen", func() bool { return a.Duplicates() > 0 })
}

// A round cut short between break and make (an assigner gone after it
// took a camera off a live edge, before giving it to another) leaves the
// camera in no key while its old edge may still pull it: the next
// assigner waits until that edge confirms before it starts the camera
// elsewhere. The old edge here takes 700 ms to stop.
func TestCutShortMoveWaitsForTheOldEdge(t *testing.T) {
	h := newHarness(t, 2, 10)
	h.startSlowEdge("edge-0", h.nats.URLs(), 700*time.Millisecond)
	h.startEdge("edge-1", h.nats.URLs())
	a := h.startAssigner("gw-a")
	before, _ := h.owned(30 * time.Second)
	a.stop()

	// What the cut-short round wrote: edge-0's key without one camera.
	ctx := h.ctx(10 * time.Second)
	kv, err := h.js.KeyValue(ctx, BucketAssign)
	if err != nil {
		t.Fatal(err)
	}
	e, err := kv.Get(ctx, "edge-0")
	if err != nil {
		t.Fatal(err)
	}
	var as Assignment
	if err := json.Unmarshal(e.Value(), &as); err != nil || len(as.Cameras) == 0 {
		t.Fatalf("edge-0's assignment %s: %v", e.Value(), err)
	}
	taken := as.Cameras[0]
	as.Cameras = as.Cameras[1:]
	// The camera is pinned to edge-1 meanwhile, so it must move there.
	cams, err := h.js.KeyValue(ctx, BucketCameras)
	if err != nil {
		t.Fatal(err)
	}
	spec := SpecOf(configs.Camera{ID: taken, Site: "site-0", Main: "rtsp://127.0.0.1:1/" + taken}, "edge-1", 0)
	sb, _ := json.Marshal(spec)
	if _, err := cams.Put(ctx, taken, sb); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(as)
	if _, err := kv.Update(ctx, "edge-0", b, e.Revision()); err != nil {
		t.Fatal(err)
	}
	h.startAssigner("gw-b")
	h.waitFor(15*time.Second, "the camera on edge-1", func() bool {
		after, ok := h.oracle.owners(h.cameras)
		return ok && after[taken] == "edge-1"
	})
	if before[taken] != "edge-0" {
		t.Fatalf("%s was on %s", taken, before[taken])
	}
	h.noDoubles()
}
