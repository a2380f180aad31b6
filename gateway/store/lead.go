package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"sync/atomic"
	"time"
)

// leadEvery is how often a Leader tries to take the lead, and checks it
// still holds it.
const leadEvery = time.Second

// Leader is one named lead among the gateway replicas sharing a database:
// at most one replica holds it at a time. On PostgreSQL it is a session
// advisory lock on a connection of its own: the lock goes with the
// connection, so a replica that dies (or loses the database) frees it at
// once and another takes it at its next try. On SQLite, one gateway per
// file, it is always held. Build it with Store.Leader, run it with Run.
type Leader struct {
	s    *sqlStore
	name string
	held atomic.Bool
}

// Leader makes the lead called name (not held until Run takes it).
func (s *sqlStore) Leader(name string) *Leader {
	l := &Leader{s: s, name: name}
	l.held.Store(s.d.name != "postgres")
	return l
}

// Held tells whether this replica holds the lead now.
func (l *Leader) Held() bool { return l.held.Load() }

// Run tries to take the lead every second and keeps it while its
// connection lives, until ctx ends (the connection closes: the lock goes).
func (l *Leader) Run(ctx context.Context) error {
	if l.s.d.name != "postgres" {
		<-ctx.Done()
		return nil
	}
	var conn *sql.Conn
	defer func() {
		l.held.Store(false)
		if conn != nil {
			discard(conn)
		}
	}()
	t := time.NewTicker(leadEvery)
	defer t.Stop()
	for {
		conn = l.try(ctx, conn)
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// try takes the lead on conn (opening one when nil), or checks that the
// connection holding it lives; it returns the connection to keep.
func (l *Leader) try(ctx context.Context, conn *sql.Conn) *sql.Conn {
	var err error
	if conn == nil {
		if conn, err = l.s.w.Conn(ctx); err != nil {
			return nil
		}
	}
	if l.held.Load() {
		if err = conn.PingContext(ctx); err == nil {
			return conn
		}
	} else {
		var got bool
		if err = conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock(hashtextextended($1, 0))`, "argus-lead:"+l.name).Scan(&got); err == nil {
			l.held.Store(got)
			return conn
		}
	}
	// The connection failed: whatever it held is gone with it.
	l.held.Store(false)
	discard(conn)
	return nil
}

// discard closes conn for good instead of returning it to the pool: a
// pooled connection would keep the session's lock for whoever takes it next.
func discard(conn *sql.Conn) {
	conn.Raw(func(any) error { return driver.ErrBadConn })
	conn.Close()
}
