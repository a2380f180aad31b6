package store

import (
	"strconv"
	"strings"
)

// dialect is what differs between the two backends; the SQL is otherwise
// shared (sql.go). Both accept ON CONFLICT upserts, partial indexes, row
// values and BOOLEAN, so the differences are few.
type dialect struct {
	name   string
	dollar bool   // placeholders are $1, $2… instead of ?
	blob   string // type of binary columns
	serial string // an auto-incrementing integer primary key
	// lockID serialises, until the transaction ends, the writers of one
	// anomaly id: two events of a new anomaly racing to create it would
	// otherwise both miss it. SQLite's one writer needs none.
	lockID string
	// migrateLock serialises migrations of gateways sharing one database.
	migrateLock string
	// optimize refreshes the planner's statistics where nothing else does
	// (PostgreSQL's autovacuum does): without them SQLite may pick a poor
	// index for a filter it cannot judge.
	optimize string
}

var (
	sqliteDialect = dialect{
		name:   "sqlite",
		blob:   "BLOB",
		serial: "INTEGER PRIMARY KEY AUTOINCREMENT",
		// 0x10002: also analyse tables never analysed (the documented
		// setting for long-lived connections); cheap when nothing changed.
		optimize: "PRAGMA optimize=0x10002",
	}
	postgresDialect = dialect{
		name:   "postgres",
		dollar: true,
		blob:   "BYTEA",
		serial: "BIGSERIAL PRIMARY KEY",
		lockID: "SELECT pg_advisory_xact_lock(hashtextextended(?, 0))",
		// Any fixed key: it only has to be the same in every gateway.
		migrateLock: "SELECT pg_advisory_xact_lock(4242017)",
	}
)

// q rewrites the ? placeholders of query for the dialect, leaving string
// literals alone.
func (d dialect) q(query string) string {
	if !d.dollar {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 16)
	n, quoted := 0, false
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case c == '\'':
			quoted = !quoted
		case c == '?' && !quoted:
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// ddl fills a schema statement's {blob} and {serial} for the dialect.
func (d dialect) ddl(stmt string) string {
	return strings.NewReplacer("{blob}", d.blob, "{serial}", d.serial).Replace(stmt)
}
