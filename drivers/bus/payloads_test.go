package bus

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden payload files in testdata")

// fixtures are one fully populated payload of each type, the golden files'
// source.
func fixtures() map[string]any {
	t0 := At(time.Date(2025, 7, 1, 8, 30, 15, 123456789, time.FixedZone("CST", 8*3600)))
	return map[string]any{
		"anomaly": Anomaly{ID: "01J2ABC", Seq: 42, Site: "hillside", Camera: "hillside-fire", Edge: "edge-1",
			Kind: KindFire, State: StateStart, Severity: "critical", Score: 0.91, Box: [4]float64{0.1, 0.2, 0.3, 0.4},
			Zone: "forest-edge", Rule: "fire-any", RuleVersion: 7, Shadow: true, FrameTime: t0, PublishedAt: t0,
			Geo: &Geo{Lat: 22.5401, Lon: 114.0512, Alt: 35}, Snapshot: []byte{0xff, 0xd8, 0xff, 0xd9}},
		"edge_status": EdgeStatus{Edge: "edge-1", State: Online, Version: "0.3.0",
			Cameras: []string{"hillside-fire", "hillside-smoke"}, Load: 0.42, CamerasOnline: 1,
			MemoryBytes: 312 << 20, QueueDepth: 7, Time: t0},
		"camera_status": CameraStatus{Site: "hillside", Camera: "hillside-fire", Edge: "edge-1", State: Offline,
			Reason: "read timeout", Codec: "H264", Width: 1280, Height: 720, FPS: 15, BitrateKbps: 1382,
			LastFrame: t0, Mode: ModeIdle, Time: t0},
		"command": Command{RequestID: "req-1", Action: ActionRelayStart, Camera: "hillside-fire", Gateway: "argus-gateway-7d9f-x2k4",
			WHIPURL: "http://10.244.1.17:8080", Time: t0},
		"reply": Reply{RequestID: "req-1", Action: ActionRelayStart, Camera: "hillside-fire", OK: false, Error: "camera offline", Time: t0},
	}
}

// TestPayloadsMatchGoldenJSON pins the wire form of every payload: a
// changed field name or format breaks this test before it breaks a
// receiver. Run with -update after a deliberate contract change.
func TestPayloadsMatchGoldenJSON(t *testing.T) {
	for name, v := range fixtures() {
		got, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join("testdata", name+".json")
		if *update {
			if err := os.WriteFile(path, append(got, '\n'), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(bytes.TrimSpace(want), got) {
			t.Errorf("%s: JSON changed\ngot:\n%s\nwant:\n%s", name, got, want)
		}
	}
}

// TestPayloadFieldNamesAreTheDesignContract checks the JSON keys against
// the list in DESIGN.md's topic table, written out here by hand.
func TestPayloadFieldNamesAreTheDesignContract(t *testing.T) {
	want := map[string][]string{
		"anomaly": {"id", "seq", "site", "camera", "edge", "kind", "state", "severity", "score", "box", "zone", "rule",
			"rule_version", "shadow", "frame_time", "published_at", "geo", "snapshot"},
		// cameras_online, memory_bytes and queue_depth are added to the
		// DESIGN.md list (drivers/bus/README.md says so).
		"edge_status":   {"edge", "state", "version", "cameras", "load", "cameras_online", "memory_bytes", "queue_depth", "time"},
		"camera_status": {"site", "camera", "edge", "state", "reason", "codec", "width", "height", "fps", "bitrate_kbps", "last_frame", "mode", "time"},
		"command":       {"request_id", "action", "camera", "gateway", "whip_url", "time"},
		"reply":         {"request_id", "action", "camera", "ok", "error", "time"},
	}
	for name, v := range fixtures() {
		b, _ := json.Marshal(v)
		var m map[string]json.RawMessage
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		var keys []string
		for k := range m {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		w := slices.Clone(want[name])
		slices.Sort(w)
		if !slices.Equal(keys, w) {
			t.Errorf("%s keys %v, want %v", name, keys, w)
		}
	}
}

func TestOptionalFieldsAreLeftOut(t *testing.T) {
	b, _ := json.Marshal(Anomaly{ID: "a", Site: "s", Camera: "c"})
	var m map[string]any
	json.Unmarshal(b, &m)
	for _, k := range []string{"geo", "snapshot"} {
		if _, ok := m[k]; ok {
			t.Errorf("empty %s written: %s", k, b)
		}
	}
	b, _ = json.Marshal(CameraStatus{Camera: "c"})
	m = nil
	json.Unmarshal(b, &m)
	if _, ok := m["last_frame"]; ok {
		t.Errorf("zero last_frame written: %s", b)
	}
	// A single gateway's relay_start reads as before the replicas' fields.
	b, _ = json.Marshal(Command{Action: ActionRelayStart, Camera: "c"})
	m = nil
	json.Unmarshal(b, &m)
	for _, k := range []string{"gateway", "whip_url"} {
		if _, ok := m[k]; ok {
			t.Errorf("empty %s written: %s", k, b)
		}
	}
}

func TestTimeIsUTCWithMilliseconds(t *testing.T) {
	in := time.Date(2025, 1, 2, 11, 4, 5, 7_000_000, time.FixedZone("CST", 8*3600))
	b, err := json.Marshal(At(in))
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `"2025-01-02T03:04:05.007Z"` {
		t.Fatalf("got %s", b)
	}
	var back Time
	if err := json.Unmarshal(b, &back); err != nil || !back.Equal(in) {
		t.Fatalf("round trip %v %v", back, err)
	}
	// A sender with an offset and nanoseconds is still understood.
	if err := json.Unmarshal([]byte(`"2025-01-02T11:04:05.007000001+08:00"`), &back); err != nil || back.Location() != time.UTC {
		t.Fatalf("lenient parse %v %v", back, err)
	}
	for _, bad := range []string{`"yesterday"`, `12`, `"2025-01-02"`} {
		if err := json.Unmarshal([]byte(bad), &back); err == nil {
			t.Errorf("accepted %s", bad)
		}
	}
}

func TestAnomalyRoundTrips(t *testing.T) {
	a := fixtures()["anomaly"].(Anomaly)
	b, _ := json.Marshal(a)
	var back Anomaly
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !back.FrameTime.Equal(a.FrameTime.Time) || !bytes.Equal(back.Snapshot, a.Snapshot) || *back.Geo != *a.Geo || back.Seq != 42 {
		t.Fatalf("round trip changed it: %+v", back)
	}
}
