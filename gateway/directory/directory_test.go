package directory

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/peers"
	"github.com/argus-edge/argus/gateway/broker/brokertest"
)

// startDirectory runs a Directory on url until the test ends and waits
// until it is subscribed.
func startDirectory(t *testing.T, url string) *Directory {
	t.Helper()
	d := New(Options{Broker: url, ClientID: "dir-" + t.Name(), Log: peers.TestLog(t)})
	runDirectory(t, d)
	return d
}

// runDirectory runs d until the test ends and waits until it is subscribed.
func runDirectory(t testing.TB, d *Directory) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	select {
	case <-d.Ready():
	case <-time.After(10 * time.Second):
		t.Fatal("directory not subscribed within 10s")
	}
}

func publish(t *testing.T, c paho.Client, topic string, retained bool, v any) {
	t.Helper()
	var payload []byte
	if v != nil {
		payload = mustJSON(t, v)
	}
	if tok := c.Publish(topic, 1, retained, payload); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("publish %s: %v", topic, tok.Error())
	}
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// eventually fails the test unless cond holds within 10 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	peers.Await(t, 10*time.Second, what, cond)
}

// Real: the embedded broker and paho clients. Statuses retained before the
// directory connects, published after it, cleared, and lying about their
// topic.
func TestLookupFollowsRetainedStatuses(t *testing.T) {
	url := brokertest.Start(t)
	e := peers.MQTTClient(t, url, "edge-a")
	publish(t, e, bus.CameraStatusTopic("riverside", "cam1"), true,
		bus.CameraStatus{Site: "riverside", Camera: "cam1", Edge: "edge-a", State: bus.Online})
	d := startDirectory(t, url)
	eventually(t, "retained cam1", func() bool { _, _, ok := d.Lookup("cam1"); return ok })
	if edge, site, _ := d.Lookup("cam1"); edge != "edge-a" || site != "riverside" {
		t.Fatalf("cam1: edge %q site %q", edge, site)
	}

	publish(t, e, bus.CameraStatusTopic("hillside", "cam2"), true,
		bus.CameraStatus{Site: "hillside", Camera: "cam2", Edge: "edge-a", State: bus.Offline, Reason: "timeout"})
	// A status whose payload names another camera than its topic is ignored.
	publish(t, e, bus.CameraStatusTopic("hillside", "cam3"), true,
		bus.CameraStatus{Site: "hillside", Camera: "cam9", Edge: "edge-a"})
	eventually(t, "cam2", func() bool { _, _, ok := d.Lookup("cam2"); return ok })
	if cs, _ := d.Camera("cam2"); cs.State != bus.Offline || cs.Reason != "timeout" {
		t.Fatalf("cam2 status %+v", cs)
	}

	// The camera moves to another edge, then its retained status is cleared.
	publish(t, e, bus.CameraStatusTopic("riverside", "cam1"), true,
		bus.CameraStatus{Site: "riverside", Camera: "cam1", Edge: "edge-b", State: bus.Online})
	eventually(t, "cam1 on edge-b", func() bool { edge, _, _ := d.Lookup("cam1"); return edge == "edge-b" })
	publish(t, e, bus.CameraStatusTopic("riverside", "cam1"), true, nil)
	eventually(t, "cam1 forgotten", func() bool { _, _, ok := d.Lookup("cam1"); return !ok })
	if _, _, ok := d.Lookup("cam3"); ok || d.Len() != 1 {
		t.Fatalf("cam3 known %v, %d cameras, want only cam2", ok, d.Len())
	}
}

// Real: the embedded broker; an edge answering relay_start, a stray reply
// with another request id, a reply from the wrong edge, and an edge that
// never answers.
func TestCommandAwaitsTheMatchingReply(t *testing.T) {
	url := brokertest.Start(t)
	d := startDirectory(t, url)
	e := peers.MQTTClient(t, url, "edge-a")
	got := make(chan bus.Command, 1)
	tok := e.Subscribe(bus.CommandTopic("edge-a"), 1, func(c paho.Client, m paho.Message) {
		var cmd bus.Command
		if err := json.Unmarshal(m.Payload(), &cmd); err != nil {
			t.Error(err)
			return
		}
		got <- cmd
		go func() {
			stray := bus.Reply{RequestID: "not-" + cmd.RequestID, Action: cmd.Action, OK: false, Error: "stray"}
			wrongEdge := bus.Reply{RequestID: cmd.RequestID, Action: cmd.Action, OK: false, Error: "wrong edge"}
			publish(t, c, bus.ReplyTopic("edge-a"), false, stray)
			publish(t, c, bus.ReplyTopic("edge-z"), false, wrongEdge)
			publish(t, c, bus.ReplyTopic("edge-a"), false, bus.Reply{RequestID: cmd.RequestID, Action: cmd.Action,
				Camera: cmd.Camera, OK: true, Time: bus.Now()})
		}()
	})
	if !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatal(tok.Error())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r, err := d.Command(ctx, "edge-a", bus.Command{Action: bus.ActionRelayStart, Camera: "cam1"})
	if err != nil {
		t.Fatal(err)
	}
	cmd := <-got
	if !r.OK || r.RequestID != cmd.RequestID || cmd.RequestID == "" || cmd.Camera != "cam1" || cmd.Time.IsZero() {
		t.Fatalf("reply %+v to command %+v", r, cmd)
	}

	ctx, cancel = context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if _, err := d.Command(ctx, "edge-silent", bus.Command{Action: bus.ActionRelayStart, Camera: "cam2"}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("silent edge: %v, want a deadline error", err)
	}
	if _, err := d.Command(context.Background(), "Edge/+", bus.Command{Action: bus.ActionRelayStart}); err == nil {
		t.Fatal("an invalid edge id was accepted")
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.pending) != 0 {
		t.Fatalf("%d commands still pending", len(d.pending))
	}
}

// Real: the embedded broker. A listener that never returns costs the MQTT
// callback nothing: every status is still recorded, and what the stuck
// listener's queue (4) could not hold is dropped and counted. The statuses
// are retained just before the directory connects, which NATS hands a new
// subscriber only in part (6 to 46 of 50 were seen): the directory reads
// them whole from JetStream.
func TestStuckListenerDoesNotStopTheDirectory(t *testing.T) {
	const n = 50
	b := brokertest.Run(t)
	url := brokertest.URL(b)
	e := peers.MQTTClient(t, url, "edge-a")
	for i := range n {
		publish(t, e, bus.CameraStatusTopic("riverside", fmt.Sprintf("cam%02d", i)), true,
			bus.CameraStatus{Edge: "edge-a", State: bus.Online})
	}
	d := New(Options{Broker: url, ClientID: "dir-stuck", Log: peers.TestLog(t), EventBuffer: 4, Retained: brokertest.Retained(t, b)})
	release := make(chan struct{})
	stuck := d.Subscribe(func(Event) { <-release })
	t.Cleanup(func() { close(release); stuck() })
	runDirectory(t, d)
	eventually(t, "all statuses recorded", func() bool { return d.Len() == n })
	// Four queued and one held by the listener, the rest dropped; four if
	// the listener took its first only after the burst.
	if got := d.DroppedEvents(); got < n-1-4 || got > n-4 {
		t.Fatalf("%d events dropped, want %d or %d", got, n-1-4, n-4)
	}
}
