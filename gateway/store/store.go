// Package store keeps what the command center must not lose: anomaly
// history with snapshots and acknowledgements, the audit log, console users
// and their sessions, rule-set versions, the incident wall and the
// district's camera inventory with its change feed (inventory.go). One
// interface, two implementations: SQLite (an embedded file, the default)
// and PostgreSQL (a district-scale deployment). Both speak the same SQL
// (sql.go); only the dialect differs (dialect.go). Open, OpenSQLite and
// OpenPostgres create or migrate the schema (migrate.go, a schema_version
// table) before returning.
//
// Times are stored as Unix milliseconds, so a time reads back truncated to
// the millisecond, in UTC. Listings are keyset-paged newest first: a cursor
// is the last item's (time, id), so a deep page costs what the first does.
package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"time"

	"github.com/argus-edge/argus/drivers/bus"
)

// ErrNotFound is returned for an id, user, session or camera not stored.
var ErrNotFound = errors.New("store: not found")

// ErrInvalid wraps every refusal of bad input (a malformed cursor, an
// anomaly without id, an unknown role or stage): the API answers 400.
var ErrInvalid = errors.New("store: invalid input")

// ErrConflict is returned when a record that must be unique already exists
// (a site's rule-set version): the API answers 409.
var ErrConflict = errors.New("store: already exists")

