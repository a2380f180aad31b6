package relay

import (
	"encoding/json"
	"errors"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"
	"github.com/pion/rtp"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/peers"
	"github.com/argus-edge/argus/drivers/sim"
	"github.com/argus-edge/argus/edge/hub"
)

// recorder keeps what a forwarder writes, copied as the track would send it.
type recorder struct{ pkts []rtp.Packet }

func (r *recorder) WriteRTP(p *rtp.Packet) error {
	r.pkts = append(r.pkts, rtp.Packet{Header: p.Header, Payload: append([]byte(nil), p.Payload...)})
	return nil
}

func TestForwarderInjectsParameterSets(t *testing.T) {
	for _, codec := range []sim.Codec{sim.H264, sim.H265} {
		t.Run(string(codec), func(t *testing.T) {
			sc := testScene(t, codec)
			// strip=false is a camera sending the sets in-band: only the
			// first keyframe gets them injected. strip=true: every one.
			for _, strip := range []bool{false, true} {
				rec := &recorder{}
				var fw *forwarder
				keys, injected, in := 0, 0, 0
				for u := range sc.Replay(time.Now(), 2500*time.Millisecond) {
					if strip && u.Key {
						u = stripParams(u)
					}
					if fw == nil {
						p, err := paramsOf(u)
						if err != nil {
							t.Fatal(err)
						}
						fw = &forwarder{p: p, w: rec}
					}
					before := len(rec.pkts)
					fw.write(u)
					in += len(u.Packets)
					if !u.Key {
						continue
					}
					keys++
					if keys == 1 || strip {
						injected++
						first := rec.pkts[before]
						if !fw.p.hasParams([]*rtp.Packet{&first}) || first.Timestamp != u.Packets[0].Timestamp || first.Marker {
							t.Fatalf("keyframe %d (strip %v): first packet is not the sets with the keyframe's timestamp", keys, strip)
						}
					}
				}
				if keys < 2 {
					t.Fatalf("%d keyframes in the replay", keys)
				}
				if got := len(rec.pkts) - in; got != injected {
					t.Fatalf("strip %v: %d packets injected, want %d", strip, got, injected)
				}
				for i, p := range rec.pkts {
					if p.SequenceNumber != uint16(i) {
						t.Fatalf("packet %d has sequence number %d", i, p.SequenceNumber)
					}
				}
			}
		})
	}
}

