package configs

import (
	"os"
	"strings"
	"testing"
)

func TestDemo(t *testing.T) {
	e, err := Parse(DemoFile, Demo)
	if err != nil {
		t.Fatal(err)
	}
	if e.Edge.ID != "edge-demo" || e.Edge.HTTP != ":9100" {
		t.Errorf("edge %+v", e.Edge)
	}
	if r := e.Ingest.Reconnect; r.Min.String() != "500ms" || r.Max.String() != "10s" || r.Jitter != 0.2 {
		t.Errorf("reconnect %+v", r)
	}
	if len(e.Sites) != 3 {
		t.Errorf("%d sites, want 3", len(e.Sites))
	}
	want := map[string]struct{ site, main, sub, transport string }{
		"riverside-walk":   {"riverside", "riverside-walk", "", "tcp"},
		"riverside-empty":  {"riverside", "riverside-empty", "", "tcp"},
		"riverside-bridge": {"riverside", "riverside-bridge/main", "riverside-bridge/sub", "auto"},
		"hillside-fire":    {"hillside", "hillside-fire", "", "tcp"},
		"hillside-smoke":   {"hillside", "hillside-smoke", "", "tcp"},
		"hillside-inband":  {"hillside", "hillside-inband", "", "udp"},
		"chemplant-gate":   {"chemplant", "chemplant-gate", "", "tcp"},
		"chemplant-black":  {"chemplant", "chemplant-black", "", "tcp"},
		"chemplant-flap":   {"chemplant", "chemplant-flap", "", "tcp"},
	}
	if len(e.Cameras) != 9 {
		t.Fatalf("%d cameras, want 9", len(e.Cameras))
	}
	const sim = "rtsp://127.0.0.1:8554/"
	for _, c := range e.Cameras {
		w, ok := want[c.ID]
		if !ok {
			t.Errorf("unexpected camera %s", c.ID)
			continue
		}
		sub := ""
		if w.sub != "" {
			sub = sim + w.sub
		}
		if c.Site != w.site || c.Main != sim+w.main || c.Sub != sub || c.Transport != w.transport {
			t.Errorf("camera %+v, want %+v", c, w)
		}
		if c.Location == nil || c.Location.Lat < 22.4 || c.Location.Lat > 22.7 || c.Location.Lon < 113.9 || c.Location.Lon > 114.2 {
			t.Errorf("camera %s location %+v is not around 22.54, 114.05", c.ID, c.Location)
		}
	}
	gate := e.Cameras[6]
	if gate.ID != "chemplant-gate" || gate.Username != "admin" || gate.PasswordEnv != "ARGUS_DEMO_CAM_PASSWORD" {
		t.Errorf("gate %+v", gate)
	}
}

// The demo file on disk and the embedded copy are the same file.
func TestDemoLoadsFromDisk(t *testing.T) {
	e, err := Load("demo.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(e.Cameras) != 9 {
		t.Errorf("%d cameras", len(e.Cameras))
	}
}

func TestExampleReal(t *testing.T) {
	e, err := Load("example-real.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(e.Cameras) == 0 {
		t.Fatal("no cameras")
	}
	data, err := os.ReadFile("example-real.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range e.Cameras {
		if c.PasswordEnv == "" {
			t.Errorf("camera %s has no password_env: the example should show it", c.ID)
		}
	}
	for _, want := range []string{"/Streaming/Channels/101", "/cam/realmonitor?channel=1&subtype=1", "rtsps://", "disabled: true"} {
		if !strings.Contains(string(data), want) {
			t.Errorf("example-real.yaml lacks %q", want)
		}
	}
}

// The demo's two simulated drones share one UDP link, told apart by their
// system ids, and their video comes from the simulator.
func TestDemoDrones(t *testing.T) {
	e, err := Parse(DemoFile, Demo)
	if err != nil {
		t.Fatal(err)
	}
	if e.AirspaceDir != "configs/sites" || len(e.Drones) != 2 {
		t.Fatalf("airspace_dir %q, drones %+v", e.AirspaceDir, e.Drones)
	}
	want := []struct {
		id, site string
		sysid    int
	}{{"drone-hillside", "hillside", 1}, {"drone-riverside", "riverside", 2}}
	for i, w := range want {
		d := e.Drones[i]
		if d.ID != w.id || d.Site != w.site || d.SystemID != w.sysid || d.Link != "udps://127.0.0.1:14550" ||
			d.Video != "rtsp://127.0.0.1:8554/"+w.id || d.Home == nil || d.MaxSpeed <= 0 || d.Endurance <= 0 {
			t.Errorf("drone %+v, want %+v", d, w)
		}
	}
	data, err := os.ReadFile("example-real.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"# drones:", "serial:///dev/ttyUSB0?baud=57600", "# airspace_dir:"} {
		if !strings.Contains(string(data), want) {
			t.Errorf("example-real.yaml lacks %q", want)
		}
	}
}
