package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/argus-edge/argus/deploy/bench"
)

const mediamtxAPI = "127.0.0.1:19997"

// runMediamtx measures mediamtx pulling the same cameras: one path per
// camera with the simulator's URL as its source, pulled at once (not on
// demand), over the same transport; its servers are off but the API,
// which tells when every path is ready and is not asked during the window.
func runMediamtx(s settings, simPid int) (result, error) {
	dir, err := os.MkdirTemp("", "argus-bench-mediamtx-")
	if err != nil {
		return result{}, err
	}
	defer os.RemoveAll(dir)
	cfg := filepath.Join(dir, "mediamtx.yml")
	if err := os.WriteFile(cfg, mediamtxConfig(s, 0), 0o644); err != nil {
		return result{}, err
	}
	bin, err := filepath.Abs(s.mediamtx)
	if err != nil {
		return result{}, err
	}
	mtx := exec.Command(bin, cfg)
	mtx.Dir = dir // it writes a certificate of its own (auto.crt, auto.key) where it runs
	mtx.Stdout, mtx.Stderr = os.Stderr, os.Stderr
	if err := mtx.Start(); err != nil {
		return result{}, err
	}
	defer bench.Stop(mtx)
	if err := awaitReady(0, time.Minute); err != nil {
		return result{}, err
	}
	time.Sleep(2 * time.Second) // as for the edge
	base := bench.RSSKiB(mtx.Process.Pid)
	// mediamtx reloads its config file when it changes, as the edge does.
	if err := os.WriteFile(cfg, mediamtxConfig(s, s.n), 0o644); err != nil {
		return result{}, err
	}
	if err := awaitReady(s.n, 2*time.Minute); err != nil {
		return result{}, err
	}
	r := window(s, mtx.Process.Pid, simPid, mediamtxBytes)
	r.who, r.n, r.baseKiB = "mediamtx", s.n, base
	r.extraCol = fmt.Sprintf("%.0f kbit/s per camera", r.kbps)
	return r, nil
}

func mediamtxConfig(s settings, n int) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "logLevel: warn\napi: yes\napiAddress: %s\n", mediamtxAPI)
	b.WriteString("rtsp: no\nrtmp: no\nhls: no\nwebrtc: no\nsrt: no\nmoq: no\nplayback: no\nmetrics: no\npprof: no\n")
	b.WriteString("paths:\n")
	for i := range n {
		fmt.Fprintf(&b, "  bench-%d:\n    source: %s\n    rtspTransport: %s\n    sourceOnDemand: no\n", i, cameraURL(s, i), s.transport)
	}
	return []byte(b.String())
}

type pathList struct {
	Items []struct {
		Name          string `json:"name"`
		Ready         bool   `json:"ready"`
		BytesReceived uint64 `json:"bytesReceived"`
	} `json:"items"`
}

func paths() (pathList, error) {
	var l pathList
	resp, err := http.Get("http://" + mediamtxAPI + "/v3/paths/list?itemsPerPage=10000")
	if err != nil {
		return l, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return l, fmt.Errorf("paths list: %s", resp.Status)
	}
	return l, json.NewDecoder(resp.Body).Decode(&l)
}

// awaitReady polls mediamtx's API until n paths are ready.
func awaitReady(n int, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		l, err := paths()
		ready := 0
		for _, p := range l.Items {
			if p.Ready {
				ready++
			}
		}
		if err == nil && ready >= n {
			fmt.Printf("mediamtx: all %d paths ready\n", n)
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("only %d of %d paths ready after %s (%v)", ready, n, limit, err)
		}
		time.Sleep(500 * time.Millisecond) // polling an HTTP endpoint
	}
}

// mediamtxBytes sums the bytes mediamtx's paths received (RTP packets,
// headers included: about 1% more than the edge's payload count), -1 when
// its API does not answer.
func mediamtxBytes() float64 {
	l, err := paths()
	if err != nil {
		return -1
	}
	var t uint64
	for _, p := range l.Items {
		t += p.BytesReceived
	}
	return float64(t)
}
