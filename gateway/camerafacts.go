package main

import (
	"context"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/gateway/store"
)

// cameraFacts mirrors what the incident grouping asks of the inventory
// for each anomaly (a camera's location, view and power area) from the
// store's change feed, so that a typhoon's 10,000 anomalies a second cost
// no store query each: the feed is read before every ingest batch (one
// indexed range read, empty unless someone edited the inventory), so an
// edit committed before a batch is seen by its grouping, as the query per
// anomaly saw it. Only cameras with one of the three facts are held: any
// other answers as an unknown camera does.
type cameraFacts struct {
	st    store.Store
	log   zerolog.Logger
	mu    sync.Mutex
	since int64 // the feed's revision read so far
	read  time.Time
	facts map[string]cameraFact
}

// cameraFact is one camera's facts for the grouping.
type cameraFact struct {
	location *bus.Geo
	view     *store.CameraView
	power    string
}

// factsStale is how old the mirror may be for a lookup made outside an
// ingest batch (a takeover's regrouping).
const factsStale = time.Second

func newCameraFacts(st store.Store, log zerolog.Logger) *cameraFacts {
	return &cameraFacts{st: st, log: log.With().Str("component", "camera-facts").Logger(), facts: map[string]cameraFact{}}
}

// refresh applies the inventory's changes since the last read. A failed
// read is logged; the mirror answers as it stands and the next refresh
// reads from where this one stopped.
func (f *cameraFacts) refresh() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.refreshLocked()
}

func (f *cameraFacts) refreshLocked() {
	ctx, cancel := context.WithTimeout(context.Background(), locateTimeout)
	defer cancel()
	for {
		inv, err := f.st.ListInventory(ctx, f.since, 10000)
		if err != nil {
			f.log.Warn().Err(err).Int64("revision", f.since).Msg("inventory changes not read: grouping with the cameras as last read")
			return
		}
		for _, c := range inv.Changes {
			if c.Deleted || c.Location == nil && c.View == nil && c.PowerArea == "" {
				delete(f.facts, c.ID)
				continue
			}
			f.facts[c.ID] = cameraFact{location: c.Location, view: c.View, power: c.PowerArea}
		}
		f.since = inv.Revision
		if !inv.More {
			break
		}
	}
	f.read = time.Now()
}

// camera is id's facts, ok false for a camera unknown or without any.
func (f *cameraFacts) camera(id string) (cameraFact, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if time.Since(f.read) > factsStale {
		f.refreshLocked()
	}
	c, ok := f.facts[id]
	return c, ok
}
