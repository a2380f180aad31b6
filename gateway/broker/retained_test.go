package broker_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/peers"
	"github.com/argus-edge/argus/gateway/broker"
	"github.com/argus-edge/argus/gateway/broker/brokertest"
)

// Real: the embedded node and a paho client. 500 statuses retained just
// before the read are all read back from JetStream with their payloads,
// once each with the latest; a cleared one reads as nil; the filter keeps
// the edges' statuses apart from the cameras'.
func TestRetainedReadsEveryStatus(t *testing.T) {
	const n = 500
	b := brokertest.Run(t)
	c := peers.MQTTClient(t, brokertest.URL(b), "retainer")
	pub := func(topic string, payload string) {
		t.Helper()
		if tok := c.Publish(topic, 1, true, payload); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
			t.Fatalf("publish %s: %v", topic, tok.Error())
		}
	}
	for i := range n {
		pub(bus.CameraStatusTopic("riverside", fmt.Sprintf("cam%03d", i)), fmt.Sprintf(`{"v":%d}`, i))
	}
	pub(bus.CameraStatusTopic("riverside", "cam000"), `{"v":"latest"}`)
	pub(bus.CameraStatusTopic("riverside", "cam001"), "")
	pub(bus.EdgeStatusTopic("edge-a"), `{"edge":"edge-a"}`)

	r := brokertest.Retained(t, b)
	got := map[string]string{}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// The cleared status may be gone from the stream or read as nil: both mean "none".
	count, err := r.Read(ctx, bus.AllCameraStatus, func(topic string, payload []byte) {
		if _, dup := got[topic]; dup {
			t.Errorf("%s read twice", topic)
		}
		got[topic] = string(payload)
	})
	if err != nil {
		t.Fatal(err)
	}
	if count != len(got) {
		t.Errorf("Read says %d, delivered %d", count, len(got))
	}
	if p, ok := got[bus.CameraStatusTopic("riverside", "cam001")]; ok && p != "" {
		t.Errorf("the cleared status reads %q", p)
	}
	if g := got[bus.CameraStatusTopic("riverside", "cam000")]; g != `{"v":"latest"}` {
		t.Errorf("cam000 reads %q, want the latest", g)
	}
	for i := 2; i < n; i++ {
		topic := bus.CameraStatusTopic("riverside", fmt.Sprintf("cam%03d", i))
		if want := fmt.Sprintf(`{"v":%d}`, i); got[topic] != want {
			t.Fatalf("%s reads %q, want %q", topic, got[topic], want)
		}
	}
	if _, ok := got[bus.EdgeStatusTopic("edge-a")]; ok {
		t.Error("the camera filter read an edge status")
	}
	edges, err := r.Read(ctx, bus.AllEdgeStatus, func(string, []byte) {})
	if err != nil || edges != 1 {
		t.Errorf("edge statuses: %d, %v; want 1", edges, err)
	}
}

// Filters Read cannot map to a subject are refused, not misread.
func TestRetainedRefusesBadFilters(t *testing.T) {
	r := brokertest.Retained(t, brokertest.Run(t))
	for _, f := range []string{"", "a/#/b", "a/b+", "$SYS/#", "a.b/c", "a//b"} {
		if _, err := r.Read(context.Background(), f, func(string, []byte) {}); err == nil {
			t.Errorf("filter %q accepted", f)
		} else if f != "" && !isFilterErr(err) {
			t.Errorf("filter %q: %v", f, err)
		}
	}
	// Nothing retained yet: no stream, zero and no error.
	if n, err := r.Read(context.Background(), bus.AllCameraStatus, func(string, []byte) {}); n != 0 || err != nil {
		t.Errorf("empty broker: %d, %v", n, err)
	}
}

func isFilterErr(err error) bool { return err != nil && errors.Is(err, broker.ErrRetainedFilter) }
