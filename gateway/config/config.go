package config

import (
	"fmt"
	"net/netip"
	"os"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/argus-edge/argus/configs/iceservers"
	"github.com/argus-edge/argus/configs/strict"
	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/gateway/incidents"
	"github.com/argus-edge/argus/gateway/login"
	"github.com/argus-edge/argus/gateway/sfu"
	"github.com/argus-edge/argus/gateway/store"
)

// File is the gateway config file (gateway -config): bearer tokens, console
// users, the store, retention, the wall, incident grouping, sessions, the ICE servers
// handed to WebRTC clients and the message bus (its logins). A file with only tokens (the former -tokens
// file) is still a valid config.
type File struct {
	Tokens     []Entry            `yaml:"tokens"`
	Users      []UserEntry        `yaml:"users"`
	Store      StoreEntry         `yaml:"store"`
	Retention  RetentionFile      `yaml:"retention"`
	Wall       WallFile           `yaml:"wall"`
	Incidents  IncidentsFile      `yaml:"incidents"`
	Sessions   SessionsFile       `yaml:"sessions"`
	ICEServers []iceservers.Entry `yaml:"ice_servers"`
	Bus        BusFile            `yaml:"bus"`
	TLS        TLSFile            `yaml:"tls"`
	// TrustedProxies are the CIDRs of TLS proxies whose X-Forwarded-For
	// and X-Forwarded-Proto the gateway believes; nobody else's.
	TrustedProxies []string     `yaml:"trusted_proxies"`
	Metrics        MetricsFile  `yaml:"metrics"`
	Limits         LimitsFile   `yaml:"limits"`
	EdgeHTTP       EdgeHTTPFile `yaml:"edge_http"`
}

// UserEntry is a console user written in the config: read-only through the API.
type UserEntry struct {
	Name         string   `yaml:"name"`
	Role         string   `yaml:"role"`          // commander, pilot, operator or admin
	Sites        []string `yaml:"sites"`         // site ids, or "*"
	PasswordHash string   `yaml:"password_hash"` // bcrypt (gateway hash-password)
}

// StoreEntry chooses the store.
type StoreEntry struct {
	Driver string `yaml:"driver"`  // sqlite (default) or postgres
	Path   string `yaml:"path"`    // sqlite: the database file (default var/gateway.db)
	DSNEnv string `yaml:"dsn_env"` // postgres: the variable holding the connection string
}

// RetentionFile is how long records are kept; 0 keeps forever.
type RetentionFile struct {
	Anomalies *strict.Duration `yaml:"anomalies"`
	Snapshots *strict.Duration `yaml:"snapshots"`
	Audit     *strict.Duration `yaml:"audit"`
}

// WallFile configures the incident wall.
type WallFile struct {
	MinSeverity string `yaml:"min_severity"` // an anomaly at or above it puts its camera on the wall
}

// SessionsFile configures console sessions.
type SessionsFile struct {
	TTL *strict.Duration `yaml:"ttl"`
}

// Defaults of the config file.
const (
	DefaultStorePath   = "var/gateway.db"
	DefaultMinSeverity = "high"
	DefaultSessionTTL  = login.DefaultSessionTTL
)

// DefaultRetention keeps anomalies 90 days, their snapshots 30 and the audit log a year.
var DefaultRetention = store.Retention{Anomalies: 90 * 24 * time.Hour, Snapshots: 30 * 24 * time.Hour, Audit: 365 * 24 * time.Hour}

// Store drivers.
const (
	DriverSQLite   = "sqlite"
	DriverPostgres = "postgres"
)

// StoreConfig is the store to open. DSN is a secret: never log it.
type StoreConfig struct {
	Driver string
	Path   string
	DSN    string
}

// Config is a checked gateway config with defaults filled in.
type Config struct {
	Grants          map[string]sfu.Grant // bearer token → grant (edges, token viewers)
	Users           []store.User         // console users from the file
	Store           StoreConfig
	Retention       store.Retention
	WallMinSeverity string
	// Incidents are the rules grouping anomalies into incidents.
	Incidents  incidents.Rules
	SessionTTL time.Duration
	// ICEServers are the STUN/TURN servers of the SFU's connections, also
	// announced to WHIP/WHEP clients; TURN credentials are secrets: never log them.
	ICEServers []webrtc.ICEServer
	// Bus is the embedded NATS node's store, TLS and logins.
	Bus BusConfig
	// CertFile and KeyFile, when set, make the HTTP server serve HTTPS.
	CertFile, KeyFile string
	// TrustedProxies may tell a request's client address and scheme.
	TrustedProxies []netip.Prefix
	// MetricsToken is the bearer token of /metrics scrapers (empty: admins only). A secret.
	MetricsToken string
	// Limits bound sessions, connections, bodies and logins.
	Limits Limits
	// EdgeHTTP is how the gateway calls the edges' HTTP APIs (recordings, clips).
	EdgeHTTP EdgeHTTP
}

