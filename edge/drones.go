package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/rs/zerolog"

	"github.com/argus-edge/argus/configs"
	"github.com/argus-edge/argus/configs/airspace"
	"github.com/argus-edge/argus/drivers/busclient"
	"github.com/argus-edge/argus/edge/analyze"
	"github.com/argus-edge/argus/edge/drone"
	"github.com/argus-edge/argus/edge/record"
)

// startDrones opens the links of the configured drones, or returns nil
// when there are none. The sites' airspace files are read at every
// launch; those that do not load now are logged with their problems, and
// the edge goes on (its cameras matter more than its drones): a launch at
// such a site is refused with the problems until the file is mended.
// The recorder sees every telemetry and progress event on the way: a
// patrol's video and track are recorded from its take-off to its end.
func startDrones(cfg *configs.Edge, client *busclient.Client, rec *record.Recorder, log zerolog.Logger) (*drone.Manager, error) {
	if len(cfg.Drones) == 0 {
		return nil, nil
	}
	if _, err := airspace.LoadDir(cfg.AirspaceDir); err != nil {
		log.Error().Str("dir", cfg.AirspaceDir).Strs("problems", strings.Split(err.Error(), "\n")).
			Msg("site airspaces do not load: patrol launches at those sites are refused until mended")
	}
	key, err := cfg.MAVLink.SigningKey()
	if err != nil {
		return nil, fmt.Errorf("drones: %w", err)
	}
	o := drone.Options{Edge: cfg.Edge.ID, Drones: cfg.Drones, Airspace: airspaceFiles(cfg.AirspaceDir), Log: log}
	o.Mavlink.SigningKey = key
	ps := patrolSink{rec: rec}
	if client != nil {
		ps.Bus = client
	}
	o.Bus = ps
	return drone.New(o)
}

// airspaceFiles reads a site's airspace from <dir>/<site>.yaml (or .yml,
// .json) each time it is asked: a few kilobytes per launch, and an edit
// applies to the next patrol without a restart.
func airspaceFiles(dir string) func(site string) (*airspace.Site, error) {
	return func(site string) (*airspace.Site, error) {
		for _, ext := range []string{".yaml", ".yml", ".json"} {
			path := filepath.Join(dir, site+ext)
			data, err := os.ReadFile(path)
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			if err != nil {
				return nil, err
			}
			return airspace.ParseFile(path, data)
		}
		return nil, fmt.Errorf("no %s.yaml in %s", site, dir)
	}
}

// withDroneVideo returns cfg with a camera for each drone that has a
// video feed: its id is the drone's, its site the drone's, so the feed
// goes through ingest, hub, analysis and relay like any camera's; it is
// of kind drone, so the analysis judges it as a camera that moves.
func withDroneVideo(cfg *configs.Edge) *configs.Edge {
	var cams []configs.Camera
	for _, d := range cfg.Drones {
		if d.Video != "" {
			cams = append(cams, configs.Camera{ID: d.ID, Site: d.Site, Name: "drone " + d.ID, Main: d.Video,
				Transport: configs.DefaultTransport, Kind: configs.KindDrone})
		}
	}
	if len(cams) == 0 {
		return cfg
	}
	c := *cfg
	c.Cameras = append(slices.Clone(cfg.Cameras), cams...)
	return &c
}

// withDroneGeo places the anomalies of drone cameras where the drone was
// when the frame was taken, and files those of a flight sent to look at a
// camera anomaly under it.
func withDroneGeo(cams []analyze.Camera, dm *drone.Manager) []analyze.Camera {
	if dm == nil {
		return cams
	}
	for i := range cams {
		if at := dm.GeoAt(cams[i].ID); at != nil {
			cams[i].GeoAt = at
			cams[i].Verifies = dm.VerifiesAt(cams[i].ID)
		}
	}
	return cams
}

// commandHandlers makes one handler of several: the bus client keeps one
// handler per topic filter, and relays and drones share the edge's
// command topic, each ignoring the other's actions.
func commandHandlers(hs ...func(string, []byte)) func(string, []byte) {
	return func(topic string, payload []byte) {
		for _, h := range hs {
			h(topic, payload)
		}
	}
}
