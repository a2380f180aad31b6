package main

import (
	"context"
	"encoding/json"
	"fmt"
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
