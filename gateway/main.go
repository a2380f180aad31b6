// Command gateway is the Argus command center's side. It runs the embedded
// MQTT broker (:1883) that edges publish to, the directory of cameras that
// follows their retained statuses, the store, alerts and the incident wall,
// and an HTTP server (:8080): the console at /, its JSON API under /api/,
// the SFU (edges POST /whip/{camera}, viewers POST /whep/{camera}),
// /healthz and /metrics. It never imports edge/: what both speak is in
// drivers/bus. `gateway hash-password` prints the bcrypt hash of a
// password read from stdin, for the config's users; `gateway nats-auth
// -config FILE` prints a NATS cluster's authorization block for the
// config's bus users. With -backbone it joins a district's NATS cluster
// instead of embedding the broker.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"golang.org/x/sync/errgroup"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/logs"
	"github.com/argus-edge/argus/drivers/profiling"
	"github.com/argus-edge/argus/gateway/broker"
	"github.com/argus-edge/argus/gateway/config"
	"github.com/argus-edge/argus/gateway/directory"
	"github.com/argus-edge/argus/gateway/forwarded"
	"github.com/argus-edge/argus/gateway/login"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch {
	case len(os.Args) > 1 && os.Args[1] == "hash-password":
		err = hashPassword(os.Stdin, os.Stdout)
	case len(os.Args) > 1 && os.Args[1] == "nats-auth":
		err = natsAuth(os.Args[2:], os.Stdout, os.Stderr)
	default:
		err = run(ctx, os.Args[1:], os.Stderr)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gateway:", err)
		os.Exit(1)
	}
}

// flags are the gateway's command line.
type flags struct {
	mqtt, http     string
	nats, busStore string
	config, rules  string
	airspace       string
	level, format  string
	streams        streamOptions
	backbone       backboneFlags
	retentionEvery time.Duration
	tlsCert        string
	tlsKey         string
	pprof          string
}

func parseFlags(args []string, stderr io.Writer) (flags, error) {
	var f flags
	fs := flag.NewFlagSet("gateway", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&f.mqtt, "mqtt", broker.DefaultAddr, "embedded broker's MQTT listen address (edges)")
	fs.StringVar(&f.nats, "nats", broker.DefaultClientAddr, "embedded broker's NATS client listen address (nats.go: the fleet's key-value buckets)")
	fs.StringVar(&f.busStore, "bus-store", "", "the broker's JetStream directory (default: the config's bus.store_dir, else "+config.DefaultBusStoreDir+")")
	fs.StringVar(&f.http, "http", ":8080", "HTTP listen address (console, /api/, /whip, /whep, /healthz, /metrics)")
	fs.StringVar(&f.config, "config", "", "the gateway config: tokens, users, store, retention, wall, sessions (see gateway/README.md)")
	fs.StringVar(&f.config, "tokens", "", "the former name of -config (a file of tokens only is a valid config)")
	fs.StringVar(&f.rules, "rules", "", "a directory of site rule sets (configs/rules) stored at start when the store has none for a site")
	fs.StringVar(&f.airspace, "airspace", "", "a directory of site airspaces (configs/airspace: geofence, no-fly zones, routes); none: drones may not fly")
	fs.StringVar(&f.tlsCert, "tls-cert", "", "PEM certificate chain: serve HTTPS (console, API, WHIP, WHEP) with it (default: the config's tls.cert_file; none: plain HTTP)")
	fs.StringVar(&f.tlsKey, "tls-key", "", "PEM private key of -tls-cert (default: the config's tls.key_file)")
	fs.StringVar(&f.pprof, "pprof", "", "serve Go's profiles (/debug/pprof/) on this loopback address to holders of the metrics scrape token, e.g. 127.0.0.1:6061; empty: off")
	fs.DurationVar(&f.retentionEvery, "retention-every", time.Hour, "how often records past their retention are pruned")
	f.streams.flags(fs)
	f.backbone.flags(fs)
	fs.StringVar(&f.level, "log-level", "info", "log level: debug, info, warn, error")
	fs.StringVar(&f.format, "log-format", "auto", "log format: json, console, auto (console on a terminal)")
	return f, fs.Parse(args)
}

