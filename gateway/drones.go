package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rs/zerolog"

	"github.com/argus-edge/argus/configs/airspace"
	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/gateway/alerts"
	"github.com/argus-edge/argus/gateway/directory"
	"github.com/argus-edge/argus/gateway/patrol"
	"github.com/argus-edge/argus/gateway/store"
)

// newDrones builds the drones' service on the sites' airspaces read from
// dir (configs/airspace; empty: none, every launch is refused with the
// reason), sending commands through the directory and auditing
// auto_dispatch in the store.
func newDrones(dir string, bl brokerLogin, fleet *directory.Directory, st store.Store, log zerolog.Logger) (*patrol.Service, error) {
	var sites map[string]*airspace.Site
	if dir != "" {
		var err error
		if sites, err = airspace.LoadDir(dir); err != nil {
			return nil, fmt.Errorf("airspace: %w", err)
		}
		log.Info().Str("dir", dir).Int("sites", len(sites)).Msg("site airspaces loaded")
	} else {
		log.Warn().Msg("no -airspace directory: drones have no routes, every launch is refused")
	}
	return patrol.New(patrol.Options{Broker: bl.url, ClientID: bl.clientID("patrol"), Username: bl.username, Password: bl.password, TLS: bl.tls, Sites: sites, Commands: fleet, Audit: st, ByIncident: true,
		Cameras: func(site string) []patrol.PlanCamera { return siteCameras(fleet, st, site, log) }, Log: log})
}

// planCameras is the most cameras a site's plan draws: a site's, not a district's.
const planCameras = 2000

// siteCameras are a site's cameras for its plan: those of the inventory,
// with their locations, and those the directory knows besides.
func siteCameras(fleet *directory.Directory, st store.Store, site string, log zerolog.Logger) []patrol.PlanCamera {
	var out []patrol.PlanCamera
	seen := map[string]bool{}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for q := (store.CameraQuery{Site: site, Limit: 500}); len(out) < planCameras; {
		page, err := st.Cameras(ctx, q)
		if err != nil {
			log.Warn().Err(err).Str("site", site).Msg("plan: the inventory's cameras not read")
			break
		}
		for _, c := range page.Items {
			out, seen[c.ID] = append(out, patrol.PlanCamera{ID: c.ID, Location: c.Location}), true
		}
		if page.Next == "" {
			break
		}
		q.Cursor = page.Next
	}
	for q := (directory.CameraQuery{Site: site, Limit: directory.MaxLimit}); len(out) < planCameras; {
		items, _, next := fleet.Cameras(q)
		for _, c := range items {
			if !seen[c.Camera] {
				out = append(out, patrol.PlanCamera{ID: c.Camera})
			}
		}
		if next == "" {
			break
		}
		q.Cursor = next
	}
	return out
}

// wallFollowsPatrols puts a drone's feed on the wall while it flies a
// patrol: when the patrol starts, if the directory knows a camera of the
// drone's id (its video, ingested by its edge), and off again when the
// patrol ends — unless someone else put it there meanwhile.
func wallFollowsPatrols(drones *patrol.Service, wall *alerts.Alerts, fleet *directory.Directory, log zerolog.Logger) (cancel func()) {
	return drones.Subscribe(func(ev patrol.Event) {
		p := ev.Progress
		if ev.Kind != patrol.EventPatrol || p == nil {
			return
		}
		if _, _, ok := fleet.Lookup(p.Drone); !ok {
			return // no video
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		by := "patrol " + p.ID
		switch {
		case p.State == bus.PatrolStarted:
			if _, err := wall.AddToWall(ctx, p.Drone, ev.Site, by); err != nil {
				log.Warn().Err(err).Str("drone", p.Drone).Msg("drone feed not put on the wall")
			}
		case bus.PatrolEnded(p.State):
			entries, err := wall.Wall(ctx)
			if err != nil {
				log.Warn().Err(err).Str("drone", p.Drone).Msg("drone feed not taken off the wall")
				return
			}
			for _, e := range entries {
				if e.Camera == p.Drone && e.Reason == "added by "+by {
					if err := wall.Dismiss(ctx, p.Drone, by); err != nil && !errors.Is(err, store.ErrNotFound) {
						log.Warn().Err(err).Str("drone", p.Drone).Msg("drone feed not taken off the wall")
					}
				}
			}
		}
	})
}
