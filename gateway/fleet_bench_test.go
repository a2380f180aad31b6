package main

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"
	"golang.org/x/sync/errgroup"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/fleet"
	"github.com/argus-edge/argus/drivers/peers"
	"github.com/argus-edge/argus/gateway/directory"
	"github.com/argus-edge/argus/gateway/store"
)

// BenchmarkStatusRebuild41k: the gateway's status reader (fleetSide's
// watches of argus-assign and argus-status, the filter, the directory)
// rebuilds a district's 41,000 camera statuses (100 sites × 410, owned by
// 120 edges, each status stamped with its owner's epoch) from a 3-node
// cluster with replicas 3, as a gateway does when it starts. Real: the
// cluster, nats.go, the gateway's code; the edges that wrote the statuses
// are simulated by the benchmark's own puts. It reports the seconds until
// every status is in the directory and the process's heap then.
//
//	go test -run XXX -bench StatusRebuild41k -benchtime 1x ./gateway/
func BenchmarkStatusRebuild41k(b *testing.B) {
	const sites, perSite, edges = 100, 410, 120
	c := peers.NATSCluster(b, 3)
	nc, err := nats.Connect(c.URLs())
	if err != nil {
		b.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	ctx := context.Background()
	if err := fleet.Buckets(ctx, js, 3); err != nil {
		b.Fatal(err)
	}
	seedDistrict(b, js, sites, perSite, edges)
	for b.Loop() {
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		gnc, err := nats.Connect(c.URLs())
		if err != nil {
			b.Fatal(err)
		}
		var fl *fleetSide
		dir := directory.New(directory.Options{Broker: "tcp://127.0.0.1:1", NoCameraStatus: true, Log: zerolog.Nop(),
			Accept: func(cs bus.CameraStatus) bool { return fl.acceptStatus(cs) }})
		fl, _ = newFleet(gnc, 3, "bench", nil, nil, dir, zerolog.Nop())
		rctx, cancel := context.WithCancel(ctx)
		start := time.Now()
		var g errgroup.Group
		g.Go(func() error { return fl.follow(rctx, fleet.BucketAssign, fl.onAssign, fl.markFilterReady) })
		g.Go(func() error {
			<-fl.filterReady
			return fl.follow(rctx, fleet.BucketStatus, fl.onStatus, fl.markStatusReady)
		})
		select {
		case <-fl.statusReady:
		case <-time.After(2 * time.Minute):
			b.Fatalf("statuses not read in 2 minutes: %d", dir.Len())
		}
		took := time.Since(start)
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		if n := dir.Len(); n != sites*perSite {
			b.Fatalf("directory holds %d of %d statuses (%d refused)", n, sites*perSite, dir.Stale())
		}
		b.ReportMetric(took.Seconds(), "s/rebuild")
		b.ReportMetric(float64(after.HeapAlloc)/(1<<20), "heap-MB")
		b.ReportMetric(float64(after.HeapAlloc-min(after.HeapAlloc, before.HeapAlloc))/(1<<20), "heap-growth-MB")
		fmt.Printf("rebuilt %d statuses from %s in %.2f s; heap %.0f MB (grew %.0f MB)\n", dir.Len(), fleet.BucketStatus,
			took.Seconds(), float64(after.HeapAlloc)/(1<<20), float64(after.HeapAlloc-min(after.HeapAlloc, before.HeapAlloc))/(1<<20))
		cancel()
		g.Wait()
		gnc.Close()
	}
}

// seedDistrict writes the assignments of edges edges (sites × perSite
// cameras, round robin) and one status per camera stamped with its edge
// and that edge's epoch, as the edges would.
func seedDistrict(b *testing.B, js jetstream.JetStream, sites, perSite, edges int) {
	ctx := context.Background()
	assign, _ := js.KeyValue(ctx, fleet.BucketAssign)
	per := make([]fleet.Assignment, edges)
	for i := range per {
		per[i].Edge = fmt.Sprintf("edge-%03d", i)
	}
	n := 0
	for s := range sites {
		for k := range perSite {
			id := fmt.Sprintf("s%03d-c%03d", s, k)
			per[n%edges].Cameras = append(per[n%edges].Cameras, id)
			n++
		}
	}
	epochs := map[string]uint64{}
	for _, as := range per {
		v, _ := json.Marshal(as)
		rev, err := assign.Put(ctx, as.Edge, v)
		if err != nil {
			b.Fatal(err)
		}
		epochs[as.Edge] = rev
	}
	var pending []jetstream.PubAckFuture
	for _, as := range per {
		for _, id := range as.Cameras {
			var site int
			fmt.Sscanf(id, "s%03d", &site)
			st := bus.CameraStatus{Site: fmt.Sprintf("site-%03d", site), Camera: id, Edge: as.Edge, State: bus.Online,
				Reason: "", Codec: "h264", Width: 1920, Height: 1080, FPS: 25, BitrateKbps: 4096, LastFrame: bus.Now(),
				Mode: bus.ModeIdle, Time: bus.Now(), Owner: bus.Owner{Epoch: epochs[as.Edge], Incarnation: "0123456789abcdef"}}
			v, _ := json.Marshal(st)
			f, err := js.PublishAsync("$KV."+fleet.BucketStatus+"."+id, v)
			if err != nil {
				b.Fatal(err)
			}
			pending = append(pending, f)
			if len(pending) == 2000 {
				awaitAcks(b, pending)
				pending = pending[:0]
			}
		}
	}
	awaitAcks(b, pending)
}

func awaitAcks(b *testing.B, fs []jetstream.PubAckFuture) {
	for _, f := range fs {
		select {
		case <-f.Ok():
		case err := <-f.Err():
			b.Fatal(err)
		case <-time.After(30 * time.Second):
			b.Fatal("no ack in 30 s")
		}
	}
}

// BenchmarkInventorySync41k: the gateway's first pass over a district's
// inventory (41,000 cameras registered in the SQLite store) into an empty
// argus-cameras on a 3-node cluster (replicas 3), and a second pass that
// finds nothing to write, as a restarted gateway does. Real: the store,
// the cluster, the gateway's code.
//
//	go test -run XXX -bench InventorySync41k -benchtime 1x ./gateway/
func BenchmarkInventorySync41k(b *testing.B) {
	ctx := context.Background()
	st, err := store.OpenSQLite(filepath.Join(b.TempDir(), "gateway.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	cams := make([]store.Camera, 0, 41000)
	for i := range 41000 {
		cams = append(cams, store.Camera{ID: fmt.Sprintf("s%03d-c%03d", i/410, i%410), Site: fmt.Sprintf("site-%03d", i/410),
			Name: "camera", Main: fmt.Sprintf("rtsp://10.%d.%d.%d/main", i/65536, i/256%256, i%256), Transport: "tcp", Weight: 1})
	}
	if _, err := st.ImportCameras(ctx, cams, store.ImportOptions{By: "bench"}); err != nil {
		b.Fatal(err)
	}
	c := peers.NATSCluster(b, 3)
	for b.Loop() {
		nc, err := nats.Connect(c.URLs())
		if err != nil {
			b.Fatal(err)
		}
		fl, _ := newFleet(nc, 3, "bench", nil, st, nil, zerolog.Nop())
		if err := fleet.Buckets(ctx, fl.js, 3); err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		s, _, err := fl.fullSync(ctx)
		if err != nil {
			b.Fatal(err)
		}
		first := time.Since(start)
		written := len(s.have)
		start = time.Now()
		s, _, err = fl.fullSync(ctx)
		if err != nil {
			b.Fatal(err)
		}
		again := time.Since(start)
		kv, _ := fl.js.KeyValue(ctx, fleet.BucketCameras)
		bs, _ := kv.Status(ctx)
		if written != 41000 || bs.Values() != 41000 {
			b.Fatalf("%d written, the bucket holds %d values; want 41,000 each (a second pass writes none)", written, bs.Values())
		}
		b.ReportMetric(first.Seconds(), "s/first-pass")
		b.ReportMetric(again.Seconds(), "s/unchanged-pass")
		fmt.Printf("inventory: 41,000 cameras into %s in %.2f s; a pass with nothing to write %.2f s\n", fleet.BucketCameras, first.Seconds(), again.Seconds())
		nc.Close()
	}
}
