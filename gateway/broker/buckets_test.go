package broker

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/argus-edge/argus/drivers/fleet"
)

// kvAs connects nats.go as u (an edge with its own reply prefix) and
// returns its JetStream context.
func kvAs(t *testing.T, b *Broker, u User) jetstream.JetStream {
	t.Helper()
	opts := []nats.Option{nats.UserInfo(u.Name, u.Password)}
	if u.Role == RoleEdge {
		opts = append(opts, nats.CustomInboxPrefix(fleet.InboxPrefix(u.Edge)))
	}
	nc, err := nats.Connect(b.ClientURL(), opts...)
	if err != nil {
		t.Fatalf("%s: nats connect: %v", u.Name, err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return js
}

// Real: the node's client port and nats.go (package jetstream). The
// gateway user creates the fleet's buckets; an edge user may do with them
// exactly what the table in permissions.go says, and nothing else.
func TestEdgeKeyValueAccess(t *testing.T) {
	b := startBroker(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	gw := kvAs(t, b, gatewayUser)
	buckets := map[string]jetstream.KeyValue{}
	for _, name := range []string{fleet.BucketEdges, fleet.BucketAssign, fleet.BucketCameras, fleet.BucketStatus} {
		kv, err := gw.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: name})
		if err != nil {
			t.Fatalf("gateway creates %s: %v", name, err)
		}
		buckets[name] = kv
	}
	for _, kv := range []struct{ b, k, v string }{{fleet.BucketAssign, "edge-1", "cams of 1"}, {fleet.BucketAssign, "edge-2", "cams of 2"},
		{fleet.BucketCameras, "cam-a", "a"}, {fleet.BucketStatus, "cam-a", "online"}} {
		if _, err := buckets[kv.b].Put(ctx, kv.k, []byte(kv.v)); err != nil {
			t.Fatalf("gateway puts %s/%s: %v", kv.b, kv.k, err)
		}
	}

	edge := kvAs(t, b, edgeUser)
	open := func(name string) jetstream.KeyValue {
		kv, err := edge.KeyValue(ctx, name)
		if err != nil {
			t.Fatalf("edge opens %s: %v", name, err)
		}
		return kv
	}
	edges, assign, cameras, status := open(fleet.BucketEdges), open(fleet.BucketAssign), open(fleet.BucketCameras), open(fleet.BucketStatus)
	short := func() context.Context {
		c, cancel := context.WithTimeout(ctx, 2*time.Second)
		t.Cleanup(cancel)
		return c
	}
	for _, tc := range []struct {
		name    string
		do      func() error
		allowed bool
	}{
		{"put own heartbeat", func() error { _, err := edges.Put(short(), "edge-1", []byte("alive")); return err }, true},
		{"put another's heartbeat", func() error { _, err := edges.Put(short(), "edge-2", []byte("alive")); return err }, false},
		{"get own assignment", func() error { _, err := assign.Get(short(), "edge-1"); return err }, true},
		{"get another's assignment", func() error { _, err := assign.Get(short(), "edge-2"); return err }, false},
		{"put an assignment", func() error { _, err := assign.Put(short(), "edge-1", []byte("mine")); return err }, false},
		{"get a camera", func() error { _, err := cameras.Get(short(), "cam-a"); return err }, true},
		{"put a camera", func() error { _, err := cameras.Put(short(), "cam-a", []byte("x")); return err }, false},
		{"put a status", func() error { _, err := status.Put(short(), "cam-b", []byte("online")); return err }, true},
		{"get a status", func() error { _, err := status.Get(short(), "cam-a"); return err }, true},
		{"delete a bucket", func() error { return edge.DeleteKeyValue(short(), fleet.BucketCameras) }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.do()
			if (err == nil) != tc.allowed {
				t.Fatalf("allowed=%v, want %v (err %v)", err == nil, tc.allowed, err)
			}
		})
	}

	t.Run("watch own assignment", func(t *testing.T) {
		w, err := assign.Watch(ctx, "edge-1")
		if err != nil {
			t.Fatal(err)
		}
		defer w.Stop()
		want := []string{"cams of 1", "moved"}
		for i, v := range want {
			if i == 1 {
				if _, err := buckets[fleet.BucketAssign].Put(ctx, "edge-1", []byte("moved")); err != nil {
					t.Fatal(err)
				}
			}
			for e := range w.Updates() {
				if e == nil {
					continue // the end of the initial values
				}
				if string(e.Value()) != v {
					t.Fatalf("watch: %q, want %q", e.Value(), v)
				}
				break
			}
		}
	})
	t.Run("watch all cameras", func(t *testing.T) {
		w, err := cameras.WatchAll(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer w.Stop()
		if e := <-w.Updates(); e == nil || e.Key() != "cam-a" {
			t.Fatalf("watch all: %v", e)
		}
	})
	t.Run("watch another's assignment", func(t *testing.T) {
		w, err := assign.Watch(short(), "edge-2")
		if err == nil {
			defer w.Stop()
			select {
			case e := <-w.Updates():
				if e != nil {
					t.Fatalf("read edge-2's assignment: %q", e.Value())
				}
			case <-short().Done():
			}
		}
	})
}
