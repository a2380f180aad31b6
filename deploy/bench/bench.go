// Package bench holds what the load scripts of make bench share: starting
// Argus processes and reading their CPU and memory from /proc.
package bench

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/argus-edge/argus/drivers/bearer"
)

// EdgeTokenEnv names the variable holding the benchmarked edges' :9100
// token (their configs' edge.http_token_env); EdgeToken is its value,
// which TokenEnv sets for the edges started from this process.
const (
	EdgeTokenEnv = "ARGUS_BENCH_EDGE_HTTP_TOKEN"
	EdgeToken    = "bench-edge-http-token"
)

// TokenEnv sets EdgeTokenEnv in this process's environment, which the
// edges it starts inherit.
func TokenEnv() { os.Setenv(EdgeTokenEnv, EdgeToken) }

// StartAndAwait starts cmd and waits for a line of its stderr holding want.
func StartAndAwait(cmd *exec.Cmd, want string, limit time.Duration) error {
	pipe, err := cmd.StderrPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	found := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(pipe)
		ok := false
		for sc.Scan() {
			line := sc.Text()
			if !ok && strings.Contains(line, want) {
				ok = true
				found <- true
			}
			if strings.Contains(line, "encoding scene") || strings.Contains(line, `"error"`) {
				fmt.Fprintln(os.Stderr, "  sim:", line) // long work shows progress
			}
		}
		if !ok {
			found <- false
		}
	}()
	select {
	case ok := <-found:
		if !ok {
			return fmt.Errorf("exited before %s", want)
		}
		return nil
	case <-time.After(limit):
		return fmt.Errorf("no %s after %s", want, limit)
	}
}

// AwaitOnline polls the edge's camera state until n cameras are online.
func AwaitOnline(addr string, n int, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		if k, err := online(addr); err == nil && k >= n {
			fmt.Printf("all %d cameras online\n", n)
			return nil
		}
		time.Sleep(500 * time.Millisecond) // polling an HTTP endpoint
	}
	k, err := online(addr)
	return fmt.Errorf("only %d of %d cameras online after %s (%v)", k, n, limit, err)
}

type cameras struct {
	Cameras []struct {
		State string
		Main  struct {
			FPS         float64 `json:"fps"`
			BitrateKbps float64 `json:"bitrate_kbps"`
		}
	}
}

func fetch(addr string) (cameras, error) {
	var c cameras
	req, err := http.NewRequest(http.MethodGet, "http://"+addr+"/api/cameras", nil)
	if err != nil {
		return c, err
	}
	req.Header.Set("Authorization", bearer.Header(EdgeToken))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return c, err
	}
	defer resp.Body.Close()
	return c, json.NewDecoder(resp.Body).Decode(&c)
}

// online counts the online cameras; an error means the edge is not up yet.
func online(addr string) (int, error) {
	c, err := fetch(addr)
	k := 0
	for _, c := range c.Cameras {
		if c.State == "online" {
			k++
		}
	}
	return k, err
}

// Rates sums the cameras' bitrate and fps as the edge measures them.
func Rates(addr string) (kbps, fps float64) {
	c, _ := fetch(addr)
	for _, c := range c.Cameras {
		kbps += c.Main.BitrateKbps
		fps += c.Main.FPS
	}
	return kbps, fps
}

// CPUTicks returns utime+stime of a process from /proc.
func CPUTicks(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
	u, _ := strconv.ParseInt(f[11], 10, 64)
	s, _ := strconv.ParseInt(f[12], 10, 64)
	return u + s
}

// RSSKiB returns the resident set size of a process.
func RSSKiB(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			k, _ := strconv.ParseInt(strings.Fields(v)[0], 10, 64)
			return k
		}
	}
	return 0
}

// Stop interrupts a process and waits for it, killing it after 10 s.
func Stop(cmd *exec.Cmd) {
	cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
	}
}

// IO returns one counter of /proc/<pid>/io (wchar: bytes handed to
// write calls; write_bytes: bytes the kernel counts for the storage
// layer), 0 when it cannot be read.
func IO(pid int, field string) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/io", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			k, _ := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			return k
		}
	}
	return 0
}

// Received is the bytes the edge's cameras have sent it, summed from its
// argus_camera_bytes_total metric.
func Received(addr string) float64 {
	req, err := http.NewRequest(http.MethodGet, "http://"+addr+"/metrics", nil)
	if err != nil {
		return 0
	}
	req.Header.Set("Authorization", bearer.Header(EdgeToken))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	total := 0.0
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "argus_camera_bytes_total{") {
			continue
		}
		f := strings.Fields(line)
		v, _ := strconv.ParseFloat(f[len(f)-1], 64)
		total += v
	}
	return total
}
