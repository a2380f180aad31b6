package peers

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Broker is Debian's mosquitto on a loopback port, for tests that need a
// real MQTT broker they can take away and bring back.
type Broker struct {
	t      testing.TB
	bin    string
	conf   string
	port   int
	mu     sync.Mutex
	cmd    *exec.Cmd
	exited <-chan struct{}
}

// MosquittoOption changes the broker's generated config.
type MosquittoOption func(*mosquittoConf)

type mosquittoConf struct{ persist bool }

// MosquittoPersistent turns persistence on: on a graceful Stop mosquitto
// saves retained messages, persistent sessions and their queued messages,
// and Start restores them, as a production broker would.
func MosquittoPersistent() MosquittoOption { return func(c *mosquittoConf) { c.persist = true } }

// Mosquitto starts mosquitto on a free 127.0.0.1 port with a generated
// config — anonymous access, max_queued_messages 100000 and
// max_inflight_messages 20 (the defaults drop most of a large retained set,
// mosquitto issues #2196, #3096) — and waits until it accepts connections.
// It is killed when the test ends.
func Mosquitto(t testing.TB, opts ...MosquittoOption) *Broker {
	t.Helper()
	bin := findMosquitto(t)
	var c mosquittoConf
	for _, o := range opts {
		o(&c)
	}
	dir := t.TempDir()
	b := &Broker{t: t, bin: bin, port: FreePort(t), conf: filepath.Join(dir, "mosquitto.conf")}
	conf := fmt.Sprintf(`listener %d 127.0.0.1
allow_anonymous true
max_queued_messages 100000
max_inflight_messages 20
log_dest stderr
log_type error
log_type warning
log_type notice
log_type information
persistence %t
persistence_location %s/
`, b.port, c.persist, dir)
	if os.Geteuid() == 0 {
		conf += "user root\n" // else it drops to user mosquitto and cannot write dir
	}
	if err := os.WriteFile(b.conf, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.kill)
	b.Start()
	return b
}

// findMosquitto looks on the PATH and in /usr/sbin, where Debian puts it.
func findMosquitto(t testing.TB) string {
	if _, err := os.Stat("/usr/sbin/mosquitto"); err == nil {
		return "/usr/sbin/mosquitto"
	}
	return Need(t, "mosquitto", "mosquitto")
}

// URL is the broker's address for MQTT clients: tcp://127.0.0.1:port.
func (b *Broker) URL() string { return fmt.Sprintf("tcp://127.0.0.1:%d", b.port) }

// Port is the broker's TCP port; it stays the same across Stop and Start.
func (b *Broker) Port() int { return b.port }

// Start (re)starts the broker on its port and returns once it listens.
func (b *Broker) Start() {
	b.t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.cmd != nil {
		b.t.Fatal("mosquitto: Start while running")
	}
	cmd := exec.Command(b.bin, "-c", b.conf)
	// "mosquitto version 2.0.11 running" comes after the listener opened.
	exited := daemon(b.t, cmd, "mosquitto", " running", 10*time.Second)
	b.cmd, b.exited = cmd, exited
}

// Stop stops the broker gracefully (SIGTERM: it saves persistence and
// closes every connection) and waits for it to exit.
func (b *Broker) Stop() {
	b.t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.cmd == nil {
		return
	}
	// A SIGTERM that lands just after mosquitto logs "running" can be
	// lost (seen with 2.0.11), so it is repeated until the broker exits.
	deadline := time.After(10 * time.Second)
	again := time.NewTicker(500 * time.Millisecond)
	defer again.Stop()
	for b.cmd != nil {
		b.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-b.exited:
			b.cmd = nil
		case <-again.C:
		case <-deadline:
			b.cmd.Process.Kill()
			<-b.exited
			b.cmd = nil
			b.t.Error("mosquitto ignored SIGTERM for 10s: killed")
		}
	}
}

// kill ends the broker at test end.
func (b *Broker) kill() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.cmd != nil {
		b.cmd.Process.Kill()
		<-b.exited
		b.cmd = nil
	}
}

// safeLog writes to the test log until the test ends, then drops lines: a
// child's output can arrive after the test returned, when t.Log panics.
type safeLog struct {
	mu   sync.Mutex
	t    testing.TB
	done bool
}

func (l *safeLog) printf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.done {
		l.t.Logf(format, args...)
	}
}

func (l *safeLog) stop() {
	l.mu.Lock()
	l.done = true
	l.mu.Unlock()
}
