package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// migrations are the schema steps, in order: migrations[i] takes the schema
// from version i to i+1. Append, never edit: a stored database has run the
// old ones. Times are Unix milliseconds (BIGINT) in both backends: exact,
// sortable, and free of each driver's time-zone handling; NULL is "never".
var migrations = [][]string{{
	`CREATE TABLE IF NOT EXISTS anomalies (
		id TEXT PRIMARY KEY,
		site TEXT NOT NULL, camera TEXT NOT NULL, edge TEXT NOT NULL,
		kind TEXT NOT NULL, severity TEXT NOT NULL, state TEXT NOT NULL,
		score DOUBLE PRECISION NOT NULL,
		box_x DOUBLE PRECISION NOT NULL, box_y DOUBLE PRECISION NOT NULL,
		box_w DOUBLE PRECISION NOT NULL, box_h DOUBLE PRECISION NOT NULL,
		zone TEXT NOT NULL, rule TEXT NOT NULL, rule_version INTEGER NOT NULL,
		shadow BOOLEAN NOT NULL,
		geo_lat DOUBLE PRECISION, geo_lon DOUBLE PRECISION, geo_alt DOUBLE PRECISION,
		seq BIGINT NOT NULL,
		started_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, ended_at BIGINT,
		has_snapshot BOOLEAN NOT NULL,
		status TEXT NOT NULL,
		acknowledged_by TEXT NOT NULL, acknowledged_at BIGINT,
		resolved_by TEXT NOT NULL, resolved_at BIGINT,
		note TEXT NOT NULL)`,
	// Newest first, each an index Anomalies reads one range of (see
	// partitions): by site (shadow or not; rule comparisons), by site and
	// shadow flag (the console's default: live only), by those and status
	// (its open alerts), by camera, by flag and status across sites, and
	// overall (admins, pruning).
	// Counts reads this one alone: the grouped columns ride along.
	`CREATE INDEX IF NOT EXISTS anomalies_site_started ON anomalies (site, started_at, id, shadow, rule_version, kind)`,
	`CREATE INDEX IF NOT EXISTS anomalies_site_shadow_started ON anomalies (site, shadow, started_at, id)`,
	`CREATE INDEX IF NOT EXISTS anomalies_site_shadow_status_started ON anomalies (site, shadow, status, started_at, id)`,
	`CREATE INDEX IF NOT EXISTS anomalies_camera_started ON anomalies (camera, started_at, id)`,
	`CREATE INDEX IF NOT EXISTS anomalies_shadow_status_started ON anomalies (shadow, status, started_at, id)`,
	`CREATE INDEX IF NOT EXISTS anomalies_started ON anomalies (started_at, id)`,
	// The JPEGs apart: they are the bulk, and listings never read them.
	`CREATE TABLE IF NOT EXISTS snapshots (
		anomaly_id TEXT PRIMARY KEY,
		jpeg {blob} NOT NULL)`,
	`CREATE TABLE IF NOT EXISTS audit (
		id {serial},
		at BIGINT NOT NULL,
		who TEXT NOT NULL, role TEXT NOT NULL, action TEXT NOT NULL,
		object TEXT NOT NULL, site TEXT NOT NULL,
		status INTEGER NOT NULL, detail TEXT NOT NULL)`,
	`CREATE INDEX IF NOT EXISTS audit_at ON audit (at, id)`,
	`CREATE INDEX IF NOT EXISTS audit_who_at ON audit (who, at, id)`,
	`CREATE INDEX IF NOT EXISTS audit_site_at ON audit (site, at, id)`,
	`CREATE TABLE IF NOT EXISTS users (
		name TEXT PRIMARY KEY,
		role TEXT NOT NULL,
		sites TEXT NOT NULL,
		password_hash TEXT NOT NULL,
		disabled BOOLEAN NOT NULL,
		created BIGINT NOT NULL)`,
	`CREATE TABLE IF NOT EXISTS sessions (
		token_hash TEXT PRIMARY KEY,
		user_name TEXT NOT NULL,
		created BIGINT NOT NULL,
		expires BIGINT NOT NULL)`,
	`CREATE INDEX IF NOT EXISTS sessions_user ON sessions (user_name)`,
	`CREATE INDEX IF NOT EXISTS sessions_expires ON sessions (expires)`,
	`CREATE TABLE IF NOT EXISTS rule_sets (
		site TEXT NOT NULL,
		version INTEGER NOT NULL,
		document TEXT NOT NULL,
		author TEXT NOT NULL,
		created BIGINT NOT NULL,
		stage TEXT NOT NULL,
		PRIMARY KEY (site, version))`,
	`CREATE TABLE IF NOT EXISTS wall (
		id {serial},
		camera TEXT NOT NULL, site TEXT NOT NULL,
		anomaly TEXT NOT NULL, kind TEXT NOT NULL, severity TEXT NOT NULL,
		reason TEXT NOT NULL,
		added BIGINT NOT NULL,
		dismissed BIGINT,
		dismissed_by TEXT NOT NULL)`,
	// One undismissed entry per camera; PutWall upserts on it.
	`CREATE UNIQUE INDEX IF NOT EXISTS wall_on ON wall (camera) WHERE dismissed IS NULL`,
	`CREATE INDEX IF NOT EXISTS wall_dismissed ON wall (dismissed)`,
}, {
	// The district's camera inventory (inventory.go). A deleted camera stays
	// as a tombstone (deleted true) so that the change feed, read by
	// revision, tells the fleet's assigner to drop it.
	`CREATE TABLE IF NOT EXISTS cameras (
		id TEXT PRIMARY KEY,
		site TEXT NOT NULL, name TEXT NOT NULL,
		main TEXT NOT NULL, sub TEXT NOT NULL, transport TEXT NOT NULL,
		username TEXT NOT NULL, username_env TEXT NOT NULL, password_env TEXT NOT NULL,
		lat DOUBLE PRECISION, lon DOUBLE PRECISION, alt DOUBLE PRECISION,
		pin TEXT NOT NULL, weight DOUBLE PRECISION NOT NULL, disabled BOOLEAN NOT NULL,
		created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, updated_by TEXT NOT NULL,
		revision BIGINT NOT NULL, deleted BOOLEAN NOT NULL)`,
	// The change feed reads a range of revisions; each is one camera's.
	`CREATE UNIQUE INDEX IF NOT EXISTS cameras_revision ON cameras (revision)`,
	// Listings of one site by id, tombstones left out.
	`CREATE INDEX IF NOT EXISTS cameras_site_id ON cameras (site, id) WHERE NOT deleted`,
	// The inventory's revision counter, one row: a write takes the next
	// revisions under its row lock, so revisions commit in order and a
	// reader of the feed never sees revision n+1 before n.
	`CREATE TABLE IF NOT EXISTS inventory_revision (rev BIGINT NOT NULL)`,
	`INSERT INTO inventory_revision (rev) VALUES (0)`,
}, {
	// The camera anomaly a drone's anomaly was found verifying (a drone
	// sent to look), and the listing of those under one.
	`ALTER TABLE anomalies ADD COLUMN verifies TEXT NOT NULL DEFAULT ''`,
	`CREATE INDEX IF NOT EXISTS anomalies_verifies ON anomalies (verifies, started_at, id)`,
}, {
	// The caller's address, and how many calls a row stands for: refused
	// anonymous calls are audited one row per address and minute
	// (gateway/audit), so that a flood cannot grow the table by its size.
	`ALTER TABLE audit ADD COLUMN addr TEXT NOT NULL DEFAULT ''`,
	`ALTER TABLE audit ADD COLUMN count BIGINT NOT NULL DEFAULT 1`,
}, {
	// Incidents (gateway/incidents): one row each, the lists and notes in
	// doc (JSON); listed newest first by first_at, by state or by site
	// through incident_sites (an incident can span sites).
	`CREATE TABLE IF NOT EXISTS incidents (
		id TEXT PRIMARY KEY,
		rule TEXT NOT NULL, kind TEXT NOT NULL, site TEXT NOT NULL,
		severity TEXT NOT NULL, state TEXT NOT NULL, owner TEXT NOT NULL,
		first_at BIGINT NOT NULL, last_at BIGINT NOT NULL,
		doc TEXT NOT NULL)`,
	`CREATE INDEX IF NOT EXISTS incidents_first ON incidents (first_at, id)`,
	`CREATE INDEX IF NOT EXISTS incidents_state_last ON incidents (state, last_at, id)`,
	`CREATE TABLE IF NOT EXISTS incident_sites (
		site TEXT NOT NULL, incident TEXT NOT NULL,
		PRIMARY KEY (site, incident))`,
	// One incident per anomaly: a member folded into an outage moves.
	`CREATE TABLE IF NOT EXISTS incident_members (
		anomaly TEXT PRIMARY KEY, incident TEXT NOT NULL,
		camera TEXT NOT NULL, site TEXT NOT NULL, edge TEXT NOT NULL, kind TEXT NOT NULL,
		at BIGINT NOT NULL)`,
	`CREATE INDEX IF NOT EXISTS incident_members_incident ON incident_members (incident, at, anomaly)`,
	`CREATE TABLE IF NOT EXISTS incident_timeline (
		id {serial},
		incident TEXT NOT NULL, at BIGINT NOT NULL, what TEXT NOT NULL,
		anomaly TEXT NOT NULL, camera TEXT NOT NULL, kind TEXT NOT NULL,
		by_who TEXT NOT NULL, body TEXT NOT NULL)`,
	`CREATE INDEX IF NOT EXISTS incident_timeline_incident ON incident_timeline (incident, id)`,
}, {
	// A camera's view (heading, field of view, range) and power area, both
	// optional: incidents group fire by what cameras see and outages by
	// the power supply (gateway/incidents).
	`ALTER TABLE cameras ADD COLUMN heading DOUBLE PRECISION`,
	`ALTER TABLE cameras ADD COLUMN fov DOUBLE PRECISION`,
	`ALTER TABLE cameras ADD COLUMN range_m DOUBLE PRECISION`,
	`ALTER TABLE cameras ADD COLUMN power_area TEXT NOT NULL DEFAULT ''`,
}, {
	// The drone anomalies under a camera anomaly, indexed alone: every
	// other anomaly verifies nothing, and an index entry for each was a
	// ninth B-tree insert per anomaly in a typhoon. Listings by Verifies
	// say verifies <> '' too (anomalyFilter), which is how both databases
	// know this index serves them.
	`DROP INDEX IF EXISTS anomalies_verifies`,
	`CREATE INDEX IF NOT EXISTS anomalies_verifying ON anomalies (verifies, started_at, id) WHERE verifies <> ''`,
}}

