package fleet

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/argus-edge/argus/drivers/bus"
)

// BenchmarkFleetDistrict simulates a district on one machine against a
// real 3-node NATS cluster: ARGUS_FLEET_SITES × ARGUS_FLEET_PER_SITE
// cameras (100 × 410 = 41,000 by default) over ARGUS_FLEET_EDGES (120)
// in-process edge agents whose pulls are simulated by the oracle, which
// records every start and stop. Phases: cold start, steady state, 5 edges
// killed at once, the 5 back, 1 added, 1 drained, the assigner restarted.
// It reports, per phase, the cameras moved against the minimum, the time
// until every camera is pulled again, double pulls, and the max load
// against ceil(1.05 × average). Run it with -benchtime 1x.
func BenchmarkFleetDistrict(b *testing.B) {
	sites, perSite, edges := envInt("ARGUS_FLEET_SITES", 100), envInt("ARGUS_FLEET_PER_SITE", 410), envInt("ARGUS_FLEET_EDGES", 120)
	for b.Loop() {
		district(b, sites, perSite, edges)
	}
}

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

func district(b *testing.B, sites, perSite, edges int) {
	h := newHarness(b, sites, perSite)
	n := len(h.cameras)
	report := func(phase, format string, args ...any) {
		fmt.Printf("fleet %-14s %s\n", phase, fmt.Sprintf(format, args...))
	}
	report("inventory", "%d cameras (%d sites × %d), %d edges, 3 NATS nodes (R3)", n, sites, perSite, edges)

	start := time.Now()
	for i := range edges {
		h.startEdge(edgeID(i), h.nats.URLs())
	}
	a := h.startAssigner("gw-a")
	owners, _ := h.owned(5 * time.Minute)
	h.settle()
	owners, _ = h.oracle.owners(h.cameras)
	maxLoad, bound := loadFigures(owners, edges, n)
	report("cold start", "all pulled after %s; max load %d, bound ceil(1.05×avg) %d; a site on %.1f edges on average; double pulls %d",
		time.Since(start).Round(time.Millisecond), maxLoad, bound, edgesPerSite(owners), len(h.oracle.violations()))

	steadyStarts := total(h.oracle.startsOf())
	time.Sleep(5 * time.Second) // an observation window, not a synchronisation
	report("steady", "starts in 5 s: %d", total(h.oracle.startsOf())-steadyStarts)

	before := owners
	killAt := time.Now()
	orphans := 0
	for i := range 5 {
		for _, e := range before {
			if e == edgeID(i) {
				orphans++
			}
		}
		h.kill(edgeID(i))
	}
	after, took := h.owned(time.Minute)
	report("5 killed", "%d orphans owned again after %s (target 10 s); moved %d, minimum %d (%.2f×)",
		orphans, took.Round(time.Millisecond), moved(before, after), orphans, ratio(moved(before, after), orphans))
	_ = killAt

	phase := func(name string, change func(), minimum float64) {
		before, _ := h.oracle.owners(h.cameras)
		doubles := len(h.oracle.violations())
		t0 := time.Now()
		change()
		last := h.settle()
		after, _ := h.oracle.owners(h.cameras)
		m := moved(before, after)
		maxLoad, bound := loadFigures(after, 0, n)
		report(name, "last start or stop after %s; moved %d, minimum %.0f (%.2f×); max load %d, bound %d; double pulls %d",
			last.Sub(t0).Round(time.Millisecond), m, minimum, float64(m)/minimum, maxLoad, bound, len(h.oracle.violations())-doubles)
	}
	share := float64(n) / float64(edges)
	phase("5 back", func() {
		for i := range 5 {
			h.startEdge(edgeID(i), h.nats.URLs())
		}
	}, 5*share)
	phase("1 added", func() { h.startEdge(edgeID(edges), h.nats.URLs()) }, float64(n)/float64(edges+1))
	drained := edgeID(7)
	phase("1 drained", func() { h.edges[drained].agent.SetDraining(true) }, float64(h.oracle.holds(drained)))

	revs, starts := h.revisions(), total(h.oracle.startsOf())
	t0 := time.Now()
	a.stop()
	a2 := h.startAssigner("gw-b")
	h.waitFor(time.Minute, "the new assigner placing", func() bool { return a2.Leading() && a2.Rounds() >= 1 })
	rewritten := 0
	for e, r := range h.revisions() {
		if revs[e] != r {
			rewritten++
		}
	}
	report("assigner restart", "placing again after %s; keys rewritten %d, cameras started %d",
		time.Since(t0).Round(time.Millisecond), rewritten, total(h.oracle.startsOf())-starts)
	if v := h.oracle.violations(); len(v) > 0 {
		b.Errorf("%d double pulls, first: %s", len(v), v[0])
	}
}

