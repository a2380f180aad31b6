package fleet

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"

	"github.com/argus-edge/argus/configs"
	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/peers"
)

// oracle records every start and stop of a camera by an edge, as the
// edges' apply callbacks report them (the pulls themselves are simulated:
// an edge "pulls" what its last Work lists), and every instant at which
// two edges pulled one camera.
type oracle struct {
	mu      sync.Mutex
	held    map[string]map[string]bool // edge → cameras it pulls
	pulling map[string]map[string]bool // camera → edges pulling it
	starts  map[string]int             // camera → starts so far
	stops   int
	dead    map[string]bool // killed edges: their callbacks no longer count
	doubles []string
}

func newOracle() *oracle {
	return &oracle{held: map[string]map[string]bool{}, pulling: map[string]map[string]bool{},
		starts: map[string]int{}, dead: map[string]bool{}}
}

// apply is an edge's Work arriving: stops first, then starts.
func (o *oracle) apply(edge string, w Work) {
	now := map[string]bool{}
	if !w.Fenced {
		for _, c := range w.Cameras {
			now[c.ID] = true
		}
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.dead[edge] {
		return
	}
	for c := range o.held[edge] {
		if !now[c] {
			delete(o.pulling[c], edge)
			o.stops++
		}
	}
	for c := range now {
		if o.held[edge][c] {
			continue
		}
		if len(o.pulling[c]) > 0 {
			o.doubles = append(o.doubles, fmt.Sprintf("%s started %s while %v pulled it", edge, c, slices.Collect(maps.Keys(o.pulling[c]))))
		}
		if o.pulling[c] == nil {
			o.pulling[c] = map[string]bool{}
		}
		o.pulling[c][edge] = true
		o.starts[c]++
	}
	o.held[edge] = now
}

// kill stops every pull of edge at once, as its process dying would.
func (o *oracle) kill(edge string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.dead[edge] = true
	for c := range o.held[edge] {
		delete(o.pulling[c], edge)
	}
	delete(o.held, edge)
}

// revive lets a restarted edge's callbacks count again.
func (o *oracle) revive(edge string) {
	o.mu.Lock()
	delete(o.dead, edge)
	o.mu.Unlock()
}

// owners maps each camera pulled by exactly one edge to it; ok is false
// unless every one of cams is.
func (o *oracle) owners(cams []string) (map[string]string, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	out, ok := map[string]string{}, true
	for _, c := range cams {
		if len(o.pulling[c]) != 1 {
			ok = false
			continue
		}
		for e := range o.pulling[c] {
			out[c] = e
		}
	}
	return out, ok
}

func (o *oracle) startsOf() map[string]int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return maps.Clone(o.starts)
}

func (o *oracle) stopCount() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.stops
}

func (o *oracle) holds(edge string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.held[edge])
}

func (o *oracle) violations() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.Clone(o.doubles)
}

// harness is a NATS cluster with the fleet's buckets, an inventory, edges
// and assigners.
type harness struct {
	t       testing.TB
	nats    *peers.NATS
	js      jetstream.JetStream
	oracle  *oracle
	cameras []string
	edges   map[string]*testEdge
}

type testEdge struct {
	agent  *Agent
	conn   *nats.Conn
	cancel context.CancelFunc
	done   chan struct{} // closed when Run returned
}

// stop ends the agent's Run and waits for it; idempotent.
func (e *testEdge) stop() {
	e.cancel()
	<-e.done
}

type testAssigner struct {
	*Assigner
	conn   *nats.Conn
	cancel context.CancelFunc
	done   chan struct{}
}

// newHarness starts a 3-node cluster and stores sites × perSite cameras.
func newHarness(t testing.TB, sites, perSite int) *harness {
	t.Helper()
	h := &harness{t: t, nats: peers.NATSCluster(t, 3), oracle: newOracle(), edges: map[string]*testEdge{}}
	h.js = h.connect(h.nats.URLs())
	ctx := h.ctx(30 * time.Second)
	if err := Buckets(ctx, h.js, 3); err != nil {
		t.Fatal(err)
	}
	// The inventory goes in as asynchronous puts to the keys' subjects,
	// as many as 41,000 of them.
	for s := range sites {
		for c := range perSite {
			id := fmt.Sprintf("cam-%d-%d", s, c)
			spec := SpecOf(configs.Camera{ID: id, Site: fmt.Sprintf("site-%d", s), Main: "rtsp://127.0.0.1:1/" + id}, "", 0)
			b, _ := json.Marshal(spec)
			subject := "$KV." + BucketCameras + "." + id
			if _, err := h.js.PublishAsync(subject, b); err != nil {
				<-h.js.PublishAsyncComplete() // too many in flight: let them land
				if _, err := h.js.PublishAsync(subject, b); err != nil {
					t.Fatal(err)
				}
			}
			h.cameras = append(h.cameras, id)
		}
	}
	select {
	case <-h.js.PublishAsyncComplete():
	case <-ctx.Done():
		t.Fatal("inventory not stored after 30s")
	}
	return h
}

func (h *harness) ctx(d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	h.t.Cleanup(cancel)
	return ctx
}

