// Command edge is the Argus edge process: it pulls the RTSP feeds of the
// cameras in its config, fans each out in memory, and serves the cameras'
// state on :9100. Run it with -config FILE; without one it runs the
// embedded demo config (configs/demo.yaml). With a fleet section in its
// config it has no cameras of its own: it pulls those the gateway assigns
// it over the NATS backbone (fleet.go). -id NAME puts NAME in place of
// edge.id (a Kubernetes StatefulSet passes each pod's name).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/rs/zerolog"
	zlog "github.com/rs/zerolog/log"

	"github.com/argus-edge/argus/configs"
	"github.com/argus-edge/argus/configs/iceservers"
	"github.com/argus-edge/argus/configs/strict"
	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/logs"
	"github.com/argus-edge/argus/drivers/profiling"
	"github.com/argus-edge/argus/edge/analyze"
	"github.com/argus-edge/argus/edge/detect"
	_ "github.com/argus-edge/argus/edge/detect/fire" // detector plugins register by name
	_ "github.com/argus-edge/argus/edge/detect/health"
	_ "github.com/argus-edge/argus/edge/detect/motion"
	_ "github.com/argus-edge/argus/edge/detect/objects"
	"github.com/argus-edge/argus/edge/hub"
	"github.com/argus-edge/argus/edge/ingest"
	"github.com/argus-edge/argus/edge/relay"
	"github.com/argus-edge/argus/edge/status"
	"github.com/argus-edge/argus/models"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	// First: when this process was started to vet a model, vet it and exit
	// (gocv cannot catch OpenCV's C++ exceptions, so models are tried in a
	// child before the edge loads them).
	models.VetChild()
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "edge:", err)
		os.Exit(1)
	}
}

