package rulesets

import (
	"fmt"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
)

// pahoPublisher publishes with a connected paho client.
type pahoPublisher struct {
	c       paho.Client
	timeout time.Duration
}

// PahoPublisher is a Publisher over a connected paho client: QoS 1,
// retained, waiting up to timeout for the broker's acknowledgement, so
// that an error means the broker may not hold the message. A timeout does
// not withdraw it (paho may still deliver it after reconnecting); the
// Service's operations converge when retried, see the package doc.
func PahoPublisher(c paho.Client, timeout time.Duration) Publisher {
	return pahoPublisher{c: c, timeout: timeout}
}

// PublishRetained publishes payload retained on topic (empty: clears it).
func (p pahoPublisher) PublishRetained(topic string, payload []byte) error {
	tok := p.c.Publish(topic, 1, true, payload)
	if !tok.WaitTimeout(p.timeout) {
		return fmt.Errorf("mqtt: no acknowledgement within %s", p.timeout)
	}
	return tok.Error()
}
