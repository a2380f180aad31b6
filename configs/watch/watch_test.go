package watch

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// wait bounds every wait on the watcher; nothing here sleeps to synchronise.
const wait = 5 * time.Second

// harness runs a Watcher on a file in a temporary directory and turns its
// callbacks into channels the test can wait on.
type harness struct {
	t       *testing.T
	path    string
	w       *Watcher
	changes chan string
	errs    chan error
	polls   chan struct{}
}

func newHarness(t *testing.T, interval time.Duration) *harness {
	t.Helper()
	h := &harness{
		t:       t,
		path:    filepath.Join(t.TempDir(), "edge.yaml"),
		changes: make(chan string, 16),
		errs:    make(chan error, 16),
		polls:   make(chan struct{}, 1),
	}
	h.w = New(h.path, interval, func(data []byte) { h.changes <- string(data) })
	h.w.OnError = func(err error) { h.errs <- err }
	h.w.polled = func() {
		select { // a dropped signal is fine: the test waits for a later one
		case h.polls <- struct{}{}:
		default:
		}
	}
	return h
}

// start runs the watcher until the test ends and checks that Run returns.
func (h *harness) start() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.w.Run(ctx) }()
	h.t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				h.t.Errorf("Run returned %v after cancel, want nil", err)
			}
		case <-time.After(wait):
			h.t.Error("Run did not return after cancel")
		}
	})
}

func (h *harness) write(content string) {
	h.t.Helper()
	if err := os.WriteFile(h.path, []byte(content), 0o644); err != nil {
		h.t.Fatal(err)
	}
}

// replace writes content to a new file and renames it over the watched one,
// as editors and ConfigMap updates do.
func (h *harness) replace(content string) {
	h.t.Helper()
	tmp := h.path + ".tmp"
	if err := os.WriteFile(tmp, []byte(content), 0o644); err != nil {
		h.t.Fatal(err)
	}
	if err := os.Rename(tmp, h.path); err != nil {
		h.t.Fatal(err)
	}
}

func (h *harness) expectChange(want string) {
	h.t.Helper()
	select {
	case got := <-h.changes:
		if got != want {
			h.t.Fatalf("onChange(%q), want %q", got, want)
		}
	case <-time.After(wait):
		h.t.Fatalf("no onChange(%q) within %v", want, wait)
	}
}

func (h *harness) expectError(match func(error) bool, what string) {
	h.t.Helper()
	select {
	case err := <-h.errs:
		if !match(err) {
			h.t.Fatalf("OnError(%v), want %s", err, what)
		}
	case <-time.After(wait):
		h.t.Fatalf("no OnError (%s) within %v", what, wait)
	}
}

// settle waits until a poll that started after this call has finished.
// Polls run one after the other, so the second signal received comes from
// a poll that began after the first was received.
func (h *harness) settle() {
	h.t.Helper()
	for range 2 {
		select {
		case <-h.polls:
		case <-time.After(wait):
			h.t.Fatal("watcher stopped polling")
		}
	}
}

func (h *harness) expectNoChange() {
	h.t.Helper()
	h.settle()
	select {
	case got := <-h.changes:
		h.t.Fatalf("unexpected onChange(%q)", got)
	default:
	}
}

func TestFirstContentIsHandedOver(t *testing.T) {
	h := newHarness(t, 10*time.Millisecond)
	h.write("a: 1\n")
	h.start()
	h.expectChange("a: 1\n")
	h.expectNoChange()
}

func TestChangeInPlace(t *testing.T) {
	h := newHarness(t, 10*time.Millisecond)
	h.write("a: 1\n")
	h.start()
	h.expectChange("a: 1\n")
	h.write("a: 2\n") // same size, likely the same mtime tick: the racy case
	h.expectChange("a: 2\n")
	h.write("a: 3\nb: 4\n")
	h.expectChange("a: 3\nb: 4\n")
}

func TestSameContentRewrittenIsNotHandedOver(t *testing.T) {
	h := newHarness(t, 10*time.Millisecond)
	h.write("a: 1\n")
	h.start()
	h.expectChange("a: 1\n")
	h.write("a: 1\n")
	h.expectNoChange()
	h.replace("a: 1\n")
	h.expectNoChange()
}

func TestRenameReplace(t *testing.T) {
	h := newHarness(t, 10*time.Millisecond)
	h.write("a: 1\n")
	h.start()
	h.expectChange("a: 1\n")
	h.replace("a: 2\n")
	h.expectChange("a: 2\n")
}

