package configs

import (
	"slices"
	"strings"
	"testing"

	"github.com/argus-edge/argus/configs/strict"
)

func TestParseValidationProblems(t *testing.T) {
	cases := []struct {
		name  string
		yaml  string
		line  int
		field string
		msg   string
	}{
		{"edge id missing", "sites: []\n", 1, "edge.id", "is required"},
		{"edge id upper case", strings.Replace(base, "id: edge-1", "id: Edge-1", 1), 2, "edge.id", `"Edge-1" is not a valid id`},
		{"edge id with slash", strings.Replace(base, "id: edge-1", "id: a/b", 1), 2, "edge.id", `"a/b" is not a valid id`},
		{"edge id with plus", strings.Replace(base, "id: edge-1", "id: a+b", 1), 2, "edge.id", "is not a valid id"},
		{"edge id with hash", strings.Replace(base, "id: edge-1", `id: "a#b"`, 1), 2, "edge.id", "is not a valid id"},
		{"edge id starting with dash", strings.Replace(base, "id: edge-1", "id: -a", 1), 2, "edge.id", "is not a valid id"},
		{"edge id too long", strings.Replace(base, "id: edge-1", "id: "+strings.Repeat("a", 64), 1), 2, "edge.id", "is not a valid id"},
		{"edge http", strings.Replace(base, "  id: edge-1\n", "  id: edge-1\n  http: '9100'\n", 1), 3, "edge.http", `"9100" is not a listen address`},
		{"site id", strings.Replace(base, "id: s1", "id: S 1", 1), 4, "sites[0].id", `"S 1" is not a valid id`},
		{"site id duplicate", strings.Replace(base, "  - id: s1\n", "  - id: s1\n  - id: s1\n", 1), 5, "sites[1].id", `"s1" is already the id of sites[0]`},
		{"camera id missing", strings.Replace(base, "  - id: c1\n    site", "  - site", 1), 6, "cameras[0].id", "is required"},
		{"camera id invalid", strings.Replace(base, "id: c1", "id: cam#1", 1), 6, "cameras[0].id", `"cam#1" is not a valid id`},
		{"camera id duplicate", base + "  - {id: c1, site: s1, main: 'rtsp://h/y'}\n", 9, "cameras[1].id", `"c1" is already the id of cameras[0]`},
		{"camera site missing", strings.Replace(base, "    site: s1\n", "", 1), 6, "cameras[0].site", "is required"},
		{"camera site undeclared", strings.Replace(base, "site: s1", "site: s9", 1), 7, "cameras[0].site", `"s9" is not a declared site (sites: s1)`},
		{"camera site with no sites", strings.Replace(base, "sites:\n  - id: s1\n", "", 1), 5, "cameras[0].site", `"s1" is not a declared site (no sites are declared)`},
		{"main missing", strings.Replace(base, "    main: rtsp://10.0.0.1/x\n", "", 1), 6, "cameras[0].main", "is required"},
		{"main scheme", strings.Replace(base, "rtsp://10.0.0.1/x", "http://10.0.0.1/x", 1), 8, "cameras[0].main", `"http://10.0.0.1/x" must start with rtsp:// or rtsps://`},
		{"main no host", strings.Replace(base, "rtsp://10.0.0.1/x", "rtsp:///x", 1), 8, "cameras[0].main", "has no host"},
		{"main not a URL", strings.Replace(base, "rtsp://10.0.0.1/x", `"rtsp://10.0.0.1:port/x"`, 1), 8, "cameras[0].main", "is not a valid URL"},
		{"main user inline", strings.Replace(base, "rtsp://10.0.0.1/x", "rtsp://admin@10.0.0.1/x", 1), 8, "cameras[0].main", "holds a user name: write it in username"},
		{"sub scheme", cam("sub: rtmp://10.0.0.1/sub"), 9, "cameras[0].sub", "must start with rtsp://"},
		{"transport", cam("transport: tpc"), 9, "cameras[0].transport", `"tpc" is not one of tcp, udp, auto`},
		{"transport empty", cam(`transport: ""`), 9, "cameras[0].transport", `"" is not one of tcp, udp, auto`},
		{"kind", cam("kind: dron"), 9, "cameras[0].kind", `"dron" is not one of fixed, ptz, drone, handheld`},
		{"username and username_env", cam("username: a", "username_env: CAM_USER"), 10, "cameras[0].username_env", "username and username_env exclude each other"},
		{"username_env name", cam("username_env: 1USER"), 9, "cameras[0].username_env", "is not an environment variable name"},
		{"password_env name", cam("password_env: MY-PASS"), 9, "cameras[0].password_env", "is not an environment variable name"},
		{"lat", cam("location: {lat: 90.5, lon: 0}"), 9, "cameras[0].location.lat", "90.5 is not between -90 and 90"},
		{"lon", cam("location:", "  lat: 0", "  lon: -180.01"), 11, "cameras[0].location.lon", "-180.01 is not between -180 and 180"},
		{"lat NaN", cam("location: {lat: .nan, lon: 0}"), 9, "cameras[0].location.lat", "NaN is not between -90 and 90"},
		{"alt infinite", cam("location: {lat: 0, lon: 0, alt: .inf}"), 9, "cameras[0].location.alt", "is not a finite number"},
		{"reconnect min zero", top("ingest:", "  reconnect:", "    min: 0s"), 11, "ingest.reconnect.min", "0s is not more than 0"},
		{"reconnect min negative", top("ingest:", "  reconnect: {min: -1s}"), 10, "ingest.reconnect.min", "-1s is not more than 0"},
		{"reconnect max below min", top("ingest:", "  reconnect:", "    min: 2s", "    max: 1s"), 12, "ingest.reconnect.max", "1s is less than min 2s"},
		{"reconnect max below default min", top("ingest:", "  reconnect: {max: 100ms}"), 10, "ingest.reconnect.max", "100ms is less than min 500ms"},
		{"jitter", top("ingest:", "  reconnect:", "    jitter: 1.5"), 11, "ingest.reconnect.jitter", "1.5 is not between 0 and 1"},
		{"jitter negative", top("ingest:", "  reconnect:", "    jitter: -0.1"), 11, "ingest.reconnect.jitter", "-0.1 is not between 0 and 1"},
		{"read_timeout", top("ingest:", "  read_timeout: 0s"), 10, "ingest.read_timeout", "0s is not more than 0"},
		{"stall_timeout", top("ingest:", "  stall_timeout: -5s"), 10, "ingest.stall_timeout", "-5s is not more than 0"},
		{"consumer_queue zero", top("ingest:", "  consumer_queue: 0"), 10, "ingest.consumer_queue", "0 is not between 1 and 65536"},
		{"consumer_queue large", top("ingest:", "  consumer_queue: 65537"), 10, "ingest.consumer_queue", "65537 is not between 1 and 65536"},
		{"gop_cache_mb zero", top("ingest:", "  gop_cache_mb: 0"), 10, "ingest.gop_cache_mb", "0 is not between 1 and 1024"},
		{"gop_cache_mb large", top("ingest:", "  gop_cache_mb: 2048"), 10, "ingest.gop_cache_mb", "2048 is not between 1 and 1024"},
		{"detect cores zero", top("detect:", "  cores: 0"), 10, "detect.cores", "0 is not in (0, 4096]: the analysis budget in cores"},
		{"detect cores negative", top("detect:", "  cores: -1.5"), 10, "detect.cores", "-1.5 is not in (0, 4096]"},
		{"detect max_lag", top("detect:", "  max_lag: 0s"), 10, "detect.max_lag", "0s is not more than 0"},
		{"queue_max_mb zero", top("mqtt:", "  queue_max_mb: 0"), 10, "mqtt.queue_max_mb", "0 is not between 1 and 1048576"},
		{"inflight large", top("mqtt:", "  inflight: 5000"), 10, "mqtt.inflight", "5000 is not between 1 and 4096"},
		{"relay gateways scheme", top("relay:", "  gateway: http://gw:8080", "  gateways: [\"http://a:8080\", \"ftp://b:8080\"]"), 11, "relay.gateways[1]", `"ftp://b:8080" is not a gateway URL like http://gateway:8080`},
		{"relay gateways credentials", top("relay:", "  gateway: http://gw:8080", "  gateways:", "    - http://edge:hunter2@a:8080"), 12, "relay.gateways[0]", "holds credentials"},
		{"relay gateways without gateway", top("relay:", "  gateways: [\"http://a:8080\"]"), 10, "relay.gateways", "needs relay.gateway"},
		{"ice server scheme", top("relay:", "  ice_servers:", "    - urls: [\"http://stun.example.net\"]"), 11, "relay.ice_servers[0].urls[0]", `"http://stun.example.net" is not a STUN or TURN URL`},
		{"ice server password inline", top("relay:", "  ice_servers:", "    - urls: [\"turn:u:hunter2@turn.example.net\"]"), 11, "relay.ice_servers[0].urls[0]", "holds credentials"},
		{"turn without user", top("relay:", "  ice_servers:", "    - urls: [turn:turn.example.net]", "      credential_env: TURN_PASS"), 11, "relay.ice_servers[0].username", "missing"},
		{"turn credential_env name", top("relay:", "  ice_servers:", "    - urls: [turn:turn.example.net]", "      username: argus", "      credential_env: turn-pass"), 13, "relay.ice_servers[0].credential_env", "is not an environment variable name"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("t.yaml", []byte(tc.yaml))
			wantProblem(t, err, tc.line, tc.field, tc.msg)
		})
	}
}

