package rulesetstest

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/peers"
)

// markerTopic holds a retained marker, subscribed after the rules: the
// broker handles a client's subscriptions in order, so the marker arrives
// after every retained rule set, which tells "nothing retained" without
// waiting for a time.
const markerTopic = bus.Root + "/test/marker"

// clients numbers the client ids of Retained: a second client with an id
// in use would take the first one's session over.
var clients atomic.Int64

// Retained returns what the broker at url retains under argus/v1/rules/#,
// by topic, as a new subscriber (an edge starting) receives it.
func Retained(t testing.TB, url string) map[string]string {
	t.Helper()
	c := peers.MQTTClient(t, url, fmt.Sprintf("retained-%d", clients.Add(1)))
	defer c.Disconnect(100)
	if tok := c.Publish(markerTopic, 1, true, "m"); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("marker: %v", tok.Error())
	}
	var mu sync.Mutex
	got := map[string]string{}
	done := make(chan struct{})
	var once sync.Once
	sub := func(filter string, h paho.MessageHandler) {
		if tok := c.Subscribe(filter, 1, h); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
			t.Fatalf("subscribe %s: %v", filter, tok.Error())
		}
	}
	sub(bus.Root+"/rules/#", func(_ paho.Client, m paho.Message) {
		mu.Lock()
		defer mu.Unlock()
		if m.Retained() {
			got[m.Topic()] = string(m.Payload())
		}
	})
	sub(markerTopic, func(paho.Client, paho.Message) { once.Do(func() { close(done) }) })
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the retained marker did not arrive within 10s")
	}
	mu.Lock()
	defer mu.Unlock()
	return got
}
