package main

import (
	"encoding/json"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/argus-edge/argus/drivers/bus"
)

// onStatus puts a camera's status from argus-status into the directory
// (or forgets it when its key is deleted). A status the filter refuses
// waits in pending until its edge's assignment arrives, in case it only
// overtook it; a stale owner's stays there, unseen.
func (f *fleetSide) onStatus(e jetstream.KeyValueEntry) {
	if e.Operation() != jetstream.KeyValuePut {
		f.mu.Lock()
		delete(f.pending, e.Key())
		f.mu.Unlock()
		f.dir.Forget(e.Key())
		return
	}
	var cs bus.CameraStatus
	if err := json.Unmarshal(e.Value(), &cs); err != nil {
		f.log.Warn().Err(err).Str("camera", e.Key()).Msg("camera status unreadable: ignored")
		return
	}
	if cs.Camera == "" {
		cs.Camera = e.Key()
	}
	if cs.Camera != e.Key() {
		f.log.Warn().Str("key", e.Key()).Str("camera", cs.Camera).Msg("camera status under another camera's key: ignored")
		return
	}
	f.putStatus(cs)
}

// putStatus hands a status to the directory, keeping a refused one pending.
func (f *fleetSide) putStatus(cs bus.CameraStatus) {
	if f.dir.Put(cs) {
		f.mu.Lock()
		delete(f.pending, cs.Camera)
		f.mu.Unlock()
		return
	}
	f.mu.Lock()
	f.pending[cs.Camera] = cs
	f.mu.Unlock()
}
