package sim

import (
	"strings"
	"testing"
	"time"

	"github.com/argus-edge/argus/drivers/sim/drone"
)

// Simulated: the demo fleet file as shipped. It parses, and without the
// password variable the H.265 gate camera is refused, not served open.
func TestDemoFleet(t *testing.T) {
	f, err := LoadFleet("../../configs/sim-demo.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cams, refused := f.Resolve(func(string) (string, bool) { return "", false })
	if len(cams) != 9 || len(refused) != 1 || !strings.Contains(refused[0].Error(), "ARGUS_DEMO_CAM_PASSWORD") {
		t.Fatalf("%d cameras, refused %v; want 9 and chemplant-gate refused", len(cams), refused)
	}
	cams, refused = f.Resolve(func(k string) (string, bool) { return "pw", k == "ARGUS_DEMO_CAM_PASSWORD" })
	if len(cams) != 10 || refused != nil {
		t.Fatalf("%d cameras, refused %v; want 10", len(cams), refused)
	}
	for _, c := range cams {
		if c.Path == "chemplant-gate" && (c.User != "admin" || c.Pass != "pw" || c.Scene.Codec != H265) {
			t.Fatalf("gate camera %+v", c)
		}
		if c.Path == "chemplant-flap" && (c.Flap == nil || c.Flap.Online != 20*time.Second || c.Flap.Offline != 8*time.Second) {
			t.Fatalf("flap camera %+v", c.Flap)
		}
	}
}

// Simulated: fleet files with mistakes; each error names the file and
// the line of the mistake.
func TestFleetErrors(t *testing.T) {
	for _, c := range []struct{ name, yaml, want string }{
		{"unknown key", "cameras:\n  - path: a\n    scene: empty\n    colour: red\n", "f.yaml:4: field colour not found"},
		{"unknown top key", "cameras: []\nextra: 1\n", "f.yaml:2: field extra not found"},
		{"bad scene", "cameras:\n  - path: a\n    scene: volcano\n", `f.yaml:2: camera "a": unknown scene "volcano"`},
		{"bad duration", "cameras:\n  - path: a\n    scene: empty\n    gop: soon\n", `f.yaml:4: duration "soon"`},
		{"duplicate path", "cameras:\n  - path: a\n    scene: empty\n  - path: a\n    scene: fire\n", `f.yaml:4: path "a" already used at f.yaml:2`},
		{"odd size", "cameras:\n  - path: a\n    scene: empty\n    width: 641\n    height: 360\n", "f.yaml:2: camera \"a\": size 641x360"},
		{"inline password", "cameras:\n  - path: a\n    scene: empty\n    username: admin\n", "f.yaml:4: camera \"a\": username needs password_env"},
		{"clone count", "clones:\n  - count: 0\n    scene: bench\n", "f.yaml:2: count 0"},
		{"clone path", "clones:\n  - count: 2\n    path: x\n    scene: bench\n", "f.yaml:3: clones take a prefix"},
		{"empty", "", "f.yaml: no cameras"},
		{"not yaml", "cameras: [\n", "f.yaml:1: did not find expected node content"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseFleet("f.yaml", []byte(c.yaml))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want it to contain %q", err, c.want)
			}
		})
	}
}

// Simulated: a benchmark fleet of 3 clones of the bench scene next to one
// camera; clones share one scene spec and are named prefix/0..N-1.
func TestFleetClones(t *testing.T) {
	f, err := ParseFleet("b.yaml", []byte("cameras:\n  - path: one\n    scene: empty\nclones:\n  - count: 3\n    scene: bench\n    fps: 25\n"))
	if err != nil {
		t.Fatal(err)
	}
	cams, _ := f.Resolve(nil)
	var paths []string
	for _, c := range cams {
		paths = append(paths, c.Path)
	}
	if strings.Join(paths, ",") != "one,bench/0,bench/1,bench/2" || cams[3].Scene != cams[1].Scene || cams[3].Scene.FPS != 25 {
		t.Fatalf("cameras %v", cams)
	}
}

