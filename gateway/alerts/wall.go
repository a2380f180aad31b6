package alerts

import (
	"context"
	"fmt"
	"time"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/gateway/store"
)

// Who put a camera on the wall: the label of the wall additions metric.
const (
	byAnomaly = "anomaly"
	byHand    = "hand"
)

// Wall lists the cameras on the wall, oldest first.
func (a *Alerts) Wall(ctx context.Context) ([]store.WallEntry, error) { return a.store.Wall(ctx) }

// AddToWall puts camera (of site) on the wall by hand for who, starts its
// relay and tells the wall listeners. A camera already on the wall stays
// as it is and is returned.
func (a *Alerts) AddToWall(ctx context.Context, camera, site, who string) (store.WallEntry, error) {
	for _, f := range []struct{ name, v string }{{"camera", camera}, {"site", site}} {
		if err := bus.ValidID(f.v); err != nil {
			return store.WallEntry{}, fmt.Errorf("add to wall: %s: %w", f.name, err)
		}
	}
	if who == "" {
		return store.WallEntry{}, fmt.Errorf("add %s to wall: nobody named", camera)
	}
	return a.putOnWall(ctx, store.WallEntry{Camera: camera, Site: site, Reason: "added by " + who}, byHand)
}

// Dismiss takes camera off the wall for who and tells the wall listeners;
// store.ErrNotFound when it is not on the wall.
func (a *Alerts) Dismiss(ctx context.Context, camera, who string) error {
	a.wallMu.Lock()
	defer a.wallMu.Unlock()
	if err := a.store.DismissWall(ctx, camera, who, time.Now().UTC()); err != nil {
		return fmt.Errorf("dismiss %s: %w", camera, err)
	}
	a.log.Info().Str("camera", camera).Str("who", who).Msg("wall: dismissed")
	a.publishWall(ctx)
	return nil
}

// putOnWall stores w, starts the camera's relay and tells the wall
// listeners. A camera already there keeps the time it was added; an
// anomaly at least as severe as the one shown refreshes its reason (the
// newest of the most severe shows: a smoke after a critical fire does not
// hide the fire), anything else changes nothing.
// Errors are logged and returned; the caller's record stands either way.
func (a *Alerts) putOnWall(ctx context.Context, w store.WallEntry, by string) (store.WallEntry, error) {
	a.wallMu.Lock()
	defer a.wallMu.Unlock()
	on, err := a.wallByCamera(ctx)
	if err != nil {
		a.log.Error().Err(err).Str("camera", w.Camera).Msg("wall: not updated")
		return store.WallEntry{}, err
	}
	w, changed, err := a.place(ctx, on, w, by)
	if err != nil {
		return store.WallEntry{}, err
	}
	if changed {
		a.startRelay(w.Camera)
		a.publishWall(ctx)
	}
	return w, nil
}

// putAllOnWall is putOnWall for a batch's entries, in order, by anomaly:
// the wall is read once and told once (a typhoon's batch of a thousand
// anomalies puts up to a thousand cameras: one read, one write each and
// one wall to every console per batch, not per camera), each camera's
// relay started once.
func (a *Alerts) putAllOnWall(ctx context.Context, ws []store.WallEntry) {
	a.wallMu.Lock()
	defer a.wallMu.Unlock()
	on, err := a.wallByCamera(ctx)
	if err != nil {
		a.log.Error().Err(err).Int("cameras", len(ws)).Msg("wall: not updated")
		return
	}
	relays := map[string]bool{}
	for _, w := range ws {
		if _, changed, err := a.place(ctx, on, w, byAnomaly); err == nil && changed {
			relays[w.Camera] = true
		}
	}
	if len(relays) == 0 {
		return
	}
	for _, w := range ws {
		if relays[w.Camera] {
			a.startRelay(w.Camera)
			delete(relays, w.Camera)
		}
	}
	a.publishWall(ctx)
}

// wallByCamera is the wall by camera. Under wallMu.
func (a *Alerts) wallByCamera(ctx context.Context) (map[string]store.WallEntry, error) {
	wall, err := a.store.Wall(ctx)
	if err != nil {
		return nil, fmt.Errorf("wall: %w", err)
	}
	on := make(map[string]store.WallEntry, len(wall))
	for _, w := range wall {
		on[w.Camera] = w
	}
	return on, nil
}

// place stores w on the wall on (by camera, kept up to date) as
// putOnWall decides, and tells whether it changed the wall. Under wallMu.
func (a *Alerts) place(ctx context.Context, on map[string]store.WallEntry, w store.WallEntry, by string) (store.WallEntry, bool, error) {
	old, already := on[w.Camera]
	if already && (by == byHand || bus.SeverityRank(w.Severity) < bus.SeverityRank(old.Severity)) {
		return old, false, nil
	}
	w.Added = time.Now().UTC().Truncate(time.Millisecond) // as the store keeps it
	if already {
		w.Added = old.Added
	}
	if err := a.store.PutWall(ctx, w); err != nil {
		a.log.Error().Err(err).Str("camera", w.Camera).Msg("wall: not updated")
		return store.WallEntry{}, false, fmt.Errorf("put %s on the wall: %w", w.Camera, err)
	}
	on[w.Camera] = w
	if !already {
		a.stats.wall(by)
	}
	a.log.Info().Str("camera", w.Camera).Str("site", w.Site).Str("anomaly", w.Anomaly).Str("reason", w.Reason).
		Bool("already", already).Msg("wall: camera on the wall")
	return w, true, nil
}

// publishWall tells the wall listeners the whole wall.
func (a *Alerts) publishWall(ctx context.Context) {
	wall, err := a.store.Wall(ctx)
	if err != nil {
		a.log.Error().Err(err).Msg("wall: listeners not told")
		return
	}
	a.walls.Publish(wall)
}

// startRelay calls StartRelay for camera on a goroutine of its own (an
// edge may take seconds to answer; the MQTT callback must not wait). A
// failure is logged: the camera stays on the wall and a viewer's WHEP
// asks again.
func (a *Alerts) startRelay(camera string) {
	if a.opts.StartRelay == nil {
		return
	}
	a.relays.Add(1)
	go func() {
		defer a.relays.Done()
		ctx, cancel := context.WithTimeout(a.life, a.opts.RelayTimeout)
		defer cancel()
		if err := a.opts.StartRelay(ctx, camera); err != nil {
			a.stats.relayErrors.Add(1)
			a.log.Warn().Err(err).Str("camera", camera).Msg("wall: relay not started")
			return
		}
		a.log.Info().Str("camera", camera).Msg("wall: relay started")
	}()
}