// Defaults is the config of a gateway started without a file: no tokens,
// no users, the default store, retention, wall and sessions.
func Defaults() *Config {
	return &Config{Grants: map[string]sfu.Grant{}, Store: StoreConfig{Driver: DriverSQLite, Path: DefaultStorePath},
		Retention: DefaultRetention, WallMinSeverity: DefaultMinSeverity, Incidents: incidents.DefaultRules, SessionTTL: DefaultSessionTTL,
		Bus: BusConfig{StoreDir: DefaultBusStoreDir}, Limits: DefaultLimits, EdgeHTTP: DefaultEdgeHTTP}
}

// LoadConfig reads the config file at path and the variables it names.
func LoadConfig(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return ParseConfig(path, data, os.LookupEnv)
}

// ParseConfig decodes a config file, resolving its variables with lookup;
// every problem is reported at once as file:line: field: message.
func ParseConfig(file string, data []byte, lookup func(string) (string, bool)) (*Config, error) {
	var f File
	ps := strict.Decode(file, data, &f, strict.Root("a mapping with tokens, users, store, retention, wall, incidents, sessions, ice_servers, bus, tls, trusted_proxies, metrics, limits and edge_http"), strict.Unit("gateway config"))
	if ps.Failed("") {
		return nil, ps.Err()
	}
	if len(f.Tokens) == 0 && len(f.Users) == 0 && len(f.Bus.Users) == 0 {
		ps.Add("tokens", "no tokens, no users and no bus users: list at least one")
	}
	c := Defaults()
	c.Grants = parseTokens(ps, f.Tokens, lookup)
	c.Users = parseUsers(ps, f.Users)
	c.Store = parseStore(ps, f.Store, lookup)
	c.Retention = parseRetention(ps, f.Retention)
	c.Incidents = parseIncidents(ps, f.Incidents)
	c.ICEServers = iceservers.Check(ps, "ice_servers", f.ICEServers, lookup)
	c.Bus = parseBus(ps, f.Bus, lookup)
	c.CertFile, c.KeyFile = parseTLS(ps, f.TLS)
	c.TrustedProxies = parseProxies(ps, f.TrustedProxies)
	c.MetricsToken = parseMetrics(ps, f.Metrics, lookup)
	c.Limits = parseLimits(ps, f.Limits)
	c.EdgeHTTP = parseEdgeHTTP(ps, f.EdgeHTTP, lookup)
	if s := f.Wall.MinSeverity; s != "" {
		if bus.SeverityRank(s) < 0 {
			ps.Addf("wall.min_severity", "%q is not one of %v", s, bus.Severities)
		}
		c.WallMinSeverity = s
	}
	if f.Sessions.TTL != nil {
		if d := f.Sessions.TTL.D(); d < time.Minute || d > 30*24*time.Hour {
			ps.Addf("sessions.ttl", "%s: want between 1m and 720h", d)
		}
		c.SessionTTL = f.Sessions.TTL.D()
	}
	if err := ps.Err(); err != nil {
		return nil, err
	}
	return c, nil
}

// parseStore checks the store entry; a postgres DSN is read from its variable.
func parseStore(ps *strict.Problems, e StoreEntry, lookup func(string) (string, bool)) StoreConfig {
	sc := StoreConfig{Driver: e.Driver, Path: e.Path}
	if sc.Driver == "" {
		sc.Driver = DriverSQLite
	}
	switch sc.Driver {
	case DriverSQLite:
		if sc.Path == "" {
			sc.Path = DefaultStorePath
		}
		if e.DSNEnv != "" {
			ps.Add("store.dsn_env", "only driver postgres reads a DSN; sqlite uses path")
		}
	case DriverPostgres:
		if e.Path != "" {
			ps.Add("store.path", "only driver sqlite uses a path; postgres reads dsn_env")
		}
		switch v, ok := lookup(e.DSNEnv); {
		case e.DSNEnv == "":
			ps.Add("store.dsn_env", "missing: name the environment variable holding the PostgreSQL DSN")
		case !ok || v == "":
			ps.Addf("store.dsn_env", "environment variable %s is not set", e.DSNEnv)
		default:
			sc.DSN = v
		}
	default:
		ps.Addf("store.driver", "%q is not one of sqlite, postgres", e.Driver)
	}
	return sc
}

// parseRetention fills the defaults and refuses negative durations.
func parseRetention(ps *strict.Problems, f RetentionFile) store.Retention {
	r := DefaultRetention
	for _, it := range []struct {
		field string
		v     *strict.Duration
		dst   *time.Duration
	}{{"retention.anomalies", f.Anomalies, &r.Anomalies}, {"retention.snapshots", f.Snapshots, &r.Snapshots}, {"retention.audit", f.Audit, &r.Audit}} {
		if it.v == nil {
			continue
		}
		if it.v.D() < 0 {
			ps.Addf(it.field, "%s is negative: want a duration, or 0 to keep forever", it.v)
		}
		*it.dst = it.v.D()
	}
	return r
}