func TestMissingThenBack(t *testing.T) {
	h := newHarness(t, 10*time.Millisecond)
	h.write("a: 1\n")
	h.start()
	h.expectChange("a: 1\n")

	if err := os.Remove(h.path); err != nil {
		t.Fatal(err)
	}
	h.expectError(func(err error) bool { return errors.Is(err, os.ErrNotExist) }, "not exist")
	h.expectNoChange()

	h.write("a: 1\n") // back with the content in force: nothing to hand over
	h.expectNoChange()
	h.write("a: 2\n")
	h.expectChange("a: 2\n")
}

func TestMissingAtStart(t *testing.T) {
	h := newHarness(t, 10*time.Millisecond)
	h.start()
	h.expectError(func(err error) bool { return errors.Is(err, os.ErrNotExist) }, "not exist")
	h.expectNoChange()
	h.replace("a: 1\n")
	h.expectChange("a: 1\n")
}

func TestEmptyFileIsWaitedFor(t *testing.T) {
	h := newHarness(t, 10*time.Millisecond)
	h.write("a: 1\n")
	h.start()
	h.expectChange("a: 1\n")
	h.write("") // a writer that truncates first
	h.expectError(func(err error) bool { return errors.Is(err, errEmpty) }, "empty")
	h.expectNoChange()
	h.write("a: 2\n")
	h.expectChange("a: 2\n")
}

func TestPokeRereadsAtOnce(t *testing.T) {
	h := newHarness(t, time.Hour) // ticks never come: only Poke can re-read
	h.write("a: 1\n")
	h.start()
	h.expectChange("a: 1\n")
	h.write("a: 2\n")
	h.w.Poke()
	h.expectChange("a: 2\n")

	// Unchanged: re-read, not handed over. Each Poke is followed by a poll
	// signal, so at least one whole poll ran after the change was handed.
	for range 2 {
		h.w.Poke()
		select {
		case <-h.polls:
		case <-time.After(wait):
			t.Fatal("Poke did not cause a poll")
		}
	}
	select {
	case got := <-h.changes:
		t.Fatalf("unexpected onChange(%q)", got)
	default:
	}
}

// TestPokeNeverBlocks pokes while the consumer is busy in onChange (a
// SIGHUP during a slow reload): every Poke returns at once, the pokes
// coalesce into one pending re-read, and once the consumer is done the
// watcher reads the file again and goes on delivering.
func TestPokeNeverBlocks(t *testing.T) {
	h := newHarness(t, time.Hour) // ticks never come: only Poke can re-read
	release := make(chan struct{})
	h.w.onChange = func(data []byte) {
		h.changes <- string(data)
		<-release // the consumer is busy until the test releases it
	}
	h.write("a: 1\n")
	h.start()
	h.expectChange("a: 1\n") // Run is now inside onChange
	h.write("a: 2\n")
	poked := make(chan struct{})
	go func() {
		for range 100 {
			h.w.Poke()
		}
		close(poked)
	}()
	select {
	case <-poked:
	case <-time.After(wait):
		t.Fatal("Poke blocked while the consumer was busy")
	}
	if n := len(h.w.poke); n != 1 {
		t.Fatalf("%d re-reads pending after 100 pokes, want them coalesced into 1", n)
	}
	close(release)
	h.expectChange("a: 2\n") // the pending poke re-read the file
	h.write("a: 3\n")
	h.w.Poke()
	h.expectChange("a: 3\n")
}

func TestRunRefusesBadArguments(t *testing.T) {
	ctx := context.Background()
	if err := Run(ctx, "x", 0, func([]byte) {}); err == nil {
		t.Error("Run with interval 0: no error")
	}
	if err := Run(ctx, "x", time.Second, nil); err == nil {
		t.Error("Run with nil onChange: no error")
	}
}

func TestRunFunction(t *testing.T) {
	path := filepath.Join(t.TempDir(), "edge.yaml")
	if err := os.WriteFile(path, []byte("a: 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	changes := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- Run(ctx, path, 10*time.Millisecond, func(b []byte) { changes <- string(b) }) }()
	select {
	case got := <-changes:
		if got != "a: 1\n" {
			t.Fatalf("onChange(%q)", got)
		}
	case <-time.After(wait):
		t.Fatal("no onChange")
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(wait):
		t.Fatal("Run did not return after cancel")
	}
}
