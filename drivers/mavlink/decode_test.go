package mavlink_test

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"math"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"

	"github.com/argus-edge/argus/drivers/mavlink"
	"github.com/argus-edge/argus/drivers/peers"
	"github.com/argus-edge/argus/drivers/sim/drone"
)

// nodeMavlink is the independent codec the frames are checked with.
const nodeMavlink = "node-mavlink@2.3.0"

// nodeModules returns the directory holding node-mavlink 2.3.0:
// $ARGUS_NODE_DIR or ~/.cache/argus/node, installing it there with npm when
// it is missing (make deps does it ahead).
func nodeModules(t *testing.T) string {
	t.Helper()
	peers.Need(t, "node", "nodejs")
	dir := os.Getenv("ARGUS_NODE_DIR")
	if dir == "" {
		cache, err := os.UserCacheDir()
		if err != nil {
			t.Fatal(err)
		}
		dir = filepath.Join(cache, "argus", "node")
	}
	pkg := filepath.Join(dir, "node_modules", "node-mavlink", "package.json")
	if data, err := os.ReadFile(pkg); err == nil && bytes.Contains(data, []byte(`"version": "2.3.0"`)) {
		return dir
	}
	npm := peers.Need(t, "npm", "npm")
	out, err := exec.Command(npm, "install", "--no-audit", "--no-fund", "--prefix", dir, nodeMavlink).CombinedOutput()
	if err != nil {
		t.Fatalf("npm install %s into %s: %v\n%s", nodeMavlink, dir, err, out)
	}
	return dir
}

// tap is a UDP relay between our node and the router that keeps a copy of
// every datagram the node sends.
type tap struct {
	mu   sync.Mutex
	sent [][]byte
}

func startTap(t *testing.T, router string) (string, *tap) {
	t.Helper()
	front, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	back, err := net.Dial("udp", router)
	if err != nil {
		t.Fatal(err)
	}
	tp := &tap{}
	var node net.Addr
	var mu sync.Mutex
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { // node -> router
		defer wg.Done()
		buf := make([]byte, 65536)
		for {
			n, from, err := front.ReadFrom(buf)
			if err != nil {
				return
			}
			mu.Lock()
			node = from
			mu.Unlock()
			tp.mu.Lock()
			tp.sent = append(tp.sent, append([]byte(nil), buf[:n]...))
			tp.mu.Unlock()
			back.Write(buf[:n])
		}
	}()
	go func() { // router -> node
		defer wg.Done()
		buf := make([]byte, 65536)
		for {
			n, err := back.Read(buf)
			if err != nil {
				if ne, ok := err.(net.Error); ok && !ne.Timeout() && !isClosed(err) {
					continue // ICMP refusals before the router is up
				}
				return
			}
			mu.Lock()
			to := node
			mu.Unlock()
			if to != nil {
				front.WriteTo(buf[:n], to)
			}
		}
	}()
	t.Cleanup(func() { front.Close(); back.Close(); wg.Wait() })
	return front.LocalAddr().String(), tp
}

func isClosed(err error) bool {
	return err != nil && bytes.Contains([]byte(err.Error()), []byte("closed"))
}

func (tp *tap) bytes() []byte {
	tp.mu.Lock()
	defer tp.mu.Unlock()
	return bytes.Join(tp.sent, nil)
}

// decoded is one frame as node-mavlink read it.
type decoded struct {
	Summary bool               `json:"summary"`
	Valid   int                `json:"valid"`
	Invalid int                `json:"invalid"`
	CRCErrs int                `json:"crc_errors"`
	MsgID   int                `json:"msgid"`
	Name    string             `json:"name"`
	Magic   int                `json:"magic"`
	SysID   int                `json:"sysid"`
	CompID  int                `json:"compid"`
	Fields  map[string]float64 `json:"fields"`
	// Incompat is the incompatibility flags (0x01: signed).
	Incompat int  `json:"incompat"`
	Signed   bool `json:"signed"`
	LinkID   int  `json:"link_id"`
	// SigTimestamp is the signature's timestamp, 10 µs since 2015.
	SigTimestamp float64 `json:"sig_timestamp"`
	// SigOK is node-mavlink's check of the signature with MAVLINK_KEY.
	SigOK *bool `json:"sig_ok"`
}