func run() error {
	path := flag.String("config", "", "edge config file (YAML); empty runs the embedded demo config")
	level := flag.String("log-level", "info", "log level: debug, info, warn, error")
	format := flag.String("log-format", "auto", "log format: json, console, auto (console on a terminal)")
	id := flag.String("id", "", "edge id in place of the config's edge.id (and of var/<id>/queue); a StatefulSet passes $(POD_NAME)")
	pprofAddr := flag.String("pprof", "", "serve Go's profiles (/debug/pprof/) on this loopback address, e.g. 127.0.0.1:6060; empty: off")
	flag.Parse()
	log, err := logs.New(os.Stderr, *format, *level)
	if err != nil {
		return err
	}
	if *id != "" {
		ps := strict.NewProblems("")
		configs.CheckID(ps, "-id", *id)
		if err := ps.Err(); err != nil {
			return err
		}
	}
	cfg, err := load(*path, *id)
	if err != nil {
		return err // names file, line and field
	}
	log = log.With().Str("edge", cfg.Edge.ID).Logger()
	// Detector plugins log through zerolog's global logger (the objects
	// detector's "model loaded"): it writes as this edge does.
	zlog.Logger = log
	if os.Getenv("GOGC") == "" {
		// The heap is mostly GOP caches, whose read chunks are reused
		// (drivers/rtsp, chunk.go) rather than collected: little else turns
		// over, and collecting at 1.5x the live heap instead of 2x costs
		// next to nothing (make bench).
		debug.SetGCPercent(50)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *pprofAddr != "" {
		if err := profiling.Serve(ctx, log, *pprofAddr, cfg.Edge.Token(), "the edge's token (edge.http_token_env)"); err != nil {
			return err
		}
	}
	return serve(ctx, log, *path, *id, cfg)
}

// load reads the config file, or the embedded demo when path is empty,
// under the id given on the command line when there is one.
func load(path, id string) (*configs.Edge, error) {
	if path == "" {
		return configs.ParseAs(configs.DemoFile, configs.Demo, id)
	}
	return configs.LoadAs(path, id)
}

// serve runs the edge until ctx ends: ingest → hub → analysis → MQTT.
func serve(ctx context.Context, log zerolog.Logger, path, id string, cfg *configs.Edge) error {
	ice, err := iceservers.Resolve("relay.ice_servers", cfg.Relay.ICEServers, os.LookupEnv)
	if err != nil {
		return err // names the unset variable, never a password
	}
	h := hub.New(hub.Options{Queue: cfg.Ingest.ConsumerQueue, GOPBytes: cfg.Ingest.GOPCacheMB << 20})
	var fl *fleetEdge
	incarnation := ""
	if cfg.Fleet != nil {
		if fl, err = newFleetEdge(cfg, log); err != nil {
			return err
		}
		defer fl.Close()
		incarnation = fl.Incarnation()
		log = log.With().Str("incarnation", incarnation).Logger()
	}
	client, err := connect(cfg, log, incarnation)
	if err != nil {
		return err
	}
	var sink analyze.Sink = logSink{}
	if client != nil {
		defer client.Close()
		sink = client
	}
	if fl != nil {
		sink = ownedSink{Sink: sink, fl: fl}
	}
	rec, err := newRecorder(cfg, h, log)
	if err != nil {
		return err
	}
	defer rec.Close()
	sink = clipSink{Sink: sink, rec: rec}
	an := analyze.New(analyze.Options{Edge: cfg.Edge.ID, Hub: h, Sink: sink, Log: log,
		ModelDir: cfg.Detect.ModelDir, IdleFPS: cfg.Detect.IdleFPS, ActiveFPS: cfg.Detect.ActiveFPS, Quiet: cfg.Detect.Quiet.D(),
		Cores: cfg.Detect.Cores, MaxLag: cfg.Detect.MaxLag.D()})
	defer an.Close()
	changed := make(chan string, 4096)
	m := ingest.New(ctx, h, log, func(ev ingest.StateEvent) {
		if ev.Stream != ev.Camera {
			return // a substream's state is not the camera's
		}
		an.CameraState(ev.Camera, ev.State)
		select {
		case changed <- ev.Camera:
		default: // the periodic refresh will publish it
		}
	})
	defer m.Close()
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), ingest.NewMetrics(m), analyze.NewMetrics(an), rec)
	if client != nil {
		reg.MustRegister(client)
	}

	rl := relay.NewManager(relay.Options{Gateway: cfg.Relay.Gateway, Gateways: cfg.Relay.Gateways, Token: cfg.Relay.Token(), Hub: h, Log: log,
		ICEServers: ice, IdleTimeout: cfg.Relay.IdleTimeout.D(), Viewers: viewers(cfg.Relay)})
	defer rl.Close()
	reg.MustRegister(rl)
	dm, err := startDrones(cfg, client, rec, log)
	if err != nil {
		return err
	}
	extra := map[string]func() any{"analysis": func() any { return an.Status() }, "relays": func() any { return rl.Relays() }}
	if dm != nil {
		defer dm.Close() // before the bus client: the last progress goes through its queue
		reg.MustRegister(dm)
		extra["drones"] = func() any { return map[string]any{"edge": cfg.Edge.ID, "drones": dm.Status()} }
	}

	var replayPub publisher
	if client != nil {
		replayPub = client
	}
	replays := newReplays(cfg, an, replayPub, log)
	defer replays.Close() // before the analysis and the bus: its result goes out first
	reg.MustRegister(replays)

	rs := newRuleSets(ctx, an, log, cfg.Detect.RulesDir)
	if client != nil {
		rs.bus = client // before the first follow: each site's rule set topics
	}
	p := &pulls{m: m, an: an, rs: rs, dm: dm, rec: rec}
	logChanges(log, p.setFile(cfg))
	if client != nil {
		handlers := []func(string, []byte){rl.CommandHandler(cfg.Edge.ID, client), replayCommands(cfg.Edge.ID, replays, client, log)}
		if dm != nil {
			handlers = append(handlers, dm.CommandHandler(client))
		}
		client.Subscribe(bus.CommandTopic(cfg.Edge.ID), commandHandlers(handlers...))
	}
	cpu := &loadGauge{}
	st := &statuses{client: client, edge: cfg.Edge.ID, m: m, an: an, fl: fl, load: cpu, rules: rs}
	go st.loop(ctx, changed)
	log.Info().Str("version", version).Int("cameras", len(cfg.Cameras)).Int("drones", len(cfg.Drones)).Str("http", cfg.Edge.HTTP).
		Str("mqtt", cfg.MQTT.Broker).Strs("detectors", detect.Names()).Bool("fleet", fl != nil).Msg("edge started")

	extra["rules"] = func() any { return rs.Status() }
	opts := status.Options{Edge: cfg.Edge.ID, Token: cfg.Edge.Token(), Registry: reg, Log: log, Extra: extra, Routes: rec.Routes()}
	fleetDone := runFleet(ctx, fl, p, &opts, reg)
	srv := &http.Server{Addr: cfg.Edge.HTTP, Handler: status.Handler(m, opts), ReadHeaderTimeout: 5 * time.Second}
	httpErr := make(chan error, 1)
	go func() { httpErr <- srv.ListenAndServe() }()

	go measure(ctx, m, cpu, fl)
	if path != "" {
		go watchConfig(ctx, log, path, id, cfg, p)
	}
	select {
	case <-ctx.Done():
	case err := <-httpErr:
		return fmt.Errorf("http %s: %w", cfg.Edge.HTTP, err)
	}
	// A fleet edge stops its pulls and withdraws its heartbeat first, so
	// that its cameras move at once.
	<-fleetDone
	// No analysis from here on: queued frames are dropped, and no anomaly
	// is published after this line is logged (those queued stay queued).
	an.Stop()
	log.Info().Msg("edge stopping")
	shut, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := srv.Shutdown(shut); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Warn().Err(err).Msg("http shutdown")
	}
	rl.Close()
	replays.Close()
	if dm != nil {
		dm.Close()
	}
	m.Close()
	an.Close()
	log.Info().Msg("edge stopped")
	return nil
}

