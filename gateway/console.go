package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
	"golang.org/x/sync/errgroup"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/gateway/alerts"
	"github.com/argus-edge/argus/gateway/api"
	"github.com/argus-edge/argus/gateway/audit"
	"github.com/argus-edge/argus/gateway/config"
	"github.com/argus-edge/argus/gateway/directory"
	"github.com/argus-edge/argus/gateway/incidents"
	"github.com/argus-edge/argus/gateway/login"
	"github.com/argus-edge/argus/gateway/patrol"
	"github.com/argus-edge/argus/gateway/rulesets"
	"github.com/argus-edge/argus/gateway/sfu"
	"github.com/argus-edge/argus/gateway/store"
	"github.com/argus-edge/argus/gateway/web"
)

// services are the parts behind the console: the store, logins, the
// camera catalog, the rule workflow and alerts (ingest, wall, handling).
type services struct {
	store        store.Store
	auth         *login.Auth
	catalog      api.Catalog
	rules        api.Rules
	ruleConflict error
	alerts       *alerts.Alerts
	drones       *patrol.Service
	incidents    *incidents.Service
	grouping     *store.Leader // which replica groups incidents
	trail        *audit.Trail  // the audit entries, refused anonymous calls aggregated
	stopResend   func()        // ends the resending of rule sets edges missed
	log          zerolog.Logger
}

// brokerLogin is how the gateway's own clients reach the embedded broker.
type brokerLogin struct {
	url, username, password string
	tls                     *tls.Config
	// suffix ends the MQTT client ids: the replica's id on a shared
	// cluster (two replicas must not take each other's sessions), empty
	// on the embedded node.
	suffix string
}

// clientID is the gateway's MQTT client id for one of its services.
func (bl brokerLogin) clientID(service string) string { return "argus-gateway-" + service + bl.suffix }

// openServices opens the store and builds the services on it (the wall's
// relays asked for as replica rt); airspaceDir
// holds the sites' airspaces; rulesDir, when set, seeds the sites' rule
// sets the store does not have yet.
func openServices(ctx context.Context, cfg *config.Config, rulesDir, airspaceDir string, bl brokerLogin, rt relayTarget, dir *directory.Directory, accept func(bus.Anomaly) bool, log zerolog.Logger) (*services, error) {
	target, err := storeTarget(cfg.Store)
	if err != nil {
		return nil, err
	}
	st, err := store.Open(ctx, cfg.Store.Driver, target)
	if err != nil {
		return nil, fmt.Errorf("store (%s): %w", cfg.Store.Driver, err)
	}
	s := &services{store: st, catalog: catalogView{dir}, ruleConflict: rulesets.ErrConflict, log: log,
		auth: login.NewAuth(login.AuthOptions{Users: cfg.Users, Store: st, TTL: cfg.SessionTTL,
			Checks: cfg.Limits.LoginChecks, PerMinute: cfg.Limits.LoginsPerMinute})}
	s.trail = audit.New(audit.Options{Store: st, Addresses: cfg.Limits.AuditAddresses, Log: log.With().Str("component", "audit").Logger()})
	rs := rulesets.New(st, dir, log)
	s.rules = rs
	s.grouping = st.Leader("incidents")
	dispatch := dispatchByIncident(func() *patrol.Service { return s.drones }) // built below, before anything is observed
	facts := newCameraFacts(st, log)
	if s.incidents, err = newIncidents(ctx, st, facts, s.grouping, dir, cfg.Incidents, dispatch, log); err != nil {
		st.Close()
		return nil, err
	}
	s.alerts, err = alerts.New(alerts.Options{Broker: bl.url, ClientID: bl.clientID("alerts"), Username: bl.username, Password: bl.password, TLS: bl.tls,
		Store: st, WallSeverity: cfg.WallMinSeverity, Accept: accept, Incidents: func(recs []store.Anomaly) []bool {
			facts.refresh() // the inventory's edits before this batch
			return s.incidents.ObserveBatch(recs)
		}, Groups: wallGroups(cfg, s.grouping),
		StartRelay: func(ctx context.Context, camera string) error { return relayStart(ctx, dir, rt, camera, log) }, Log: log})
	if err != nil {
		st.Close()
		return nil, err
	}
	if s.drones, err = newDrones(airspaceDir, bl, dir, st, log); err != nil {
		st.Close()
		return nil, err
	}
	if rulesDir != "" {
		if err := rs.Seed(ctx, rulesDir); err != nil {
			st.Close()
			return nil, err
		}
	}
	s.stopResend = resendRules(ctx, dir, rs.Resender())
	return s, nil
}

