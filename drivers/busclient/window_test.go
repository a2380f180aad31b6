package busclient

import (
	"testing"
	"time"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/peers"
)

var cams4 = []string{"cam-a", "cam-b", "cam-c", "cam-d"}

// Real: mosquitto, the client and a paho subscriber. Simulated: a WAN
// between the edge and the broker, 25 ms each way (a TCP relay that
// delays every byte; drivers/peers.DelayedTCPLink). 500 anomalies over
// four cameras, queued at once, arrive complete, in order overall and per
// camera, none twice, while more than one was in flight at a time.
func TestWindowDrainsThroughADelayedLinkInOrder(t *testing.T) {
	broker := peers.Mosquitto(t)
	sub := newSubscriber(t, broker.URL(), "command-center", bus.AllAnomalies, false)
	link := peers.DelayedTCPLink(t, broker.URL()[len("tcp://"):], 25*time.Millisecond, 25*time.Millisecond)
	c := newTestClient(t, "tcp://"+link.Addr(), t.TempDir(), func(o *Options) { o.Inflight = 64 })
	ids := publishN(t, c, 0, 500, cams4)

	most := 0
	msgs := sub.waitUntil(t, time.Minute, "500 anomalies", func([]message) bool {
		most = max(most, c.Stats().InFlight)
		return sub.unique() >= len(ids)
	})
	unique, dups := dedup(t, anomalies(t, msgs))
	checkComplete(t, unique, ids)
	if dups != 0 {
		t.Errorf("%d redeliveries without any loss of connection", dups)
	}
	if most <= 1 {
		t.Errorf("at most %d anomaly in flight while 500 drained through a 50 ms round trip", most)
	}
	awaitDelivered(t, c, len(ids))
}

// Real: mosquitto, the client and a paho subscriber. Simulated: the WAN
// link of the test above, cut (every connection closed, with what was on
// the wire either way) while a window of 64 is in flight, and restored.
// The client reconnects and sends again from the oldest anomaly not
// acknowledged: after dropping redeliveries as a receiver does (at or
// below the highest seq seen; dedup fails on any seq that arrives late
// for the first time) every anomaly is there once, in order per camera.
func TestWindowCutMidFlightRedeliversInOrder(t *testing.T) {
	broker := peers.Mosquitto(t)
	sub := newSubscriber(t, broker.URL(), "command-center", bus.AllAnomalies, false)
	link := peers.DelayedTCPLink(t, broker.URL()[len("tcp://"):], 25*time.Millisecond, 25*time.Millisecond)
	c := newTestClient(t, "tcp://"+link.Addr(), t.TempDir(), func(o *Options) { o.Inflight = 64 })
	ids := publishN(t, c, 0, 1500, cams4)

	sub.waitUntil(t, time.Minute, "300 anomalies before the cut", func([]message) bool { return sub.unique() >= 300 })
	inFlight := c.Stats().InFlight
	link.Cut()
	link.Restore()
	msgs := sub.waitUntil(t, time.Minute, "every anomaly", func([]message) bool { return sub.unique() >= len(ids) })
	unique, dups := dedup(t, anomalies(t, msgs))
	checkComplete(t, unique, ids)
	if n := c.Stats().Connects; n < 2 {
		t.Fatalf("%d connections: the cut did not cost the client its connection", n)
	}
	awaitDelivered(t, c, len(ids))
	t.Logf("cut with %d in flight; %d redeliveries dropped by seq", inFlight, dups)
}

// awaitDelivered waits until the queue has n anomalies acknowledged and
// none waiting.
func awaitDelivered(t testing.TB, c *Client, n int) {
	t.Helper()
	var s Stats
	if !peers.Eventually(30*time.Second, func() bool {
		s = c.Stats()
		return s.Delivered == uint64(n) && s.Depth == 0 && s.InFlight == 0
	}) {
		t.Fatalf("queue after the drain: %+v, want %d delivered and nothing waiting", s.QueueStats, n)
	}
}

// Real: mosquitto, the client and a paho subscriber. The sender's PUBACK
// timer outlives the window it timed: an anomaly is sent and acknowledged,
// then the queue stays empty for several PUBACK timeouts. The timer firing
// with nothing in flight once crashed the edge (an index into an empty
// window); now it is not even listened to, and the next anomaly goes out.
func TestIdleWindowOutlivesThePubackTimeout(t *testing.T) {
	const timeout = 50 * time.Millisecond
	broker := peers.Mosquitto(t)
	sub := newSubscriber(t, broker.URL(), "command-center", bus.AllAnomalies, false)
	c := newTestClient(t, broker.URL(), t.TempDir(), func(o *Options) { o.PubackTimeout = timeout })
	ids := publishN(t, c, 0, 1, cams4)
	sub.waitUntil(t, 10*time.Second, "the first anomaly", func([]message) bool { return sub.unique() >= 1 })
	<-time.After(4 * timeout) // the idle stretch under test, not a synchronisation
	ids = append(ids, publishN(t, c, 1, 1, cams4)...)
	sub.waitUntil(t, 10*time.Second, "the anomaly after the idle stretch", func([]message) bool { return sub.unique() >= 2 })
	awaitDelivered(t, c, len(ids))
}
