package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/argus-edge/argus/gateway/access"
	"github.com/argus-edge/argus/gateway/api"
	"github.com/argus-edge/argus/gateway/directory"
	"github.com/argus-edge/argus/gateway/rulesets"
	"github.com/argus-edge/argus/gateway/sfu"
	"github.com/argus-edge/argus/gateway/store"
)

// services are the parts behind the console: the store, logins, the rule
// workflow and, once merged, alerts and the directory's catalog; until
// then the API answers 503 (see the TODO(merge) lines, written against
// those branches' signatures).
type services struct { // TODO(merge): alerts *alerts.Alerts
	store        store.Store
	auth         *access.Auth
	catalog      api.Catalog
	rules        api.Rules
	ruleConflict error
	wall         api.Wall
	handling     api.Handling
	log          zerolog.Logger
}

// openServices opens the store and builds the services on it.
func openServices(ctx context.Context, cfg *access.Config, rulesDir string, dir *directory.Directory, log zerolog.Logger) (*services, error) {
	target, err := storeTarget(cfg.Store)
	if err != nil {
		return nil, err
	}
	st, err := store.Open(ctx, cfg.Store.Driver, target)
	if err != nil {
		return nil, fmt.Errorf("store (%s): %w", cfg.Store.Driver, err)
	}
	log.Info().Str("driver", cfg.Store.Driver).Str("path", cfg.Store.Path).Int("users", len(cfg.Users)).Msg("store open")
	s := &services{store: st, log: log, auth: access.NewAuth(access.AuthOptions{Users: cfg.Users, Store: st, TTL: cfg.SessionTTL})}
	// The rule workflow publishes retained through the directory's client.
	var pub rulesets.Publisher // TODO(merge): pub = dir (directory.PublishRetained)
	rs := rulesets.New(s.store, pub, log)
	if rulesDir != "" {
		if err := rs.Seed(ctx, rulesDir); err != nil {
			st.Close()
			return nil, err
		}
	}
	s.rules, s.ruleConflict = rs, rulesets.ErrConflict
	// TODO(merge): alerts (anomaly ingest, the wall, handling), relays started on demand:
	//   al, err := alerts.New(alerts.Options{Broker: dir's broker URL, Store: st, WallSeverity: cfg.WallMinSeverity,
	//       StartRelay: func(ctx context.Context, camera string) error { return relayStart(ctx, dir, camera, log) }, Log: log})
	//   s.alerts, s.wall, s.handling = al, al, al
	// TODO(merge): s.catalog = catalogView{dir}
	_ = dir
	return s, nil
}

// storeTarget is what store.Open takes: the SQLite file, whose directory
// is created (var/ is not in the repository), or the PostgreSQL DSN, a
// secret that is never logged.
func storeTarget(sc access.StoreConfig) (string, error) {
	if sc.Driver == access.DriverPostgres {
		return sc.DSN, nil
	}
	if err := os.MkdirAll(filepath.Dir(sc.Path), 0o750); err != nil {
		return "", fmt.Errorf("store: %w", err)
	}
	return sc.Path, nil
}

// TODO(merge): the directory's catalog as the API's (same fields, so conversions):
//
//	type catalogView struct{ *directory.Directory }
//	func (c catalogView) Cameras(q api.CameraQuery) ([]bus.CameraStatus, int, string) {
//		return c.Directory.Cameras(directory.CameraQuery(q))
//	}
//	func (c catalogView) Sites() []api.SiteSummary {
//		var out []api.SiteSummary
//		for _, s := range c.Directory.Sites() { out = append(out, api.SiteSummary(s)) }
//		return out
//	}

// ready reports whether every service the API needs is there.
func (s *services) ready() bool {
	return s.store != nil && s.auth != nil && s.catalog != nil && s.rules != nil && s.wall != nil && s.handling != nil
}

// audits is where stream views are audited.
func (s *services) audits() auditor { return s.store }

// consoleHandlers are the API and the console's assets.
type consoleHandlers struct {
	api      http.Handler
	web      http.Handler
	shutdown func() // ends the event streams, which would hold a graceful shutdown
}

// console builds the API over the services, and wires their events into it.
func (s *services) console(cfg *access.Config, streams *sfu.Server, reg prometheus.Registerer, log zerolog.Logger) consoleHandlers {
	// TODO(merge): web: web.Handler() once gateway/web is on main.
	h := consoleHandlers{api: unavailable("the API needs alerts and the camera catalog (not merged yet)"),
		web: placeholderConsole(), shutdown: func() {}}
	if !s.ready() {
		return h
	}
	a := api.New(api.Options{Auth: s.auth, Store: s.store, Cameras: s.catalog, Rules: s.rules, Wall: s.wall,
		Handling: s.handling, RuleConflict: s.ruleConflict, Relayed: func(cam string) bool { return streams.Viewers(cam) > 0 },
		Metrics: reg, Log: log})
	// TODO(merge): events into the API's stream (each listener's cancel can be ignored: they live as long as the gateway):
	//   s.alerts.Subscribe(a.PublishAnomaly); s.alerts.SubscribeWall(a.PublishWall)
	//   dir.Subscribe(func(ev directory.Event) {
	//       switch { case ev.Camera != nil && !ev.Removed: a.PublishCamera(*ev.Camera); case ev.Edge != nil: a.PublishEdge(*ev.Edge) } })
	h.api, h.shutdown = a, a.Shutdown
	return h
}

// run runs the services until ctx ends: the retention loop (and, once
// merged, alerts).
func (s *services) run(ctx context.Context, cfg *access.Config, every time.Duration) error {
	// TODO(merge): alerts has the same loop with metrics; use it instead:
	//   go s.alerts.RunRetention(ctx, cfg.Retention, every); return s.alerts.Run(ctx)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		s.prune(ctx, cfg.Retention)
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// prune deletes what is past its retention; a failure is logged and tried again next time.
func (s *services) prune(ctx context.Context, r store.Retention) {
	p, err := s.store.Prune(ctx, r, time.Now().UTC())
	if err != nil {
		s.log.Error().Err(err).Msg("retention: prune failed")
		return
	}
	s.log.Info().Int64("anomalies", p.Anomalies).Int64("snapshots", p.Snapshots).Int64("audit", p.Audit).
		Int64("sessions", p.Sessions).Msg("retention: pruned")
}

func (s *services) close() {
	if err := s.store.Close(); err != nil {
		s.log.Warn().Err(err).Msg("store: close")
	}
}

// unavailable answers every call 503 with why.
func unavailable(why string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintf(w, "{\"error\":%q}\n", why)
	})
}

// placeholderConsole stands in for gateway/web until it is merged.
func placeholderConsole() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, strings.TrimSpace(`<!doctype html><title>Argus</title><p>Argus gateway: the console is not built in yet. The API is under /api/.`)+"\n")
	})
}