func TestParseBoundaryValuesAreValid(t *testing.T) {
	doc := top("ingest:",
		"  reconnect: {min: 1ns, max: 1ns, jitter: 1}",
		"  consumer_queue: 65536",
		"  gop_cache_mb: 1024",
	)
	doc = strings.Replace(doc, "    main: rtsp://10.0.0.1/x\n",
		"    main: rtsp://10.0.0.1/x\n    location: {lat: -90, lon: 180}\n", 1)
	doc = strings.Replace(doc, "id: edge-1", "id: "+strings.Repeat("a", 63), 1)
	if _, err := Parse("t.yaml", []byte(doc)); err != nil {
		t.Fatal(err)
	}
}

// An inline password is refused, and neither the problem nor the whole
// error ever contains it.
func TestInlinePasswordRefusedAndNotEchoed(t *testing.T) {
	const secret = "s3cr3t-Pa55"
	cases := []struct {
		name, url, shown string
	}{
		{"user and password", "rtsp://admin:" + secret + "@10.0.0.1:554/x", "rtsp://admin:xxxxx@10.0.0.1:554/x"},
		{"empty user", "rtsp://:" + secret + "@10.0.0.1/x", "rtsp://:xxxxx@10.0.0.1/x"},
		{"at sign in password", "rtsp://admin:" + secret + "@x@10.0.0.1/x", "rtsp://admin:xxxxx@10.0.0.1/x"},
		{"space in password", "rtsp://admin:" + secret + " x@10.0.0.1/x", "rtsp://xxxxx@10.0.0.1/x"},
		{"one slash", "rtsp:/admin:" + secret + "@10.0.0.1/x", "rtsp:/xxxxx@10.0.0.1/x"},
		{"query password", "rtsp://10.0.0.1/x?user=admin&password=" + secret, "rtsp://10.0.0.1/x?user=admin&password=xxxxx"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			doc := strings.Replace(base, "rtsp://10.0.0.1/x", "'"+tc.url+"'", 1)
			doc += "  - {id: c2, site: s1, main: rtsp://h/y, sub: '" + tc.url + "'}\n"
			_, err := Parse("t.yaml", []byte(doc))
			if tc.name == "query password" {
				// Some cameras can only take credentials in the query;
				// that is allowed, but never shown unredacted.
				if err != nil && strings.Contains(err.Error(), secret) {
					t.Fatalf("error echoes the password:\n%v", err)
				}
				if got := Redact(tc.url); got != tc.shown {
					t.Fatalf("Redact = %q, want %q", got, tc.shown)
				}
				return
			}
			if err == nil {
				t.Fatal("an inline password was accepted")
			}
			if strings.Contains(err.Error(), secret) {
				t.Fatalf("error echoes the password:\n%v", err)
			}
			for _, p := range problemsOf(t, err) {
				if strings.Contains(p.Msg, secret) || strings.Contains(p.Field, secret) {
					t.Fatalf("problem echoes the password: %+v", p)
				}
			}
			if tc.name != "space in password" && tc.name != "one slash" {
				wantProblem(t, err, 8, "cameras[0].main", `"`+tc.shown+`" holds a password`)
				wantProblem(t, err, 9, "cameras[1].sub", "password_env")
			} else if !strings.Contains(err.Error(), tc.shown) {
				t.Fatalf("error does not show %q:\n%v", tc.shown, err)
			}
		})
	}
}

