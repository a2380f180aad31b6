package directory

import (
	"encoding/json"

	"github.com/argus-edge/argus/drivers/bus"
)

// FollowReplays hands every edge's rule replay report
// (argus/v1/replays/{edge}) to fn, the gateway's replays service; call it
// before Run. fn must return at once.
func (d *Directory) FollowReplays(fn func(edge string, r bus.ReplayReport)) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.replays = fn
}

// replay decodes a replay report and hands it on; one whose id or edge
// does not match its topic is dropped, said in the log.
func (d *Directory) replay(t bus.Topic, payload []byte) {
	var r bus.ReplayReport
	if err := json.Unmarshal(payload, &r); err != nil {
		d.log.Warn().Err(err).Str("topic", t.Name()).Msg("ignored replay report: bad JSON")
		return
	}
	if r.Edge != t.Edge || bus.ValidID(r.ID) != nil {
		d.log.Warn().Str("topic", t.Name()).Str("edge", r.Edge).Str("replay", r.ID).Msg("ignored replay report: edge or id do not match the topic")
		return
	}
	d.mu.RLock()
	fn := d.replays
	d.mu.RUnlock()
	if fn != nil {
		fn(t.Edge, r)
	}
}
