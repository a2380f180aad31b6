package busclient

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/argus-edge/argus/drivers/bus"
)

// PublishPatrol assigns the event its seq (and edge and time when empty)
// and appends it to the on-disk queue, behind the anomalies queued before
// it: when it returns nil the event is fsynced and will be delivered on
// argus/v1/drones/{drone}/patrols (QoS 1), at least once, in order. A
// patrol's progress must not be lost to a broker outage: a pilot reads
// from it how the flight ended.
func (c *Client) PublishPatrol(p bus.PatrolProgress) error {
	if err := bus.ValidID(p.Drone); err != nil {
		return fmt.Errorf("patrol %s: drone: %w", p.ID, err)
	}
	if p.Edge == "" {
		p.Edge = c.opts.Edge
	}
	if p.Time.IsZero() {
		p.Time = bus.Now()
	}
	_, err := c.q.Append(bus.DronePatrolsTopic(p.Drone), func(seq uint64) ([]byte, error) {
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
func (c *Client) PublishTelemetry(t bus.DroneTelemetry) error {
	if err := bus.ValidID(t.Drone); err != nil {
		return fmt.Errorf("telemetry: drone: %w", err)
	}
	if t.Edge == "" {
		t.Edge = c.opts.Edge
	}
	if t.Time.IsZero() {
		t.Time = bus.Now()
	}
	b, err := json.Marshal(t)
	if err != nil {
		return fmt.Errorf("telemetry %s: %w", t.Drone, err)
	}
	c.retained.setQoS(bus.DroneTelemetryTopic(t.Drone), b, 0)
	return nil
}

// RecallTelemetry reads back the telemetry the broker retained for drones
// (as an earlier run of this edge left it, with the patrol each drone was
// flying), so that an edge restarted mid-patrol follows the patrol on. It
// waits for the connection until ctx ends, then for the retained messages
// until every drone's came or quiet passed without one: MQTT never says
// that no retained message exists. A drone without one is absent.
func (c *Client) RecallTelemetry(ctx context.Context, drones []string, quiet time.Duration) (map[string]bus.DroneTelemetry, error) {
	if err := c.WaitConnected(ctx); err != nil {
		return nil, fmt.Errorf("recall drone telemetry: not connected: %w", err)
	}
	filters := map[string]byte{}
	for _, d := range drones {
		filters[bus.DroneTelemetryTopic(d)] = 0
	}
	var mu sync.Mutex
	got := map[string]bus.DroneTelemetry{}
	came := make(chan struct{}, 1)
	tok := c.pc.SubscribeMultiple(filters, func(_ mqtt.Client, m mqtt.Message) {
		var t bus.DroneTelemetry
		if !m.Retained() || json.Unmarshal(m.Payload(), &t) != nil || t.Drone == "" {
			return // a fresh sample of our own, or not a telemetry: nothing to recall
		}
		mu.Lock()
		got[t.Drone] = t
		mu.Unlock()
		select {
		case came <- struct{}{}:
		default:
		}
	})
	defer c.pc.Unsubscribe(slices.Collect(maps.Keys(filters))...)
	if !tok.WaitTimeout(c.opts.PubackTimeout) || tok.Error() != nil {
		return nil, fmt.Errorf("recall drone telemetry: subscribe: %v", tok.Error())
	}
	for f := range filters {
		if Refused(tok, f) {
			return nil, fmt.Errorf("recall drone telemetry: the broker refused %s (the edge's login may not read its drones' telemetry)", f)
		}
	}
	wait := time.NewTimer(quiet)
	defer wait.Stop()
	for {
		mu.Lock()
		n := len(got)
		mu.Unlock()
		if n >= len(filters) {
			break
		}
		select {
		case <-came:
			wait.Reset(quiet)
			continue
		case <-wait.C:
		case <-ctx.Done():
		}
		break
	}
	mu.Lock()
	defer mu.Unlock()
	return maps.Clone(got), nil
}
