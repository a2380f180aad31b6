package fleet

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// The key-value buckets of the fleet; their names are part of the broker's
// permissions.
const (
	BucketEdges   = "argus-edges"   // edge id → Heartbeat, per-key TTL
	BucketLease   = "argus-lease"   // LeaseKey → Lease, per-key TTL
	BucketAssign  = "argus-assign"  // edge id → Assignment; revision = epoch
	BucketCameras = "argus-cameras" // camera id → CameraSpec
	BucketStatus  = "argus-status"  // camera id → bus.CameraStatus
)

// LeaseKey is the key of the assigner lease in BucketLease.
const LeaseKey = "assigner"

// markerTTL is how long a TTL expiry's delete marker stays: long enough
// for every watcher to see the purge.
const markerTTL = time.Minute

// Buckets creates the fleet's buckets, or updates their settings, with the
// given number of replicas (3 on a district cluster, 1 on one node).
func Buckets(ctx context.Context, js jetstream.JetStream, replicas int) error {
	for _, cfg := range []jetstream.KeyValueConfig{
		{Bucket: BucketEdges, Description: "edge heartbeats (per-key TTL)", LimitMarkerTTL: markerTTL},
		{Bucket: BucketLease, Description: "the assigner lease (per-key TTL)", LimitMarkerTTL: markerTTL},
		{Bucket: BucketAssign, Description: "cameras and drones per edge; revision = epoch"},
		{Bucket: BucketCameras, Description: "the district's camera inventory"},
		{Bucket: BucketStatus, Description: "latest status per camera, from its owner"},
		{Bucket: BucketDrain, Description: "edges drained by an operator"},
	} {
		cfg.Replicas = replicas
		cfg.Storage = jetstream.FileStorage
		if _, err := js.CreateOrUpdateKeyValue(ctx, cfg); err != nil {
			return fmt.Errorf("fleet: bucket %s: %w", cfg.Bucket, err)
		}
	}
	return nil
}