// Store is the gateway's persistence. Every method is safe for concurrent use.
type Store interface {
	// PutAnomaly records one anomaly event from MQTT: a start creates the
	// record (with its snapshot), an update or end changes it. Events of an
	// anomaly whose seq is not above the last applied are ignored (a QoS 1
	// redelivery), and so are events after an end. created reports a new
	// record; applied is false for an ignored event.
	PutAnomaly(ctx context.Context, a bus.Anomaly) (rec Anomaly, created, applied bool, err error)
	// PutAnomalies applies many events in order in one transaction (batch.go),
	// each as PutAnomaly would; an invalid event gets its own Err, any
	// other error fails the whole batch and writes nothing.
	PutAnomalies(ctx context.Context, events []bus.Anomaly) ([]AnomalyResult, error)
	// Anomaly returns one anomaly by id (without its snapshot).
	Anomaly(ctx context.Context, id string) (Anomaly, error)
	// Anomalies returns one page of anomalies matching q, newest first.
	Anomalies(ctx context.Context, q AnomalyQuery) (Page[Anomaly], error)
	// Snapshot returns the JPEG of an anomaly's start, ErrNotFound if none.
	Snapshot(ctx context.Context, id string) ([]byte, error)
	// Acknowledge marks an open anomaly acknowledged by who; a resolved one is left as it is.
	Acknowledge(ctx context.Context, id, who, note string, at time.Time) (Anomaly, error)
	// Resolve marks an anomaly resolved by who.
	Resolve(ctx context.Context, id, who, note string, at time.Time) (Anomaly, error)
	// Counts groups the anomalies started in [from, to) of one site by
	// shadow flag, rule version and kind: what shadow and live alerted.
	Counts(ctx context.Context, site string, from, to time.Time) ([]Count, error)

	// Audit appends one entry to the audit log.
	Audit(ctx context.Context, e AuditEntry) error
	// AuditLog returns one page of the audit log, newest first.
	AuditLog(ctx context.Context, q AuditQuery) (Page[AuditEntry], error)

	// PutUser creates or replaces a console user.
	PutUser(ctx context.Context, u User) error
	// User returns one user by name.
	User(ctx context.Context, name string) (User, error)
	// Users lists every stored user by name.
	Users(ctx context.Context) ([]User, error)
	// DeleteUser removes a user and its sessions.
	DeleteUser(ctx context.Context, name string) error

	// PutSession stores a login session under the hash of its token.
	PutSession(ctx context.Context, s Session) error
	// Session returns the session with that token hash, ErrNotFound if absent or expired at now.
	Session(ctx context.Context, tokenHash string, now time.Time) (Session, error)
	// DeleteSession ends a session.
	DeleteSession(ctx context.Context, tokenHash string) error

	// PutRuleSet stores a rule-set version as submitted (site, version
	// unique: ErrConflict); like SetRuleStage, a live or shadow one retires
	// the site's previous live or shadow version. An empty stage is shadow.
	PutRuleSet(ctx context.Context, r RuleSet) error
	// RuleSets lists a site's stored versions, newest first.
	RuleSets(ctx context.Context, site string) ([]RuleSet, error)
	// RuleSet returns one version of a site's rule set.
	RuleSet(ctx context.Context, site string, version int) (RuleSet, error)
	// SetRuleStage moves a stored version to shadow, live or retired. Setting
	// live (or shadow) retires the site's other live (or shadow) version in
	// the same transaction: a site has at most one of each.
	SetRuleStage(ctx context.Context, site string, version int, stage string) error

	// PutWall puts a camera on the incident wall (or refreshes its entry).
	PutWall(ctx context.Context, w WallEntry) error
	// Wall lists the cameras on the wall that nobody dismissed, oldest first.
	Wall(ctx context.Context) ([]WallEntry, error)
	// DismissWall takes a camera off the wall, recording who and when.
	DismissWall(ctx context.Context, camera, who string, at time.Time) error

	// PutCamera registers a camera in the district inventory or replaces
	// its registration (inventory.go), taking a new revision unless nothing
	// changed. It returns the stored record and what happened to it.
	PutCamera(ctx context.Context, c Camera) (Camera, Change, error)
	// Camera returns one registered camera (ErrNotFound for none or a deleted one).
	Camera(ctx context.Context, id string) (Camera, error)
	// DeleteCamera removes a camera from the inventory, recording who and
	// when in its tombstone; it returns the camera as it was.
	DeleteCamera(ctx context.Context, id, by string, at time.Time) (Camera, error)
	// Cameras returns one page of the registered cameras matching q, by id.
	Cameras(ctx context.Context, q CameraQuery) (Page[Camera], error)
	// ImportCameras registers many cameras in one transaction: all of them
	// or, on any error, none. A dry run counts what would change and writes nothing.
	ImportCameras(ctx context.Context, cams []Camera, o ImportOptions) (ImportResult, error)
	// CameraCounts counts the registered cameras of every site.
	CameraCounts(ctx context.Context) ([]SiteCameras, error)
	// ListInventory returns up to limit changes of the inventory after
	// revision since, oldest first, deletions included: the feed the fleet's
	// assigner follows (0 reads everything). The limit defaults to 1,000
	// and is at most 10,000.
	ListInventory(ctx context.Context, since int64, limit int) (Inventory, error)

	// PutIncident writes an incident as it is now with the members it
	// gained (a member already under another incident moves to this one)
	// and its timeline's new lines, in one transaction (incidents.go),
	// keeping the stored state, owner and notes (people's; only a merge
	// resolves): it returns the incident as written.
	PutIncident(ctx context.Context, inc Incident, added []IncidentMember, entries []IncidentEntry) (Incident, error)
	// PutIncidents writes many changes in order in one transaction, each
	// as PutIncident does (people's state, owner and notes kept): all of
	// them or, on an error, none; the incidents as written, one per change.
	PutIncidents(ctx context.Context, changes []IncidentChange) ([]Incident, error)
	// HandleIncident applies act to the stored incident and, with members
	// StatusAcknowledged or StatusResolved, the same to its member
	// anomalies, in one transaction (incident_actions.go): the incident as
	// written and how many members changed.
	HandleIncident(ctx context.Context, id string, act func(*Incident) (IncidentEntry, error), members string) (Incident, int64, error)
	// IncidentOfAnomaly names an anomaly's incident and how many of its
	// members are not resolved ("" when it is in none).
	IncidentOfAnomaly(ctx context.Context, anomaly string) (string, int, error)
	// Incident returns one incident with the latest MaxTimeline lines of its timeline.
	Incident(ctx context.Context, id string) (Incident, error)
	// Incidents returns one page of incidents matching q, newest first (without timelines).
	Incidents(ctx context.Context, q IncidentQuery) (Page[Incident], error)
	// IncidentMembers returns up to limit (at most 10,000) members of an incident, oldest first.
	IncidentMembers(ctx context.Context, id string, limit int) ([]IncidentMember, error)
	// OpenIncidents lists the incidents not resolved whose last event is at or after since.
	OpenIncidents(ctx context.Context, since time.Time) ([]Incident, error)

	// Leader is the lead called name among the replicas sharing the
	// database (lead.go): one holds it at a time; run it with its Run.
	Leader(name string) *Leader

	// Prune deletes what is older than the retention allows at now.
	Prune(ctx context.Context, r Retention, now time.Time) (Pruned, error)
	// Close releases the database.
	Close() error
}

