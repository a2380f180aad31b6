package ingest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/argus-edge/argus/drivers/peers"
	"github.com/argus-edge/argus/drivers/sim"
)

// reloadYAML is an edge config over simulator URLs; cams maps ids to
// "path" or "path name" (a name changes the camera's config).
func reloadYAML(s *sim.Server, cams ...string) []byte {
	var b strings.Builder
	b.WriteString("edge: {id: edge-test}\n")
	b.WriteString("ingest: {reconnect: {min: 10ms, max: 100ms}, read_timeout: 2s, stall_timeout: 1s}\n")
	b.WriteString("sites: [{id: s1}]\ncameras:\n")
	for _, c := range cams {
		f := strings.Fields(c)
		fmt.Fprintf(&b, "  - {id: %s, site: s1, main: %q", f[0], s.URL(f[1]))
		if len(f) > 2 {
			fmt.Fprintf(&b, ", name: %q", f[2])
		}
		b.WriteString("}\n")
	}
	return []byte(b.String())
}

// TestLiveReload changes the config while frames flow (simulated cameras):
// the added camera starts, the removed one stops, the changed one restarts
// with its consumers still subscribed, and the untouched one never drops a
// frame. An invalid change is refused and nothing moves.
func TestLiveReload(t *testing.T) {
	spec := peers.TinyScene(sim.Empty, sim.H264)
	s := peers.Sim(t, sim.Camera{Path: "p1", Scene: spec}, sim.Camera{Path: "p2", Scene: spec},
		sim.Camera{Path: "p3", Scene: spec}, sim.Camera{Path: "p4", Scene: spec})
	h := newHarness(t)
	if _, _, err := h.m.Reload("a.yaml", reloadYAML(s, "a p1", "b p2", "c p3")); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"a", "b", "c"} {
		h.await(id, StateOnline)
	}
	ra, rb, rc := h.hub.Stream("a").Subscribe("t"), h.hub.Stream("b").Subscribe("t"), h.hub.Stream("c").Subscribe("t")
	defer rb.Close()
	defer rc.Close()
	<-rb.Units()
	<-rc.Units()
	framesB := h.status("b").Main

	_, ch, err := h.m.Reload("b.yaml", reloadYAML(s, "b p2", "c p3 renamed", "d p4"))
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(ch.Added, ch.Removed, ch.Restarted, ch.Unchanged) != "[d] [a] [c] 1" {
		t.Fatalf("changes %+v, want d added, a removed, c restarted, 1 unchanged", ch)
	}
	h.await("d", StateOnline)
	h.await("c", StateConnecting)
	h.await("c", StateOnline)
	for range ra.Units() { // a's consumers are released: the channel closes
	}
	if h.hub.Stream("a") != nil {
		t.Fatal("removed camera's stream still open")
	}
	// c's consumer survived the restart and gets the new pull's frames
	for u := range rc.Units() {
		if u.Key {
			break
		}
	}
	// b was never touched: no state change, no reconnect, no drop
	b := h.status("b")
	h.mu.Lock()
	bEvents := len(h.seen["b"])
	h.mu.Unlock()
	if b.Main.Reconnects != 0 || bEvents != 2 || rb.Dropped() != 0 || b.Main.Since != framesB.Since {
		t.Fatalf("untouched camera disturbed: reconnects %d, %d state events (want connecting, online), %d drops",
			b.Main.Reconnects, bEvents, rb.Dropped())
	}

	// an invalid change is refused with file, line and field; nothing moves
	bad := strings.Replace(string(reloadYAML(s, "b p2")), "site: s1, main", "site: s1, transprot: udp, main", 1)
	_, _, err = h.m.Reload("bad.yaml", []byte(bad))
	if err == nil || !strings.Contains(err.Error(), "bad.yaml:5: cameras[0].transprot: unknown field") {
		t.Fatalf("invalid reload: %v", err)
	}
	if n := len(h.m.Status()); n != 3 {
		t.Fatalf("after a refused reload %d cameras run, want 3", n)
	}
}
