package e2e

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/argus-edge/argus/drivers/peers"
)

// TestDistrictScript runs deploy/district.sh (what `make district` starts
// after its build) in its own process group with every port moved: a
// 3-node NATS cluster (the nats-server binary go.mod pins, real
// processes), the gateway joining it, 4 fleet-mode edges and the
// simulator's 400 light cameras (simulated: argus-sim's clones of the
// empty street). All 400 cameras get an owner and go online in the API;
// kill -9 of the edge the script names moves its cameras to the three
// others (online there, none left on it); SIGINT to the group, as Ctrl-C
// sends, and the script exits 0 with every process gone.
func TestDistrictScript(t *testing.T) {
	peers.Need(t, "ffmpeg", "ffmpeg")
	bin := filepath.Dir(edgeBin)
	if out, err := exec.Command("go", "build", "-o", filepath.Join(bin, "nats-server"), "github.com/nats-io/nats-server/v2").CombinedOutput(); err != nil {
		t.Fatalf("build nats-server: %v\n%s", err, out)
	}
	http0, routes, edgeHTTP := peers.FreePort(t), peers.FreePortRange(t, 3), peers.FreePortRange(t, 4)
	env := []string{"BIN=" + bin, "ARGUS_DISTRICT_VAR=" + t.TempDir(),
		"ARGUS_DISTRICT_NATS=" + strconv.Itoa(peers.FreePortRange(t, 3)), "ARGUS_DISTRICT_ROUTES=" + strconv.Itoa(routes),
		"ARGUS_DISTRICT_MQTT=" + strconv.Itoa(peers.FreePortRange(t, 3)), "ARGUS_DISTRICT_HTTP=" + strconv.Itoa(http0),
		"ARGUS_DISTRICT_WEBRTC_UDP=" + strconv.Itoa(udpPort(t)), "ARGUS_DISTRICT_RTSP=" + strconv.Itoa(peers.FreePort(t)),
		"ARGUS_DISTRICT_RTP=" + strconv.Itoa(udpPort(t)), "ARGUS_DISTRICT_EDGE_HTTP=" + strconv.Itoa(edgeHTTP)}
	cmd := exec.Command(filepath.Join(repoRoot, "deploy", "district.sh"))
	cmd.Env = append(os.Environ(), env...)
	d := runScript(t, cmd, "district")

	// The script's own lines: the edges' pids, then the end of its setup.
	pids := map[string]int{}
	pidLine := regexp.MustCompile(`^\s+(edge-\d) pid (\d+)`)
	timeout := time.After(3 * time.Minute)
	for ready := false; !ready; {
		select {
		case line, open := <-d.lines:
			if !open {
				t.Fatal("district.sh ended during its setup")
			}
			d.keep(line)
			if m := pidLine.FindStringSubmatch(line); m != nil {
				pids[m[1]], _ = strconv.Atoi(m[2])
			}
			ready = strings.Contains(line, "Ctrl-C stops everything")
		case <-timeout:
			t.Fatal("district.sh not set up in 3 minutes")
		}
	}
	go func() { // the gateway's log goes on: drained, so it never blocks
		for range d.lines {
		}
	}()
	if len(pids) != 4 {
		t.Fatalf("edge pids printed: %v", pids)
	}
	base := fmt.Sprintf("http://127.0.0.1:%d", http0)
	token := login(t, base, "admin", "demo-admin")

	owners := awaitDistrict(t, base, token, 400, "", 3*time.Minute)
	// Outsiders on the host: a stranger's route is refused by the cluster
	// port (before the fix it joined, and routes see every message), an
	// edge's :9100 and the gateway's /metrics want their tokens.
	if got := strangerRoute(t, routes); !strings.Contains(got, "Authorization Violation") {
		t.Errorf("a stranger's route on the cluster port: %q, want Authorization Violation", got)
	}
	if code, body := get(fmt.Sprintf("http://127.0.0.1:%d/api/cameras", edgeHTTP)); code != http.StatusUnauthorized {
		t.Errorf("edge-1's :9100 without its token: %d %.100s", code, body)
	}
	if code, _ := getWith(fmt.Sprintf("http://127.0.0.1:%d/api/cameras", edgeHTTP), "district-edge-http-token-change-me"); code != http.StatusOK {
		t.Errorf("edge-1's :9100 with the token district.sh prints: %d", code)
	}
	if code, _ := get(base + "/metrics"); code != http.StatusUnauthorized {
		t.Errorf("the gateway's /metrics without a token: %d", code)
	}

	for e := range pids {
		if owners[e] == 0 {
			t.Errorf("edge %s owns no camera: %v", e, owners)
		}
	}
	moved := owners["edge-2"]
	if err := syscall.Kill(pids["edge-2"], syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	owners = awaitDistrict(t, base, token, 400, "edge-2", time.Minute)
	t.Logf("edge-2's %d cameras owned and online elsewhere %.1f s after kill -9: %v", moved, time.Since(killed).Seconds(), owners)

	pgid := cmd.Process.Pid
	if err := syscall.Kill(-pgid, syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-d.exited:
		if err != nil {
			t.Errorf("district.sh after SIGINT: %v, want exit status 0", err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("district.sh still running 60 s after SIGINT")
	}
	if err := syscall.Kill(-pgid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("processes of the district's group outlive the script (kill -0: %v)", err)
	}
}

// awaitDistrict polls /api/cameras until n cameras are online, each owned
// by an edge other than gone, and returns the count per owner edge.
func awaitDistrict(t *testing.T, base, token string, n int, gone string, within time.Duration) map[string]int {
	t.Helper()
	var owners map[string]int
	why := ""
	if !peers.Eventually(within, func() bool {
		online, cursor := 0, ""
		owners = map[string]int{}
		for {
			var raw struct {
				Items []map[string]any `json:"items"`
				Next  string           `json:"next"`
			}
			if st := getJSON(base+"/api/cameras?limit=500&cursor="+cursor, token, &raw); st != http.StatusOK {
				t.Fatalf("/api/cameras: %d", st)
			}
			for _, c := range raw.Items {
				owner, _ := c["owner_edge"].(string)
				if c["state"] == "online" && owner != "" && owner != gone {
					online++
					owners[owner]++
				}
			}
			if cursor = raw.Next; cursor == "" {
				break
			}
		}
		why = fmt.Sprintf("%d of %d online and owned (not by %q): %v", online, n, gone, owners)
		return online == n
	}) {
		t.Fatalf("not after %s: %s", within, why)
	}
	return owners
}

func login(t *testing.T, base, user, password string) string {
	t.Helper()
	b, _ := json.Marshal(map[string]string{"user": user, "password": password})
	resp, err := http.Post(base+"/api/login", "application/json", strings.NewReader(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct{ Token string }
	json.NewDecoder(resp.Body).Decode(&out)
	if resp.StatusCode != 200 || out.Token == "" {
		t.Fatalf("login %s: %d", user, resp.StatusCode)
	}
	return out.Token
}

func getJSON(url, token string, v any) int {
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	json.NewDecoder(resp.Body).Decode(v)
	return resp.StatusCode
}

// strangerRoute connects to a NATS cluster port as a route without
// credentials and returns the server's answer to its CONNECT and PING.
func strangerRoute(t *testing.T, port int) string {
	t.Helper()
	conn, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	r := bufio.NewReader(conn)
	if info, err := r.ReadString('\n'); err != nil || !strings.HasPrefix(info, "INFO ") {
		t.Fatalf("cluster port greeting %q: %v", info, err)
	}
	fmt.Fprintf(conn, "CONNECT {\"verbose\":false,\"pedantic\":false,\"name\":\"stranger\",\"cluster\":\"argus-district\"}\r\nPING\r\n")
	var got strings.Builder
	for {
		line, err := r.ReadString('\n')
		got.WriteString(line)
		if err != nil || strings.HasPrefix(line, "-ERR") || strings.HasPrefix(line, "PONG") {
			return got.String()
		}
	}
}
