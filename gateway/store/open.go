package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"

	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"
	_ "modernc.org/sqlite"             // registers "sqlite"
)

// Open opens the store of the named driver: "sqlite" with a file path as
// target, or "postgres" with a DSN (a URL or key=value pairs).
func Open(ctx context.Context, driver, target string) (Store, error) {
	switch driver {
	case "sqlite":
		return OpenSQLite(target)
	case "postgres":
		return OpenPostgres(ctx, target)
	}
	return nil, invalid("store driver %q: want sqlite or postgres", driver)
}

// sqlitePragmas are set on every connection: WAL so that readers never wait
// for the writer, a busy timeout for another process holding the file,
// NORMAL sync (durable at each WAL checkpoint, safe against corruption).
const sqlitePragmas = "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)"

// writerPragmas are the writer's own: a 32 MiB page cache (SQLite's
// default is 2 MiB) keeps the anomalies' indexes' pages hot while a
// typhoon's batches insert into them, instead of reading them back from
// the file (pread was 2.4% of the gateway's CPU, pwrite 6.4%); and the
// statement journal (each multi-row INSERT's undo, kept until it
// completes, discarded at once) in memory, not written to a temporary
// file page by page (3% of the gateway's CPU). Neither changes what is
// durable: that is the WAL, synchronous=NORMAL (sqlitePragmas). The WAL
// is copied back into the file (and synced) every 4,000 pages (16 MiB),
// not SQLite's 1,000: a typhoon's batches dirty the same index pages
// again and again, and each checkpoint wrote them all back (7% of the
// gateway's CPU at 10,000 anomalies a second; 2.5% at 4,000 pages). The
// price: a power cut (not a crash of the process, which loses nothing
// committed) can roll back up to 4,000 pages of transactions instead of
// 1,000, a few seconds of a typhoon. The readers keep the defaults.
const writerPragmas = "&_pragma=cache_size(-32768)&_pragma=temp_store(MEMORY)&_pragma=wal_autocheckpoint(4000)"

// OpenSQLite opens (creating if needed) the SQLite file at path and brings
// its schema up to date. One connection writes, so write transactions
// queue in Go instead of failing busy; up to four read beside it.
func OpenSQLite(path string) (Store, error) {
	if path == "" {
		return nil, invalid("sqlite: empty path")
	}
	// Created here, owner-only, before SQLite would create it world-readable:
	// it holds password hashes. SQLite gives its -wal and -shm the same mode.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("store: sqlite: %w", err)
	}
	f.Close()
	file := "file:" + (&url.URL{Path: path}).EscapedPath()
	w, err := sql.Open("sqlite", file+"?"+sqlitePragmas+writerPragmas+"&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("store: sqlite %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	s := &sqlStore{d: sqliteDialect, w: w, r: w}
	if err := errors.Join(s.migrate(context.Background()), s.optimize(context.Background())); err != nil {
		w.Close()
		return nil, fmt.Errorf("store: sqlite %s: %w", path, err)
	}
	r, err := sql.Open("sqlite", file+"?"+sqlitePragmas+"&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("store: sqlite %s: %w", path, err)
	}
	r.SetMaxOpenConns(4)
	r.SetMaxIdleConns(4)
	s.r = r
	return s, nil
}

// OpenPostgres connects to PostgreSQL through pgx's database/sql driver and
// brings the schema up to date.
func OpenPostgres(ctx context.Context, dsn string) (Store, error) {
	if dsn == "" {
		return nil, invalid("postgres: empty DSN")
	}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("store: postgres: %w", err)
	}
	db.SetMaxOpenConns(16)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: postgres: %w", err)
	}
	s := &sqlStore{d: postgresDialect, w: db, r: db}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: postgres: %w", err)
	}
	return s, nil
}
