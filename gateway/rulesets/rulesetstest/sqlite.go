package rulesetstest

import (
	"path/filepath"
	"testing"

	"github.com/argus-edge/argus/gateway/store"
)

// SQLite opens a real SQLite store in the test's temporary directory,
// closed when the test ends.
func SQLite(t testing.TB) store.Store {
	t.Helper()
	st, err := store.OpenSQLite(filepath.Join(t.TempDir(), "gateway.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}
