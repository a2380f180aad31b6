package drone

// The tests of this package fly simulated drones: no real autopilot is
// involved anywhere. Each vehicle is drivers/sim/drone (a MAVLink
// multicopter in Go, its clock sped up), its frames pass through a real
// MAVLink router (mavp2p v1.3.3, the go.mod tool) to the Manager's node,
// and the bus is a real mosquitto: commands go in as the gateway sends
// them, progress and telemetry come out as the console receives them.

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/argus-edge/argus/configs"
	"github.com/argus-edge/argus/configs/airspace"
	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/busclient"
	"github.com/argus-edge/argus/drivers/mavlink"
	"github.com/argus-edge/argus/drivers/peers"
	simdrone "github.com/argus-edge/argus/drivers/sim/drone"
)

const edgeID = "edge-1"

// The test site: a square of about 1.1 km around home, with a no-fly
// zone (a tank farm) north-east of home.
var (
	home = mavlink.Point{Lat: 22.5, Lon: 114.0, Alt: 40}
	site = &airspace.Site{
		ID: "hillside",
		Geofence: airspace.Polygon{
			{Lat: 22.495, Lon: 113.995}, {Lat: 22.495, Lon: 114.005}, {Lat: 22.505, Lon: 114.005}, {Lat: 22.505, Lon: 113.995},
		},
		NoFly: []airspace.Zone{{Name: "tank farm", Polygon: airspace.Polygon{
			{Lat: 22.5020, Lon: 114.0010}, {Lat: 22.5020, Lon: 114.0020}, {Lat: 22.5030, Lon: 114.0020}, {Lat: 22.5030, Lon: 114.0010},
		}}},
		Ceiling: 120, BatteryReserve: 10,
	}
)

// route is a legal patrol of three points south and west of home, about
// 600 m in all, and back.
func route() []bus.PatrolPoint {
	return []bus.PatrolPoint{
		{Lat: 22.4990, Lon: 114.0000, Alt: 30, Speed: 10},
		{Lat: 22.4990, Lon: 113.9985, Alt: 30, Speed: 10, Hover: 2},
		{Lat: 22.5000, Lon: 113.9985, Alt: 30, Speed: 10},
	}
}

// rig is one test's world: broker, router, simulated drones, the edge's
// bus client and the Manager under test, and a console listening.
type rig struct {
	t       *testing.T
	broker  *peers.Broker
	client  *busclient.Client
	m       *Manager
	console *console
	cmd     paho.Client
	sims    map[string]*simdrone.Drone
	simLink string  // where the drones reach the router
	opts    Options // the Manager's, for a restart
	queue   string  // the bus client's queue directory
}

// simSpec is one simulated drone of a rig.
type simSpec struct {
	id    string
	sys   int
	opts  func(*simOptions) // misbehaviours
	noFix bool              // the drone has no GPS fix: newRig does not wait for one
}

// simOptions are a simulated drone's options.
type simOptions = simdrone.Options

// newRig starts everything; the drones are up and their links seen
// before it returns.
func newRig(t *testing.T, mod func(*Options), drones ...simSpec) *rig {
	t.Helper()
	return newRigOver(t, "udp", mod, drones...)
}

// newRigOver is newRig with the edge's link to the router over network
// ("udp" or "tcp"). Over TCP the router forgets a stopped edge's link
// when its connection closes; over UDP it keeps routing the vehicles'
// answers to the old address for 30 s (mavp2p's nodeInactiveAfter).
func newRigOver(t *testing.T, network string, mod func(*Options), drones ...simSpec) *rig {
	t.Helper()
	if len(drones) == 0 {
		drones = []simSpec{{id: "drone-1", sys: 1}}
	}
	r := &rig{t: t, sims: map[string]*simdrone.Drone{}}
	r.broker = peers.Mosquitto(t)
	edgeSide, droneSide := peers.FreeUDPAddr(t), peers.FreeUDPAddr(t)
	if network == "tcp" {
		edgeSide = fmt.Sprintf("127.0.0.1:%d", peers.FreePort(t))
	}
	peers.MAVP2P(t, network+"s:"+edgeSide, "udps:"+droneSide)
	r.simLink = "udpc://" + droneSide

	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	t.Cleanup(func() { cancel(); wg.Wait() })
	var cfgs []configs.Drone
	for _, d := range drones {
		o := simdrone.Options{SystemID: d.sys, Link: r.simLink, Home: home, Speed: 10, Climb: 5,
			Speedup: 20, Log: peers.TestLog(t)}
		if d.opts != nil {
			d.opts(&o)
		}
		sim, err := simdrone.New(o)
		if err != nil {
			t.Fatal(err)
		}
		r.sims[d.id] = sim
		wg.Add(1)
		go func() { defer wg.Done(); sim.Run(ctx) }()
		cfgs = append(cfgs, configs.Drone{ID: d.id, Site: site.ID, Link: network + "c://" + edgeSide, SystemID: d.sys,
			Home: &configs.Location{Lat: home.Lat, Lon: home.Lon, Alt: home.Alt}, MaxSpeed: 12,
			Endurance: configs.Duration(20 * time.Minute)})
	}

	r.console = newConsole(t, r.broker.URL(), "console")
	r.cmd = peers.MQTTClient(t, r.broker.URL(), "gateway")
	r.opts = Options{Edge: edgeID, Drones: cfgs, Sites: map[string]*airspace.Site{site.ID: site}, Log: peers.TestLog(t),
		LinkTimeout: 2 * time.Second, Step: 10 * time.Second, LinkLostLimit: 5 * time.Second, FlightLimit: time.Minute,
		Poll: 100 * time.Millisecond, RecallWait: 2 * time.Second,
		Mavlink: mavlink.Options{ItemTimeout: 300 * time.Millisecond, TransactionTimeout: 2 * time.Second,
			CommandTimeout: 300 * time.Millisecond, StreamRate: 10}}
	if mod != nil {
		mod(&r.opts)
	}
	r.queue = t.TempDir()
	t.Cleanup(r.stopEdge)
	r.startEdge()
	for _, d := range drones {
		r.await(15*time.Second, d.id+" link up with a position and a GPS fix", func() bool {
			st := r.m.units[d.id].v.State()
			return st.Link == bus.LinkUp && (hasPosition(st) && st.GPSFix || d.noFix) && st.BatteryPercent >= 0
		})
	}
	return r
}

