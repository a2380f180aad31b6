package incidents

import (
	"fmt"
	"testing"
	"time"

	"github.com/argus-edge/argus/drivers/bus"
)

// FuzzObserve feeds the engine a sequence of records drawn from the
// input (3 bytes a record: anomaly, camera and kind, state and time step)
// and checks what must hold whatever the order: no panic, every anomaly
// that was placed is in exactly one incident not merged away, and a
// change's count never falls.
func FuzzObserve(f *testing.F) {
	f.Add([]byte{0, 0, 0, 1, 1, 0, 2, 2, 0, 3, 3, 0, 4, 4, 0, 5, 5, 0})             // cameras going offline
	f.Add([]byte{0, 0x10, 0, 0, 0x10, 0x40, 1, 0x10, 0, 1, 0x10, 0x40, 2, 0x10, 0}) // one flapping
	f.Add([]byte{0, 0x21, 0, 1, 0x31, 0, 2, 0x41, 0, 3, 0x20, 0x80})                // fires and a drone's look
	f.Fuzz(func(t *testing.T, data []byte) {
		p := places{}
		for i := range 8 {
			p[fmt.Sprintf("c%d", i)] = bus.Geo{Lat: 30 + metresNorth(float64(i*400)), Lon: 120}
		}
		e := newEngine(t, Env{Locate: p.locate, EdgeOffline: func(edge string) bool { return edge == "edge-s1" }})
		c := newCollector()
		kinds := []string{bus.KindCameraOffline, bus.KindFire, bus.KindSmoke, bus.KindPerson}
		states := []string{bus.StateStart, bus.StateUpdate, bus.StateEnd, bus.StateStart}
		at := time.Duration(0)
		counts := map[string]int{}
		for i := 0; i+2 < len(data) && i < 3*2000; i += 3 {
			id := fmt.Sprintf("a%d", data[i]%64)
			cam := int(data[i+1]) % 8
			kind := kinds[int(data[i+1])>>4%len(kinds)]
			at += time.Duration(data[i+2]&0x3f) * 5 * time.Second
			a := rec(id, fmt.Sprintf("s%d", cam%2), fmt.Sprintf("c%d", cam), kind, states[int(data[i+2])>>6], at)
			if data[i+2]&0x80 != 0 {
				a.Verifies = fmt.Sprintf("a%d", data[i]%8)
			}
			chs := e.Observe(a)
			for _, ch := range chs {
				if ch.Incident.Merged == "" && ch.Incident.Count < counts[ch.Incident.ID] {
					t.Fatalf("incident %s count fell from %d to %d", ch.Incident.ID, counts[ch.Incident.ID], ch.Incident.Count)
				}
				counts[ch.Incident.ID] = ch.Incident.Count
			}
			c.add(chs)
		}
		for anomaly, id := range c.members {
			if inc := c.incs[id]; inc.Merged != "" || inc.ID == "" {
				t.Fatalf("anomaly %s is last filed under %q, merged into %q", anomaly, id, inc.Merged)
			}
		}
		live := 0
		for _, inc := range c.live() {
			if inc.Count < 1 || inc.Severity == "" || inc.Title == "" {
				t.Fatalf("incident %+v lacks a count, severity or title", inc)
			}
			live += inc.Count
		}
		if live < len(c.members) {
			t.Fatalf("%d anomalies placed, the live incidents count %d", len(c.members), live)
		}
	})
}
