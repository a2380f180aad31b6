package store

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/argus-edge/argus/drivers/bus"
)

// cameraCols are the columns of a Camera, in scanCamera's and args' order.
const cameraCols = `id, site, name, main, sub, transport, username, username_env, password_env,
	lat, lon, alt, pin, weight, disabled, created_at, updated_at, updated_by, revision, deleted,
	heading, fov, range_m, power_area`

// cameraColCount is the number of cameraCols.
const cameraColCount = 24

// transports are the valid Camera.Transport values.
var transports = []string{"tcp", "udp", "auto"}

// checkCamera refuses what the store could not file or the fleet could not
// place. The full rules of an entry (URLs, credential references, ranges)
// are configs.CheckCamera's, applied by the gateway before it stores.
func checkCamera(c Camera) error {
	if err := bus.ValidID(c.ID); err != nil {
		return invalid("camera: %v", err)
	}
	if err := bus.ValidID(c.Site); err != nil {
		return invalid("camera %s: site: %v", c.ID, err)
	}
	if c.Pin != "" {
		if err := bus.ValidID(c.Pin); err != nil {
			return invalid("camera %s: pin: %v", c.ID, err)
		}
	}
	if c.Main == "" || !slices.Contains(transports, c.Transport) {
		return invalid("camera %s: needs a main URL and a transport of %v", c.ID, transports)
	}
	if !(c.Weight > 0) || math.IsInf(c.Weight, 0) {
		return invalid("camera %s: weight %g is not more than 0", c.ID, c.Weight)
	}
	return nil
}

// sameCamera tells whether two registrations say the same thing, times,
// authors and revisions aside.
func sameCamera(a, b Camera) bool {
	if (a.Location == nil) != (b.Location == nil) || a.Location != nil && *a.Location != *b.Location {
		return false
	}
	if (a.View == nil) != (b.View == nil) || a.View != nil && *a.View != *b.View {
		return false
	}
	a.Location, b.Location, a.View, b.View = nil, nil, nil, nil
	a.CreatedAt, a.UpdatedAt, a.UpdatedBy, a.Revision, a.Deleted = time.Time{}, time.Time{}, "", 0, false
	b.CreatedAt, b.UpdatedAt, b.UpdatedBy, b.Revision, b.Deleted = time.Time{}, time.Time{}, "", 0, false
	return a == b
}

// args are c's values in cameraCols' order.
func (c Camera) args() []any {
	var lat, lon, alt any
	if c.Location != nil {
		lat, lon, alt = c.Location.Lat, c.Location.Lon, c.Location.Alt
	}
	var heading, fov, rng any
	if c.View != nil {
		heading, fov, rng = c.View.Heading, c.View.FOV, c.View.Range
	}
	return []any{c.ID, c.Site, c.Name, c.Main, c.Sub, c.Transport, c.Username, c.UsernameEnv, c.PasswordEnv,
		lat, lon, alt, c.Pin, c.Weight, c.Disabled, c.CreatedAt.UnixMilli(), c.UpdatedAt.UnixMilli(), c.UpdatedBy,
		c.Revision, c.Deleted, heading, fov, rng, c.PowerArea}
}

// scanCamera reads one row of cameraCols.
func scanCamera(r interface{ Scan(...any) error }) (Camera, error) {
	var c Camera
	var lat, lon, alt, heading, fov, rng sql.NullFloat64
	var created, updated int64
	err := r.Scan(&c.ID, &c.Site, &c.Name, &c.Main, &c.Sub, &c.Transport, &c.Username, &c.UsernameEnv, &c.PasswordEnv,
		&lat, &lon, &alt, &c.Pin, &c.Weight, &c.Disabled, &created, &updated, &c.UpdatedBy, &c.Revision, &c.Deleted,
		&heading, &fov, &rng, &c.PowerArea)
	if err != nil {
		return Camera{}, err
	}
	if fov.Valid && rng.Valid {
		c.View = &CameraView{Heading: heading.Float64, FOV: fov.Float64, Range: rng.Float64}
	}
	if lat.Valid && lon.Valid {
		c.Location = &bus.Geo{Lat: lat.Float64, Lon: lon.Float64, Alt: alt.Float64}
	}
	c.CreatedAt, c.UpdatedAt = at(sqlInt(created)), at(sqlInt(updated))
	return c, nil
}

// PutCamera upserts one camera through the import path, so that one and
// many are filed alike.
func (s *sqlStore) PutCamera(ctx context.Context, c Camera) (Camera, Change, error) {
	if c.UpdatedAt.IsZero() {
		c.UpdatedAt = time.Now()
	}
	var out Camera
	var change Change
	err := s.tx(ctx, func(tx *sql.Tx) error {
		plan, err := s.planImport(ctx, tx, []Camera{c}, ImportOptions{By: c.UpdatedBy, At: c.UpdatedAt})
		if err != nil {
			return err
		}
		if err := s.writeImport(ctx, tx, plan); err != nil {
			return err
		}
		change, out = plan.changes[0], plan.rows[0]
		return nil
	})
	if err != nil {
		return Camera{}, "", fmt.Errorf("store: camera %s: %w", c.ID, err)
	}
	return out, change, nil
}

// Camera reads one registered camera.
func (s *sqlStore) Camera(ctx context.Context, id string) (Camera, error) {
	c, err := scanCamera(s.r.QueryRowContext(ctx, s.d.q(`SELECT `+cameraCols+` FROM cameras WHERE id = ? AND NOT deleted`), id))
	return c, notFound(err, "camera "+id)
}