// run parses args, starts the broker, the console's services and the HTTP
// server, and returns when ctx ends (a signal) or one of them fails.
func run(ctx context.Context, args []string, stderr io.Writer) error {
	f, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	log, err := logs.New(stderr, f.format, f.level)
	if err != nil {
		return err
	}
	cfg := config.Defaults()
	if f.config != "" {
		if cfg, err = config.LoadConfig(f.config); err != nil {
			return err
		}
	} else {
		log.Warn().Msg("no -config file: no tokens and no users, every WHIP, WHEP and login is refused")
	}
	if f.pprof != "" {
		if err := profiling.Serve(ctx, log, f.pprof, cfg.MetricsToken, "the metrics scrape token (metrics.token_env)"); err != nil {
			return err
		}
	}
	rt, err := newRelayTarget(f.streams, f.backbone.replicaID())
	if err != nil {
		return err
	}
	bb, err := openBackbone(f, cfg.Bus, log)
	if err != nil {
		return err
	}
	defer bb.close()
	var fl *fleetSide
	// On the embedded node, standalone edges' statuses come over MQTT,
	// read whole from JetStream at each connect; on a district's cluster,
	// fleet edges' from the argus-status bucket.
	var retained directory.RetainedReader
	if bb.b != nil {
		if retained, err = broker.NewRetained(bb.nc); err != nil {
			return err
		}
	}
	dir := directory.New(directory.Options{Broker: bb.login.url, ClientID: bb.login.clientID("directory"),
		Username: bb.login.username, Password: bb.login.password, TLS: bb.login.tls, Log: log, Retained: retained,
		NoCameraStatus: bb.b == nil, Accept: func(cs bus.CameraStatus) bool { return fl.acceptStatus(cs) }})
	svc, err := openServices(ctx, cfg, f.rules, f.airspace, bb.login, rt, dir, func(an bus.Anomaly) bool { return fl.acceptAnomaly(an) }, log)
	if err != nil {
		return err
	}
	defer svc.close()
	if fl, err = newFleet(bb.nc, bb.replicas, bb.holder, bb.drones, svc.store, dir, log); err != nil {
		return err
	}
	streams, err := newStreams(f.streams, rt, cfg, svc.auth, svc.audits(), dir, log)
	if err != nil {
		return err
	}
	defer streams.Close()
	reg := newRegistry()
	console := svc.console(dir, streams, fl, cfg, reg, log)
	handler := forwarded.Proxies(cfg.TrustedProxies).Handler(routes(streams, console, reg, cfg.MetricsToken))
	web, err := newWebServer(f, cfg, handler, console.shutdown, log)
	if err != nil {
		return err
	}
	g, ctx := errgroup.WithContext(ctx)
	if bb.b != nil {
		reg.MustRegister(bb.b)
		g.Go(func() error { return bb.b.Run(ctx) })
	}
	g.Go(func() error { return fl.Run(ctx) })
	g.Go(func() error { return dir.Run(ctx) })
	g.Go(func() error { return svc.run(ctx, cfg, f.retentionEvery) })
	g.Go(func() error { return web.Run(ctx) })
	g.Go(func() error { return announce(ctx, bb, svc.alerts.Ready(), cfg.Bus.Users, web.ln.Addr(), log) })
	err = g.Wait()
	log.Info().Err(err).Msg("gateway stopped")
	return err
}

// newRegistry is the /metrics registry with the Go runtime and process collectors.
func newRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}

// routes is the gateway's HTTP surface: the SFU's paths (including the
// edges' GET /api/relays/{camera}), the API, /healthz, /metrics (the
// scrape token or an admin session) and, at the root, the console.
func routes(streams http.Handler, console consoleHandlers, reg *prometheus.Registry, metricsToken string) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/whip/", streams)
	mux.Handle("/whep/", streams)
	mux.Handle("/api/relays/", streams)
	mux.Handle("/api/", console.api)
	mux.Handle("/", console.web)
	mux.Handle("GET /metrics", console.api.Metrics(metricsToken, promhttp.HandlerFor(reg, promhttp.HandlerOpts{})))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, "ok\n")
	})
	return mux
}

// hashPassword reads one password line from in and writes its bcrypt hash
// to out, for a user's password_hash in the config; the password is never echoed.
func hashPassword(in io.Reader, out io.Writer) error {
	line, err := bufio.NewReader(in).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	h, err := login.HashPassword(strings.TrimRight(line, "\r\n"))
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(out, h)
	return err
}
