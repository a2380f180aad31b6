package record

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/argus-edge/argus/drivers/sim"
	"github.com/argus-edge/argus/edge/hub"
)

// childEnv makes the test binary a recorder that TestSIGKILLMidSegment kills.
const childEnv = "ARGUS_RECORD_TEST_CHILD"

func TestMain(m *testing.M) {
	if dir := os.Getenv(childEnv); dir != "" {
		recordUntilKilled(dir)
		return
	}
	os.Exit(m.Run())
}

// recordUntilKilled records 15 s of the H.265 scene continuously into dir,
// says "recorded" once the recorder has taken every unit, and waits for
// its SIGKILL.
func recordUntilKilled(dir string) {
	sc, err := sim.NewLibrary(os.Getenv("ARGUS_CACHE"), zerolog.Nop()).Scene(context.Background(), sceneSpec(sim.H265))
	if err != nil {
		fmt.Println("scene:", err)
		os.Exit(2)
	}
	h := hub.New(hub.Options{Queue: 256})
	r, err := New(Options{Dir: dir, Hub: h, Log: zerolog.Nop()})
	if err != nil {
		fmt.Println("recorder:", err)
		os.Exit(2)
	}
	r.Apply(map[string]Policy{"cam": {Mode: ModeContinuous}})
	st := h.Open("cam")
	rd := st.Readers()[0]
	for u := range sc.Replay(killStart, 15*time.Second) {
		for rd.Queued() > 128 {
			time.Sleep(time.Millisecond)
		}
		st.Publish(u)
	}
	for rd.Queued() > 0 {
		time.Sleep(time.Millisecond)
	}
	// Every unit is taken, so the keyframe at 14 s, taken before the
	// later ones, has flushed the fragment before it: the GOP from 14 s
	// is the one in memory the kill loses.
	fmt.Println("recorded")
	select {}
}

var killStart = time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)

// TestSIGKILLMidSegment kills a real recording process (this test binary
// as a child) 5 s into its second segment: a restart recovers the open
// segment up to its last whole fragment — the one GOP being gathered is
// all that is lost — and every file plays.
func TestSIGKILLMidSegment(t *testing.T) {
	scene(t, sim.H265) // encoded into the cache before the child needs it
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run", "^$")
	cmd.Env = append(os.Environ(), childEnv+"="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, _ := bufio.NewReader(out).ReadString('\n')
	if line != "recorded\n" {
		t.Fatalf("child: %q", line)
	}
	if err := cmd.Process.Kill(); err != nil { // SIGKILL
		t.Fatal(err)
	}
	cmd.Wait()

	r, _ := newRecorder(t, dir, Options{}, nil)
	segs := r.ix.find("cam", time.Time{}, time.Time{})
	if len(segs) != 2 {
		t.Fatalf("%d segments after the kill, want the closed one and the recovered one: %+v", len(segs), segs)
	}
	// Fragments close at each keyframe (every second); the GOP from 14 s
	// was still being gathered when the process died.
	if want := killStart.Add(14 * time.Second); !segs[1].End.Equal(want) {
		t.Errorf("recovered segment ends at %v, want %v (one GOP lost)", segs[1].End, want)
	}
	for _, e := range segs {
		probe(t, e.Path)
		decodeAll(t, e.Path)
	}
}
