package fleet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/argus-edge/argus/drivers/bus"
)

// BucketDrain holds the edges an operator drained (edge id → Drain): the
// assigner treats them as draining whatever their heartbeat says. Only the
// gateway writes it (its admin API), so a drain outlives the edge's
// restarts and the gateway's, and an edge cannot undo it.
const BucketDrain = "argus-drain"

// Drain is an edge's value in BucketDrain: who drained it and when.
type Drain struct {
	Edge string   `json:"edge"`
	By   string   `json:"by"`
	Time bus.Time `json:"time"`
}

// SetDrain marks edge drained by an operator: the assigner moves its
// cameras and drones off it (break-before-make) and gives it nothing
// until ClearDrain.
func SetDrain(ctx context.Context, js jetstream.JetStream, edge, by string) error {
	if err := bus.ValidID(edge); err != nil {
		return fmt.Errorf("drain %q: %w", edge, err)
	}
	kv, err := js.KeyValue(ctx, BucketDrain)
	if err != nil {
		return fmt.Errorf("drain %s: bucket %s: %w", edge, BucketDrain, err)
	}
	b, _ := json.Marshal(Drain{Edge: edge, By: by, Time: bus.Now()})
	if _, err := kv.Put(ctx, edge, b); err != nil {
		return fmt.Errorf("drain %s: %w", edge, err)
	}
	return nil
}

// ClearDrain undoes SetDrain; clearing an edge that is not drained is no error.
func ClearDrain(ctx context.Context, js jetstream.JetStream, edge string) error {
	if err := bus.ValidID(edge); err != nil {
		return fmt.Errorf("undrain %q: %w", edge, err)
	}
	kv, err := js.KeyValue(ctx, BucketDrain)
	if err != nil {
		return fmt.Errorf("undrain %s: bucket %s: %w", edge, BucketDrain, err)
	}
	if err := kv.Delete(ctx, edge); err != nil && !errors.Is(err, jetstream.ErrKeyNotFound) {
		return fmt.Errorf("undrain %s: %w", edge, err)
	}
	return nil
}

// onDrain records an operator's drain or its clearing.
func (a *Assigner) onDrain(e jetstream.KeyValueEntry) {
	a.mu.Lock()
	defer a.mu.Unlock()
	was := a.drained[e.Key()]
	now := e.Operation() == jetstream.KeyValuePut
	if now {
		a.drained[e.Key()] = true
	} else {
		delete(a.drained, e.Key())
	}
	if was != now {
		a.log.Info().Str("edge", e.Key()).Bool("drained", now).Msg("operator drain")
		a.signal()
	}
}
