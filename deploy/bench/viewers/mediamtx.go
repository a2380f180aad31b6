package main

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/argus-edge/argus/deploy/bench"
)

// startMediaMTX serves bench-0 from the simulator over WHEP with mediamtx.
func (st *stack) startMediaMTX(path string) (*exec.Cmd, error) {
	cfg := filepath.Join(st.dir, "mediamtx.yml")
	mmHTTP = bench.FreePort("tcp")
	os.WriteFile(cfg, []byte(fmt.Sprintf(`logLevel: warn
api: no
metrics: no
pprof: no
playback: no
rtsp: no
rtmp: no
hls: no
srt: no
webrtc: yes
webrtcAddress: 127.0.0.1:%d
webrtcLocalUDPAddress: 127.0.0.1:%d
webrtcLocalTCPAddress: ''
webrtcIPsFromInterfaces: no
webrtcAdditionalHosts: [127.0.0.1]
paths:
  bench:
    source: rtsp://%s/bench/0
    rtspTransport: tcp
`, mmHTTP, bench.FreePort("tcp"), st.simAddr)), 0o600)
	mm := exec.Command(path, cfg)
	mm.Dir = st.dir // it writes its certificate (auto.crt, auto.key) where it runs
	mm.Stdout, mm.Stderr = os.Stderr, os.Stderr
	if err := mm.Start(); err != nil {
		return nil, err
	}
	for deadline := time.Now().Add(30 * time.Second); ; {
		if c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", mmHTTP)); err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			bench.Stop(mm)
			return nil, fmt.Errorf("mediamtx not listening after 30 s")
		}
		time.Sleep(100 * time.Millisecond) // polling a port
	}
	time.Sleep(3 * time.Second) // its RTSP source connects (a benchmark pause)
	return mm, nil
}

var mmHTTP int