// DeleteCamera turns the camera into a tombstone with a new revision.
func (s *sqlStore) DeleteCamera(ctx context.Context, id, by string, when time.Time) (Camera, error) {
	if when.IsZero() {
		when = time.Now()
	}
	var old Camera
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var err error
		old, err = scanCamera(tx.QueryRowContext(ctx, s.d.q(`SELECT `+cameraCols+` FROM cameras WHERE id = ? AND NOT deleted`), id))
		if err != nil {
			return notFound(err, "camera "+id)
		}
		rev, err := s.takeRevisions(ctx, tx, 1)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, s.d.q(`UPDATE cameras SET deleted = ?, updated_at = ?, updated_by = ?, revision = ? WHERE id = ?`),
			true, when.UnixMilli(), by, rev, id)
		return err
	})
	if err != nil {
		return Camera{}, fmt.Errorf("store: delete camera %s: %w", id, err)
	}
	return old, nil
}

// takeRevisions reserves n revisions and returns the first. The counter's
// row stays locked until the transaction ends (PostgreSQL; SQLite has one
// writer), so revisions become visible in order.
func (s *sqlStore) takeRevisions(ctx context.Context, tx *sql.Tx, n int) (int64, error) {
	if _, err := tx.ExecContext(ctx, s.d.q(`UPDATE inventory_revision SET rev = rev + ?`), n); err != nil {
		return 0, fmt.Errorf("inventory revision: %w", err)
	}
	var last int64
	if err := tx.QueryRowContext(ctx, `SELECT rev FROM inventory_revision`).Scan(&last); err != nil {
		return 0, fmt.Errorf("inventory revision: %w", err)
	}
	return last - int64(n) + 1, nil
}

// Cameras pages the registered cameras by id.
func (s *sqlStore) Cameras(ctx context.Context, q CameraQuery) (Page[Camera], error) {
	if q.Sites != nil && len(q.Sites) == 0 {
		return Page[Camera]{Items: []Camera{}}, nil
	}
	var w where
	w.add("NOT deleted")
	w.in("site", q.Sites)
	w.eq("site", q.Site)
	if q.Q != "" {
		// lower() on both sides, LIKE with its wildcards escaped: SQLite's
		// LIKE ignores case and PostgreSQL's does not.
		pat := "%" + likeEscaper.Replace(strings.ToLower(q.Q)) + "%"
		w.add(`(lower(id) LIKE ? ESCAPE '\' OR lower(name) LIKE ? ESCAPE '\')`, pat, pat)
	}
	if q.Cursor != "" {
		w.add("id > ?", q.Cursor)
	}
	limit := pageLimit(q.Limit)
	rows, err := s.r.QueryContext(ctx, s.d.q(fmt.Sprintf(`SELECT %s FROM cameras%s ORDER BY id LIMIT %d`,
		cameraCols, w.String(), limit+1)), w.args...)
	if err != nil {
		return Page[Camera]{}, fmt.Errorf("store: cameras: %w", err)
	}
	items, err := collect(rows, scanCamera)
	if err != nil {
		return Page[Camera]{}, fmt.Errorf("store: cameras: %w", err)
	}
	if len(items) <= limit {
		return Page[Camera]{Items: items}, nil
	}
	items = items[:limit]
	return Page[Camera]{Items: items, Next: items[limit-1].ID}, nil
}

// likeEscaper escapes LIKE's wildcards and its escape character.
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// CameraCounts groups the registered cameras by site.
func (s *sqlStore) CameraCounts(ctx context.Context) ([]SiteCameras, error) {
	rows, err := s.r.QueryContext(ctx, s.d.q(`SELECT site, COUNT(*), SUM(CASE WHEN disabled THEN 1 ELSE 0 END)
		FROM cameras WHERE NOT deleted GROUP BY site ORDER BY site`))
	if err != nil {
		return nil, fmt.Errorf("store: camera counts: %w", err)
	}
	return collect(rows, func(r interface{ Scan(...any) error }) (SiteCameras, error) {
		var c SiteCameras
		return c, r.Scan(&c.Site, &c.Cameras, &c.Disabled)
	})
}

// ListInventory reads the feed by revision (an index range).
func (s *sqlStore) ListInventory(ctx context.Context, since int64, limit int) (Inventory, error) {
	if limit <= 0 {
		limit = 1000
	}
	limit = min(limit, 10000)
	st, err := s.statement(ctx, `SELECT `+cameraCols+` FROM cameras WHERE revision > ? ORDER BY revision LIMIT ?`)
	if err != nil {
		return Inventory{}, fmt.Errorf("store: inventory since %d: %w", since, err)
	}
	rows, err := st.QueryContext(ctx, since, limit+1)
	if err != nil {
		return Inventory{}, fmt.Errorf("store: inventory since %d: %w", since, err)
	}
	items, err := collect(rows, scanCamera)
	if err != nil {
		return Inventory{}, fmt.Errorf("store: inventory since %d: %w", since, err)
	}
	inv := Inventory{Changes: items, Revision: since}
	if len(items) > limit {
		inv.Changes, inv.More = items[:limit], true
	}
	if n := len(inv.Changes); n > 0 {
		inv.Revision = inv.Changes[n-1].Revision
	}
	return inv, nil
}

func itoa(n int) string { return strconv.Itoa(n) }