// migrate brings the schema to the newest version in one transaction,
// recording it in schema_version. On PostgreSQL an advisory lock keeps two
// gateways opening the same database from migrating at once. A database
// newer than this code is refused rather than misread.
func (s *sqlStore) migrate(ctx context.Context) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if s.d.migrateLock != "" {
			if _, err := tx.ExecContext(ctx, s.d.migrateLock); err != nil {
				return fmt.Errorf("store: migration lock: %w", err)
			}
		}
		if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)`); err != nil {
			return fmt.Errorf("store: schema_version: %w", err)
		}
		v, err := schemaVersion(ctx, tx)
		if err != nil {
			return err
		}
		if v > len(migrations) {
			return fmt.Errorf("store: database schema version %d is newer than this gateway's %d", v, len(migrations))
		}
		if v == len(migrations) {
			return nil
		}
		for ; v < len(migrations); v++ {
			for _, stmt := range migrations[v] {
				if _, err := tx.ExecContext(ctx, s.d.ddl(stmt)); err != nil {
					return fmt.Errorf("store: migrate to version %d: %w", v+1, err)
				}
			}
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM schema_version`); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, s.d.q(`INSERT INTO schema_version (version) VALUES (?)`), v)
		return err
	})
}

// schemaVersion reads the stored version, 0 for a new database.
func schemaVersion(ctx context.Context, tx *sql.Tx) (int, error) {
	var v int
	err := tx.QueryRowContext(ctx, `SELECT version FROM schema_version`).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("store: schema version: %w", err)
	}
	return v, nil
}