// Fuzzed: any bytes as a fleet file. Parsing never panics; what it
// accepts resolves into cameras that validate.
func FuzzParseFleet(f *testing.F) {
	f.Add([]byte("cameras:\n  - path: a/b\n    scene: fire\n    flap: {online: 1s, offline: 2s}\n"))
	f.Add([]byte("clones:\n  - count: 2\n    scene: bench\n    username: u\n    password_env: P\n"))
	f.Add([]byte("cameras: [{path: x, scene: empty, corrupt: 0.5, gop: 1s, duration: 4s}]"))
	f.Add([]byte("drones:\n  - id: d\n    system_id: 3\n    link: udps://127.0.0.1:14561\n    home: {lat: 1, lon: 2, alt: 3}\n    scene: fire\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		fl, err := ParseFleet("fuzz.yaml", data)
		if err != nil {
			return
		}
		cams, _ := fl.Resolve(func(string) (string, bool) { return "pw", true })
		for _, c := range cams {
			if err := c.Validate(); err != nil {
				t.Fatalf("accepted camera %+v does not validate: %v", c, err)
			}
		}
		for _, c := range fl.DroneCameras() {
			if err := c.Validate(); err != nil {
				t.Fatalf("accepted drone camera %+v does not validate: %v", c, err)
			}
		}
		for _, o := range fl.DroneOptions() {
			if _, err := drone.New(o); err != nil {
				t.Fatalf("accepted drone %+v is refused: %v", o, err)
			}
		}
	})
}

// Simulated: the demo's drones parse into drone options and camera feeds
// of their own, apart from the cameras an edge pulls.
func TestDemoFleetDrones(t *testing.T) {
	f, err := LoadFleet("../../configs/sim-demo.yaml")
	if err != nil {
		t.Fatal(err)
	}
	opts, cams := f.DroneOptions(), f.DroneCameras()
	if len(opts) != 2 || len(cams) != 2 {
		t.Fatalf("%d drones, %d drone cameras; want 2 and 2", len(opts), len(cams))
	}
	if o := opts[0]; o.SystemID != 11 || o.Link != "udps://127.0.0.1:14561" || o.Home.Lat != 22.5476 || o.Speed != 8 {
		t.Errorf("hillside drone %+v", o)
	}
	if cams[0].Path != "drone-hillside" || cams[0].Scene.Kind != Fire || cams[1].Path != "drone-riverside" {
		t.Errorf("drone cameras %+v", cams)
	}
}

// Simulated: drone entries with mistakes, each at its file:line.
func TestFleetDroneErrors(t *testing.T) {
	base := "drones:\n  - id: d1\n    system_id: 1\n    link: udps://127.0.0.1:14561\n    home: {lat: 22.5, lon: 114.0, alt: 5}\n"
	for _, c := range []struct{ name, yaml, want string }{
		{"bad link", strings.Replace(base, "udps://127.0.0.1:14561", "udp://x:1", 1), `f.yaml:4: drone "d1": link`},
		{"system id", strings.Replace(base, "system_id: 1", "system_id: 300", 1), `f.yaml:3: drone "d1": system_id 300`},
		{"no home", strings.Replace(base, "    home: {lat: 22.5, lon: 114.0, alt: 5}\n", "", 1), `drone "d1": home 0,0`},
		{"duplicate", base + strings.Replace(strings.TrimPrefix(base, "drones:\n"), "system_id: 1", "system_id: 2", 1), `f.yaml:6: drone id "d1" already used at f.yaml:2`},
		{"duplicate sysid", base + strings.Replace(strings.TrimPrefix(base, "drones:\n"), "id: d1", "id: d2", 1), `f.yaml:7: drone "d2": system_id 1 already used at f.yaml:3`},
		{"path taken", "cameras:\n  - path: drone-d1\n    scene: empty\n" + base, `path "drone-d1" already used at f.yaml:2`},
		{"unknown key", base + "    colour: red\n", "f.yaml:6: field colour not found"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseFleet("f.yaml", []byte(c.yaml))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want it to contain %q", err, c.want)
			}
		})
	}
}
