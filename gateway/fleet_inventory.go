package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/argus-edge/argus/configs"
	"github.com/argus-edge/argus/drivers/fleet"
	"github.com/argus-edge/argus/gateway/store"
)

// inventoryEvery is how often the store's change feed is polled: an
// operator's edit reaches the assigner within about a second.
const inventoryEvery = time.Second

// inventoryBatch is the most changes read from the store, and written
// before their acknowledgements are awaited, at once: below nats.go's
// limit of 4,000 asynchronous publishes in flight.
const inventoryBatch = 2000

// syncInventory makes argus-cameras the store's inventory: a full pass at
// start (writing only what differs, deleting what the store no longer
// has), then the change feed every second. Every gateway replica does it:
// they write the same values, and an unchanged value is not written.
func (f *fleetSide) syncInventory(ctx context.Context) error {
	for ctx.Err() == nil {
		err := f.inventorySync(ctx)
		if ctx.Err() != nil {
			return nil
		}
		f.log.Warn().Err(err).Msg("inventory: sync into " + fleet.BucketCameras + " interrupted; starting again")
		select {
		case <-ctx.Done():
		case <-time.After(2 * time.Second):
		}
	}
	return nil
}

// inventorySync is one run of syncInventory, until an error.
func (f *fleetSide) inventorySync(ctx context.Context) error {
	s, since, err := f.fullSync(ctx)
	if err != nil {
		return err
	}
	t := time.NewTicker(inventoryEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		next, n, err := s.apply(ctx, f.store, since, nil)
		if err != nil {
			return err
		}
		if n > 0 {
			f.log.Info().Int("changes", n).Int64("revision", next).Msg("inventory changes written to " + fleet.BucketCameras)
		}
		since = next
		f.inventory.Store(since)
	}
}

// fullSync makes argus-cameras hold exactly the store's cameras, writing
// only what differs; it returns the syncer and the store revision reached.
func (f *fleetSide) fullSync(ctx context.Context) (*inventorySyncer, int64, error) {
	kv, err := f.js.KeyValue(ctx, fleet.BucketCameras)
	if err != nil {
		return nil, 0, err
	}
	status, err := f.js.KeyValue(ctx, fleet.BucketStatus)
	if err != nil {
		return nil, 0, err
	}
	have, err := bucketValues(ctx, kv)
	if err != nil {
		return nil, 0, err
	}
	s := &inventorySyncer{js: f.js, kv: kv, status: status, have: have}
	present := map[string]bool{}
	since, n, err := s.apply(ctx, f.store, 0, present)
	if err != nil {
		return nil, 0, err
	}
	for id := range have {
		if !present[id] {
			if err := s.delete(ctx, id); err != nil {
				return nil, 0, err
			}
		}
	}
	f.inventory.Store(since)
	f.log.Info().Int("cameras", len(present)).Int("written", n+s.deleted).Int64("revision", since).Msg("inventory synced into " + fleet.BucketCameras)
	return s, since, nil
}

// inventorySyncer writes store changes into argus-cameras, remembering
// what the bucket holds so that an unchanged camera is not written again.
type inventorySyncer struct {
	js         jetstream.JetStream
	kv, status jetstream.KeyValue
	have       map[string][]byte
	acks       []jetstream.PubAckFuture
	deleted    int
}

// awaitAcks waits for every write published since the last call; one
// that failed forgets what the bucket holds of its camera, so that the
// next pass writes it again.
func (s *inventorySyncer) awaitAcks(ctx context.Context) error {
	defer func() { s.acks = s.acks[:0] }()
	var first error
	for _, f := range s.acks {
		select {
		case <-f.Ok():
		case err := <-f.Err():
			delete(s.have, strings.TrimPrefix(f.Msg().Subject, "$KV."+fleet.BucketCameras+"."))
			if first == nil {
				first = fmt.Errorf("inventory: write %s: %w", f.Msg().Subject, err)
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return first
}

// apply writes every change after revision since; present, when given,
// collects the cameras that exist. It returns the revision reached and
// the number of changes written.
func (s *inventorySyncer) apply(ctx context.Context, st store.Store, since int64, present map[string]bool) (int64, int, error) {
	written := 0
	for {
		inv, err := st.ListInventory(ctx, since, inventoryBatch)
		if err != nil {
			return since, written, fmt.Errorf("inventory: read after revision %d: %w", since, err)
		}
		for _, c := range inv.Changes {
			if c.Deleted {
				if present != nil {
					delete(present, c.ID)
				}
				if _, ok := s.have[c.ID]; ok {
					if err := s.delete(ctx, c.ID); err != nil {
						return since, written, err
					}
					written++
				}
				continue
			}
			if present != nil {
				present[c.ID] = true
			}
			b, _ := json.Marshal(specOf(c))
			if bytes.Equal(s.have[c.ID], b) {
				continue
			}
			// Published without waiting, acknowledged by the batch: a
			// district's 41,000 are written in seconds, not one round trip each.
			f, err := s.js.PublishAsync("$KV."+fleet.BucketCameras+"."+c.ID, b)
			if err != nil {
				return since, written, fmt.Errorf("inventory: camera %s: %w", c.ID, err)
			}
			s.acks = append(s.acks, f)
			s.have[c.ID] = b
			written++
		}
		if err := s.awaitAcks(ctx); err != nil {
			return since, written, err
		}
		since = inv.Revision
		if !inv.More {
			return since, written, nil
		}
	}
}

// delete removes a camera from argus-cameras and its last status from
// argus-status: the camera is no longer the district's.
func (s *inventorySyncer) delete(ctx context.Context, id string) error {
	if err := s.kv.Delete(ctx, id); err != nil && !errors.Is(err, jetstream.ErrKeyNotFound) {
		return fmt.Errorf("inventory: delete camera %s: %w", id, err)
	}
	if err := s.status.Delete(ctx, id); err != nil && !errors.Is(err, jetstream.ErrKeyNotFound) {
		return fmt.Errorf("inventory: delete camera %s's status: %w", id, err)
	}
	delete(s.have, id)
	s.deleted++
	return nil
}

// bucketValues reads every key's current value.
func bucketValues(ctx context.Context, kv jetstream.KeyValue) (map[string][]byte, error) {
	w, err := kv.WatchAll(ctx, jetstream.IgnoreDeletes())
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", kv.Bucket(), err)
	}
	defer w.Stop()
	out := map[string][]byte{}
	for {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case e, ok := <-w.Updates():
			if !ok {
				return nil, fmt.Errorf("read %s: watch closed", kv.Bucket())
			}
			if e == nil {
				return out, nil
			}
			out[e.Key()] = e.Value()
		}
	}
}

// specOf is a registered camera as the fleet's record: the edge's camera
// config fields (credentials as environment variable names only), its pin
// and weight.
func specOf(c store.Camera) fleet.CameraSpec {
	var loc *configs.Location
	if c.Location != nil {
		loc = &configs.Location{Lat: c.Location.Lat, Lon: c.Location.Lon, Alt: c.Location.Alt}
	}
	return fleet.SpecOf(configs.Camera{ID: c.ID, Site: c.Site, Name: c.Name, Main: c.Main, Sub: c.Sub,
		Transport: c.Transport, Username: c.Username, UsernameEnv: c.UsernameEnv, PasswordEnv: c.PasswordEnv,
		Location: loc, Disabled: c.Disabled}, c.Pin, c.Weight)
}
