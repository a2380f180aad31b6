package drone

import (
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/argus-edge/argus/configs"
	"github.com/argus-edge/argus/configs/airspace"
	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/peers"
)

// replies records what a command handler publishes.
type replies struct {
	mu  sync.Mutex
	got []bus.Reply
}

func (r *replies) Publish(topic string, payload []byte) error {
	var rep bus.Reply
	if err := json.Unmarshal(payload, &rep); err != nil || topic != bus.ReplyTopic(edgeID) {
		panic("reply not JSON or on the wrong topic: " + topic)
	}
	r.mu.Lock()
	r.got = append(r.got, rep)
	r.mu.Unlock()
	return nil
}

// FuzzCommand feeds the command handler arbitrary payloads: it never
// panics, ignores what is not a patrol command, and answers every patrol
// command with a reply carrying its request id. No vehicle answers on the
// link (a UDP port nobody sends to), so every launch ends refused.
func FuzzCommand(f *testing.F) {
	for _, seed := range []string{
		`{"request_id":"r1","action":"patrol_launch","drone":"drone-1","patrol":{"id":"p1","route":"r","points":[{"lat":22.499,"lon":114,"alt":30}],"rtl":true}}`,
		`{"request_id":"r2","action":"patrol_launch","drone":"drone-1"}`,
		`{"request_id":"r3","action":"patrol_launch","drone":"drone-1","patrol":{"id":"p3","points":[]}}`,
		`{"request_id":"r4","action":"patrol_abort","drone":"drone-1"}`,
		`{"request_id":"r5","action":"patrol_abort","drone":"../../x"}`,
		`{"request_id":"r6","action":"relay_start","camera":"cam-1"}`,
		`{"action":"patrol_launch","drone":"drone-1","patrol":{"id":"p7","points":[{"lat":1e308,"lon":-1e308,"alt":-5}]}}`,
		`{"action":`, `null`, `[]`, ``,
	} {
		f.Add([]byte(seed))
	}
	m, err := New(Options{Edge: edgeID, Log: zerolog.Nop(), Sites: map[string]*airspace.Site{site.ID: site},
		Drones: []configs.Drone{{ID: "drone-1", Site: site.ID, Link: "udpc://" + peers.FreeUDPAddr(f), SystemID: 1,
			Home: &configs.Location{Lat: home.Lat, Lon: home.Lon, Alt: home.Alt}, MaxSpeed: 10, Endurance: configs.Duration(20 * time.Minute)}}})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(m.Close)
	pub := &replies{}
	handle := m.CommandHandler(pub)
	f.Fuzz(func(t *testing.T, payload []byte) {
		var cmd bus.Command
		patrol := json.Unmarshal(payload, &cmd) == nil &&
			(cmd.Action == bus.ActionPatrolLaunch || cmd.Action == bus.ActionPatrolAbort)
		pub.mu.Lock()
		before := len(pub.got)
		pub.mu.Unlock()
		handle(bus.CommandTopic(edgeID), payload)
		if !patrol {
			return
		}
		deadline := time.Now().Add(5 * time.Second)
		for {
			pub.mu.Lock()
			n := len(pub.got)
			var last bus.Reply
			if n > before {
				last = pub.got[n-1]
			}
			pub.mu.Unlock()
			if n > before {
				if last.RequestID != cmd.RequestID || last.Action != cmd.Action {
					t.Fatalf("reply %+v to %+v", last, cmd)
				}
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("no reply to %s", payload)
			}
			time.Sleep(time.Millisecond)
		}
	})
}
