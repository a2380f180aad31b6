package replays

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/peers"
	"github.com/argus-edge/argus/gateway/directory"
	"github.com/argus-edge/argus/gateway/store"
)

// What is simulated here: the edge. A paho client on the edge's topics
// answers replay_start as edge/replays.go does (a reply, then reports on
// argus/v1/replays/{edge}: running, paused with the yield message, done
// with the candidate's anomalies). Real: mosquitto, the gateway's
// directory (commands, replies, the replay reports), the SQLite store
// holding what the live version raised, and this package's comparison.

var t0 = time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)

func at(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }

// liveFire stores a live (or shadow) anomaly of cam1 from start to end (s).
func liveFire(t *testing.T, st store.Store, id string, start, end int, shadow bool) {
	t.Helper()
	for _, ev := range []bus.Anomaly{
		{ID: id, Seq: 1, Site: "hillside", Camera: "cam1", Edge: "edge-1", Kind: bus.KindFire, State: bus.StateStart, Severity: "critical",
			Score: 0.9, Rule: "fire", RuleVersion: 3, Shadow: shadow, FrameTime: bus.At(at(start))},
		{ID: id, Seq: 2, Site: "hillside", Camera: "cam1", Edge: "edge-1", Kind: bus.KindFire, State: bus.StateEnd, Severity: "critical",
			Score: 0.9, Rule: "fire", RuleVersion: 3, Shadow: shadow, FrameTime: bus.At(at(end))},
	} {
		if _, _, _, err := st.PutAnomaly(context.Background(), ev); err != nil {
			t.Fatal(err)
		}
	}
}

// fakeEdge answers replay commands on edge; proceed is closed by the test
// to let the replay past its pause.
func fakeEdge(t *testing.T, url, edge string, proceed <-chan struct{}, found []bus.ReplayAnomaly) {
	t.Helper()
	c := peers.MQTTClient(t, url, edge)
	send := func(topic string, v any) {
		b, _ := json.Marshal(v)
		if tok := c.Publish(topic, 1, false, b); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
			t.Errorf("publish %s: %v", topic, tok.Error())
		}
	}
	tok := c.Subscribe(bus.CommandTopic(edge), 1, func(_ paho.Client, m paho.Message) {
		var cmd bus.Command
		if json.Unmarshal(m.Payload(), &cmd) != nil || cmd.Action != bus.ActionReplayStart || cmd.Replay == nil {
			return
		}
		o := *cmd.Replay
		go func() {
			rep := bus.Reply{RequestID: cmd.RequestID, Action: cmd.Action, OK: o.Validate() == nil}
			send(bus.ReplyTopic(edge), rep)
			if !rep.OK {
				return
			}
			r := bus.ReplayReport{ID: o.ID, Edge: edge, State: bus.ReplayRunning, Fraction: 0.25, Media: 15, Total: 60, Rate: 80}
			send(bus.ReplayTopic(edge), r)
			r.State, r.Message = bus.ReplayPaused, bus.ReplayYieldMessage+" (live analysis is shedding frames)"
			send(bus.ReplayTopic(edge), r)
			<-proceed
			send(bus.ReplayTopic(edge), bus.ReplayReport{ID: o.ID, Edge: edge, State: bus.ReplayDone, Fraction: 1, Media: 60, Total: 60,
				Rate: 90, Anomalies: found})
		}()
	})
	if !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatal(tok.Error())
	}
}