// Anomaly statuses as command staff handle them.
const (
	StatusOpen         = "open"
	StatusAcknowledged = "acknowledged"
	StatusResolved     = "resolved"
)

// Anomaly is the stored record of one anomaly: its latest event plus how
// command staff handled it.
type Anomaly struct {
	ID          string     `json:"id"`
	Site        string     `json:"site"`
	Camera      string     `json:"camera"`
	Edge        string     `json:"edge"`
	Kind        string     `json:"kind"`
	Severity    string     `json:"severity"`
	State       string     `json:"state"` // the latest event: start, update or end
	Score       float64    `json:"score"`
	Box         [4]float64 `json:"box"`
	Zone        string     `json:"zone"`
	Rule        string     `json:"rule"`
	RuleVersion int        `json:"rule_version"`
	Shadow      bool       `json:"shadow"`
	Geo         *bus.Geo   `json:"geo,omitempty"`
	Seq         uint64     `json:"seq"` // of the latest applied event
	StartedAt   time.Time  `json:"started_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
	EndedAt     time.Time  `json:"ended_at,omitzero"`
	HasSnapshot bool       `json:"has_snapshot"`

	Status         string    `json:"status"` // open, acknowledged or resolved
	AcknowledgedBy string    `json:"acknowledged_by,omitempty"`
	AcknowledgedAt time.Time `json:"acknowledged_at,omitzero"`
	ResolvedBy     string    `json:"resolved_by,omitempty"`
	ResolvedAt     time.Time `json:"resolved_at,omitzero"`
	Note           string    `json:"note,omitempty"`

	// Verifies is, for an anomaly of a drone's video, the camera anomaly
	// the drone was sent to look at (bus.Anomaly.Verifies): the console
	// shows it under that one.
	Verifies string `json:"verifies,omitempty"`
}

// AnomalyQuery selects anomalies; empty fields match everything.
type AnomalyQuery struct {
	Sites    []string  // any of these sites; nil: every site (the caller scopes it); empty but not nil: none
	Camera   string    // one camera
	Kind     string    // one kind
	Verifies string    // only the drone anomalies filed under this camera anomaly
	State    string    // start/update/end of the latest event
	Status   string    // open, acknowledged or resolved
	Shadow   *bool     // only shadow (true) or only live (false)
	From     time.Time // started at or after
	To       time.Time // started before
	Limit    int       // page size (default 50, at most 500)
	Cursor   string    // from the previous page's Next
}

// Page is one page of a listing; Next is the cursor of the following page, empty at the end.
type Page[T any] struct {
	Items []T    `json:"items"`
	Next  string `json:"next,omitempty"`
}

// Count is the number of anomalies of one kind started under one rule version, live or shadow.
type Count struct {
	Shadow      bool   `json:"shadow"`
	RuleVersion int    `json:"rule_version"`
	Kind        string `json:"kind"`
	Count       int    `json:"count"`
}

// AuditEntry is one checked request: who did what to which object, and the outcome.
type AuditEntry struct {
	ID     int64     `json:"id"`
	Time   time.Time `json:"time"`
	Who    string    `json:"who"`    // user name, edge:<id>, or "anonymous"
	Role   string    `json:"role"`   // the caller's role, empty if unknown
	Action string    `json:"action"` // e.g. anomaly.ack, rules.promote, stream.view, login
	Object string    `json:"object"` // e.g. anomaly id, camera id, site id, user name
	Site   string    `json:"site"`
	Status int       `json:"status"` // the HTTP status answered
	Detail string    `json:"detail,omitempty"`
	Addr   string    `json:"addr,omitempty"` // the client's address (an IPv6 /64 for an aggregate)
	// Count is how many calls the entry stands for: 1, or for refused
	// anonymous calls, all of one address in one minute (Time is its start).
	Count int64 `json:"count"`
}

// AuditQuery selects audit entries; empty fields match everything.
type AuditQuery struct {
	Who    string
	Action string // a prefix: "rules." matches every rules action
	Site   string
	From   time.Time
	To     time.Time
	Limit  int
	Cursor string
}

// Roles of console users.
const (
	RoleCommander = "commander"
	RolePilot     = "pilot"
	RoleOperator  = "operator"
	RoleAdmin     = "admin"
)

// User is a console user: a bcrypt password hash, never the password.
type User struct {
	Name         string    `json:"name"`
	Role         string    `json:"role"`
	Sites        []string  `json:"sites"` // site ids, or "*"
	PasswordHash string    `json:"-"`
	Disabled     bool      `json:"disabled"`
	Created      time.Time `json:"created"`
}

// HashToken is the hex SHA-256 of a session token: the only form of a
// token the store accepts (PutSession refuses anything else).
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// Session is a login: only the SHA-256 of its token is stored.
type Session struct {
	TokenHash string
	User      string
	Created   time.Time
	Expires   time.Time
}

// Rule-set stages: a new version runs in shadow, is promoted live, and is
// retired when another takes its place.
const (
	StageShadow  = "shadow"
	StageLive    = "live"
	StageRetired = "retired"
)

// RuleSet is one version of a site's rule set as an operator submitted it.
type RuleSet struct {
	Site     string    `json:"site"`
	Version  int       `json:"version"`
	Document string    `json:"document"` // YAML or JSON, as submitted
	Author   string    `json:"author"`
	Created  time.Time `json:"created"`
	Stage    string    `json:"stage"` // shadow, live or retired
}

// WallEntry is a camera put on the incident wall by an anomaly (or by hand).
type WallEntry struct {
	Camera      string    `json:"camera"`
	Site        string    `json:"site"`
	Anomaly     string    `json:"anomaly,omitempty"` // the anomaly that put it there
	Kind        string    `json:"kind,omitempty"`
	Severity    string    `json:"severity,omitempty"`
	Reason      string    `json:"reason"`
	Added       time.Time `json:"added"`
	Dismissed   time.Time `json:"dismissed,omitzero"`
	DismissedBy string    `json:"dismissed_by,omitempty"`
}

// Retention is how long each kind of record is kept; zero keeps forever.
// A record goes once it is strictly older than its age: one exactly at the
// age stays.
type Retention struct {
	Anomalies time.Duration // ended anomalies (any status), by start time; ongoing ones stay; also dismissed wall entries, by dismissal, and resolved incidents, by last event
	Snapshots time.Duration // snapshot JPEGs (the bulk), by anomaly start, ongoing or not
	Audit     time.Duration // audit entries, by time
}

// Pruned counts what Prune deleted (expired sessions go whatever the retention).
type Pruned struct {
	Anomalies, Snapshots, Audit, Sessions, Wall int64
	Incidents                                   int64 // resolved ones, with their members and timelines
}
