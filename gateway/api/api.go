// Package api is the console's JSON API under /api/ (API.md is its
// contract): who is asking (sessions from gateway/login), what they may do
// on which sites (gateway/access), one audit entry per call, and
// server-sent events. It serves what other packages hold through the small
// interfaces of deps.go.
package api

import (
	"context"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/argus-edge/argus/gateway/access"
	"github.com/argus-edge/argus/gateway/config"
	"github.com/argus-edge/argus/gateway/login"
	"github.com/argus-edge/argus/gateway/store"
)

// Options configure a Server; Auth, Store, Cameras, Rules, Wall and Handling are required.
type Options struct {
	Auth     *login.Auth
	Store    Store
	Cameras  Catalog
	Rules    Rules
	Wall     Wall
	Handling Handling
	// Drones are the drones' service (nil: the gateway has none, the list is empty).
	Drones Drones
	// Incidents acts on incidents (nil: the actions answer 503).
	Incidents Incidents
	// RuleConflict is the rule service's state-conflict error (answered 409).
	RuleConflict error
	// Capacity gives the edges' declared capacities (nil: unknown).
	Capacity Capacity
	// Fleet gives the edges' heartbeats and assignments and drains edges (nil: no fleet).
	Fleet Fleet
	// EdgeFiles fetches recordings and clips from the edges' HTTP APIs
	// (*edgehttp.Client; nil: those calls answer 503).
	EdgeFiles EdgeFiles
	// Replays runs rule replays on the edges' recordings (nil: not available).
	Replays Replays
	// Relayed reports whether the gateway relays a camera to a viewer now (nil: never).
	Relayed func(camera string) bool
	// Ping is the SSE keep-alive period (default 15 s).
	Ping time.Duration
	// EventBuffer is how many events a slow SSE client may lag before it is
	// dropped (default 4,096: under half a second of a 10,000/s storm).
	EventBuffer int
	// Audit, when set, takes the audit entries instead of Store (the
	// gateway's audit.Trail, which aggregates refused anonymous calls).
	Audit interface {
		Audit(ctx context.Context, e store.AuditEntry) error
	}
	// Limits bound bodies and event streams per user (zero fields: config.DefaultLimits).
	Limits config.Limits
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Metrics, when set, receives the API's request counter and SSE gauge.
	Metrics prometheus.Registerer
	Log     zerolog.Logger
}

// Server is the API: an http.Handler to mount at /api/.
type Server struct {
	opts    Options
	mux     *http.ServeMux
	hub     *hub
	log     zerolog.Logger
	metrics *metrics
}