// startEdge starts the edge's side as an edge process does: its bus
// client (on the rig's queue directory, kept across restarts) and the
// Manager, taking commands; it returns once the Manager has recalled what
// its drones were doing.
func (r *rig) startEdge() {
	t := r.t
	t.Helper()
	c, err := busclient.New(busclient.Options{Broker: r.broker.URL(), Edge: edgeID, Version: "test", Log: peers.TestLog(t), QueueDir: r.queue})
	if err != nil {
		t.Fatal(err)
	}
	r.client = c
	o := r.opts
	o.Bus = c
	m, err := New(o)
	if err != nil {
		c.Close()
		t.Fatal(err)
	}
	r.m = m
	wctx, wcancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer wcancel()
	if err := c.WaitConnected(wctx); err != nil {
		t.Fatal(err)
	}
	if err := c.Subscribe(bus.CommandTopic(edgeID), m.CommandHandler(c)); err != nil {
		t.Fatal(err)
	}
	for _, id := range m.ids {
		r.await(15*time.Second, id+" recalled", func() bool {
			select {
			case <-m.units[id].recalled:
				return true
			default:
				return false
			}
		})
	}
}

// stopEdge stops the edge's side as an edge process does: the Manager
// first (its last progress goes through the bus client's queue), then
// the bus client. Safe to call twice.
func (r *rig) stopEdge() {
	if r.m != nil {
		r.m.Close()
	}
	if r.client != nil {
		r.client.Close()
	}
}

// await fails the test unless cond holds within the time given.
func (r *rig) await(within time.Duration, what string, cond func() bool) {
	r.t.Helper()
	peers.Await(r.t, within, what, cond)
}

// launch sends a patrol_launch as the gateway does and returns the reply.
func (r *rig) launch(drone, patrol string, pts []bus.PatrolPoint) bus.Reply {
	r.t.Helper()
	return r.send(bus.Command{RequestID: "req-" + patrol, Action: bus.ActionPatrolLaunch, Drone: drone,
		Patrol: &bus.PatrolOrder{ID: patrol, Route: "test-route", By: "pilot", Reason: "patrol", Points: pts, RTL: true}})
}

// mustLaunch launches patrol on drone-1 over the test route, failing the
// test when the edge refuses it.
func (r *rig) mustLaunch(patrol string) {
	r.t.Helper()
	if rep := r.launch("drone-1", patrol, route()); !rep.OK {
		r.t.Fatalf("launch of %s refused: %+v", patrol, rep)
	}
}

// abortAt launches p1 on drone-1, aborts it once the console saw state
// (at waypoint wp when > 0) and returns the patrol's events to its end.
func (r *rig) abortAt(state string, wp int) []bus.PatrolProgress {
	r.t.Helper()
	r.mustLaunch("p1")
	r.console.reached(r.t, "p1", state, wp, 30*time.Second)
	if rep := r.abort("drone-1"); !rep.OK {
		r.t.Fatalf("abort refused: %+v", rep)
	}
	return r.console.ended(r.t, "p1", time.Minute)
}

// abort sends a patrol_abort and returns the reply.
func (r *rig) abort(drone string) bus.Reply {
	r.t.Helper()
	return r.send(bus.Command{RequestID: "abort-" + drone + fmt.Sprint(time.Now().UnixNano()), Action: bus.ActionPatrolAbort, Drone: drone})
}