// runFleet starts a fleet edge's agent on the edge's pulls, with its
// readiness, state and metrics on the HTTP port; the channel closes once
// it has stopped every pull and withdrawn its heartbeat (at once for a
// standalone edge, whose fl is nil).
func runFleet(ctx context.Context, fl *fleetEdge, p *pulls, opts *status.Options, reg *prometheus.Registry) <-chan struct{} {
	done := make(chan struct{})
	if fl == nil {
		close(done)
		return done
	}
	fl.pulls = p
	opts.Ready = fl.ready
	opts.Fleet = func() any { return fl.State() }
	reg.MustRegister(fl.agent, fl.status.written, fl.status.failed)
	go func() { defer close(done); fl.Run(ctx) }()
	return done
}

func siteIDs(cfg *configs.Edge) []string {
	ids := make([]string, 0, len(cfg.Sites))
	for _, s := range cfg.Sites {
		ids = append(ids, s.ID)
	}
	return ids
}

// measure refreshes fps and bitrate, and the process's CPU load (which a
// fleet edge reports in its heartbeats), every two seconds.
func measure(ctx context.Context, m *ingest.Manager, load *loadGauge, fl *fleetEdge) {
	t := time.NewTicker(2 * time.Second)
	defer t.Stop()
	var meter loadMeter
	meter.sample(time.Now())
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			m.Measure(now)
			load.set(meter.sample(now))
			if fl != nil {
				fl.agent.SetLoad(load.get())
			}
		}
	}
}

func logChanges(log zerolog.Logger, ch ingest.Changes) {
	log.Info().Strs("added", ch.Added).Strs("removed", ch.Removed).Strs("restarted", ch.Restarted).
		Strs("updated", ch.Updated).Int("unchanged", ch.Unchanged).Bool("ingest_changed", ch.Ingest).Msg("cameras applied")
}
