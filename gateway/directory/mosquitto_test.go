package directory

import (
	"fmt"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/peers"
	"github.com/argus-edge/argus/gateway/rulesets"
)

// retainStatuses publishes n retained camera statuses (cameras cam-00000…,
// sites site-0..9) as edges would and waits until the broker took them all.
func retainStatuses(t testing.TB, c paho.Client, n int) {
	t.Helper()
	toks := make([]paho.Token, 0, n)
	for i := range n {
		site := fmt.Sprintf("site-%d", i%10)
		cs := bus.CameraStatus{Site: site, Camera: fmt.Sprintf("cam-%05d", i), Edge: fmt.Sprintf("edge-%d", i%40),
			State: bus.Online, Codec: "H264", Width: 1920, Height: 1080, FPS: 25, BitrateKbps: 4000,
			LastFrame: bus.Now(), Mode: bus.ModeIdle, Time: bus.Now()}
		toks = append(toks, c.Publish(bus.CameraStatusTopic(site, cs.Camera), 1, true, mustJSON(t, cs)))
	}
	for i, tok := range toks {
		if !tok.WaitTimeout(30*time.Second) || tok.Error() != nil {
			t.Fatalf("retained status %d: %v", i, tok.Error())
		}
	}
}

// Real: Debian's mosquitto, configured by peers.Mosquitto with
// max_queued_messages 100000 (its default would hand a new QoS 1
// subscriber only ~1,020 retained messages). 5,000 retained statuses
// published before the directory connects all reach it, each as an event.
func TestAllRetainedStatusesFromMosquitto(t *testing.T) {
	const n = 5000
	b := peers.Mosquitto(t)
	retainStatuses(t, peers.MQTTClient(t, b.URL(), "edge-fleet"), n)

	d := New(Options{Broker: b.URL(), ClientID: "dir-retained", Log: peers.TestLog(t), EventBuffer: 2 * n})
	events := make(chan Event, 2*n)
	cancel := d.Subscribe(func(e Event) { events <- e })
	defer cancel()
	runDirectory(t, d)
	for i := range n {
		select {
		case e := <-events:
			if e.Kind != EventCamera || e.Camera == nil || e.Removed {
				t.Fatalf("event %d: %+v", i, e)
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("%d of %d retained statuses arrived (%d cameras known)", i, n, d.Len())
		}
	}
	if d.Len() != n || d.DroppedEvents() != 0 {
		t.Fatalf("%d cameras, %d events dropped", d.Len(), d.DroppedEvents())
	}
	items, total, _ := d.Cameras(CameraQuery{Site: "site-3", Q: "CAM-004"})
	if total != 10 || len(items) != 10 || items[0].Camera != "cam-00403" || items[0].Codec != "H264" {
		t.Fatalf("search: total %d, first %+v", total, items[0])
	}
}

// Real: mosquitto and an edge's paho client. Edge statuses are followed,
// changes reach a listener in order, and a cleared status is forgotten.
func TestEdgeStatusesAndEvents(t *testing.T) {
	b := peers.Mosquitto(t)
	e := peers.MQTTClient(t, b.URL(), "edge-a")
	publish(t, e, bus.EdgeStatusTopic("edge-a"), true,
		bus.EdgeStatus{Edge: "edge-a", State: bus.Online, Version: "1.2.3", Cameras: []string{"cam1"}, Load: 0.5})
	publish(t, e, bus.EdgeStatusTopic("edge-liar"), true, bus.EdgeStatus{Edge: "edge-other", State: bus.Online})
	d := New(Options{Broker: b.URL(), ClientID: "dir-edges", Log: peers.TestLog(t)})
	events := make(chan Event, 16)
	cancel := d.Subscribe(func(e Event) { events <- e })
	defer cancel()
	runDirectory(t, d)

	ev := next(t, events)
	if ev.Kind != EventEdge || ev.Edge.Edge != "edge-a" || ev.Edge.Version != "1.2.3" || ev.Edge.Load != 0.5 {
		t.Fatalf("first event %+v", ev)
	}
	publish(t, e, bus.CameraStatusTopic("riverside", "cam1"), true,
		bus.CameraStatus{Edge: "edge-a", State: bus.Offline, Reason: "timeout"})
	publish(t, e, bus.EdgeStatusTopic("edge-b"), true, bus.EdgeStatus{State: bus.Offline})
	publish(t, e, bus.EdgeStatusTopic("edge-a"), true, nil)
	want := []string{"camera cam1 offline", "edge edge-b offline", "edge edge-a removed"}
	for _, w := range want {
		if got := describe(next(t, events)); got != w {
			t.Fatalf("event %q, want %q", got, w)
		}
	}
	edges := d.Edges()
	if len(edges) != 1 || edges[0].Edge != "edge-b" || edges[0].State != bus.Offline {
		t.Fatalf("edges %+v, want only edge-b (edge-liar names another edge, edge-a was cleared)", edges)
	}
}

// describe is an event in a few words: kind, id, and state or "removed".
func describe(e Event) string {
	var id, state string
	switch {
	case e.Kind == EventCamera && e.Camera != nil:
		id, state = e.Camera.Camera, e.Camera.State
	case e.Kind == EventEdge && e.Edge != nil:
		id, state = e.Edge.Edge, e.Edge.State
	default:
		return fmt.Sprintf("%+v", e)
	}
	if e.Removed {
		state = "removed"
	}
	return e.Kind + " " + id + " " + state
}

// next awaits one event.
func next(t *testing.T, events <-chan Event) Event {
	t.Helper()
	select {
	case e := <-events:
		return e
	case <-time.After(10 * time.Second):
		t.Fatal("no event within 10s")
		return Event{}
	}
}

// Real: mosquitto and a paho subscriber standing for an edge. The rules
// workflow's retained publish reaches a later subscriber and an empty
// payload clears it; bad topics are refused before anything is sent.
func TestPublishRetained(t *testing.T) {
	b := peers.Mosquitto(t)
	d := New(Options{Broker: b.URL(), ClientID: "dir-publish", Log: peers.TestLog(t)})
	runDirectory(t, d)
	topic := bus.RulesShadowTopic("riverside")
	if err := d.PublishRetained(topic, []byte(`{"version":3}`)); err != nil {
		t.Fatal(err)
	}
	got := make(chan paho.Message, 4)
	e := peers.MQTTClient(t, b.URL(), "edge-rules")
	if tok := e.Subscribe(topic, 1, func(_ paho.Client, m paho.Message) { got <- m }); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatal(tok.Error())
	}
	if m := nextMessage(t, got); string(m.Payload()) != `{"version":3}` || !m.Retained() {
		t.Fatalf("retained %q (retained flag %v)", m.Payload(), m.Retained())
	}
	if err := d.PublishRetained(topic, nil); err != nil {
		t.Fatal(err)
	}
	if m := nextMessage(t, got); len(m.Payload()) != 0 {
		t.Fatalf("clearing delivered %q", m.Payload())
	}
	for _, bad := range []string{"argus/v1/rules/+", "other/topic", "argus/v1/rules/Riverside"} {
		if err := d.PublishRetained(bad, []byte("x")); err == nil {
			t.Errorf("topic %q accepted", bad)
		}
	}
	if err := d.Publish(topic, nil, 3, false); err == nil {
		t.Error("QoS 3 accepted")
	}
}

func nextMessage(t *testing.T, ch <-chan paho.Message) paho.Message {
	t.Helper()
	select {
	case m := <-ch:
		return m
	case <-time.After(10 * time.Second):
		t.Fatal("no message within 10s")
		return nil
	}
}

// The rules workflow publishes through the directory.
var _ rulesets.Publisher = (*Directory)(nil)
