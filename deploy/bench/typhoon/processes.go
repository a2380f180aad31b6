package main

import (
	"bufio"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the PostgreSQL driver, to count what is stored
	"golang.org/x/crypto/bcrypt"
	_ "modernc.org/sqlite" // the SQLite driver, to count what is stored

	"github.com/argus-edge/argus/deploy/bench"
)

// Secrets of the bench's throwaway gateway.
const (
	password    = "bench console password"
	busPassword = "bench-publisher-bus-password"
	scrapeToken = "bench-metrics-scrape-token-0123456789"
)

// gateway is the gateway process under load and how to reach it.
type gateway struct {
	cmd      *exec.Cmd
	http     string // base URL
	mqtt     string // host:port
	count    func(prefix string) (int, error)
	stopPG   func()
	pgPID    int // the postmaster, 0 for SQLite
	dir      string
	scopes   int // operators, each covering sitesPer sites
	sitesPer int
	pprof    string // the gateway's -pprof address, "" when off
}

// startGateway writes a config and starts bin/gateway on a fresh store of kind (sqlite or postgres).
func startGateway(bin, kind string, sites, operators, publishers int, profile bool) (*gateway, error) {
	dir, err := os.MkdirTemp("/tmp", "argus-typhoon-")
	if err != nil {
		return nil, err
	}
	g := &gateway{dir: dir, scopes: operators, sitesPer: max(1, sites/operators)}
	hash, _ := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	var cfg strings.Builder
	fmt.Fprintf(&cfg, "users:\n  - {name: commander, role: commander, sites: [\"*\"], password_hash: %q}\n", hash)
	for o := range operators {
		var ss []string
		for s := o * g.sitesPer; s < (o+1)*g.sitesPer; s++ {
			ss = append(ss, fmt.Sprintf("%q", siteName(s)))
		}
		fmt.Fprintf(&cfg, "  - {name: op-%d, role: operator, sites: [%s], password_hash: %q}\n", o, strings.Join(ss, ", "), hash)
	}
	env := append(os.Environ(), "BENCH_BUS="+busPassword, "BENCH_SCRAPE="+scrapeToken)
	switch kind {
	case "sqlite":
		path := filepath.Join(dir, "gateway.db")
		fmt.Fprintf(&cfg, "store: {driver: sqlite, path: %q}\n", path)
		g.count = counter("sqlite", path)
	case "postgres":
		dsn, stop, pid, err := startPostgres(dir)
		if err != nil {
			return nil, fmt.Errorf("postgres: %w", err)
		}
		g.stopPG, g.pgPID = stop, pid
		env = append(env, "BENCH_PG="+dsn)
		cfg.WriteString("store: {driver: postgres, dsn_env: BENCH_PG}\n")
		g.count = counter("pgx", dsn)
	default:
		return nil, fmt.Errorf("store %q: want sqlite or postgres", kind)
	}
	cfg.WriteString("metrics: {token_env: BENCH_SCRAPE}\nlimits: {sse_per_user: 200, logins_per_minute: 1000}\nbus:\n  users:\n")
	for p := range publishers {
		fmt.Fprintf(&cfg, "    - {name: pub-%d, role: edge, edge: pub-%d, sites: [\"*\"], password_env: BENCH_BUS}\n", p, p)
	}
	gwCfg := filepath.Join(dir, "gateway.yaml")
	if err := os.WriteFile(gwCfg, []byte(cfg.String()), 0o600); err != nil {
		return nil, err
	}
	mqttPort, httpPort := bench.FreePort("tcp"), bench.FreePort("tcp")
	g.http, g.mqtt = fmt.Sprintf("http://127.0.0.1:%d", httpPort), fmt.Sprintf("127.0.0.1:%d", mqttPort)
	g.cmd = exec.Command(filepath.Join(bin, "gateway"), "-mqtt", g.mqtt, "-http", fmt.Sprintf("127.0.0.1:%d", httpPort),
		"-webrtc-udp", "127.0.0.1:0", "-nats", "127.0.0.1:0", "-bus-store", filepath.Join(dir, "nats"), "-config", gwCfg,
		"-log-format", "json")
	if profile {
		g.pprof = fmt.Sprintf("127.0.0.1:%d", bench.FreePort("tcp"))
		g.cmd.Args = append(g.cmd.Args, "-pprof", g.pprof)
	}
	g.cmd.Env = env
	if err := bench.StartAndAwait(g.cmd, "gateway ready", time.Minute); err != nil {
		g.stop()
		return nil, fmt.Errorf("gateway: %w", err)
	}
	return g, nil
}

// stop ends the gateway, then PostgreSQL, and removes the files.
func (g *gateway) stop() {
	if g.cmd != nil && g.cmd.Process != nil {
		bench.Stop(g.cmd)
	}
	if g.stopPG != nil {
		g.stopPG()
	}
	os.RemoveAll(g.dir)
}

// siteName is the name of site i.
func siteName(i int) string { return fmt.Sprintf("site-%03d", i) }

// counter counts the stored anomalies whose id has a prefix, reading the
// store's database directly (as an operator's SQL would).
func counter(driver, dsn string) func(string) (int, error) {
	return func(prefix string) (int, error) {
		db, err := sql.Open(driver, dsn)
		if err != nil {
			return 0, err
		}
		defer db.Close()
		q := `SELECT count(*) FROM anomalies WHERE id LIKE ?`
		if driver == "pgx" {
			q = `SELECT count(*) FROM anomalies WHERE id LIKE $1`
		}
		var n int
		err = db.QueryRow(q, prefix+"%").Scan(&n)
		return n, err
	}
}