// storeTarget is what store.Open takes: the SQLite file, whose directory
// is created (var/ is not in the repository), or the PostgreSQL DSN, a
// secret that is never logged.
func storeTarget(sc config.StoreConfig) (string, error) {
	if sc.Driver == config.DriverPostgres {
		return sc.DSN, nil
	}
	if err := os.MkdirAll(filepath.Dir(sc.Path), 0o750); err != nil {
		return "", fmt.Errorf("store: %w", err)
	}
	return sc.Path, nil
}

// catalogView is the directory as the API's Catalog (the same query and summary fields).
type catalogView struct{ *directory.Directory }

// Cameras converts the query to the directory's.
func (c catalogView) Cameras(q api.CameraQuery) ([]bus.CameraStatus, int, string) {
	return c.Directory.Cameras(directory.CameraQuery(q))
}

// Sites converts the directory's summaries.
func (c catalogView) Sites() []api.SiteSummary {
	var out []api.SiteSummary
	for _, s := range c.Directory.Sites() {
		out = append(out, api.SiteSummary(s))
	}
	return out
}

// audits is where stream views are audited.
func (s *services) audits() auditor { return s.trail }

// consoleHandlers are the API and the console's assets.
type consoleHandlers struct {
	api      *api.Server
	web      http.Handler
	shutdown func() // ends the event streams, which would hold a graceful shutdown
}

// console builds the API over the services, and wires their events into it.
func (s *services) console(dir *directory.Directory, streams *sfu.Server, fl *fleetSide, cfg *config.Config, reg prometheus.Registerer, log zerolog.Logger) consoleHandlers {
	a := api.New(api.Options{Auth: s.auth, Store: s.store, Audit: s.trail, Limits: cfg.Limits, Cameras: s.catalog, Rules: s.rules, Wall: s.alerts,
		Handling: s.alerts, Incidents: s.incidents, Drones: s.drones, RuleConflict: s.ruleConflict, Relayed: func(cam string) bool { return streams.Viewers(cam) > 0 },
		Capacity: fl, Fleet: fl, Metrics: reg, Log: log, EdgeFiles: edgeFiles(cfg.EdgeHTTP, dir, reg, log),
		Replays: newReplays(dir, s.store, log)})
	reg.MustRegister(s.alerts, dir, s.drones, fl.assigner, s.trail, s.incidents)
	// The listeners live as long as the gateway: their cancels are not needed.
	s.alerts.SubscribeBatch(a.PublishAnomalies)
	s.alerts.SubscribeWall(a.PublishWall)
	s.incidents.SubscribeBatch(a.PublishIncidents)
	s.alerts.Subscribe(s.drones.OnAnomaly) // camera locations and auto_dispatch
	s.drones.Subscribe(a.PublishDrone)
	wallFollowsPatrols(s.drones, s.alerts, dir, log)
	dir.Subscribe(func(ev directory.Event) {
		switch {
		case ev.Camera != nil && !ev.Removed:
			a.PublishCamera(*ev.Camera)
		case ev.Edge != nil:
			a.PublishEdge(*ev.Edge)
			if ev.Edge.State == bus.Offline {
				s.drones.EdgeOffline(ev.Edge.Edge)
			}
		}
	})
	return consoleHandlers{api: a, web: web.Handler(), shutdown: a.Shutdown}
}

// run runs alerts, the drones and the retention loop until ctx ends.
func (s *services) run(ctx context.Context, cfg *config.Config, every time.Duration) error {
	go s.alerts.RunRetention(ctx, cfg.Retention, every)
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return s.drones.Run(ctx) })
	g.Go(func() error { return s.trail.Run(ctx) })
	g.Go(func() error { return s.alerts.Run(ctx) })
	g.Go(func() error { return s.incidents.Run(ctx) })
	g.Go(func() error { return s.grouping.Run(ctx) })
	return g.Wait()
}

func (s *services) close() {
	s.stopResend()
	if err := s.store.Close(); err != nil {
		s.log.Warn().Err(err).Msg("store: close")
	}
}

// resendRules has the edges' statuses checked for rule sets they missed
// (rulesets.Resender) until the returned stop is called.
func resendRules(ctx context.Context, dir *directory.Directory, r *rulesets.Resender) (stop func()) {
	return dir.Subscribe(func(ev directory.Event) {
		if ev.Kind == directory.EventEdge && ev.Edge != nil && !ev.Removed {
			r.Observe(ctx, *ev.Edge)
		}
	})
}
