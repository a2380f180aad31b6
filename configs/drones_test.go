package configs

import (
	"strings"
	"testing"
	"time"
)

// droneBase is base with one valid drone, lines 9 to 14.
const droneBase = base + `drones:
  - id: d1
    site: s1
    link: udps://:14550
    system_id: 1
    home: {lat: 22.546, lon: 114.0495, alt: 30}
`

// unsignedOK ends a document with drones: their links may go unsigned
// (the signing rules have their own tests, in mavlink_test.go).
const unsignedOK = "mavlink: {allow_unsigned: true}\n"

// drone returns droneBase with old replaced by new, or with extra lines
// added to drones[0] (from line 15) when old is "".
func drone(old, new string, extra ...string) string {
	doc := droneBase
	if old != "" {
		if !strings.Contains(doc, old) {
			panic("droneBase lacks " + old)
		}
		doc = strings.Replace(doc, old, new, 1)
	}
	for _, l := range extra {
		doc += "    " + l + "\n"
	}
	return doc
}

func TestParseDrones(t *testing.T) {
	e, err := Parse("t.yaml", []byte(drone("", "", "video: rtsp://10.0.0.9:8554/live",
		"max_speed: 15", "endurance: 35m")+"  - {id: d2, site: s1, link: 'serial:///dev/ttyUSB0?baud=57600', system_id: 1, home: {lat: 0, lon: 0}}\n"+unsignedOK))
	if err != nil {
		t.Fatal(err)
	}
	if e.AirspaceDir != DefaultAirspaceDir {
		t.Errorf("airspace_dir %q, want the default", e.AirspaceDir)
	}
	d := e.Drones[0]
	if d.ID != "d1" || d.Site != "s1" || d.Link != "udps://:14550" || d.SystemID != 1 || d.Video != "rtsp://10.0.0.9:8554/live" ||
		*d.Home != (Location{22.546, 114.0495, 30}) || d.MaxSpeed != 15 || d.Endurance.D() != 35*time.Minute {
		t.Errorf("drone %+v", d)
	}
	if d2 := e.Drones[1]; d2.MaxSpeed != DefaultDroneMaxSpeed || d2.Endurance != DefaultDroneEndurance {
		t.Errorf("defaults %+v", d2)
	}
}