// A password written where its variable's name belongs is not echoed.
func TestPasswordInPasswordEnvNotEchoed(t *testing.T) {
	_, err := Parse("t.yaml", []byte(cam("password_env: 'hunter2!'")))
	wantProblem(t, err, 9, "cameras[0].password_env", "not the secret")
	if strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("error echoes the value:\n%v", err)
	}
}

func TestValidateBuiltInCode(t *testing.T) {
	e := &Edge{
		Edge:    Identity{ID: "edge-1"},
		Sites:   []Site{{ID: "s1"}},
		Cameras: []Camera{{ID: "c1", Site: "s1", Main: "rtsp://h/x"}},
	}
	if err := e.Validate(); err == nil || !strings.Contains(err.Error(), "ingest.read_timeout: 0s is not more than 0") {
		t.Errorf("Validate before ApplyDefaults = %v, want a read_timeout problem", err)
	}
	e.ApplyDefaults()
	if err := e.Validate(); err != nil {
		t.Errorf("Validate after ApplyDefaults: %v", err)
	}
	e.Cameras[0].Transport = "quic"
	want := `cameras[0].transport: "quic" is not one of tcp, udp, auto`
	if err := e.Validate(); err == nil || err.Error() != want {
		t.Errorf("Validate = %v, want %s", err, want)
	}
}

