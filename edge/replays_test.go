package main

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/argus-edge/argus/configs"
	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/busclient"
	"github.com/argus-edge/argus/drivers/peers"
	"github.com/argus-edge/argus/drivers/sim"
	"github.com/argus-edge/argus/edge/analyze"
	"github.com/argus-edge/argus/edge/hub"
	"github.com/argus-edge/argus/edge/record"
)

// replayRules is a candidate for site hillside.
const replayRules = "site: hillside\nversion: 9\ncameras:\n  \"*\":\n    detectors: {motion: {}, fire: {}}\n    rules:\n      - {name: fire, kind: fire}\n"

// recordTiny records d of the simulator's tiny fire scene as camera cam1
// under dir, continuously, from start.
func recordTiny(t *testing.T, dir string, start time.Time, d time.Duration) {
	t.Helper()
	peers.Need(t, "ffmpeg", "ffmpeg")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	sc, err := sim.NewLibrary(os.Getenv("ARGUS_CACHE"), peers.TestLog(t)).Scene(ctx, peers.TinyScene(sim.Fire, sim.H264))
	if err != nil {
		t.Fatal(err)
	}
	h := hub.New(hub.Options{Queue: 256})
	rec, err := record.New(record.Options{Dir: dir, Hub: h, Log: peers.TestLog(t)})
	if err != nil {
		t.Fatal(err)
	}
	rec.Apply(map[string]record.Policy{"cam1": {Mode: record.ModeContinuous}})
	st := h.Open("cam1")
	rd := st.Readers()[0]
	for u := range sc.Replay(start, d) {
		for rd.Queued() > 128 {
			time.Sleep(time.Millisecond)
		}
		st.Publish(u)
	}
	for rd.Queued() > 0 {
		time.Sleep(time.Millisecond)
	}
	rec.Close()
}

// Real: mosquitto, the edge's bus client, its replay command handler and
// runner (edge/replays.go) over footage recorded by edge/record, and a
// live analysis manager whose budget (a thousandth of a core) leaves
// nothing spare. Simulated: the gateway (a paho client sending commands
// and reading replies and reports) and the camera (the simulator's tiny
// fire scene, recorded in-process).
//
// The replay starts (reply OK) and, the live analysis having no CPU to
// spare, pauses before its first frame, saying so; a second is refused
// with the first's id; cancel ends the first (cancelled). On an edge with
// room (no budget set: every core), a replay runs to done over the 5 s.
func TestReplayCommandsOverTheBus(t *testing.T) {
	b := peers.Mosquitto(t)
	dir := t.TempDir()
	start := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	recordTiny(t, dir, start, 5*time.Second)

	run := func(t *testing.T, edge string, cores float64) (send func(bus.Command), replies *feed[bus.Reply], reports *feed[bus.ReplayReport]) {
		cfg := &configs.Edge{}
		cfg.Edge.ID, cfg.Record.Dir = edge, dir
		an := analyze.New(analyze.Options{Edge: edge, Hub: hub.New(hub.Options{}), Sink: logSink{}, Log: peers.TestLog(t), Cores: cores})
		t.Cleanup(an.Close)
		client, err := busclient.New(busclient.Options{Broker: b.URL(), Edge: edge, QueueDir: t.TempDir(), Log: peers.TestLog(t)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(client.Close)
		runner := newReplays(cfg, an, client, peers.TestLog(t))
		t.Cleanup(runner.Close)
		replies = subscribeFeed[bus.Reply](t, b.URL(), "gw-replies-"+edge, bus.ReplyTopic(edge), false)
		reports = subscribeFeed[bus.ReplayReport](t, b.URL(), "gw-reports-"+edge, bus.ReplayTopic(edge), false)
		gw := peers.MQTTClient(t, b.URL(), "gw-cmd-"+edge)
		peers.Await(t, 10*time.Second, "the edge client connected", client.Connected)
		// connected, Subscribe returns once the broker acknowledged it
		if err := client.Subscribe(bus.CommandTopic(edge), replayCommands(edge, runner, client, peers.TestLog(t))); err != nil {
			t.Fatal(err)
		}
		send = func(cmd bus.Command) {
			p, _ := json.Marshal(cmd)
			if tok := gw.Publish(bus.CommandTopic(edge), 1, false, p); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
				t.Fatalf("command: %v", tok.Error())
			}
		}
		return send, replies, reports
	}
	order := func(id string) *bus.ReplayOrder {
		return &bus.ReplayOrder{ID: id, Site: "hillside", Cameras: []string{"cam1"}, Rules: replayRules,
			From: bus.At(start), To: bus.At(start.Add(5 * time.Second))}
	}

	t.Run("starved", func(t *testing.T) {
		send, replies, reports := run(t, "edge-starved", 0.001)
		send(bus.Command{RequestID: "q1", Action: bus.ActionReplayStart, Replay: order("ra")})
		replies.waitFor(t, 0, 10*time.Second, "q1 ok", func(rs []bus.Reply) bool {
			return len(rs) > 0 && rs[0].RequestID == "q1" && rs[0].OK
		})
		got := reports.waitFor(t, 0, 10*time.Second, "paused", func(rs []bus.ReplayReport) bool {
			return len(rs) > 0 && rs[len(rs)-1].State == bus.ReplayPaused
		})
		if p := got[len(got)-1]; !strings.HasPrefix(p.Message, bus.ReplayYieldMessage) || !strings.Contains(p.Message, "cores left") || p.Media != 0 {
			t.Errorf("paused report %+v", p)
		}
		send(bus.Command{RequestID: "q2", Action: bus.ActionReplayStart, Replay: order("rb")})
		replies.waitFor(t, 0, 10*time.Second, "q2 refused", func(rs []bus.Reply) bool {
			for _, r := range rs {
				if r.RequestID == "q2" {
					return !r.OK && strings.Contains(r.Error, "one at a time") && strings.Contains(r.Error, "replay ra")
				}
			}
			return false
		})
		send(bus.Command{RequestID: "q3", Action: bus.ActionReplayCancel, Replay: &bus.ReplayOrder{ID: "ra"}})
		reports.waitFor(t, 0, 10*time.Second, "cancelled", func(rs []bus.ReplayReport) bool {
			return len(rs) > 0 && rs[len(rs)-1].State == bus.ReplayCancelled && rs[len(rs)-1].ID == "ra"
		})
	})

	t.Run("room", func(t *testing.T) {
		send, _, reports := run(t, "edge-room", 0)
		send(bus.Command{RequestID: "q1", Action: bus.ActionReplayStart, Replay: order("rc")})
		got := reports.waitFor(t, 0, 30*time.Second, "done", func(rs []bus.ReplayReport) bool {
			return len(rs) > 0 && rs[len(rs)-1].Final()
		})
		if d := got[len(got)-1]; d.State != bus.ReplayDone || d.Media < 4.5 || d.Fraction != 1 || d.Edge != "edge-room" {
			t.Errorf("final report %+v", d)
		}
	})
}