// TestRelayToViewer relays a camera whose keyframes carry no parameter
// sets; a viewer joining mid-stream must get them before its keyframe.
func TestRelayToViewer(t *testing.T) {
	for _, codec := range []sim.Codec{sim.H264, sim.H265} {
		t.Run(string(codec), func(t *testing.T) {
			sc := testScene(t, codec)
			srv, base := startSFU(t)
			h := hub.New(hub.Options{})
			feed(t, h, "cam", sc, true)
			m := NewManager(testOptions(t, base, h))
			defer m.Close()
			if err := m.Start("cam"); err != nil {
				t.Fatal(err)
			}
			if got := m.Active(); len(got) != 1 || got[0] != "cam" {
				t.Fatalf("Active() = %v", got)
			}
			v := watch(t, base, "cam")
			want := map[sim.Codec]string{sim.H264: "video/H264", sim.H265: "video/H265"}[codec]
			select {
			case c := <-v.codec:
				if !strings.EqualFold(c.MimeType, want) {
					t.Fatalf("viewer codec %s, want %s", c.MimeType, want)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("viewer got no track")
			}
			p := params{h265: codec == sim.H265}
			pkts := v.untilKeyframe(t, p, 10*time.Second)
			if !hasSetsBefore(p, pkts) {
				t.Fatalf("the viewer's first keyframe came without parameter sets before it (%d packets)", len(pkts))
			}
			if up, _ := srv.Sessions(); up != 1 {
				t.Fatalf("%d uplinks while relaying", up)
			}
			m.Stop("cam")
			m.Stop("cam") // idempotent
			if up, _ := srv.Sessions(); up != 0 {
				t.Fatalf("%d uplinks after Stop: the WHIP resource was not deleted", up)
			}
			if len(m.Active()) != 0 {
				t.Fatalf("Active() = %v after Stop", m.Active())
			}
		})
	}
}

// TestInBandKeyframe relays a camera that sends its sets in-band: the
// viewer gets them with its keyframe.
func TestInBandKeyframe(t *testing.T) {
	sc := testScene(t, sim.H264)
	_, base := startSFU(t)
	h := hub.New(hub.Options{})
	feed(t, h, "cam", sc, false)
	m := NewManager(testOptions(t, base, h))
	defer m.Close()
	if err := m.Start("cam"); err != nil {
		t.Fatal(err)
	}
	v := watch(t, base, "cam")
	p := params{}
	if pkts := v.untilKeyframe(t, p, 10*time.Second); !hasSetsBefore(p, pkts) {
		t.Fatal("no SPS/PPS before the viewer's first keyframe")
	}
}

// TestIdleStops ends a relay when the Viewers hook reports none.
func TestIdleStops(t *testing.T) {
	sc := testScene(t, sim.H264)
	srv, base := startSFU(t)
	h := hub.New(hub.Options{})
	feed(t, h, "cam", sc, false)
	var viewers atomic.Int32
	viewers.Store(1)
	o := testOptions(t, base, h)
	o.IdleTimeout = 300 * time.Millisecond
	o.Viewers = func(string, string) (int, error) { return int(viewers.Load()), nil }
	m := NewManager(o)
	defer m.Close()
	r, err := open(m.ctx, "cam", Target{URL: base}, &m.o, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Stop()
	select {
	case <-r.Done():
		t.Fatalf("relay ended with viewers: %v", r.Err())
	case <-time.After(4 * o.IdleTimeout):
	}
	viewers.Store(0)
	select {
	case <-r.Done():
	case <-time.After(10 * o.IdleTimeout):
		t.Fatal("relay did not end without viewers")
	}
	if !errors.Is(r.Err(), ErrIdle) {
		t.Fatalf("ended with %v, want ErrIdle", r.Err())
	}
	if up, _ := srv.Sessions(); up != 0 {
		t.Fatalf("%d uplinks after the idle stop", up)
	}
}

// TestStartErrors checks the reasons a command reply gives.
func TestStartErrors(t *testing.T) {
	sc := testScene(t, sim.H264)
	_, base := startSFU(t)
	h := hub.New(hub.Options{})
	feed(t, h, "cam", sc, false)
	h.Open("dark") // configured but sends nothing
	o := testOptions(t, base, h)
	o.KeyframeTimeout = 300 * time.Millisecond
	m := NewManager(o)
	defer m.Close()
	bad := testOptions(t, base, h)
	bad.Token = "wrong"
	mbad := NewManager(bad)
	defer mbad.Close()

	for _, c := range []struct {
		m    *Manager
		cmd  bus.Command
		want string
	}{
		{m, bus.Command{RequestID: "1", Action: bus.ActionRelayStart, Camera: "nope"}, "unknown camera"},
		{m, bus.Command{RequestID: "2", Action: bus.ActionRelayStart, Camera: "dark"}, "camera offline"},
		{mbad, bus.Command{RequestID: "3", Action: bus.ActionRelayStart, Camera: "cam"}, "401"},
		{m, bus.Command{RequestID: "4", Action: bus.ActionRelayStart, Camera: "Bad/Id"}, "camera"},
	} {
		rep := c.m.HandleCommand(c.cmd)
		if rep.OK || !strings.Contains(rep.Error, c.want) || rep.RequestID != c.cmd.RequestID {
			t.Errorf("%+v: reply %+v, want an error naming %q", c.cmd, rep, c.want)
		}
	}
	var we *WHIPError
	if err := mbad.Start("cam"); !errors.As(err, &we) || we.Status != 401 {
		t.Fatalf("bad token: %v, want a WHIPError 401", err)
	}
}

// mqttPub publishes with a paho client, as the edge's bus client will.
type mqttPub struct{ c mqtt.Client }

func (p mqttPub) Publish(topic string, payload []byte) error {
	tok := p.c.Publish(topic, 1, false, payload)
	tok.Wait()
	return tok.Error()
}

func connect(t *testing.T, url, id string) mqtt.Client {
	t.Helper()
	c := mqtt.NewClient(mqtt.NewClientOptions().AddBroker(url).SetClientID(id))
	if tok := c.Connect(); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatalf("mqtt connect: %v", tok.Error())
	}
	t.Cleanup(func() { c.Disconnect(100) })
	return c
}

// TestCommandsOverMQTT drives relays with commands through mosquitto.
func TestCommandsOverMQTT(t *testing.T) {
	sc := testScene(t, sim.H264)
	broker := peers.Mosquitto(t)
	_, base := startSFU(t)
	h := hub.New(hub.Options{})
	feed(t, h, "cam", sc, false)
	m := NewManager(testOptions(t, base, h))
	defer m.Close()

	edge := connect(t, broker.URL(), "edge")
	if tok := edge.Subscribe(bus.CommandTopic("edge-test"), 1, func(_ mqtt.Client, msg mqtt.Message) {
		m.CommandHandler("edge-test", mqttPub{edge})(msg.Topic(), msg.Payload())
	}); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatal(tok.Error())
	}
	gw := connect(t, broker.URL(), "gateway")
	replies := make(chan bus.Reply, 8)
	if tok := gw.Subscribe(bus.ReplyTopic("edge-test"), 1, func(_ mqtt.Client, msg mqtt.Message) {
		var r bus.Reply
		if err := json.Unmarshal(msg.Payload(), &r); err != nil {
			t.Error(err)
		}
		replies <- r
	}); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatal(tok.Error())
	}
	send := func(cmd bus.Command) bus.Reply {
		t.Helper()
		b, _ := json.Marshal(cmd)
		if tok := gw.Publish(bus.CommandTopic("edge-test"), 1, false, b); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
			t.Fatal(tok.Error())
		}
		select {
		case r := <-replies:
			if r.RequestID != cmd.RequestID {
				t.Fatalf("reply to %s, want %s", r.RequestID, cmd.RequestID)
			}
			return r
		case <-time.After(20 * time.Second):
			t.Fatalf("no reply to %+v", cmd)
		}
		return bus.Reply{}
	}

	if r := send(bus.Command{RequestID: "a", Action: bus.ActionRelayStart, Camera: "cam", Time: bus.Now()}); !r.OK {
		t.Fatalf("relay_start: %+v", r)
	}
	v := watch(t, base, "cam")
	v.untilKeyframe(t, params{}, 10*time.Second)
	if r := send(bus.Command{RequestID: "b", Action: bus.ActionRelayStart, Camera: "ghost", Time: bus.Now()}); r.OK || !strings.Contains(r.Error, "unknown camera") {
		t.Fatalf("relay_start of an unknown camera: %+v", r)
	}
	if r := send(bus.Command{RequestID: "c", Action: bus.ActionRelayStop, Camera: "cam", Time: bus.Now()}); !r.OK {
		t.Fatalf("relay_stop: %+v", r)
	}
	if len(m.Active()) != 0 {
		t.Fatalf("Active() = %v after relay_stop", m.Active())
	}
}

// TestStartStopCycles leaves no goroutine behind.
func TestStartStopCycles(t *testing.T) {
	sc := testScene(t, sim.H264)
	srv, base := startSFU(t)
	h := hub.New(hub.Options{})
	feed(t, h, "cam", sc, false)
	m := NewManager(testOptions(t, base, h))
	// One cycle first: pion and net/http start process-wide goroutines once.
	if err := m.Start("cam"); err != nil {
		t.Fatal(err)
	}
	m.Stop("cam")
	settle(t, runtime.NumGoroutine(), 0)
	base0 := runtime.NumGoroutine()
	for i := range 20 {
		if err := m.Start("cam"); err != nil {
			t.Fatalf("cycle %d: %v", i, err)
		}
		m.Stop("cam")
	}
	m.Close()
	if up, _ := srv.Sessions(); up != 0 {
		t.Fatalf("%d uplinks left", up)
	}
	settle(t, base0+2, 10*time.Second)
}