// TestFramesDecodeWithNodeMavlink checks the frames our driver puts on
// the wire with node-mavlink, an independent TypeScript codec: a tap
// between the node and mavp2p keeps every datagram the node sends while it
// uploads a mission to the simulated drone (no real autopilot), arms it
// and asks for telemetry; node-mavlink must find each frame's CRC good and
// read back, field by field, what we meant to send. Signed, node-mavlink
// must also find every frame signed and its signature right with our key
// (and wrong with another).
func TestFramesDecodeWithNodeMavlink(t *testing.T) {
	t.Run("unsigned", func(t *testing.T) { checkDecode(t, nil) })
	t.Run("signed", func(t *testing.T) { checkDecode(t, key) })
}

// runDecode runs decode.cjs on file, with MAVLINK_KEY set to k when given.
func runDecode(t *testing.T, modules, file string, k []byte) (frames []decoded, summary decoded) {
	t.Helper()
	script, err := filepath.Abs("testdata/decode.cjs")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("node", script, file)
	cmd.Env = append(os.Environ(), "NODE_PATH="+filepath.Join(modules, "node_modules"))
	if k != nil {
		cmd.Env = append(cmd.Env, "MAVLINK_KEY="+hex.EncodeToString(k))
	}
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node-mavlink: %v\n%s", err, out)
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var d decoded
		if err := json.Unmarshal(sc.Bytes(), &d); err != nil {
			t.Fatalf("node-mavlink output %q: %v", sc.Text(), err)
		}
		if d.Summary {
			summary = d
		} else {
			frames = append(frames, d)
		}
	}
	return frames, summary
}

