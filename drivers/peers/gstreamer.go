package peers

import (
	"bufio"
	"fmt"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
	"time"
)

// GStreamer starts GStreamer's RTSP server (gst-rtsp-server through
// Debian's python3-gi) serving a live H.264 test pattern of the given size,
// and returns its URL. The server is stopped when the test ends.
func GStreamer(t testing.TB, width, height int) string {
	t.Helper()
	py := Need(t, "/usr/bin/python3", "python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-good gstreamer1.0-plugins-ugly")
	_, self, _, _ := runtime.Caller(0)
	script := filepath.Join(filepath.Dir(self), "gst-rtsp-server.py")
	port := FreePort(t)
	cmd := exec.Command(py, script, strconv.Itoa(port), strconv.Itoa(width), strconv.Itoa(height))
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = &testWriter{t: t, prefix: "gst-rtsp-server: "}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start gst-rtsp-server: %v", err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(out)
		ready <- sc.Scan() && sc.Text() == "ready"
		for sc.Scan() {
		}
	}()
	select {
	case ok := <-ready:
		if !ok {
			t.Fatal("gst-rtsp-server exited before it was ready")
		}
	case <-time.After(30 * time.Second):
		t.Fatal("gst-rtsp-server not ready after 30s")
	}
	return fmt.Sprintf("rtsp://127.0.0.1:%d/test", port)
}

// testWriter forwards a child's stderr to the test log.
type testWriter struct {
	t      testing.TB
	prefix string
}

func (w *testWriter) Write(p []byte) (int, error) {
	w.t.Log(w.prefix + string(p))
	return len(p), nil
}