func (r *rig) send(cmd bus.Command) bus.Reply {
	r.t.Helper()
	cmd.Time = bus.Now()
	b, _ := json.Marshal(cmd)
	if tok := r.cmd.Publish(bus.CommandTopic(edgeID), 1, false, b); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		r.t.Fatalf("command not published: %v", tok.Error())
	}
	return r.console.reply(r.t, cmd.RequestID, 10*time.Second)
}

// console is the command center's side: every patrol event, reply and
// telemetry message the broker delivers.
type console struct {
	mu      sync.Mutex
	patrols []bus.PatrolProgress
	replies map[string]bus.Reply
	tel     []bus.DroneTelemetry
	changed chan struct{}
}

func newConsole(t *testing.T, url, id string) *console {
	t.Helper()
	c := &console{replies: map[string]bus.Reply{}, changed: make(chan struct{}, 1)}
	pc := peers.MQTTClient(t, url, id)
	sub := func(filter string, f func(paho.Message)) {
		if tok := pc.Subscribe(filter, 1, func(_ paho.Client, m paho.Message) {
			c.mu.Lock()
			f(m)
			c.mu.Unlock()
			select {
			case c.changed <- struct{}{}:
			default:
			}
		}); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
			t.Fatalf("subscribe %s: %v", filter, tok.Error())
		}
	}
	seen := map[uint64]bool{} // QoS 1 delivers at least once: a receiver drops a seq seen
	sub(bus.AllDronePatrols, func(m paho.Message) {
		var p bus.PatrolProgress
		if json.Unmarshal(m.Payload(), &p) == nil && !seen[p.Seq] {
			seen[p.Seq] = true
			c.patrols = append(c.patrols, p)
		}
	})
	sub(bus.ReplyTopic(edgeID), func(m paho.Message) {
		var rep bus.Reply
		if json.Unmarshal(m.Payload(), &rep) == nil {
			c.replies[rep.RequestID] = rep
		}
	})
	sub(bus.AllDroneTelemetry, func(m paho.Message) {
		var tel bus.DroneTelemetry
		if json.Unmarshal(m.Payload(), &tel) == nil {
			c.tel = append(c.tel, tel)
		}
	})
	return c
}

// wait returns when cond holds, re-checked on every message; it fails the
// test after within.
func (c *console) wait(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.After(within)
	for {
		c.mu.Lock()
		ok := cond()
		c.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-c.changed:
		case <-deadline:
			t.Fatalf("after %s: %s not seen; patrol events: %s", within, what, c.trail(""))
		}
	}
}

func (c *console) reply(t *testing.T, id string, within time.Duration) bus.Reply {
	t.Helper()
	var rep bus.Reply
	c.wait(t, within, "reply "+id, func() bool { r, ok := c.replies[id]; rep = r; return ok })
	return rep
}

// events returns a patrol's progress events so far.
func (c *console) events(patrol string) []bus.PatrolProgress {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []bus.PatrolProgress
	for _, p := range c.patrols {
		if p.ID == patrol {
			out = append(out, p)
		}
	}
	return out
}

// ended waits for a patrol's last event and returns all of its events.
func (c *console) ended(t *testing.T, patrol string, within time.Duration) []bus.PatrolProgress {
	t.Helper()
	c.wait(t, within, "the end of patrol "+patrol, func() bool {
		for _, p := range c.patrols {
			if p.ID == patrol && bus.PatrolEnded(p.State) {
				return true
			}
		}
		return false
	})
	return c.events(patrol)
}

// reached waits for a patrol event in state (and at waypoint wp when > 0).
func (c *console) reached(t *testing.T, patrol, state string, wp int, within time.Duration) {
	t.Helper()
	c.wait(t, within, fmt.Sprintf("patrol %s %s %d", patrol, state, wp), func() bool {
		for _, p := range c.patrols {
			if p.ID == patrol && p.State == state && (wp == 0 || p.Waypoint >= wp) {
				return true
			}
		}
		return false
	})
}

// trail is the patrol events in one line, for failure messages; c.mu is
// held by the caller (or the caller does not care).
func (c *console) trail(patrol string) string {
	var b strings.Builder
	for _, p := range c.patrols {
		if patrol != "" && p.ID != patrol {
			continue
		}
		fmt.Fprintf(&b, "[%s %s", p.ID, p.State)
		if p.State == bus.PatrolWaypoint {
			fmt.Fprintf(&b, " %d/%d", p.Waypoint, p.Of)
		}
		if p.Reason != "" {
			fmt.Fprintf(&b, ": %s", p.Reason)
		}
		b.WriteString("] ")
	}
	return b.String()
}

// states is the sequence of states of events.
func states(evs []bus.PatrolProgress) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.State
		if e.State == bus.PatrolWaypoint {
			out[i] = fmt.Sprintf("waypoint %d/%d", e.Waypoint, e.Of)
		}
	}
	return out
}

// last is the last event.
func last(evs []bus.PatrolProgress) bus.PatrolProgress { return evs[len(evs)-1] }
