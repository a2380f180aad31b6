package peers

import (
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
)

// MQTTClient connects a paho client with id to the broker at url (in
// order: a test reads what it sent in sequence), disconnected when the
// test ends; it stands for an edge or any other peer on the bus.
func MQTTClient(t testing.TB, url, id string) paho.Client {
	t.Helper()
	c := paho.NewClient(paho.NewClientOptions().AddBroker(url).SetClientID(id).SetOrderMatters(true))
	if tok := c.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("%s: connect to %s: %v", id, url, tok.Error())
	}
	t.Cleanup(func() { c.Disconnect(100) })
	return c
}
