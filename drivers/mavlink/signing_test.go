package mavlink_test

import (
	"bytes"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialect"
	"github.com/bluenviron/gomavlib/v3/pkg/dialects/ardupilotmega"
	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
	"github.com/bluenviron/gomavlib/v3/pkg/dialects/minimal"
	"github.com/bluenviron/gomavlib/v3/pkg/frame"
	"github.com/bluenviron/gomavlib/v3/pkg/message"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/mavlink"
	"github.com/argus-edge/argus/drivers/peers"
	"github.com/argus-edge/argus/drivers/sim/drone"
)

// These tests sign the links (MAVLink 2 signing) between our node and
// simulated drones (drivers/sim/drone, no real autopilot) through mavp2p
// v1.3.3, a real router that forwards signed frames untouched and checks
// no signature itself. The forgers are raw UDP sockets on the router's
// vehicle side, where a rogue radio or a compromised companion would be.

var (
	key      = bytes.Repeat([]byte{0xa5, 0x3c}, 16)
	wrongKey = bytes.Repeat([]byte{0x3c, 0xa5}, 16)
)

// signed is o with the signing key set.
func signed(o drone.Options, k []byte) drone.Options {
	o.SigningKey = k
	return o
}

// encodeSigned is msg as a MAVLink 2 frame from sysid signed with k.
func encodeSigned(t *testing.T, sysid byte, msg message.Message, k []byte) []byte {
	t.Helper()
	rw := &dialect.ReadWriter{Dialect: ardupilotmega.Dialect}
	if err := rw.Initialize(); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	w := &frame.Writer{ByteWriter: &buf, DialectRW: rw, OutVersion: frame.V2, OutSystemID: sysid, OutComponentID: 1,
		OutKey: frame.NewV2Key(k), OutSignatureLinkID: 7}
	if err := w.Initialize(); err != nil {
		t.Fatal(err)
	}
	if err := w.WriteMessage(msg); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// waitRejected polls the node's counters until reason counted at least n.
func waitRejected(t *testing.T, n *mavlink.Node, reason string, atLeast uint64) {
	t.Helper()
	if !peers.Eventually(10*time.Second, func() bool { return n.Stats().Rejected[reason] >= atLeast }) {
		t.Fatalf("%s frames rejected: %d after 10s, want at least %d", reason, n.Stats().Rejected[reason], atLeast)
	}
}

// A signed node and a signed drone fly a whole patrol through the router,
// and the node drops none of the drone's frames: the replay check does
// not mistake frames sent within one timestamp tick for replays.
func TestSignedPatrolFlies(t *testing.T) {
	r := newRig(t, mavlink.Options{SigningKey: key}, signed(fast(1), key))
	v := r.node.Vehicle(1)
	waitTelemetry(t, v)
	items := mavlink.PatrolItems(home, route(), true)
	fly(t, v, items, mavlink.FenceItems([][]mavlink.Point{square(0.002)}, nil))
	landedHome(t, v, 60*time.Second)
	s := r.node.Stats()
	for reason, c := range s.Rejected {
		if c != 0 {
			t.Errorf("%d genuine frames rejected as %s", c, reason)
		}
	}
	if s.Frames < 20 {
		t.Errorf("%d frames over a whole patrol", s.Frames)
	}
}

// Forged frames claiming drone 1's system id, unsigned, signed with
// another key, or genuine frames of the drone captured off the router and
// sent again, change nothing of the node's view of the drone; each kind is
// counted under its reason and exported to Prometheus; the warning is
// logged once, not per frame.
func TestForgedFramesAreDropped(t *testing.T) {
	r := newRig(t, mavlink.Options{SigningKey: key}, signed(fast(1), key))
	v := r.node.Vehicle(1)
	waitTelemetry(t, v)

	conn, err := net.Dial("udp", r.vehicleSide)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// The router forwards the drone's frames to any endpoint it knows,
	// the forger's too: keep some genuine signed ones to replay.
	var mu sync.Mutex
	var captured [][]byte
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 600)
		for {
			n, err := conn.Read(buf)
			if err != nil {
				return
			}
			if n > 10 && buf[0] == frame.V2MagicByte && buf[2]&0x01 != 0 && buf[5] == 1 {
				mu.Lock()
				if len(captured) < 50 {
					captured = append(captured, append([]byte(nil), buf[:n]...))
				}
				mu.Unlock()
			}
		}
	}()
	defer func() { conn.Close(); <-done }()

	land := &minimal.MessageHeartbeat{Type: minimal.MAV_TYPE_QUADROTOR, Autopilot: minimal.MAV_AUTOPILOT_ARDUPILOTMEGA,
		BaseMode: minimal.MAV_MODE_FLAG_SAFETY_ARMED, CustomMode: 9 /* LAND */, SystemStatus: minimal.MAV_STATE_EMERGENCY, MavlinkVersion: 3}
	away := &common.MessageGlobalPositionInt{Lat: int32((home.Lat + 0.5) * 1e7), Lon: int32((home.Lon + 0.5) * 1e7),
		Alt: 500_000, RelativeAlt: 400_000, Hdg: 9000}
	send := func(pkt []byte) {
		if _, err := conn.Write(pkt); err != nil {
			t.Fatal(err)
		}
	}
	hello := encode(t, 1, land) // the router learns the forger's address from its first datagram
	began := time.Now()
	send(hello)
	for i := range 200 {
		send(encode(t, 1, land))
		send(encode(t, 1, away))
		send(encodeSigned(t, 1, land, wrongKey))
		send(encodeSigned(t, 1, away, wrongKey))
		mu.Lock()
		for _, c := range captured {
			send(c)
		}
		captured = captured[:0]
		mu.Unlock()
		if i%10 == 0 {
			time.Sleep(10 * time.Millisecond) // let the kernel buffer drain: loss is fine here
		}
	}
	waitRejected(t, r.node, mavlink.RejectUnsigned, 100)
	waitRejected(t, r.node, mavlink.RejectWrongKey, 100)
	waitRejected(t, r.node, mavlink.RejectReplayed, 1)

	st := waitState(t, v, 5*time.Second, "up and fresh", func(s mavlink.State) bool {
		return s.Link == bus.LinkUp && time.Since(s.Updated) < time.Second
	})
	if st.Mode != "STABILIZE" || st.Armed || st.Status != "standby" {
		t.Errorf("mode %s armed %v status %s after forged frames, want STABILIZE, disarmed, standby", st.Mode, st.Armed, st.Status)
	}
	if d := metres(st.Lat, st.Lon, home.Lat, home.Lon); d > 5 || st.AltRel > 1 {
		t.Errorf("position %.6f,%.6f (%.0f m from home, %.1f m up) after forged positions", st.Lat, st.Lon, d, st.AltRel)
	}
	t.Logf("node stats: %+v", r.node.Stats())

	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(r.node)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, mf := range mfs {
		if mf.GetName() == "argus_mavlink_unsigned_frames_total" {
			for _, m := range mf.GetMetric() {
				got[m.GetLabel()[0].GetValue()] = m.GetCounter().GetValue()
			}
		}
	}
	for _, reason := range []string{mavlink.RejectUnsigned, mavlink.RejectWrongKey, mavlink.RejectReplayed} {
		if got[reason] < 1 {
			t.Errorf("argus_mavlink_unsigned_frames_total{reason=%q} = %v", reason, got[reason])
		}
	}
	// One warning per link per 10 s: a loaded machine may take longer
	// than that to send and check the forgeries.
	took := time.Since(began)
	if n, most := strings.Count(r.logs.String(), "mavlink frame dropped"), 1+int(took/(10*time.Second)); n < 1 || n > most {
		t.Errorf("%d warnings for hundreds of dropped frames on one link in %s, want 1 to %d", n, took.Round(time.Second), most)
	}
}

