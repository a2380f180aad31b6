package main

import (
	"context"
	"os"
	"os/signal"
	"reflect"
	"syscall"
	"time"

	"github.com/rs/zerolog"

	"github.com/argus-edge/argus/configs"
	"github.com/argus-edge/argus/configs/watch"
	"github.com/argus-edge/argus/edge/ingest"
)

// watchConfig applies every valid change of the config file live, and
// re-reads it at once on SIGHUP: cameras, their analysis, and which sites'
// rule set files are watched. An invalid change is logged with its file,
// line and field, and the running config stays; so does a change between
// standalone and fleet mode, which needs a restart. id is the -id flag.
func watchConfig(ctx context.Context, log zerolog.Logger, path, id string, running *configs.Edge, p *pulls) {
	w := watch.New(path, time.Second, func(data []byte) {
		cfg, err := configs.ParseAs(path, data, id)
		if err != nil {
			log.Error().Str("file", path).Strs("problems", ingest.Problems(err)).
				Msg("config change refused; the running config stays")
			return
		}
		if (cfg.Fleet == nil) != (running.Fleet == nil) {
			log.Error().Str("file", path).Bool("fleet", cfg.Fleet != nil).
				Msg("config change refused: switching between standalone and fleet mode needs a restart; the running config stays")
			return
		}
		warnRestartOnly(log, running, cfg)
		// The drones themselves (links, ids, video, signing) and the
		// airspaces change at the next restart; their video keeps its cameras.
		cfg.Drones, cfg.AirspaceDir, cfg.MAVLink = running.Drones, running.AirspaceDir, running.MAVLink
		ch := p.setFile(cfg)
		running = cfg
		if ch.Any() {
			logChanges(log, ch)
		}
	})
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
				log.Info().Str("file", path).Msg("SIGHUP: re-reading config")
				w.Poke()
			}
		}
	}()
	if err := w.Run(ctx); err != nil {
		log.Error().Err(err).Str("file", path).Msg("config watch stopped")
	}
}

// warnRestartOnly says which changed settings wait for a restart: the
// listener, the edge's identity, the hub's memory bounds and the relays'
// gateways are fixed at start.
func warnRestartOnly(log zerolog.Logger, old, cfg *configs.Edge) {
	var changed []string
	if old.Edge != cfg.Edge {
		changed = append(changed, "edge")
	}
	if old.MQTT != cfg.MQTT {
		changed = append(changed, "mqtt")
	}
	if old.Detect != cfg.Detect {
		changed = append(changed, "detect")
	}
	if old.Ingest.ConsumerQueue != cfg.Ingest.ConsumerQueue {
		changed = append(changed, "ingest.consumer_queue")
	}
	if !reflect.DeepEqual(old.Fleet, cfg.Fleet) {
		changed = append(changed, "fleet")
	}
	if old.Ingest.GOPCacheMB != cfg.Ingest.GOPCacheMB {
		changed = append(changed, "ingest.gop_cache_mb")
	}
	if !reflect.DeepEqual(old.Drones, cfg.Drones) {
		changed = append(changed, "drones")
	}
	if !reflect.DeepEqual(old.Relay, cfg.Relay) {
		changed = append(changed, "relay") // the relay manager's gateways and token are set at start
	}
	if old.AirspaceDir != cfg.AirspaceDir {
		changed = append(changed, "airspace_dir")
	}
	if len(changed) > 0 {
		log.Warn().Strs("settings", changed).Msg("changed settings apply at the next restart")
	}
}
