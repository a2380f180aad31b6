package drone

import (
	"context"
	"errors"
	"fmt"

	"github.com/argus-edge/argus/configs/airspace"
	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/mavlink"
)

// upload puts the site's geofence (its inclusion polygon and the no-fly
// zones as exclusions) and then the patrol's mission on the vehicle,
// reading each back to compare. The fence goes with every patrol so that
// the autopilot keeps the drone inside even with the link gone.
func (u *unit) upload(f *flight, site *airspace.Site, st mavlink.State) error {
	excl := make([][]mavlink.Point, 0, len(site.NoFly))
	for _, z := range site.NoFly {
		excl = append(excl, points(z.Polygon))
	}
	fence := mavlink.FenceItems([][]mavlink.Point{points(site.Geofence)}, excl)
	if err := u.put(f.ctx, mavlink.Fence, fence); err != nil {
		return fmt.Errorf("geofence: %w", err)
	}
	f.items = mavlink.PatrolItems(u.home(st), f.order.Points, f.order.RTL)
	f.seqs = mavlink.WaypointSeqs(f.items)
	if err := u.put(f.ctx, mavlink.Mission, f.items); err != nil {
		return fmt.Errorf("mission: %w", err)
	}
	return nil
}

// put uploads items, reads them back and compares, each transaction
// bounded by Step. A mismatch or a silence with the link still up is tried
// once more; a refusal by the vehicle, a lost link or an abort is not.
func (u *unit) put(ctx context.Context, t mavlink.MissionType, items []mavlink.Item) error {
	var err error
	for try := 1; try <= 2; try++ {
		if err = u.putOnce(ctx, t, items); err == nil || ctx.Err() != nil {
			return err
		}
		var refused *mavlink.MissionError
		if errors.As(err, &refused) || u.v.State().Link != bus.LinkUp {
			return err
		}
		u.log.Warn().Err(err).Int("try", try).Msg("upload failed; trying again")
	}
	return err
}

func (u *unit) putOnce(ctx context.Context, t mavlink.MissionType, items []mavlink.Item) error {
	step, cancel := context.WithTimeout(ctx, u.m.o.Step)
	defer cancel()
	if err := u.v.Upload(step, t, items); err != nil {
		return err
	}
	got, err := u.v.Download(step, t)
	if err != nil {
		return fmt.Errorf("read back: %w", err)
	}
	return mavlink.Compare(items, got)
}

// clear removes the vehicle's mission, best effort and bounded: after a
// failed or aborted upload no half mission may stay to be armed and flown.
func (u *unit) clear() {
	if u.v.State().Link != bus.LinkUp {
		return // it would only time out; the vehicle drops a torn upload itself
	}
	ctx, cancel := context.WithTimeout(u.m.ctx, u.m.o.Step/3)
	defer cancel()
	if err := u.v.Clear(ctx, mavlink.Mission); err != nil {
		u.log.Warn().Err(err).Msg("mission not cleared")
	}
}

// points is a polygon as the fence items take it.
func points(p airspace.Polygon) []mavlink.Point {
	out := make([]mavlink.Point, len(p))
	for i, v := range p {
		out[i] = mavlink.Point{Lat: v.Lat, Lon: v.Lon}
	}
	return out
}