// checkSignatures wants every frame signed, and node-mavlink's verdict on
// each signature with k to be want.
func checkSignatures(t *testing.T, frames []decoded, want bool) {
	t.Helper()
	bad := 0
	for _, f := range frames {
		if !f.Signed || f.Incompat&0x01 == 0 || f.SigOK == nil || *f.SigOK != want || f.SigTimestamp <= 0 {
			bad++
			if bad <= 3 {
				t.Errorf("%s: signed %v incompat %#x signature right %v, want signed, 0x01, %v", f.Name, f.Signed, f.Incompat, f.SigOK, want)
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d frames", bad, len(frames))
	}
}

func checkDecode(t *testing.T, k []byte) {
	modules := nodeModules(t)
	gcsSide, vehicleSide := peers.FreeUDPAddr(t), peers.FreeUDPAddr(t)
	peers.MAVP2P(t, "udps:"+gcsSide, "udps:"+vehicleSide)
	tapAddr, tp := startTap(t, gcsSide)
	r := &rig{drones: map[int]*drone.Drone{}, vehicleSide: vehicleSide}
	r.addDrone(t, signed(fast(1), k))
	n, err := mavlink.New(mavlink.Options{Links: []string{"udpc://" + tapAddr}, Log: peers.TestLog(t), SigningKey: k})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	v := n.Vehicle(1)
	waitTelemetry(t, v)
	items := mavlink.PatrolItems(home, route(), true)
	ctx := ctxFor(t, 20*time.Second)
	if err := v.Upload(ctx, mavlink.Mission, items); err != nil {
		t.Fatal(err)
	}
	if err := v.Arm(ctx); err != nil {
		t.Fatal(err)
	}
	n.Close() // nothing more is sent

	file := filepath.Join(t.TempDir(), "frames.bin")
	if err := os.WriteFile(file, tp.bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	frames, summary := runDecode(t, modules, file, k)
	if k != nil {
		checkSignatures(t, frames, true)
		others, _ := runDecode(t, modules, file, wrongKey)
		checkSignatures(t, others, false)
	} else {
		for _, f := range frames {
			if f.Signed || f.Incompat != 0 {
				t.Errorf("%s signed (incompat %#x) without a key", f.Name, f.Incompat)
			}
		}
	}
	t.Logf("node-mavlink: %d frames valid, %d invalid, %d CRC errors", summary.Valid, summary.Invalid, summary.CRCErrs)
	if summary.Invalid != 0 || summary.CRCErrs != 0 || summary.Valid != len(frames) || len(frames) == 0 {
		t.Fatalf("node-mavlink summary %+v for %d frames", summary, len(frames))
	}

	byName := map[string][]decoded{}
	for _, f := range frames {
		if f.Magic != 0xfd {
			t.Errorf("%s sent as MAVLink 1 (magic %#x)", f.Name, f.Magic)
		}
		if f.SysID != 254 || f.CompID != 190 {
			t.Errorf("%s from %d/%d, want 254/190", f.Name, f.SysID, f.CompID)
		}
		byName[f.Name] = append(byName[f.Name], f)
	}
	check := func(what string, f decoded, want map[string]float64) {
		t.Helper()
		for k, w := range want {
			got, ok := f.Fields[k]
			if !ok {
				t.Errorf("%s: node-mavlink has no field %s (fields %v)", what, k, f.Fields)
				continue
			}
			if math.Abs(got-w) > 1e-6*math.Max(1, math.Abs(w)) {
				t.Errorf("%s: %s = %v, want %v", what, k, got, w)
			}
		}
	}

	if len(byName["HEARTBEAT"]) == 0 {
		t.Error("no HEARTBEAT decoded")
	} else {
		check("HEARTBEAT", byName["HEARTBEAT"][0], map[string]float64{"type": 6, "autopilot": 8, "mavlink_version": 3})
	}
	if c := byName["MISSION_COUNT"]; len(c) == 0 {
		t.Error("no MISSION_COUNT decoded")
	} else {
		check("MISSION_COUNT", c[0], map[string]float64{"target_system": 1, "target_component": 1,
			"count": float64(len(items)), "mission_type": 0})
	}
	seen := map[int]bool{}
	for _, f := range byName["MISSION_ITEM_INT"] {
		seq := int(f.Fields["seq"])
		if seq < 0 || seq >= len(items) || seen[seq] {
			continue // a resend
		}
		seen[seq] = true
		it := items[seq]
		ac := 0.0
		if it.AutoContinue {
			ac = 1
		}
		check("MISSION_ITEM_INT "+strconv.Itoa(seq), f, map[string]float64{
			"target_system": 1, "target_component": 1, "frame": float64(it.Frame), "command": float64(it.Command),
			"current": 0, "autocontinue": ac,
			"param1": float64(it.Params[0]), "param2": float64(it.Params[1]), "param3": float64(it.Params[2]), "param4": float64(it.Params[3]),
			"x": math.Round(it.Lat * 1e7), "y": math.Round(it.Lon * 1e7), "z": float64(it.Alt), "mission_type": 0,
		})
	}
	if len(seen) != len(items) {
		t.Errorf("node-mavlink decoded %d distinct MISSION_ITEM_INTs, %d sent", len(seen), len(items))
	}
	var arm, intervals int
	asked := map[float64]bool{}
	for _, f := range byName["COMMAND_LONG"] {
		switch f.Fields["command"] {
		case float64(common.MAV_CMD_COMPONENT_ARM_DISARM):
			check("COMMAND_LONG arm", f, map[string]float64{"target_system": 1, "target_component": 1,
				"confirmation": float64(arm), "param1": 1, "param2": 0, "param7": 0})
			arm++
		case float64(common.MAV_CMD_SET_MESSAGE_INTERVAL):
			check("COMMAND_LONG SET_MESSAGE_INTERVAL", f, map[string]float64{"target_system": 1, "target_component": 1,
				"param2": 200000}) // 5 Hz, in microseconds
			asked[f.Fields["param1"]] = true
			intervals++
		}
	}
	if arm == 0 {
		t.Error("no arm COMMAND_LONG decoded")
	}
	for _, id := range []float64{33, 1, 147, 42, 24} {
		if !asked[id] {
			t.Errorf("no SET_MESSAGE_INTERVAL for message %v decoded (asked for %v)", id, asked)
		}
	}
}
