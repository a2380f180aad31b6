package store_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/gateway/store"
)

// TestSQLiteRestart closes the store and opens its file again, as a
// gateway restart does: every kind of record is still there.
func TestSQLiteRestart(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "argus.db")
	s, err := store.OpenSQLite(path)
	if err != nil {
		t.Fatal(err)
	}
	start := event("r1", 1, bus.StateStart, "north", "cam-1", 0)
	start.Snapshot = jpeg
	put(t, s, start)
	acked, err := s.Acknowledge(ctx, "r1", "ann", "seen", t0.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	hash := store.HashToken("tok")
	user := store.User{Name: "ann", Role: store.RoleCommander, Sites: []string{"north"}, PasswordHash: "h", Created: t0}
	for _, err := range []error{
		s.Audit(ctx, store.AuditEntry{Time: t0, Who: "ann", Action: "anomaly.ack", Object: "r1", Status: 200}),
		s.PutUser(ctx, user),
		s.PutSession(ctx, store.Session{TokenHash: hash, User: "ann", Created: t0, Expires: t0.Add(time.Hour)}),
		s.PutRuleSet(ctx, store.RuleSet{Site: "north", Version: 4, Document: "doc", Author: "ann", Created: t0}),
		s.SetRuleStage(ctx, "north", 4, store.StageLive),
		s.PutWall(ctx, store.WallEntry{Camera: "cam-1", Site: "north", Anomaly: "r1", Reason: "anomaly", Added: t0}),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, want 0600 (it holds password hashes)", f, fi.Mode())
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = openSQLite(t, path)
	if a := get(t, s, "r1"); a != acked {
		t.Errorf("anomaly after restart %+v, want %+v", a, acked)
	}
	if snap, err := s.Snapshot(ctx, "r1"); err != nil || !bytes.Equal(snap, jpeg) {
		t.Errorf("snapshot after restart: %x %v", snap, err)
	}
	if log, err := s.AuditLog(ctx, store.AuditQuery{}); err != nil || len(log.Items) != 1 || log.Items[0].Object != "r1" {
		t.Errorf("audit after restart: %+v %v", log.Items, err)
	}
	if u, err := s.User(ctx, "ann"); err != nil || u.Role != user.Role || u.Sites[0] != "north" {
		t.Errorf("user after restart: %+v %v", u, err)
	}
	if se, err := s.Session(ctx, hash, t0); err != nil || se.User != "ann" {
		t.Errorf("session after restart: %+v %v", se, err)
	}
	if rs, err := s.RuleSet(ctx, "north", 4); err != nil || rs.Stage != store.StageLive || rs.Document != "doc" {
		t.Errorf("rule set after restart: %+v %v", rs, err)
	}
	if w := wallOf(t, s); w != "cam-1:r1@0" {
		t.Errorf("wall after restart: %q", w)
	}
	// The restarted store still takes events: r1's redelivered start is a duplicate.
	if _, _, applied, err := s.PutAnomaly(ctx, start); err != nil || applied {
		t.Errorf("redelivery after restart: applied %v, %v", applied, err)
	}
}

// TestSQLiteNewerSchema: a file written by a newer gateway is refused, not misread.
func TestSQLiteNewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "argus.db")
	s := openSQLite(t, path)
	s.Close()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE schema_version SET version = 99`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if s, err := store.OpenSQLite(path); err == nil || !strings.Contains(err.Error(), "newer") {
		if s != nil {
			s.Close()
		}
		t.Errorf("opened a version 99 schema: %v", err)
	}
}

// TestOpenBadInput: unknown drivers and empty targets are refused with ErrInvalid.
func TestOpenBadInput(t *testing.T) {
	for _, c := range []struct{ driver, target string }{{"mysql", "x"}, {"sqlite", ""}, {"postgres", ""}} {
		if _, err := store.Open(context.Background(), c.driver, c.target); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("Open(%q, %q): %v", c.driver, c.target, err)
		}
	}
}

// TestOpenPostgresHidesPassword: a DSN that fails keeps its password out of the error (and so out of logs).
func TestOpenPostgresHidesPassword(t *testing.T) {
	for _, dsn := range []string{
		"postgres://argus:s3cret-pw@127.0.0.1:1/argus?connect_timeout=1",
		"host=127.0.0.1 port=1 user=argus password=s3cret-pw connect_timeout=1",
		"postgres://argus:s3cret-pw@127.0.0.1:notaport/argus",
	} {
		_, err := store.OpenPostgres(context.Background(), dsn)
		t.Log(err)
		if err == nil || strings.Contains(err.Error(), "s3cret-pw") {
			t.Errorf("%v", err)
		}
	}
}