// edgesPerSite is how many edges a site's cameras are spread over, on
// average (camera ids are cam-<site>-<n>).
func edgesPerSite(owners map[string]string) float64 {
	per := map[string]map[string]bool{}
	for c, e := range owners {
		site := c[:strings.LastIndexByte(c, '-')]
		if per[site] == nil {
			per[site] = map[string]bool{}
		}
		per[site][e] = true
	}
	n := 0
	for _, es := range per {
		n += len(es)
	}
	return float64(n) / float64(len(per))
}

func edgeID(i int) string { return fmt.Sprintf("edge-%03d", i) }

// settle waits until every camera is pulled once and no camera started
// or stopped for 2 s, and returns when the last one did.
func (h *harness) settle() time.Time {
	h.t.Helper()
	last, quietSince := -1, time.Now()
	h.waitFor(5*time.Minute, "settled", func() bool {
		_, ok := h.oracle.owners(h.cameras)
		s := total(h.oracle.startsOf()) + h.oracle.stopCount()
		if s != last {
			last, quietSince = s, time.Now()
		}
		return ok && time.Since(quietSince) > 2*time.Second
	})
	return quietSince
}

func total(m map[string]int) int {
	t := 0
	for _, v := range m {
		t += v
	}
	return t
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// loadFigures is the largest number of cameras on one edge and the bound
// ceil(1.05 × average) over the edges holding any (or edges, if given).
func loadFigures(owners map[string]string, edges, n int) (int, int) {
	per := map[string]int{}
	for _, e := range owners {
		per[e]++
	}
	if edges == 0 {
		edges = len(per)
	}
	m := 0
	for _, c := range per {
		m = max(m, c)
	}
	return m, int(math.Ceil(Balance * float64(n) / float64(edges)))
}

// BenchmarkStatusRebuild41k reads 41,000 camera statuses of ~300 B from
// BucketStatus on a 3-node cluster (replicas 3) with one watch, as the
// gateway rebuilds its view at start, and reports the time and the heap
// the map of statuses takes.
func BenchmarkStatusRebuild41k(b *testing.B) {
	h := newHarness(b, 0, 0)
	const n = 41000
	for i := range n {
		st := bus.CameraStatus{Site: fmt.Sprintf("site-%d", i/410), Camera: fmt.Sprintf("cam-%d-%d", i/410, i%410),
			Edge: edgeID(i % 120), State: bus.Online, Codec: "h264", Width: 1920, Height: 1080, FPS: 25,
			BitrateKbps: 4000, Mode: bus.ModeIdle, Time: bus.Now(), Owner: bus.Owner{Epoch: uint64(i), Incarnation: "0123456789abcdef"}}
		v, _ := json.Marshal(st)
		subject := "$KV." + BucketStatus + "." + st.Camera
		if _, err := h.js.PublishAsync(subject, v); err != nil {
			<-h.js.PublishAsyncComplete()
			if _, err := h.js.PublishAsync(subject, v); err != nil {
				b.Fatal(err)
			}
		}
	}
	<-h.js.PublishAsyncComplete()
	for b.Loop() {
		runtime.GC()
		var m0, m1 runtime.MemStats
		runtime.ReadMemStats(&m0)
		t0 := time.Now()
		statuses := readStatuses(b, h.connect(h.nats.URLs()))
		took := time.Since(t0)
		runtime.GC()
		runtime.ReadMemStats(&m1)
		if len(statuses) != n {
			b.Fatalf("read %d statuses of %d", len(statuses), n)
		}
		fmt.Printf("fleet statuses     %d read from %s in %s; heap held %.1f MB\n", n, BucketStatus,
			took.Round(time.Millisecond), float64(int64(m1.HeapAlloc)-int64(m0.HeapAlloc))/1e6)
		runtime.KeepAlive(statuses)
	}
}

// readStatuses reads every status in BucketStatus with one watch.
func readStatuses(b *testing.B, js jetstream.JetStream) map[string]bus.CameraStatus {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	kv, err := js.KeyValue(ctx, BucketStatus)
	if err != nil {
		b.Fatal(err)
	}
	w, err := kv.WatchAll(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer w.Stop()
	out := map[string]bus.CameraStatus{}
	for e := range w.Updates() {
		if e == nil {
			return out
		}
		var st bus.CameraStatus
		if json.Unmarshal(e.Value(), &st) == nil {
			out[e.Key()] = st
		}
	}
	b.Fatal("status watch ended early")
	return nil
}