// A signing node never takes telemetry from a drone that does not sign:
// its link stays down, and the log says why.
func TestSigningNodeRefusesUnsignedVehicle(t *testing.T) {
	r := newRig(t, mavlink.Options{SigningKey: key}, fast(1))
	if !r.logs.Await(`"reason":"unsigned"`, 10*time.Second) {
		t.Fatalf("no warning about unsigned frames; log:\n%s", r.logs)
	}
	if !strings.Contains(r.logs.String(), "not signed with this edge's key") {
		t.Errorf("the warning does not say why: %s", r.logs)
	}
	waitRejected(t, r.node, mavlink.RejectUnsigned, 10) // heartbeats and telemetry, for seconds
	if st := r.node.Vehicle(1).State(); st.Link != bus.LinkNone || st.Lat != 0 {
		t.Errorf("unsigned drone seen: link %s at %.6f,%.6f", st.Link, st.Lat, st.Lon)
	}
	if s := r.node.Stats(); s.Frames != 0 {
		t.Errorf("%d frames taken from an unsigned drone", s.Frames)
	}
}

// A signing drone refuses an unsigned ground station, as ArduPilot does
// with a key set: the node hears its heartbeats (it checks nothing) but
// the drone ignores its request for telemetry (no position ever comes)
// and its upload gets no answer. And a drone signed with another key is not heard.
func TestSignedVehicleRefusesOthers(t *testing.T) {
	t.Run("unsigned node", func(t *testing.T) {
		r := newRig(t, mavlink.Options{ItemTimeout: 200 * time.Millisecond, Retries: 2, TransactionTimeout: time.Second}, signed(fast(1), key))
		v := r.node.Vehicle(1)
		waitState(t, v, 10*time.Second, "heard", func(s mavlink.State) bool { return s.Link == bus.LinkUp })
		err := v.Upload(ctxFor(t, 10*time.Second), mavlink.Mission, mavlink.PatrolItems(home, route(), true))
		if err == nil {
			t.Fatal("a signing drone took a mission from an unsigned node")
		}
		t.Logf("upload: %v", err)
		if st := v.State(); st.Lat != 0 || st.BatteryPercent >= 0 {
			t.Errorf("the drone streamed telemetry an unsigned node asked for: %+v", st)
		}
	})
	t.Run("other key", func(t *testing.T) {
		r := newRig(t, mavlink.Options{SigningKey: wrongKey}, signed(fast(1), key))
		waitRejected(t, r.node, mavlink.RejectWrongKey, 5)
		if st := r.node.Vehicle(1).State(); st.Link != bus.LinkNone {
			t.Errorf("a drone with another key seen: link %s", st.Link)
		}
	})
}