// The edge's HTTP token variable is checked like a camera's.
func TestHTTPTokenEnvIsAName(t *testing.T) {
	_, err := Parse("t.yaml", []byte("edge: {id: e1, http_token_env: 's3cret token'}\n"))
	if err == nil || !strings.Contains(err.Error(), "edge.http_token_env") || strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("error %v, want a problem on edge.http_token_env that does not echo the value", err)
	}
}

// relay.ice_servers parse without their TURN password's variable being
// set: the edge reads it when it starts (iceservers.Resolve).
func TestParseRelayICEServers(t *testing.T) {
	doc := top("relay:", "  ice_servers:",
		`    - urls: ["stun:stun.example.net:3478"]`,
		`    - urls: ["turn:turn.example.net:3478?transport=udp"]`,
		"      username: argus-edge",
		"      credential_env: ARGUS_TEST_UNSET_TURN_PASSWORD")
	e, err := Parse("t.yaml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	ice := e.Relay.ICEServers
	if len(ice) != 2 || ice[1].Username != "argus-edge" || ice[1].CredentialEnv != "ARGUS_TEST_UNSET_TURN_PASSWORD" {
		t.Fatalf("relay.ice_servers %+v", ice)
	}
}

// CheckCamera is the one check of a camera entry that the edge config and
// the gateway's inventory share: on its own (path "") its fields are bare.
func TestCheckCameraAlone(t *testing.T) {
	ps := strict.NewProblems("")
	CheckCamera(ps, "", Camera{ID: "Gate", Main: "rtsp://admin:hunter2@10.0.0.9/live", Transport: "quic",
		PasswordEnv: "not a name", Location: &Location{Lat: 91, Lon: 0}})
	var got []string
	for _, p := range ps.Err().(*Error).Problems {
		got = append(got, p.Field)
		if strings.Contains(p.Msg, "hunter2") {
			t.Errorf("%s quotes the password: %s", p.Field, p.Msg)
		}
	}
	want := []string{"id", "main", "transport", "password_env", "location.lat"}
	if !slices.Equal(got, want) {
		t.Fatalf("fields %v, want %v", got, want)
	}
	ps = strict.NewProblems("")
	CheckCamera(ps, "", Camera{ID: "gate", Main: "rtsp://10.0.0.9/live", Transport: "tcp"})
	if err := ps.Err(); err != nil {
		t.Fatalf("a good camera: %v", err)
	}
}
