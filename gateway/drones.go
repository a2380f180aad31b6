package main

import (
	"fmt"

	"github.com/rs/zerolog"

	"github.com/argus-edge/argus/configs/airspace"
	"github.com/argus-edge/argus/gateway/directory"
	"github.com/argus-edge/argus/gateway/patrol"
	"github.com/argus-edge/argus/gateway/store"
)

// newDrones builds the drones' service on the sites' airspaces read from
// dir (configs/airspace; empty: none, every launch is refused with the
// reason), sending commands through the directory and auditing
// auto_dispatch in the store.
func newDrones(dir, brokerURL string, fleet *directory.Directory, st store.Store, log zerolog.Logger) (*patrol.Service, error) {
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
	return patrol.New(patrol.Options{Broker: brokerURL, Sites: sites, Commands: fleet, Audit: st,
		Cameras: func(site string) []string { return siteCameras(fleet, site) }, Log: log})
}

// siteCameras are the ids of a site's cameras in the directory.
func siteCameras(fleet *directory.Directory, site string) []string {
	var ids []string
	q := directory.CameraQuery{Site: site, Limit: directory.MaxLimit}
	for {
		items, _, next := fleet.Cameras(q)
		for _, c := range items {
			ids = append(ids, c.Camera)
		}
		if next == "" || len(ids) >= 2000 { // a plan draws a site's cameras, not a district's
			return ids
		}
		q.Cursor = next
	}
}
