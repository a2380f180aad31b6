package bus

import (
	"encoding/json"
	"fmt"
)

// PublishPatrol assigns the event its seq (and edge and time when empty)
// and appends it to the on-disk queue, behind the anomalies queued before
// it: when it returns nil the event is fsynced and will be delivered on
// argus/v1/drones/{drone}/patrols (QoS 1), at least once, in order. A
// patrol's progress must not be lost to a broker outage: a pilot reads
// from it how the flight ended.
func (c *Client) PublishPatrol(p PatrolProgress) error {
	if err := ValidID(p.Drone); err != nil {
		return fmt.Errorf("patrol %s: drone: %w", p.ID, err)
	}
	if p.Edge == "" {
		p.Edge = c.opts.Edge
	}
	if p.Time.IsZero() {
		p.Time = Now()
	}
	_, err := c.q.append(DronePatrolsTopic(p.Drone), func(seq uint64) ([]byte, error) {
		p.Seq = seq
		return json.Marshal(p)
	})
	if err != nil {
		return fmt.Errorf("patrol %s: %s: %w", p.ID, p.State, err)
	}
	return nil
}

// PublishTelemetry publishes a drone's retained telemetry at QoS 0: a
// lost sample is replaced by the next one half a second later. While
// disconnected only the latest per drone is kept, published on reconnect.
func (c *Client) PublishTelemetry(t DroneTelemetry) error {
	if err := ValidID(t.Drone); err != nil {
		return fmt.Errorf("telemetry: drone: %w", err)
	}
	if t.Edge == "" {
		t.Edge = c.opts.Edge
	}
	if t.Time.IsZero() {
		t.Time = Now()
	}
	b, err := json.Marshal(t)
	if err != nil {
		return fmt.Errorf("telemetry %s: %w", t.Drone, err)
	}
	c.retained.setQoS(DroneTelemetryTopic(t.Drone), b, 0)
	return nil
}