// TestReplayRoundTrip: a replay over cam1 (edge-1, simulated) and cam2
// (edge-2, which never answers) goes out as a replay_start command,
// shows the edge's pause and its message, and once edge-1 is done
// compares its anomalies with the live ones in the store: the fire both
// raised ("both", its live clip), the fire only live raised ("only_live",
// would be missed), the one only the candidate raised ("only_candidate",
// an export link of its recording), the shadow anomaly left out. edge-2's
// part fails, saying it did not answer.
func TestReplayRoundTrip(t *testing.T) {
	b := peers.Mosquitto(t)
	st, err := store.OpenSQLite(filepath.Join(t.TempDir(), "argus.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	liveFire(t, st, "cam1.fire.a", 10, 20, false)
	liveFire(t, st, "cam1.fire.b", 30, 40, false)
	liveFire(t, st, "cam1.fire.a.shadow", 10, 20, true)
	found := []bus.ReplayAnomaly{
		{ID: "cam1.fire.c1", Camera: "cam1", Kind: bus.KindFire, Score: 0.8, Start: bus.At(at(11)), End: bus.At(at(19))},
		{ID: "cam1.fire.c2", Camera: "cam1", Kind: bus.KindFire, Score: 0.6, Start: bus.At(at(50)), End: bus.At(at(55))},
	}
	proceed := make(chan struct{})
	fakeEdge(t, b.URL(), "edge-1", proceed, found)

	d := directory.New(directory.Options{Broker: b.URL(), ClientID: "dir-replays", Log: peers.TestLog(t)})
	svc := New(Options{Edges: d, Anomalies: st, Timeout: 2 * time.Second, Log: peers.TestLog(t)})
	d.FollowReplays(svc.Report)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	defer func() { cancel(); <-done }()
	select {
	case <-d.Ready():
	case <-time.After(10 * time.Second):
		t.Fatal("directory not ready")
	}

	v, err := svc.Start(context.Background(), Request{Site: "hillside", By: "olga", Version: 4, Document: []byte("site: hillside\nversion: 4\n"),
		From: at(0), To: at(60), Cameras: map[string]string{"cam1": "edge-1", "cam2": "edge-2"}})
	if err != nil {
		t.Fatal(err)
	}
	await := func(what string, cond func(View) bool) View {
		t.Helper()
		var got View
		if !peers.Eventually(20*time.Second, func() bool {
			var err error
			if got, err = svc.Get(context.Background(), v.ID); err != nil {
				t.Fatal(err)
			}
			return cond(got)
		}) {
			t.Fatalf("%s: not within 20 s: %+v", what, got)
		}
		return got
	}
	paused := await("paused", func(v View) bool { return v.State == bus.ReplayPaused })
	if !strings.Contains(paused.Message, "edge-1: "+bus.ReplayYieldMessage) || paused.Fraction != 0.25 {
		t.Errorf("paused: %q at %.2f", paused.Message, paused.Fraction)
	}
	close(proceed)
	got := await("done", func(v View) bool { return v.State == bus.ReplayDone })
	sides := map[string]Row{}
	for _, r := range got.Rows {
		id := ""
		if r.Candidate != nil {
			id = r.Candidate.ID
		}
		if r.Live != nil {
			id += "/" + r.Live.ID
		}
		sides[r.Side+" "+id] = r
	}
	want := []string{"both cam1.fire.c1/cam1.fire.a", "only_live /cam1.fire.b", "only_candidate cam1.fire.c2"}
	if len(got.Rows) != 3 {
		t.Fatalf("rows %+v, want %v", got.Rows, want)
	}
	for _, w := range want {
		if _, ok := sides[w]; !ok {
			t.Errorf("no row %q in %v", w, sides)
		}
	}
	if c := sides["both cam1.fire.c1/cam1.fire.a"].Clip; c != "/api/anomalies/cam1.fire.a/clip" {
		t.Errorf("live clip %q", c)
	}
	if c := sides["only_candidate cam1.fire.c2"].Clip; c != "/api/cameras/cam1/recordings/export?from=2026-12-06T12%3A00%3A40Z&to=2026-12-06T12%3A01%3A05Z" {
		t.Errorf("export link %q", c)
	}
	if got.Summary[bus.ReplayBoth] != 1 || got.Summary[bus.ReplayOnlyLive] != 1 || got.Summary[bus.ReplayOnlyCandidate] != 1 {
		t.Errorf("summary %v", got.Summary)
	}
	for _, p := range got.Edges {
		if p.Edge == "edge-2" && (p.State != bus.ReplayFailed || !strings.Contains(p.Message, "no reply")) {
			t.Errorf("edge-2's part: %s %q", p.State, p.Message)
		}
	}
	if _, err := svc.Get(context.Background(), "rnope"); err != ErrNotFound {
		t.Errorf("unknown replay: %v", err)
	}
}

// TestKeepBounded: past Keep, the oldest finished replays are forgotten,
// a running one is kept.
func TestKeepBounded(t *testing.T) {
	s := New(Options{Keep: 2})
	running := &Replay{ID: "r0", Edges: map[string]*Part{"e": {State: bus.ReplayRunning}}}
	s.keep(running)
	for _, id := range []string{"r1", "r2", "r3"} {
		s.keep(&Replay{ID: id, Edges: map[string]*Part{"e": {State: bus.ReplayDone}}})
	}
	if len(s.runs) != 2 || s.runs["r0"] == nil || s.runs["r3"] == nil {
		t.Errorf("kept %v, want r0 (running) and r3", s.order)
	}
}
