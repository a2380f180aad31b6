package systemd

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/argus-edge/argus/drivers/peers"
)

// unit is a parsed unit file: section → key → values in order.
type unit map[string]map[string][]string

// parseUnit reads a unit file as systemd does: [Section] headers, Key=Value
// lines, "#" and ";" comments, "\" continuing a line.
func parseUnit(raw []byte, file string) (unit, error) {
	u := unit{}
	section := ""
	sc := bufio.NewScanner(bytes.NewReader(raw))
	line, start := "", 0
	for n := 1; sc.Scan(); n++ {
		text := sc.Text()
		if line == "" {
			start = n
		}
		if strings.HasSuffix(text, "\\") {
			line += strings.TrimSuffix(text, "\\") + " "
			continue
		}
		line += text
		t := strings.TrimSpace(line)
		line = ""
		switch {
		case t == "" || t[0] == '#' || t[0] == ';':
		case t[0] == '[' && t[len(t)-1] == ']':
			section = t[1 : len(t)-1]
			if u[section] != nil {
				return nil, fmt.Errorf("%s:%d: section [%s] twice", file, start, section)
			}
			u[section] = map[string][]string{}
		default:
			key, value, ok := strings.Cut(t, "=")
			if !ok || section == "" {
				return nil, fmt.Errorf("%s:%d: %q is not Key=Value in a section", file, start, t)
			}
			key = strings.TrimSpace(key)
			u[section][key] = append(u[section][key], strings.TrimSpace(value))
		}
	}
	return u, sc.Err()
}

// repeatable are the keys a unit may give more than once.
var repeatable = []string{"Environment", "EnvironmentFile", "After", "Wants", "ExecStartPre", "ExecStartPost", "ReadWritePaths"}

// required are the keys every Argus unit must have, and the value each
// must have ("" for any value): a service that restarts, runs as its own
// user on a read-only system with only its state directory writable, and
// has file descriptors for its connections.
var required = []struct{ section, key, value string }{
	{"Unit", "Description", ""},
	{"Unit", "After", ""},
	{"Service", "ExecStart", ""},
	{"Service", "User", ""},
	{"Service", "Restart", "always"},
	{"Service", "ProtectSystem", "strict"},
	{"Service", "ProtectHome", "yes"},
	{"Service", "NoNewPrivileges", "yes"},
	{"Service", "PrivateTmp", "yes"},
	{"Service", "CapabilityBoundingSet", ""},
	{"Service", "StateDirectory", ""},
	{"Service", "LimitNOFILE", ""},
	{"Install", "WantedBy", "multi-user.target"},
}

// checkUnit returns every problem of a parsed unit; needEnvFile says the
// service reads its secrets from an EnvironmentFile.
func checkUnit(u unit, file string, needEnvFile bool) []string {
	var errs []string
	for section, keys := range u {
		for key, values := range keys {
			if len(values) > 1 && !slices.Contains(repeatable, key) {
				errs = append(errs, fmt.Sprintf("%s: [%s] %s given %d times", file, section, key, len(values)))
			}
		}
	}
	for _, r := range required {
		values, ok := u[r.section][r.key]
		switch {
		case !ok:
			errs = append(errs, fmt.Sprintf("%s: [%s] %s is missing", file, r.section, r.key))
		case r.value != "" && values[len(values)-1] != r.value:
			errs = append(errs, fmt.Sprintf("%s: [%s] %s=%s, want %s", file, r.section, r.key, values[len(values)-1], r.value))
		}
	}
	if exec := u["Service"]["ExecStart"]; len(exec) > 0 && !strings.HasPrefix(exec[0], "/usr/local/bin/") {
		errs = append(errs, fmt.Sprintf("%s: ExecStart %q is not a binary in /usr/local/bin", file, exec[0]))
	}
	if needEnvFile && len(u["Service"]["EnvironmentFile"]) == 0 {
		errs = append(errs, fmt.Sprintf("%s: [Service] EnvironmentFile is missing: secrets come from it", file))
	}
	return errs
}

// units are the shipped units and whether each reads an EnvironmentFile.
var units = map[string]bool{"argus-edge.service": true, "argus-gateway.service": true, "argus-nats.service": false}

// load parses one file, failing the test on a syntax error.
func load(t *testing.T, path string) unit {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	u, err := parseUnit(raw, path)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestUnitsHaveTheHardeningAndKeysTheyNeed(t *testing.T) {
	users, err := os.ReadFile("argus.sysusers.conf")
	if err != nil {
		t.Fatal(err)
	}
	for file, envFile := range units {
		u := load(t, file)
		for _, e := range checkUnit(u, file, envFile) {
			t.Error(e)
		}
		user := u["Service"]["User"]
		if len(user) == 1 && !bytes.Contains(users, []byte("u "+user[0]+" ")) {
			t.Errorf("%s: User=%s is not made by argus.sysusers.conf", file, user[0])
		}
	}
}

// Each broken unit lacks or misstates one thing; its first line says what
// the check must report.
func TestBrokenUnitsAreRefused(t *testing.T) {
	cases, _ := filepath.Glob("testdata/*.service")
	if len(cases) < 4 {
		t.Fatalf("found %d broken units", len(cases))
	}
	for _, path := range cases {
		t.Run(filepath.Base(path), func(t *testing.T) {
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			first, _, _ := strings.Cut(string(raw), "\n")
			want, _ := strings.CutPrefix(first, "# want: ")
			u, err := parseUnit(raw, path)
			var got []string
			if err != nil {
				got = []string{err.Error()}
			} else {
				got = checkUnit(u, path, true)
			}
			for _, e := range got {
				if strings.Contains(e, want) {
					return
				}
			}
			t.Fatalf("no problem says %q; got %q", want, got)
		})
	}
}

// verify runs systemd-analyze verify on copies of the units whose binaries
// point at stub executables in a temporary directory (verify refuses a
// unit whose ExecStart does not exist). It returns what verify printed:
// systemd prints a warning and exits 0 for a key it does not know or a
// value it cannot parse, so any output is a failure.
func verify(t *testing.T, files ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, bin := range []string{"argus-edge", "argus-gateway", "nats-server"} {
		if err := os.WriteFile(filepath.Join(dir, bin), []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	var paths []string
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		raw = bytes.ReplaceAll(raw, []byte("/usr/local/bin/"), []byte(dir+"/"))
		p := filepath.Join(dir, filepath.Base(f))
		if err := os.WriteFile(p, raw, 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	out, err := exec.Command("systemd-analyze", append([]string{"verify"}, paths...)...).CombinedOutput()
	if err != nil {
		return fmt.Sprintf("%v: %s", err, out)
	}
	return strings.TrimSpace(string(out))
}

func TestSystemdAcceptsTheUnits(t *testing.T) {
	peers.Need(t, "systemd-analyze", "systemd")
	var files []string
	for f := range units {
		files = append(files, f)
	}
	if out := verify(t, files...); out != "" {
		t.Fatalf("systemd-analyze verify:\n%s", out)
	}
	// And it does report a mistake, or the test above proves nothing.
	if out := verify(t, "testdata/verify/misspelt-value.service"); !strings.Contains(out, "strick") {
		t.Fatalf("a misspelt ProtectSystem value was not reported: %q", out)
	}
}
