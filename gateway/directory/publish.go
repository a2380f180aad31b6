package directory

import (
	"fmt"
	"strings"
	"time"

	"github.com/argus-edge/argus/drivers/bus"
)

// publishTimeout bounds the wait for the broker's acknowledgement.
const publishTimeout = 10 * time.Second

// Publish sends payload on topic, an argus/v1 topic name (no wildcards),
// and waits for the broker to take it (QoS 1 and 2: its acknowledgement).
func (d *Directory) Publish(topic string, payload []byte, qos byte, retained bool) error {
	if strings.ContainsAny(topic, "+#") {
		return fmt.Errorf("publish %q: a topic name may not hold wildcards", topic)
	}
	if _, err := bus.ParseTopic(topic); err != nil {
		return fmt.Errorf("publish: %w", err)
	}
	if qos > 2 {
		return fmt.Errorf("publish %s: QoS %d: want 0, 1 or 2", topic, qos)
	}
	if !d.client.IsConnectionOpen() {
		return fmt.Errorf("publish %s: %w", topic, ErrNotConnected)
	}
	tok := d.client.Publish(topic, qos, retained, payload)
	if !tok.WaitTimeout(publishTimeout) {
		return fmt.Errorf("publish %s: no acknowledgement in %s", topic, publishTimeout)
	}
	if err := tok.Error(); err != nil {
		return fmt.Errorf("publish %s: %w", topic, err)
	}
	return nil
}

// PublishRetained sets topic's retained message (QoS 1); an empty payload
// clears it, as the rules workflow does with a retired shadow set.
func (d *Directory) PublishRetained(topic string, payload []byte) error {
	return d.Publish(topic, payload, 1, true)
}