// New builds the API.
func New(opts Options) *Server {
	if opts.Ping <= 0 {
		opts.Ping = 15 * time.Second
	}
	if opts.EventBuffer <= 0 {
		opts.EventBuffer = 4096
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	opts.Limits = withDefaults(opts.Limits)
	if opts.Audit == nil {
		opts.Audit = opts.Store
	}
	if opts.Relayed == nil {
		opts.Relayed = func(string) bool { return false }
	}
	s := &Server{opts: opts, mux: http.NewServeMux(), hub: newHub(opts.EventBuffer),
		log: opts.Log.With().Str("component", "api").Logger(), metrics: newMetrics(opts.Metrics)}
	s.routes()
	return s
}

// ServeHTTP serves /api/.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// routes is the API's table: method and path, audit action, permission, handler.
func (s *Server) routes() {
	for _, rt := range []route{
		{"POST /api/login", "login", "", s.login},
		{"POST /api/logout", "logout", authenticated, s.logout},
		{"GET /api/me", "me", authenticated, s.me},
		{"GET /api/events", "events", access.PermView, s.events},

		{"GET /api/cameras", "camera.list", access.PermView, s.cameras},
		{"GET /api/cameras/{camera}", "camera.get", access.PermView, s.camera},
		{"POST /api/cameras", "camera.create", access.PermInventory, s.cameraCreate},
		{"POST /api/cameras/import", "camera.import", access.PermInventory, s.cameraImport},
		{"PUT /api/cameras/{camera}", "camera.update", access.PermInventory, s.cameraUpdate},
		{"DELETE /api/cameras/{camera}", "camera.delete", access.PermInventory, s.cameraDelete},
		{"GET /api/inventory", "inventory.list", access.PermView, s.inventory},
		{"GET /api/inventory/counts", "inventory.counts", access.PermView, s.inventoryCounts},
		{"GET /api/inventory/{camera}", "inventory.get", access.PermView, s.inventoryCamera},
		{"GET /api/edges", "edge.list", access.PermView, s.edges},
		{"POST /api/edges/{edge}/drain", "edge.drain", access.PermAdmin, s.drain},
		{"DELETE /api/edges/{edge}/drain", "edge.undrain", access.PermAdmin, s.undrain},
		{"GET /api/sites", "site.list", access.PermView, s.sites},

		{"GET /api/anomalies", "anomaly.list", access.PermView, s.anomalies},
		{"GET /api/anomalies/{id}", "anomaly.get", access.PermView, s.anomaly},
		{"GET /api/anomalies/{id}/snapshot", "anomaly.snapshot", access.PermView, s.snapshot},
		{"GET /api/anomalies/{id}/clip", "anomaly.clip", access.PermView, s.clip},
		{"GET /api/cameras/{camera}/recordings", "camera.recordings", access.PermView, s.recordings},
		{"GET /api/cameras/{camera}/recordings/{file}", "camera.recording", access.PermView, s.recording},
		{"GET /api/cameras/{camera}/recordings/export", "camera.export", access.PermView, s.export},
		{"POST /api/anomalies/{id}/ack", "anomaly.ack", access.PermHandle, s.ack},
		{"POST /api/anomalies/{id}/resolve", "anomaly.resolve", access.PermHandle, s.resolve},

		{"POST /api/anomalies/{id}/verify", "anomaly.verify", access.PermVerify, s.verify},

		{"GET /api/incidents", "incident.list", access.PermView, s.incidentList},
		{"GET /api/incidents/{id}", "incident.get", access.PermView, s.incident},
		{"POST /api/incidents/{id}/ack", "incident.ack", access.PermHandle, s.incidentAck},
		{"POST /api/incidents/{id}/resolve", "incident.resolve", access.PermHandle, s.incidentResolve},
		{"POST /api/incidents/{id}/notes", "incident.note", access.PermHandle, s.incidentNote},
		{"POST /api/incidents/{id}/assign", "incident.assign", access.PermHandle, s.incidentAssign},

		{"GET /api/drones", "drone.list", access.PermView, s.drones},
		{"GET /api/drones/{drone}", "drone.get", access.PermView, s.drone},
		{"GET /api/drones/{drone}/patrols/{id}/track", "patrol.track", access.PermView, s.patrolTrack},
		{"GET /api/drones/{drone}/patrols/{id}/recording", "patrol.recording", access.PermView, s.patrolRecording},
		{"POST /api/drones/{drone}/preflight", "drone.preflight", access.PermView, s.preflight},
		{"POST /api/drones/{drone}/patrols", "patrol.launch", access.PermFly, s.launch},
		{"DELETE /api/drones/{drone}/patrols/current", "patrol.abort", authenticated, s.abort},

		{"GET /api/wall", "wall.list", access.PermView, s.wall},
		{"POST /api/wall", "wall.add", access.PermHandle, s.wallAdd},
		{"DELETE /api/wall/{camera}", "wall.dismiss", access.PermHandle, s.wallDismiss},

		{"GET /api/sites/{site}/rules", "rules.get", access.PermRulesRead, s.rules},
		{"POST /api/sites/{site}/rules/validate", "rules.validate", access.PermRulesRead, s.rulesValidate},
		{"PUT /api/sites/{site}/rules/shadow", "rules.shadow", access.PermRulesWrite, s.rulesShadow},
		{"DELETE /api/sites/{site}/rules/shadow", "rules.retire", access.PermRulesWrite, s.rulesRetire},
		{"POST /api/sites/{site}/rules/promote", "rules.promote", access.PermRulesWrite, s.rulesPromote},
		{"POST /api/sites/{site}/rules/rollback", "rules.rollback", access.PermRulesWrite, s.rulesRollback},
		{"GET /api/sites/{site}/rules/compare", "rules.compare", access.PermRulesRead, s.rulesCompare},

		{"GET /api/users", "user.list", access.PermAdmin, s.users},
		{"POST /api/users", "user.create", access.PermAdmin, s.userCreate},
		{"PUT /api/users/{name}", "user.update", access.PermAdmin, s.userUpdate},
		{"DELETE /api/users/{name}", "user.delete", access.PermAdmin, s.userDelete},
		{"GET /api/audit", "audit.read", access.PermAdmin, s.audit},

		{"/api/", "unknown", authenticated, s.notFound},
	} {
		s.mux.Handle(rt.pattern, s.wrap(rt))
	}
	for _, rt := range s.replayRoutes() {
		s.mux.Handle(rt.pattern, s.wrap(rt))
	}
}

// notFound answers a path the API does not have.
func (s *Server) notFound(c *call) {
	c.fail(http.StatusNotFound, "no such API call: "+c.r.Method+" "+c.r.URL.Path)
}

// withDefaults fills the zero fields of l from config.DefaultLimits.
func withDefaults(l config.Limits) config.Limits {
	d := config.DefaultLimits
	for _, it := range []struct{ v, def *int }{{&l.WHEPPerUser, &d.WHEPPerUser}, {&l.WHEPTotal, &d.WHEPTotal},
		{&l.SSEPerUser, &d.SSEPerUser}, {&l.LoginChecks, &d.LoginChecks}, {&l.LoginsPerMinute, &d.LoginsPerMinute},
		{&l.AuditAddresses, &d.AuditAddresses}} {
		if *it.v <= 0 {
			*it.v = *it.def
		}
	}
	if l.BodyBytes <= 0 {
		l.BodyBytes = d.BodyBytes
	}
	if l.ImportBytes <= 0 {
		l.ImportBytes = d.ImportBytes
	}
	return l
}
