package mavlink_test

import (
	"bytes"
	"math/rand/v2"
	"net"
	"testing"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialect"
	"github.com/bluenviron/gomavlib/v3/pkg/dialects/ardupilotmega"
	"github.com/bluenviron/gomavlib/v3/pkg/dialects/minimal"
	"github.com/bluenviron/gomavlib/v3/pkg/frame"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/mavlink"
	"github.com/argus-edge/argus/drivers/peers"
)

// encode is msg as a MAVLink 2 frame from sysid, with a valid CRC.
func encode(t *testing.T, sysid byte, msg any) []byte {
	t.Helper()
	rw := &dialect.ReadWriter{Dialect: ardupilotmega.Dialect}
	if err := rw.Initialize(); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	w := &frame.Writer{ByteWriter: &buf, DialectRW: rw, OutVersion: frame.V2, OutSystemID: sysid}
	if err := w.Initialize(); err != nil {
		t.Fatal(err)
	}
	if err := w.WriteMessage(msg.(interface{ GetID() uint32 })); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestCorruptFramesHurtNoVehicle runs two simulated drones through mavp2p
// while a second link of the node, a UDP server, takes garbage straight
// from a raw socket (the router would have dropped it): random bytes,
// truncated frames, and a heartbeat of vehicle 1 saying LAND and armed
// whose CRC is broken. The node must not crash, must count the frames it
// dropped, must not believe the forged heartbeat, and both vehicles'
// telemetry must keep coming.
func TestCorruptFramesHurtNoVehicle(t *testing.T) {
	inject := peers.FreeUDPAddr(t)
	r := newRig(t, mavlink.Options{Links: []string{"udps://" + inject}}, fast(1), fast(2))
	v1, v2 := r.node.Vehicle(1), r.node.Vehicle(2)
	waitTelemetry(t, v1)
	waitTelemetry(t, v2)

	forged := encode(t, 1, &minimal.MessageHeartbeat{Type: minimal.MAV_TYPE_QUADROTOR,
		Autopilot: minimal.MAV_AUTOPILOT_ARDUPILOTMEGA, BaseMode: minimal.MAV_MODE_FLAG_SAFETY_ARMED,
		CustomMode: 9 /* LAND */, SystemStatus: minimal.MAV_STATE_EMERGENCY, MavlinkVersion: 3})
	forged[len(forged)-1] ^= 0x5a // break the CRC
	good := encode(t, 1, &minimal.MessageHeartbeat{Type: minimal.MAV_TYPE_QUADROTOR,
		Autopilot: minimal.MAV_AUTOPILOT_ARDUPILOTMEGA, CustomMode: 0, SystemStatus: minimal.MAV_STATE_STANDBY, MavlinkVersion: 3})

	conn, err := net.Dial("udp", inject)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	rng := rand.New(rand.NewPCG(1, 2))
	before := v2.State().Updated
	for i := range 600 {
		var pkt []byte
		switch i % 4 {
		case 0: // noise
			pkt = make([]byte, 1+rng.IntN(300))
			for k := range pkt {
				pkt[k] = byte(rng.Uint32())
			}
		case 1: // noise that starts like a MAVLink 2 frame
			pkt = append([]byte{0xfd, byte(rng.IntN(255)), 0, 0, byte(i), 1, 1}, make([]byte, rng.IntN(40))...)
		case 2: // the forged heartbeat, bad CRC
			pkt = forged
		case 3: // a valid frame cut short
			pkt = good[:rng.IntN(len(good)-1)]
		}
		if _, err := conn.Write(pkt); err != nil {
			t.Fatal(err)
		}
		if i%50 == 0 {
			time.Sleep(10 * time.Millisecond) // let the kernel buffer drain; loss is fine, crash is not
		}
	}
	// Both vehicles keep reporting, and the forged frame changed nothing.
	peers.Eventually(5*time.Second, func() bool { return r.node.Stats().ParseErrors > 0 }) // asserted below, with the stats
	waitState(t, v2, 5*time.Second, "updated after the garbage", func(s mavlink.State) bool { return s.Updated.After(before) })
	for _, v := range []*mavlink.Vehicle{v1, v2} {
		st := waitState(t, v, 5*time.Second, "up", func(s mavlink.State) bool {
			return s.Link == bus.LinkUp && time.Since(s.Updated) < time.Second
		})
		if st.Mode != "STABILIZE" || st.Armed || st.Status != "standby" {
			t.Errorf("vehicle %d: mode %s armed %v status %s after forged frames, want STABILIZE, disarmed, standby",
				st.SystemID, st.Mode, st.Armed, st.Status)
		}
	}
	s := r.node.Stats()
	t.Logf("node stats after 600 bad datagrams: %+v", s)
	if s.ParseErrors == 0 {
		t.Error("no parse error counted")
	}
	// The vehicles still work: a mission goes up to each.
	ctx := ctxFor(t, 20*time.Second)
	for _, v := range []*mavlink.Vehicle{v1, v2} {
		if err := v.Upload(ctx, mavlink.Mission, mavlink.PatrolItems(home, route(), true)); err != nil {
			t.Errorf("vehicle %d after the garbage: %v", v.SystemID(), err)
		}
	}
}
