package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/argus-edge/argus/gateway/access"
	"github.com/argus-edge/argus/gateway/api"
	"github.com/argus-edge/argus/gateway/directory"
	"github.com/argus-edge/argus/gateway/sfu"
	"github.com/argus-edge/argus/gateway/store"
)

// gatewayStore is what the gateway needs of gateway/store.Store.
type gatewayStore interface {
	api.Store
	access.UserStore
	Prune(ctx context.Context, r store.Retention, now time.Time) (store.Pruned, error)
	Close() error
}

// services are the parts behind the console. Until the store, rulesets,
// alerts and the directory's catalog are merged, they are nil and the API
// answers 503 (see the TODO(merge) lines).
type services struct {
	store        gatewayStore
	auth         *access.Auth
	catalog      api.Catalog
	rules        api.Rules
	ruleConflict error
	wall         api.Wall
	log          zerolog.Logger
}

// openServices opens the store and builds the services on it.
func openServices(ctx context.Context, cfg *access.Config, rulesDir string, dir *directory.Directory, log zerolog.Logger) (*services, error) {
	s := &services{log: log}
	// TODO(merge): open the configured store:
	//   s.store, err = store.Open(ctx, cfg.Store.Driver, cfg.Store.Path, cfg.Store.DSN) // sqlite: path; postgres: DSN (never logged)
	if s.store == nil {
		log.Warn().Str("driver", cfg.Store.Driver).Str("path", cfg.Store.Path).Msg("store not built in yet: /api/ answers 503 (TODO(merge))")
		return s, nil
	}
	s.auth = access.NewAuth(access.AuthOptions{Users: cfg.Users, Store: s.store, TTL: cfg.SessionTTL})
	// TODO(merge): the rule workflow, publishing retained on the gateway's broker:
	//   rs := rulesets.New(rulesets.Options{Store: s.store, Publisher: dir, Log: log})
	//   s.rules, s.ruleConflict = rs, rulesets.ErrConflict
	//   if rulesDir != "" { if err := rulesets.Seed(ctx, rulesDir); err != nil { return nil, err } }
	// TODO(merge): alerts (anomaly ingest and the wall), relays started on demand:
	//   al := alerts.New(alerts.Options{Store: s.store, MinSeverity: cfg.WallMinSeverity,
	//       StartRelay: func(ctx context.Context, camera string) error { return relayStart(ctx, dir, camera, log) }, Log: log})
	//   s.wall = al
	// TODO(merge): s.catalog = dir (directory.Cameras/Edges/Sites; CameraQuery converted)
	_, _ = rulesDir, dir
	return s, nil
}

// ready reports whether every service the API needs is there.
func (s *services) ready() bool {
	return s.store != nil && s.auth != nil && s.catalog != nil && s.rules != nil && s.wall != nil
}

// audits is where stream views are audited: the store, when there is one.
func (s *services) audits() auditor {
	if s.store == nil {
		return nil
	}
	return s.store
}

// consoleHandlers are the API and the console's assets.
type consoleHandlers struct {
	api      http.Handler
	web      http.Handler
	shutdown func() // ends the event streams, which would hold a graceful shutdown
}

// console builds the API over the services, and wires their events into it.
func (s *services) console(cfg *access.Config, streams *sfu.Server, reg prometheus.Registerer, log zerolog.Logger) consoleHandlers {
	// TODO(merge): web: web.Handler() once gateway/web is on main.
	h := consoleHandlers{api: unavailable("the API needs the store, rulesets, alerts and the camera catalog (not merged yet)"),
		web: placeholderConsole(), shutdown: func() {}}
	if !s.ready() {
		return h
	}
	a := api.New(api.Options{Auth: s.auth, Store: s.store, Cameras: s.catalog, Rules: s.rules, Wall: s.wall,
		RuleConflict: s.ruleConflict, Relayed: func(cam string) bool { return streams.Viewers(cam) > 0 },
		Metrics: reg, Log: log})
	// TODO(merge): events into the API's stream:
	//   al.OnAnomaly(a.PublishAnomaly); al.OnWall(a.PublishWall)
	//   dir.OnCamera(a.PublishCamera); dir.OnEdge(a.PublishEdge)
	h.api, h.shutdown = a, a.Shutdown
	return h
}

// run runs the services until ctx ends: the retention loop (and, once
// merged, alerts).
func (s *services) run(ctx context.Context, cfg *access.Config, every time.Duration) error {
	if s.store == nil {
		<-ctx.Done()
		return nil
	}
	// TODO(merge): go al.Run(ctx) when alerts needs a loop of its own.
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
	p, err := s.store.Prune(ctx, r, time.Now())
	if err != nil {
		s.log.Error().Err(err).Msg("retention: prune failed")
		return
	}
	s.log.Info().Int64("anomalies", p.Anomalies).Int64("snapshots", p.Snapshots).Int64("audit", p.Audit).
		Int64("sessions", p.Sessions).Msg("retention: pruned")
}

func (s *services) close() {
	if s.store != nil {
		if err := s.store.Close(); err != nil {
			s.log.Warn().Err(err).Msg("store: close")
		}
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
