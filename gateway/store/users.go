package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"time"
)

// roles are the valid User.Role values.
var roles = []string{RoleCommander, RolePilot, RoleOperator, RoleAdmin}

// userCols are the columns of a User, in scanUser's order.
const userCols = `name, role, sites, password_hash, disabled, created`

// PutUser upserts u; a replaced user keeps its first Created time.
func (s *sqlStore) PutUser(ctx context.Context, u User) error {
	if u.Name == "" {
		return invalid("user without name")
	}
	if !slices.Contains(roles, u.Role) {
		return invalid("user %s: role %q is not one of %v", u.Name, u.Role, roles)
	}
	if u.Sites == nil {
		u.Sites = []string{}
	}
	sites, err := json.Marshal(u.Sites)
	if err != nil {
		return err
	}
	if u.Created.IsZero() {
		u.Created = time.Now()
	}
	_, err = s.exec(ctx, `INSERT INTO users (`+userCols+`) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET role = excluded.role, sites = excluded.sites,
		password_hash = excluded.password_hash, disabled = excluded.disabled`,
		u.Name, u.Role, string(sites), u.PasswordHash, u.Disabled, u.Created.UnixMilli())
	if err != nil {
		return fmt.Errorf("store: user %s: %w", u.Name, err)
	}
	return nil
}

// scanUser reads one row of userCols; sites are stored as a JSON array.
func scanUser(r interface{ Scan(...any) error }) (User, error) {
	var u User
	var sites string
	var created int64
	if err := r.Scan(&u.Name, &u.Role, &sites, &u.PasswordHash, &u.Disabled, &created); err != nil {
		return User{}, err
	}
	if err := json.Unmarshal([]byte(sites), &u.Sites); err != nil {
		return User{}, fmt.Errorf("user %s: stored sites: %w", u.Name, err)
	}
	u.Created = at(sqlInt(created))
	return u, nil
}

// User reads one user.
func (s *sqlStore) User(ctx context.Context, name string) (User, error) {
	u, err := scanUser(s.r.QueryRowContext(ctx, s.d.q(`SELECT `+userCols+` FROM users WHERE name = ?`), name))
	return u, notFound(err, "user "+name)
}

// Users lists every user by name.
func (s *sqlStore) Users(ctx context.Context) ([]User, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+userCols+` FROM users ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("store: users: %w", err)
	}
	return collect(rows, scanUser)
}

// DeleteUser removes the user and its sessions in one transaction.
func (s *sqlStore) DeleteUser(ctx context.Context, name string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.d.q(`DELETE FROM sessions WHERE user_name = ?`), name); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, s.d.q(`DELETE FROM users WHERE name = ?`), name)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("%w: user %s", ErrNotFound, name)
		}
		return nil
	})
}

// tokenHash is what HashToken returns: 64 lower-case hex digits.
var tokenHash = regexp.MustCompile(`^[0-9a-f]{64}$`)

// PutSession stores s, refusing a TokenHash that is not a SHA-256 in hex:
// a raw token must never reach the database.
func (s *sqlStore) PutSession(ctx context.Context, se Session) error {
	if !tokenHash.MatchString(se.TokenHash) {
		return invalid("session token hash is not a hex SHA-256 (use HashToken)")
	}
	if se.User == "" || se.Expires.IsZero() {
		return invalid("session without user or expiry")
	}
	if se.Created.IsZero() {
		se.Created = time.Now()
	}
	_, err := s.exec(ctx, `INSERT INTO sessions (token_hash, user_name, created, expires) VALUES (?, ?, ?, ?)`,
		se.TokenHash, se.User, se.Created.UnixMilli(), se.Expires.UnixMilli())
	if err != nil {
		return fmt.Errorf("store: session of %s: %w", se.User, err)
	}
	return nil
}

// Session reads a session that has not expired at now.
func (s *sqlStore) Session(ctx context.Context, hash string, now time.Time) (Session, error) {
	var se Session
	var created, expires int64
	err := s.r.QueryRowContext(ctx, s.d.q(`SELECT token_hash, user_name, created, expires FROM sessions
		WHERE token_hash = ? AND expires > ?`), hash, now.UnixMilli()).Scan(&se.TokenHash, &se.User, &created, &expires)
	if err != nil {
		return Session{}, notFound(err, "session")
	}
	se.Created, se.Expires = at(sqlInt(created)), at(sqlInt(expires))
	return se, nil
}

// DeleteSession removes a session; an unknown one is not an error (logout twice).
func (s *sqlStore) DeleteSession(ctx context.Context, hash string) error {
	_, err := s.exec(ctx, `DELETE FROM sessions WHERE token_hash = ?`, hash)
	return err
}