func TestParseDroneProblems(t *testing.T) {
	cases := []struct {
		name, yaml string
		line       int
		field, msg string
	}{
		{"id missing", drone("  - id: d1\n    site", "  - site"), 10, "drones[0].id", "is required"},
		{"id invalid", drone("id: d1", "id: D/1"), 10, "drones[0].id", `"D/1" is not a valid id`},
		{"id duplicate", droneBase + "  - {id: d1, site: s1, link: 'udps://:14550', system_id: 2, home: {lat: 0, lon: 0}}\n", 15, "drones[1].id", `"d1" is already the id of drones[0]`},
		{"id of a camera", drone("id: d1", "id: c1"), 10, "drones[0].id", `"c1" is already the id of cameras[0]: a drone's video is ingested as a camera with the drone's id`},
		{"site missing", drone("    site: s1\n    link", "    link"), 10, "drones[0].site", "is required"},
		{"site undeclared", drone("site: s1\n    link", "site: s9\n    link"), 11, "drones[0].site", `"s9" is not a declared site (sites: s1)`},
		{"unknown key", drone("", "", "camera_pitch: -30"), 15, "drones[0].camera_pitch", "unknown field"},
		{"unknown key typo", drone("", "", "max_sped: 5"), 15, "drones[0].max_sped", "did you mean max_speed?"},
		{"link missing", drone("    link: udps://:14550\n", ""), 10, "drones[0].link", "is required: the MAVLink endpoint"},
		{"link scheme", drone("udps://:14550", "udp://:14550"), 12, "drones[0].link", `scheme "udp" is not one of udps, udpc, tcps, tcpc, serial`},
		{"link no port", drone("udps://:14550", "udps://127.0.0.1"), 12, "drones[0].link", "needs host:port with a port from 1 to 65535"},
		{"link port range", drone("udps://:14550", "tcps://:70000"), 12, "drones[0].link", "needs host:port with a port from 1 to 65535"},
		{"client without host", drone("udps://:14550", "udpc://:14550"), 12, "drones[0].link", `"udpc://:14550" needs the host to connect to`},
		{"link with path", drone("udps://:14550", "tcpc://10.0.0.5:5760/x"), 12, "drones[0].link", "takes only host:port"},
		{"link with user", drone("udps://:14550", "'tcpc://pilot:secret@10.0.0.5:5760'"), 12, "drones[0].link", "MAVLink links take none"},
		{"serial without baud", drone("udps://:14550", "serial:///dev/ttyUSB0"), 12, "drones[0].link", "takes exactly one query parameter, baud"},
		{"serial baud", drone("udps://:14550", "'serial:///dev/ttyUSB0?baud=fast'"), 12, "drones[0].link", `baud "fast" is not a rate`},
		{"serial not a device", drone("udps://:14550", "'serial://ttyUSB0?baud=57600'"), 12, "drones[0].link", "must name a device"},
		{"system_id missing", drone("    system_id: 1\n", ""), 10, "drones[0].system_id", "0 is not between 1 and 250"},
		{"system_id range", drone("system_id: 1", "system_id: 251"), 13, "drones[0].system_id", "251 is not between 1 and 250"},
		{"system_id shared on a link", droneBase + "  - {id: d2, site: s1, link: 'udps://:14550', system_id: 1, home: {lat: 0, lon: 0}}\n",
			15, "drones[1].system_id", "1 is already the system id of drones[0] on link udps://:14550"},
		{"video scheme", drone("", "", "video: http://10.0.0.9/live"), 15, "drones[0].video", "must start with rtsp:// or rtsps://"},
		{"home missing", drone("    home: {lat: 22.546, lon: 114.0495, alt: 30}\n", ""), 10, "drones[0].home", "is required"},
		{"home lat", drone("lat: 22.546", "lat: 122.546"), 14, "drones[0].home.lat", "122.546 is not between -90 and 90"},
		{"max_speed", drone("", "", "max_speed: 30"), 15, "drones[0].max_speed", "30 is not in (0, 25] m/s"},
		{"max_speed zero", drone("", "", "max_speed: 0"), 15, "drones[0].max_speed", "0 is not in (0, 25] m/s"},
		{"endurance", drone("", "", "endurance: 0s"), 15, "drones[0].endurance", "0s is not more than 0"},
		{"endurance without unit", drone("", "", "endurance: 20"), 15, "drones[0].endurance", "is not a duration"},
		{"endurance too long", drone("", "", "endurance: 48h"), 15, "drones[0].endurance", "48h0m0s is more than 24h0m0s"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("t.yaml", []byte(tc.yaml+unsignedOK))
			wantProblem(t, err, tc.line, tc.field, tc.msg)
		})
	}
}

// The same system id on two different links, and different ids on one
// link, are fine; every kind of link parses.
func TestDroneLinks(t *testing.T) {
	for _, link := range []string{"udps://:14550", "udps://0.0.0.0:14550", "udpc://192.168.1.20:14550", "tcps://:5760",
		"tcpc://[fe80::1]:5760", "'serial:///dev/serial/by-id/usb-ArduPilot?baud=115200'"} {
		doc := drone("udps://:14550", link) + "  - {id: d2, site: s1, link: 'udpc://10.0.0.7:14550', system_id: 1, home: {lat: 0, lon: 0}}\n" +
			"  - {id: d3, site: s1, link: 'udpc://10.0.0.7:14550', system_id: 2, home: {lat: 0, lon: 0}}\n"
		if _, err := Parse("t.yaml", []byte(doc+unsignedOK)); err != nil {
			t.Errorf("link %s: %v", link, err)
		}
	}
}

// A drone's video with a password is refused without echoing it.
func TestDroneVideoPasswordNotEchoed(t *testing.T) {
	_, err := Parse("t.yaml", []byte(drone("", "", "video: 'rtsp://admin:hunter2@10.0.0.9/live'")))
	wantProblem(t, err, 15, "drones[0].video", "holds a password")
	if strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("error echoes the password:\n%v", err)
	}
}
