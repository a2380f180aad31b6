package peers

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// mavp2pVersion is the router go.mod pins as a tool.
const mavp2pVersion = "v1.3.3"

var mavp2pBuild struct {
	once sync.Once
	path string
	err  error
}

// MAVP2PBinary builds mavp2p (the go.mod tool dependency) once into the
// user cache directory and returns its path; later runs reuse it.
func MAVP2PBinary(t testing.TB) string {
	t.Helper()
	b := &mavp2pBuild
	b.once.Do(func() {
		dir, err := os.UserCacheDir()
		if err != nil {
			dir = os.TempDir()
		}
		dir = filepath.Join(dir, "argus", "bin")
		b.path = filepath.Join(dir, "mavp2p-"+mavp2pVersion)
		if _, err := os.Stat(b.path); err == nil {
			return
		}
		if b.err = os.MkdirAll(dir, 0o755); b.err != nil {
			return
		}
		goBin, err := exec.LookPath("go")
		if err != nil {
			goBin = "/usr/local/go/bin/go"
		}
		tmp := fmt.Sprintf("%s.%d.tmp", b.path, os.Getpid())
		out, err := exec.Command(goBin, "build", "-o", tmp, "github.com/bluenviron/mavp2p").CombinedOutput()
		if err != nil {
			b.err = fmt.Errorf("go build mavp2p: %v: %s", err, out)
			return
		}
		b.err = os.Rename(tmp, b.path) // atomic: parallel test binaries may race here
	})
	if b.err != nil {
		t.Fatal(b.err)
	}
	return b.path
}

// MAVP2P runs mavp2p, a real MAVLink router, between the endpoints given
// in its own syntax (udps:127.0.0.1:14550, udpc:…, tcps:…), until the test
// ends. Its own heartbeats and stream requests are off so that only the
// test's nodes speak; its log goes to the test log.
func MAVP2P(t testing.TB, endpoints ...string) {
	t.Helper()
	args := append([]string{"--hb-disable", "--streamreq-disable", "--print-errors"}, endpoints...)
	cmd := exec.Command(MAVP2PBinary(t), args...)
	exited := daemon(t, cmd, "mavp2p", "router started", 20*time.Second)
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
	})
}

// FreeUDPAddr returns 127.0.0.1:P where P is a free UDP port at the time
// of the call.
func FreeUDPAddr(t testing.TB) string {
	t.Helper()
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().String()
}
