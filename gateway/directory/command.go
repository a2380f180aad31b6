package directory

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/argus-edge/argus/drivers/bus"
)

// Command sends cmd to edge on bus.CommandTopic(edge), with a fresh request
// id unless cmd has one, and returns the edge's matching bus.Reply from
// bus.ReplyTopic(edge). ctx bounds the whole exchange. A Reply with OK false
// is returned as it came, with a nil error: the edge answered.
func (d *Directory) Command(ctx context.Context, edge string, cmd bus.Command) (bus.Reply, error) {
	if err := bus.ValidID(edge); err != nil {
		return bus.Reply{}, fmt.Errorf("command to edge: %w", err)
	}
	if !d.client.IsConnectionOpen() {
		return bus.Reply{}, ErrNotConnected
	}
	if cmd.RequestID == "" {
		cmd.RequestID = newRequestID()
	}
	if cmd.Time.IsZero() {
		cmd.Time = bus.Now()
	}
	payload, err := json.Marshal(cmd)
	if err != nil {
		return bus.Reply{}, fmt.Errorf("edge %s: %s: %w", edge, cmd.Action, err)
	}
	ch := make(chan bus.Reply, 1)
	d.mu.Lock()
	d.pending[cmd.RequestID] = awaiting{edge: edge, ch: ch}
	d.mu.Unlock()
	defer func() {
		d.mu.Lock()
		delete(d.pending, cmd.RequestID)
		d.mu.Unlock()
	}()

	tok := d.client.Publish(bus.CommandTopic(edge), 1, false, payload)
	select {
	case <-tok.Done():
		if err := tok.Error(); err != nil {
			return bus.Reply{}, fmt.Errorf("edge %s: %s: publish: %w", edge, cmd.Action, err)
		}
	case <-ctx.Done():
		return bus.Reply{}, fmt.Errorf("edge %s: %s: publish: %w", edge, cmd.Action, ctx.Err())
	}
	d.log.Debug().Str("edge", edge).Str("action", cmd.Action).Str("camera", cmd.Camera).
		Str("request_id", cmd.RequestID).Msg("command sent")
	select {
	case r := <-ch:
		return r, nil
	case <-ctx.Done():
		return bus.Reply{}, fmt.Errorf("edge %s: %s %s: no reply: %w", edge, cmd.Action, cmd.Camera, ctx.Err())
	}
}

// reply hands a Reply to the Command awaiting its request id; replies no
// one awaits (late, or for another gateway) are dropped.
func (d *Directory) reply(t bus.Topic, payload []byte) {
	var r bus.Reply
	if err := json.Unmarshal(payload, &r); err != nil {
		d.log.Warn().Err(err).Str("topic", t.Name()).Msg("ignored reply: bad JSON")
		return
	}
	d.mu.Lock()
	a, ok := d.pending[r.RequestID]
	d.mu.Unlock()
	if !ok || a.edge != t.Edge {
		d.log.Debug().Str("edge", t.Edge).Str("request_id", r.RequestID).Msg("reply nobody awaits")
		return
	}
	select {
	case a.ch <- r:
	default: // a duplicate (QoS 1 redelivery)
	}
}

// awaiting is a Command waiting for its reply from one edge.
type awaiting struct {
	edge string
	ch   chan bus.Reply
}

// newRequestID returns 16 random hex digits.
func newRequestID() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