// startPostgres runs Debian's PostgreSQL (the newest installed) on a
// fresh cluster in dir, with its durable defaults (fsync and synchronous
// commit on), and returns its DSN.
func startPostgres(dir string) (dsn string, stop func(), pid int, err error) {
	found, _ := filepath.Glob("/usr/lib/postgresql/*/bin/postgres")
	if len(found) == 0 {
		return "", nil, 0, fmt.Errorf("PostgreSQL not found in /usr/lib/postgresql: make deps installs it")
	}
	sort.Slice(found, func(i, j int) bool { return majorOf(found[i]) < majorOf(found[j]) })
	bin := filepath.Dir(found[len(found)-1])
	var cred *syscall.SysProcAttr
	if os.Geteuid() == 0 { // PostgreSQL refuses to run as root
		u, err := user.Lookup("postgres")
		if err != nil {
			return "", nil, 0, err
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			return "", nil, 0, err
		}
		cred = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}
	}
	data := filepath.Join(dir, "pg")
	initdb := exec.Command(filepath.Join(bin, "initdb"), "-D", data, "-U", "argus", "-A", "trust", "-E", "UTF8", "--locale=C")
	initdb.Dir, initdb.SysProcAttr = dir, cred
	if out, err := initdb.CombinedOutput(); err != nil {
		return "", nil, 0, fmt.Errorf("initdb: %v\n%s", err, out)
	}
	port := bench.FreePort("tcp")
	cmd := exec.Command(filepath.Join(bin, "postgres"), "-D", data, "-p", strconv.Itoa(port), "-k", dir, "-c", "listen_addresses=")
	cmd.Dir, cmd.SysProcAttr = dir, cred
	if err := bench.StartAndAwait(cmd, "ready to accept connections", 30*time.Second); err != nil {
		return "", nil, 0, fmt.Errorf("postgres: %w", err)
	}
	stop = func() {
		cmd.Process.Signal(syscall.SIGINT)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			cmd.Process.Kill()
		}
	}
	return fmt.Sprintf("host=%s port=%d user=argus dbname=postgres sslmode=disable", dir, port), stop, cmd.Process.Pid, nil
}

func majorOf(p string) float64 {
	v, _ := strconv.ParseFloat(filepath.Base(filepath.Dir(filepath.Dir(p))), 64)
	return v
}

// profile saves a CPU profile of the gateway in dir as
// typhoon-<kind>.pprof: from 5 s into a sustained window for up to 20 s.
func (g *gateway) profile(dir, kind string, window time.Duration) error {
	secs := int(min(20*time.Second, window-10*time.Second).Seconds())
	if secs < 1 {
		return fmt.Errorf("-profile: the window (%s) is too short for a profile", window)
	}
	time.Sleep(5 * time.Second) // into the sustained load, not synchronising
	req, _ := http.NewRequest("GET", fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", g.pprof, secs), nil)
	req.Header.Set("Authorization", "Bearer "+scrapeToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("profile: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return fmt.Errorf("profile: status %d", resp.StatusCode)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	path := filepath.Join(dir, "typhoon-"+kind+".pprof")
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := io.Copy(f, resp.Body); err != nil {
		return fmt.Errorf("profile: %w", err)
	}
	fmt.Printf("  CPU profile of the gateway (%d s of the sustained load): %s\n", secs, path)
	return g.saveProfile(filepath.Join(dir, "typhoon-"+kind+".allocs.pprof"), "allocs")
}

// saveProfile saves one of the gateway's profiles (allocs, heap) as it is now.
func (g *gateway) saveProfile(path, name string) error {
	req, _ := http.NewRequest("GET", fmt.Sprintf("http://%s/debug/pprof/%s", g.pprof, name), nil)
	req.Header.Set("Authorization", "Bearer "+scrapeToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("profile %s: %w", name, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return fmt.Errorf("profile %s: status %d", name, resp.StatusCode)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(f, resp.Body)
	return err
}

// metric reads one unlabelled metric of the gateway's /metrics.
func (g *gateway) metric(name string) (float64, error) {
	req, _ := http.NewRequest("GET", g.http+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+scrapeToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) == 2 && f[0] == name {
			return strconv.ParseFloat(f[1], 64)
		}
	}
	io.Copy(io.Discard, resp.Body)
	return 0, fmt.Errorf("/metrics: no %s (status %d)", name, resp.StatusCode)
}

// pgTicks is the CPU time (1/100 s) of the postmaster and its children
// (the backends, the WAL writer, the checkpointer) so far, those that
// exited included (the postmaster's cutime and cstime); 0 for SQLite.
func (g *gateway) pgTicks() int64 {
	if g.pgPID == 0 {
		return 0
	}
	total := bench.CPUTicks(g.pgPID) + waitedTicks(g.pgPID)
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// After the command's closing parenthesis: state, then the parent's pid.
		if f := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:])); len(f) > 1 && f[1] == strconv.Itoa(g.pgPID) {
			total += bench.CPUTicks(pid)
		}
	}
	return total
}

// waitedTicks is the CPU time of pid's children that exited and were
// waited for (cutime + cstime, fields 16 and 17 of /proc/<pid>/stat).
func waitedTicks(pid int) int64 {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	f := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
	if len(f) < 15 {
		return 0
	}
	cu, _ := strconv.ParseInt(f[13], 10, 64)
	cs, _ := strconv.ParseInt(f[14], 10, 64)
	return cu + cs
}
