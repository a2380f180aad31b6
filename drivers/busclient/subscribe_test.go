package busclient

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/argus-edge/argus/drivers/peers"
)

// connectTo connects a plain paho client to url until the test ends.
func connectTo(t *testing.T, url string) mqtt.Client {
	t.Helper()
	c := mqtt.NewClient(mqtt.NewClientOptions().AddBroker(url).SetClientID("sub-" + t.Name()).SetAutoReconnect(false))
	if tok := c.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("connect: %v", tok.Error())
	}
	t.Cleanup(func() { c.Disconnect(0) })
	return c
}

// SubscribeUntil against brokers that refuse, do not answer, or drop the
// connection meanwhile. Simulated: the broker (peers.MQTTSubAcks, a
// minimal MQTT peer answering SUBSCRIBE as told); the real NATS's
// refusals are in gateway/broker's TestNATSRefusalIsRead.
func TestSubscribeUntil(t *testing.T) {
	noop := func(mqtt.Client, mqtt.Message) {}
	subs := map[string]Subscription{"argus/v1/a/#": {QoS: 1, Handler: noop}, "argus/v1/b/#": {QoS: 0, Handler: noop}}
	for _, tc := range []struct {
		name    string
		answer  func(n int) int
		cut     func(mqtt.Client, context.CancelFunc) // after the first SUBSCRIBE
		after   string                                // or after this is logged
		want    error
		asked   int64 // SUBSCRIBE packets, one a filter
		refusal bool  // a refusal logged
	}{
		{"granted at once", func(int) int { return 1 }, nil, "", nil, 2, false},
		{"refused, then granted", func(n int) int { return map[bool]int{true: 0x80, false: 1}[n < 2] }, nil, "", nil, 4, true},
		{"unanswered, ctx ends", func(int) int { return peers.SubNoAnswer },
			func(_ mqtt.Client, cancel context.CancelFunc) { cancel() }, "", context.Canceled, 2, false},
		{"unanswered, connection closed", func(int) int { return peers.SubNoAnswer },
			func(c mqtt.Client, _ context.CancelFunc) { c.Disconnect(0) }, "", ErrConnectionGone, 2, false},
		{"refused, connection closed in the backoff", func(int) int { return 0x80 },
			func(c mqtt.Client, _ context.CancelFunc) { c.Disconnect(0) }, "the broker refused", ErrConnectionGone, 2, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var asked atomic.Int64
			first := make(chan struct{})
			c := connectTo(t, peers.MQTTSubAcks(t, func(n int) int {
				if asked.Add(1) == 1 {
					close(first)
				}
				return tc.answer(n)
			}))
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			logs := &peers.LogBuffer{}
			if tc.cut != nil {
				go func() {
					<-first
					if tc.after != "" {
						logs.Await(tc.after, 10*time.Second)
					}
					tc.cut(c, cancel)
				}()
			}
			err := SubscribeUntil(ctx, c, subs, peers.TestLog(t).Output(logs))
			if !errors.Is(err, tc.want) {
				t.Fatalf("SubscribeUntil: %v, want %v", err, tc.want)
			}
			if tc.cut == nil && asked.Load() != tc.asked {
				t.Errorf("%d SUBSCRIBEs, want %d", asked.Load(), tc.asked)
			}
			if got := logs.Await("the broker refused a subscription", 0); got != tc.refusal {
				t.Errorf("refusal logged: %v, want %v; log:\n%s", got, tc.refusal, logs)
			}
		})
	}
}

// Real: mosquitto and the edge's client. A filter unsubscribed delivers
// nothing more, while the others go on: the client publishes to the
// dropped filter, then to a kept one, and the kept one's message arrives
// alone (the broker handles one connection's packets in order, so the
// UNSUBSCRIBE before them).
func TestUnsubscribeStopsDelivery(t *testing.T) {
	c := newTestClient(t, peers.Mosquitto(t).URL(), t.TempDir())
	waitConnected(t, c)
	got := make(chan string, 8)
	for _, topic := range []string{"argus/v1/rules/a", "argus/v1/rules/b"} {
		if err := c.Subscribe(topic, func(topic string, _ []byte) { got <- topic }); err != nil {
			t.Fatal(err)
		}
	}
	c.Unsubscribe("argus/v1/rules/a")
	for _, topic := range []string{"argus/v1/rules/a", "argus/v1/rules/b"} {
		if err := c.Publish(topic, []byte("x")); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case topic := <-got:
		if topic != "argus/v1/rules/b" {
			t.Fatalf("got %s after unsubscribing it", topic)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the kept filter's message did not arrive")
	}
}