// connect opens a client that reconnects quickly and forever.
func (h *harness) connect(urls string, opts ...nats.Option) jetstream.JetStream {
	h.t.Helper()
	nc, err := h.dial(urls, opts...)
	if err != nil {
		h.t.Fatal(err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		h.t.Fatal(err)
	}
	return js
}

func (h *harness) dial(urls string, opts ...nats.Option) (*nats.Conn, error) {
	opts = append([]nats.Option{nats.MaxReconnects(-1), nats.ReconnectWait(100 * time.Millisecond),
		nats.Timeout(time.Second)}, opts...)
	nc, err := nats.Connect(urls, opts...)
	if err == nil {
		h.t.Cleanup(nc.Close)
	}
	return nc, err
}

func logger(t testing.TB) zerolog.Logger {
	level := zerolog.InfoLevel
	if _, bench := t.(*testing.B); bench {
		level = zerolog.WarnLevel
	}
	return zerolog.New(zerolog.NewTestWriter(t)).Level(level).With().Timestamp().Logger()
}

// startEdge runs an edge agent with its own connection to urls.
func (h *harness) startEdge(id, urls string, opts ...nats.Option) *testEdge {
	h.t.Helper()
	return h.startSlowEdge(id, urls, 0, opts...)
}

// startSlowEdge runs an edge whose every apply takes stopping long before
// its pulls stop, as an edge tearing down many readers would.
func (h *harness) startSlowEdge(id, urls string, stopping time.Duration, opts ...nats.Option) *testEdge {
	h.t.Helper()
	nc, err := h.dial(urls, opts...)
	if err != nil {
		h.t.Fatal(err)
	}
	js, _ := jetstream.New(nc)
	h.oracle.revive(id)
	a, err := NewAgent(js, AgentConfig{Edge: id, Capacity: 1, Log: logger(h.t)}, func(w Work) {
		time.Sleep(stopping) // the simulated teardown, not a synchronisation
		h.oracle.apply(id, w)
	})
	if err != nil {
		h.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	e := &testEdge{agent: a, conn: nc, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(e.done)
		if err := a.Run(ctx); err != nil {
			h.t.Errorf("agent %s: %v", id, err)
		}
	}()
	h.t.Cleanup(e.stop)
	h.edges[id] = e
	return e
}

// kill ends an edge abruptly, as kill -9 would: its pulls stop, its
// connection drops, it never says goodbye (its heartbeat key stays until
// its TTL).
func (h *harness) kill(id string) {
	e := h.edges[id]
	h.oracle.kill(id)
	e.conn.Close()
	e.stop()
}

func (h *harness) startAssigner(holder string) *testAssigner {
	h.t.Helper()
	nc, err := h.dial(h.nats.URLs())
	if err != nil {
		h.t.Fatal(err)
	}
	js, _ := jetstream.New(nc)
	a := NewAssigner(js, AssignerConfig{Holder: holder, Log: logger(h.t)})
	ctx, cancel := context.WithCancel(context.Background())
	ta := &testAssigner{Assigner: a, conn: nc, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(ta.done)
		if err := a.Run(ctx); err != nil {
			h.t.Errorf("assigner %s: %v", holder, err)
		}
	}()
	h.t.Cleanup(ta.stop)
	return ta
}

// stop ends the assigner gracefully (it releases the lease); idempotent.
func (a *testAssigner) stop() {
	a.cancel()
	<-a.done
}

// waitFor polls cond until it holds, failing the test after within. It
// polls every 20 ms itself rather than through peers.Eventually, which
// backs off to 100 ms: the time it returns is a reported figure.
func (h *harness) waitFor(within time.Duration, what string, cond func() bool) time.Duration {
	h.t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > within {
			h.t.Fatalf("not %s after %s", what, within)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return time.Since(start)
}

// owned waits until every camera is pulled by exactly one edge and
// returns who pulls what.
func (h *harness) owned(within time.Duration) (map[string]string, time.Duration) {
	h.t.Helper()
	var owners map[string]string
	took := h.waitFor(within, "every camera pulled by one edge", func() bool {
		var ok bool
		owners, ok = h.oracle.owners(h.cameras)
		return ok
	})
	return owners, took
}

// startFilter runs a stale-owner filter on the cluster until the test ends.
func (h *harness) startFilter() *Filter {
	f := NewFilter()
	js := h.connect(h.nats.URLs()) // closed after the filter stops
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := f.Run(ctx, js); err != nil {
			h.t.Errorf("filter: %v", err)
		}
	}()
	h.t.Cleanup(func() { cancel(); <-done })
	return f
}

// putStatus has edge store an online status of camera and reads it back
// from the status bucket.
func (h *harness) putStatus(edge, camera string) bus.CameraStatus {
	h.t.Helper()
	ctx := h.ctx(5 * time.Second)
	if err := h.edges[edge].agent.PutStatus(ctx, bus.CameraStatus{Camera: camera, State: bus.Online, Time: bus.Now()}); err != nil {
		h.t.Fatal(err)
	}
	kv, err := h.js.KeyValue(ctx, BucketStatus)
	if err != nil {
		h.t.Fatal(err)
	}
	e, err := kv.Get(ctx, camera)
	if err != nil {
		h.t.Fatal(err)
	}
	var st bus.CameraStatus
	if err := json.Unmarshal(e.Value(), &st); err != nil {
		h.t.Fatal(err)
	}
	if st.Edge != edge || st.Epoch == 0 || st.Incarnation != h.edges[edge].agent.Incarnation() {
		h.t.Fatalf("status stored as %+v", st)
	}
	return st
}

// revisions reads every assignment key's revision.
func (h *harness) revisions() map[string]uint64 {
	h.t.Helper()
	ctx := h.ctx(10 * time.Second)
	kv, err := h.js.KeyValue(ctx, BucketAssign)
	if err != nil {
		h.t.Fatal(err)
	}
	keys, err := kv.Keys(ctx)
	if err != nil {
		h.t.Fatal(err)
	}
	out := map[string]uint64{}
	for _, k := range keys {
		e, err := kv.Get(ctx, k)
		if err != nil {
			h.t.Fatal(err)
		}
		out[k] = e.Revision()
	}
	return out
}

func (h *harness) noDoubles() {
	h.t.Helper()
	if v := h.oracle.violations(); len(v) > 0 {
		h.t.Fatalf("%d double pulls, first: %s", len(v), v[0])
	}
}
