// Package droneedge is test support: a simulated edge holding drones, for
// the gateway's tests. It is apart from drivers/peers because it speaks the
// bus contract, and drivers/busclient's tests import drivers/peers.
package droneedge

import (
	"encoding/json"
	"sync"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/peers"
)

// Edge is a SIMULATED edge holding drones, on a real broker: it
// publishes the telemetry a test gives it (retained, as an edge does),
// answers patrol_launch and patrol_abort on argus/v1/commands/{edge}, and,
// when Step is set, flies a launched patrol by reporting its progress in
// order (accepted, uploading, started, waypoint 1..N, returning, landed,
// completed; returning, landed, aborted on an abort). No MAVLink and no
// vehicle are involved: it stands for the edge the gateway commands.
type Edge struct {
	Edge string
	// Step is the time between two progress reports of a flight; 0: it
	// only answers commands, and the test reports progress itself.
	Step time.Duration

	t      testing.TB
	client paho.Client
	cmds   chan bus.Command
	wg     sync.WaitGroup
	mu     sync.Mutex
	tel    map[string]bus.DroneTelemetry
	refuse string                   // the error of the next replies, "" to accept
	abort  map[string]chan struct{} // per drone flying
	closed bool
}

// New connects the simulated edge to the broker at url and
// follows its commands; it stops with the test.
func New(t testing.TB, url, edge string) *Edge {
	t.Helper()
	e := &Edge{Edge: edge, t: t, client: peers.MQTTClient(t, url, "fake-edge-"+edge), cmds: make(chan bus.Command, 64),
		tel: map[string]bus.DroneTelemetry{}, abort: map[string]chan struct{}{}}
	tok := e.client.Subscribe(bus.CommandTopic(edge), 1, e.onCommand)
	if !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("edge %s: subscribe to commands: %v", edge, tok.Error())
	}
	t.Cleanup(e.close)
	return e
}

func (e *Edge) close() {
	e.mu.Lock()
	e.closed = true
	for _, ch := range e.abort {
		close(ch)
	}
	e.abort = map[string]chan struct{}{}
	e.mu.Unlock()
	e.wg.Wait()
}

// Commands are the commands received, in order.
func (e *Edge) Commands() <-chan bus.Command { return e.cmds }

// Next awaits the next command received, failing the test after 10 s.
func (e *Edge) Next() bus.Command {
	e.t.Helper()
	select {
	case c := <-e.cmds:
		return c
	case <-time.After(10 * time.Second):
		e.t.Fatal("no command reached the edge within 10s")
	}
	return bus.Command{}
}

// Refuse makes the edge answer every later command with reason (""
// accepts again).
func (e *Edge) Refuse(reason string) {
	e.mu.Lock()
	e.refuse = reason
	e.mu.Unlock()
}

// Telemetry publishes t (its Edge set to this edge's, its Time to now)
// as the drone's retained telemetry and waits until the broker has it.
func (e *Edge) Telemetry(t bus.DroneTelemetry) {
	e.mu.Lock()
	t.Edge = e.Edge
	t.Time = bus.Now()
	e.tel[t.Drone] = t
	e.mu.Unlock()
	e.publish(bus.DroneTelemetryTopic(t.Drone), 0, true, t)
}

// Progress publishes one patrol progress event of p.Drone.
func (e *Edge) Progress(p bus.PatrolProgress) {
	p.Edge, p.Time = e.Edge, bus.Now()
	e.publish(bus.DronePatrolsTopic(p.Drone), 1, false, p)
}

func (e *Edge) publish(topic string, qos byte, retain bool, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		e.t.Errorf("edge %s: %v", e.Edge, err)
		return
	}
	if tok := e.client.Publish(topic, qos, retain, b); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		e.t.Errorf("edge %s: publish %s: %v", e.Edge, topic, tok.Error())
	}
}

