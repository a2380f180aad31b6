package peers

import (
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// Postgres starts a throwaway PostgreSQL cluster from Debian's postgresql
// package — initdb into a temp dir, then postgres listening only on a unix
// socket in that dir (on a free port number, which names the socket), with
// fsync off since nothing outlives the test — and returns a DSN for its
// "postgres" database as the trusted superuser "argus". As root it runs as
// the postgres system user the package creates (PostgreSQL refuses root).
// The cluster is stopped and removed when the test ends. Without the
// package the test is skipped (failed under CI, like Need).
func Postgres(t testing.TB) string {
	t.Helper()
	bin := postgresBin(t)
	// Under /tmp, not $TMPDIR: the postgres user must reach it, and the
	// socket's path must stay within the 107 bytes a unix address holds.
	dir, err := os.MkdirTemp("/tmp", "argus-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	cred := postgresCredential(t, dir)
	data := filepath.Join(dir, "data")
	initdb := exec.Command(filepath.Join(bin, "initdb"), "-D", data, "-U", "argus", "-A", "trust",
		"-E", "UTF8", "--locale=C", "--no-sync")
	initdb.Dir, initdb.SysProcAttr = dir, cred
	if out, err := initdb.CombinedOutput(); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	port := FreePort(t)
	cmd := exec.Command(filepath.Join(bin, "postgres"), "-D", data, "-p", strconv.Itoa(port), "-k", dir,
		"-c", "listen_addresses=", "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")
	cmd.Dir, cmd.SysProcAttr = dir, cred
	startPostgres(t, cmd)
	return fmt.Sprintf("host=%s port=%d user=argus dbname=postgres sslmode=disable", dir, port)
}

// postgresBin is the bin dir of the newest PostgreSQL Debian installed
// (/usr/lib/postgresql/<major>/bin: initdb and postgres are not on the PATH).
func postgresBin(t testing.TB) string {
	found, _ := filepath.Glob("/usr/lib/postgresql/*/bin/postgres")
	if len(found) == 0 {
		msg := "PostgreSQL not found in /usr/lib/postgresql: apt-get install postgresql (make deps does)"
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	major := func(p string) float64 {
		v, _ := strconv.ParseFloat(filepath.Base(filepath.Dir(filepath.Dir(p))), 64)
		return v
	}
	sort.Slice(found, func(i, j int) bool { return major(found[i]) < major(found[j]) })
	return filepath.Dir(found[len(found)-1])
}

// postgresCredential is nil for a non-root test; for root it is the
// postgres user's, and dir is handed to that user.
func postgresCredential(t testing.TB, dir string) *syscall.SysProcAttr {
	if os.Geteuid() != 0 {
		return nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		t.Fatalf("running as root and no postgres user to run PostgreSQL as (the postgresql package creates it): %v", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := os.Chown(dir, uid, gid); err != nil {
		t.Fatal(err)
	}
	return &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}
}

// startPostgres runs cmd, logs its output to the test and returns once the
// server accepts connections; at test end it is shut down (SIGINT: fast
// shutdown, which ends every session) and killed if it lingers.
func startPostgres(t testing.TB, cmd *exec.Cmd) {
	t.Helper()
	exited := daemon(t, cmd, "postgres", "ready to accept connections", 30*time.Second)
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGINT)
		select {
		case <-exited:
		case <-time.After(15 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
	})
}
