package directory

import (
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/argus-edge/argus/drivers/bus"
)

// Put and Forget, as the fleet's status reader calls them (no broker:
// nothing connects). Accept decides; a status with a bad id is dropped;
// a camera moving site is counted under its new site only.
func TestPutAcceptAndForget(t *testing.T) {
	d := New(Options{Broker: "tcp://127.0.0.1:1", Log: zerolog.Nop(),
		Accept: func(cs bus.CameraStatus) bool { return cs.Edge != "stale-edge" }})
	events := make(chan Event, 16)
	d.Subscribe(func(ev Event) { events <- ev })
	for _, c := range []struct {
		cs   bus.CameraStatus
		want bool
	}{
		{bus.CameraStatus{Camera: "cam-1", Site: "north", Edge: "edge-1", State: bus.Online}, true},
		{bus.CameraStatus{Camera: "cam-1", Site: "north", Edge: "stale-edge", State: bus.Offline}, false},
		{bus.CameraStatus{Camera: "bad id", Site: "north", Edge: "edge-1", State: bus.Online}, false},
		{bus.CameraStatus{Camera: "cam-2", Site: "north", Edge: "edge-2", State: bus.Offline}, true},
		{bus.CameraStatus{Camera: "cam-2", Site: "south", Edge: "edge-2", State: bus.Online}, true},
	} {
		if got := d.Put(c.cs); got != c.want {
			t.Fatalf("Put(%+v) = %v, want %v", c.cs, got, c.want)
		}
	}
	if cs, _ := d.Camera("cam-1"); cs.Edge != "edge-1" || cs.State != bus.Online {
		t.Fatalf("cam-1 after a stale status: %+v", cs)
	}
	if d.Stale() != 1 {
		t.Fatalf("stale count %d, want 1", d.Stale())
	}
	sites := map[string]SiteSummary{}
	for _, s := range d.Sites() {
		sites[s.Site] = s
	}
	if sites["north"].Cameras != 1 || sites["south"].Cameras != 1 || sites["south"].Online != 1 || sites["north"].Offline != 0 {
		t.Fatalf("sites: %+v", sites)
	}
	d.Forget("cam-2")
	d.Forget("cam-9") // unknown: nothing
	if _, ok := d.Camera("cam-2"); ok || d.Len() != 1 {
		t.Fatalf("cam-2 not forgotten (%d cameras)", d.Len())
	}
	n, removed := 0, 0
	timeout := time.After(5 * time.Second)
	for n < 4 {
		select {
		case ev := <-events:
			n++
			if ev.Removed {
				removed++
			}
		case <-timeout:
			t.Fatalf("%d events after 5 s, want 4", n)
		}
	}
	if n != 4 || removed != 1 {
		t.Fatalf("events: %d, %d removals; want 4 and 1", n, removed)
	}
}
