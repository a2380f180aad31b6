package api

import (
	"context"
	"net/http"
	"time"

	"github.com/argus-edge/argus/configs/strict"
	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/gateway/access"
	"github.com/argus-edge/argus/gateway/incidents"
	"github.com/argus-edge/argus/gateway/patrol"
	"github.com/argus-edge/argus/gateway/rulesets"
	"github.com/argus-edge/argus/gateway/store"
)

// The API's view of the packages it serves, declared here (consumer side)
// so that handlers and tests need only what they use: gateway/store.Store,
// *rulesets.Service and *alerts.Alerts satisfy theirs as they are; the
// directory's catalog converts its query and summaries (main).

// Store is what the API reads and writes in the gateway's store; store.Store has it all.
type Store interface {
	Anomaly(ctx context.Context, id string) (store.Anomaly, error)
	Anomalies(ctx context.Context, q store.AnomalyQuery) (store.Page[store.Anomaly], error)
	Snapshot(ctx context.Context, id string) ([]byte, error)
	Audit(ctx context.Context, e store.AuditEntry) error
	AuditLog(ctx context.Context, q store.AuditQuery) (store.Page[store.AuditEntry], error)
	PutUser(ctx context.Context, u store.User) error
	User(ctx context.Context, name string) (store.User, error)
	Users(ctx context.Context) ([]store.User, error)
	DeleteUser(ctx context.Context, name string) error

	PutCamera(ctx context.Context, c store.Camera) (store.Camera, store.Change, error)
	Camera(ctx context.Context, id string) (store.Camera, error)
	DeleteCamera(ctx context.Context, id, by string, at time.Time) (store.Camera, error)
	Cameras(ctx context.Context, q store.CameraQuery) (store.Page[store.Camera], error)
	ImportCameras(ctx context.Context, cams []store.Camera, o store.ImportOptions) (store.ImportResult, error)
	CameraCounts(ctx context.Context) ([]store.SiteCameras, error)

	Incident(ctx context.Context, id string) (store.Incident, error)
	Incidents(ctx context.Context, q store.IncidentQuery) (store.Page[store.Incident], error)
	IncidentMembers(ctx context.Context, id string, limit int) ([]store.IncidentMember, error)
}

// Capacity tells how many cameras (in weight units) an edge declares it
// can pull: the fleet fills it from each edge's heartbeat. Without one
// (a standalone gateway) capacities are unknown.
type Capacity interface {
	Capacity(edge string) (cameras float64, ok bool)
}

// CameraQuery selects cameras of the catalog; empty fields match
// everything. Its fields are directory.CameraQuery's, in order, so one
// converts to the other.
type CameraQuery struct {
	Sites  []string // any of these sites; nil: every site (the API scopes it)
	Site   string   // one site
	State  string   // online, offline, connecting or disabled
	Q      string   // a case-insensitive substring of the camera id
	Cursor string   // from the previous page
	Limit  int      // page size
}

// SiteSummary counts a site's cameras (directory.SiteSummary's fields).
type SiteSummary struct {
	Site    string `json:"site"`
	Cameras int    `json:"cameras"`
	Online  int    `json:"online"`
	Offline int    `json:"offline"`
}

// Catalog is the directory of cameras and edges (gateway/directory).
type Catalog interface {
	// Cameras returns one page sorted by id, the number matching before paging and the next cursor.
	Cameras(q CameraQuery) (items []bus.CameraStatus, total int, next string)
	// Camera returns one camera's status.
	Camera(id string) (bus.CameraStatus, bool)
	// Edges lists every edge's status.
	Edges() []bus.EdgeStatus
	// Sites counts every site's cameras.
	Sites() []SiteSummary
}

// Rules is the operators' rule-set workflow: *rulesets.Service. Invalid
// documents are a *strict.Error (422), unknown versions store.ErrNotFound
// (404) and state conflicts Options.RuleConflict (rulesets.ErrConflict, 409).
type Rules interface {
	Get(ctx context.Context, site string) (rulesets.View, error)
	// Check validates a document for site without storing it; it returns
	// its version and its notes (what the edge will do that the author may
	// not expect, with line and field).
	Check(site string, doc []byte) (int, []strict.Problem, error)
	SubmitShadow(ctx context.Context, site, author string, doc []byte) (store.RuleSet, error)
	RetireShadow(ctx context.Context, site, author string) error
	// Promote makes version (0: the shadow one) live.
	Promote(ctx context.Context, site, author string, version int) (store.RuleSet, error)
	// Rollback republishes an older version as live under a new number.
	Rollback(ctx context.Context, site, author string, version int) (store.RuleSet, error)
	// Compare counts what live and shadow alerted in [from, to); a zero from is the shadow's submission.
	Compare(ctx context.Context, site string, from, to time.Time) (rulesets.Comparison, error)
}

// Wall is the incident wall (gateway/alerts.Alerts); changes reach the
// event stream through PublishWall, which main wires to its listener.
type Wall interface {
	Wall(ctx context.Context) ([]store.WallEntry, error)
	AddToWall(ctx context.Context, camera, site, who string) (store.WallEntry, error)
	Dismiss(ctx context.Context, camera, who string) error
}

// Handling acknowledges and resolves anomalies (gateway/alerts.Alerts);
// the changed record reaches the event stream through PublishAnomaly,
// which main wires to its listener.
type Handling interface {
	Acknowledge(ctx context.Context, id, who, note string) (store.Anomaly, error)
	Resolve(ctx context.Context, id, who, note string) (store.Anomaly, error)
}

// Incidents acts on incidents (*incidents.Service): acknowledge, resolve,
// note, assign; the change reaches the event stream through PublishIncident.
type Incidents interface {
	// Act applies act; acknowledging or resolving does the same to the
	// member anomalies (their count is the second result), in one transaction.
	Act(ctx context.Context, id string, act incidents.Action) (store.Incident, int64, error)
	// MemberResolved resolves the incident of an anomaly just resolved on
	// its own when no member is left unresolved (ok true when it did).
	MemberResolved(ctx context.Context, anomaly, who string) (store.Incident, bool, error)
}

// Drones are the drones and their patrols (*patrol.Service): views,
// the site's plan, pre-flight, launch, abort and verification flights.
// Refusals are a *patrol.Refusal; patrol.StatusOf maps every error to
// its answer.
type Drones interface {
	// Drones lists the drones of the sites covers admits.
	Drones(covers func(site string) bool) []patrol.View
	Drone(id string) (patrol.View, bool)
	// Plan is a site's airspace and cameras, for drawing.
	Plan(site string) patrol.Plan
	Preflight(p access.Principal, drone, route string) ([]patrol.Check, error)
	Launch(ctx context.Context, p access.Principal, drone, route string) (patrol.Launched, error)
	// Abort sends the abort at once and returns the patrol aborted.
	Abort(ctx context.Context, drone string) (string, error)
	Verify(ctx context.Context, p access.Principal, a store.Anomaly) (patrol.Launched, error)
}

// EdgeFiles fetches from the edges' HTTP APIs (*edgehttp.Client): the
// edge's answer to stream and close, or an *edgehttp.Error saying which
// edge could not be reached and the status to answer (502, 504).
type EdgeFiles interface {
	Get(ctx context.Context, edge, path string, in http.Header) (*http.Response, error)
}