// onCommand records a command, answers it and, with Step set, flies a
// launch or ends a flight on an abort.
func (e *Edge) onCommand(_ paho.Client, m paho.Message) {
	var c bus.Command
	if err := json.Unmarshal(m.Payload(), &c); err != nil {
		e.t.Errorf("edge %s: bad command: %v", e.Edge, err)
		return
	}
	select {
	case e.cmds <- c:
	default:
	}
	e.mu.Lock()
	r := bus.Reply{RequestID: c.RequestID, Action: c.Action, Drone: c.Drone, OK: e.refuse == "", Error: e.refuse, Time: bus.Now()}
	fly := r.OK && e.Step > 0 && !e.closed
	var stop chan struct{}
	if fly && c.Action == bus.ActionPatrolLaunch && c.Patrol != nil {
		stop = make(chan struct{})
		e.abort[c.Drone] = stop
		e.wg.Add(1)
	} else if fly && c.Action == bus.ActionPatrolAbort {
		if ch, ok := e.abort[c.Drone]; ok {
			close(ch)
			delete(e.abort, c.Drone)
		}
	}
	e.wg.Add(1) // under the lock: close waits for it before the client disconnects
	e.mu.Unlock()
	go func() { // not from the callback: paho would wait on itself
		defer e.wg.Done()
		e.publish(bus.ReplyTopic(e.Edge), 1, false, r)
	}()
	if stop != nil {
		go func() {
			defer e.wg.Done()
			e.fly(c.Drone, *c.Patrol, stop)
		}()
	}
}

// fly reports a flight of order, step by step, until its end or stop.
func (e *Edge) fly(drone string, order bus.PatrolOrder, stop chan struct{}) {
	n := len(order.Points)
	report := func(state string, wp int, reason string) {
		p := bus.PatrolProgress{ID: order.ID, Drone: drone, Route: order.Route, State: state, Reason: reason}
		if wp > 0 {
			p.Waypoint, p.Of = wp, n
		}
		e.mu.Lock()
		t := e.tel[drone]
		e.mu.Unlock()
		p.Site = t.Site
		t.Patrol = &bus.PatrolStatus{ID: order.ID, Route: order.Route, State: state, Waypoint: wp, Of: n}
		switch state {
		case bus.PatrolStarted, bus.PatrolWaypoint:
			t.State, t.Armed, t.Mode = bus.DronePatrol, true, "AUTO"
			if wp > 0 {
				pt := order.Points[wp-1]
				t.Position = &bus.DronePos{Lat: pt.Lat, Lon: pt.Lon, Alt: pt.Alt, Heading: float64(wp * 30 % 360)}
			}
		case bus.PatrolReturning:
			t.State, t.Mode = bus.DroneReturning, "RTL"
		case bus.PatrolLanded, bus.PatrolCompleted, bus.PatrolAborted:
			t.State, t.Armed, t.Mode = bus.DroneIdle, false, "LOITER"
		}
		e.Progress(p)
		e.Telemetry(t)
	}
	wait := func() bool {
		select {
		case <-stop:
			return false
		case <-time.After(e.Step):
			return true
		}
	}
	steps := []string{bus.PatrolAccepted, bus.PatrolUploading, bus.PatrolStarted}
	for _, st := range steps {
		report(st, 0, "")
		if !wait() {
			e.aborted(report)
			return
		}
	}
	for wp := 1; wp <= n; wp++ {
		report(bus.PatrolWaypoint, wp, "")
		if !wait() {
			e.aborted(report)
			return
		}
	}
	report(bus.PatrolReturning, 0, "")
	report(bus.PatrolLanded, 0, "")
	report(bus.PatrolCompleted, 0, "")
	e.mu.Lock()
	if e.abort[drone] == stop {
		delete(e.abort, drone)
	}
	e.mu.Unlock()
}

// aborted reports the end of an aborted flight, unless the test is over.
func (e *Edge) aborted(report func(state string, wp int, reason string)) {
	e.mu.Lock()
	closed := e.closed
	e.mu.Unlock()
	if closed {
		return
	}
	report(bus.PatrolReturning, 0, "aborted by the pilot")
	report(bus.PatrolLanded, 0, "")
	report(bus.PatrolAborted, 0, "aborted by the pilot")
}
