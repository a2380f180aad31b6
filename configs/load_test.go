package configs

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// base is a minimal valid config; line numbers in the tests count from it:
// the first line appended by cam() is line 9, inside cameras[0].
const base = `edge:
  id: edge-1
sites:
  - id: s1
cameras:
  - id: c1
    site: s1
    main: rtsp://10.0.0.1/x
`

// cam returns base with extra lines added to cameras[0], from line 9.
func cam(lines ...string) string {
	var b strings.Builder
	b.WriteString(base)
	for _, l := range lines {
		b.WriteString("    " + l + "\n")
	}
	return b.String()
}

// top returns base with extra top-level lines, from line 9.
func top(lines ...string) string {
	return base + strings.Join(lines, "\n") + "\n"
}

// problemsOf asserts err is an *Error and returns its problems.
func problemsOf(t *testing.T, err error) []Problem {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not an *Error", err, err)
	}
	return e.Problems
}

// wantProblem asserts that err reports msg at line and field, both in the
// Problem and in the printed error.
func wantProblem(t *testing.T, err error, line int, field, msg string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %d: %s: %s", line, field, msg)
	}
	prefix := fmt.Sprintf("t.yaml:%d: %s: ", line, field)
	if field == "" {
		prefix = fmt.Sprintf("t.yaml:%d: ", line)
	}
	for _, p := range problemsOf(t, err) {
		if p.File == "t.yaml" && p.Line == line && p.Field == field && strings.Contains(p.Msg, msg) {
			for _, printed := range strings.Split(err.Error(), "\n") {
				if strings.HasPrefix(printed, prefix) && strings.Contains(printed, msg) {
					return
				}
			}
			t.Fatalf("problem found but not printed as %q...%q in:\n%v", prefix, msg, err)
		}
	}
	t.Fatalf("want %q...%q, got:\n%v", prefix, msg, err)
}

func TestParseGood(t *testing.T) {
	cases := []struct {
		name  string
		yaml  string
		check func(t *testing.T, e *Edge)
	}{
		{"minimal", base, func(t *testing.T, e *Edge) {
			if e.Edge.ID != "edge-1" || len(e.Sites) != 1 || len(e.Cameras) != 1 || e.Cameras[0].Main != "rtsp://10.0.0.1/x" {
				t.Errorf("decoded %+v", e)
			}
		}},
		{"all camera fields", cam(
			"name: Gate",
			"sub: rtsps://cam.example.net:322/sub",
			"transport: auto",
			"username_env: CAM_USER",
			"password_env: CAM_PASS",
			"location: {lat: -33.9, lon: 151.2, alt: 12.5}",
			"disabled: true",
		), func(t *testing.T, e *Edge) {
			want := Camera{ID: "c1", Site: "s1", Name: "Gate", Main: "rtsp://10.0.0.1/x",
				Sub: "rtsps://cam.example.net:322/sub", Transport: "auto", UsernameEnv: "CAM_USER",
				PasswordEnv: "CAM_PASS", Location: &Location{Lat: -33.9, Lon: 151.2, Alt: 12.5}, Disabled: true,
				Record: CameraRecord{Mode: RecordEvents}}
			if !e.Cameras[0].Same(want) {
				t.Errorf("camera %+v, want %+v", e.Cameras[0], want)
			}
		}},
		{"durations", top("ingest:", "  reconnect: {min: 250ms, max: 1m30s, jitter: 0}", "  read_timeout: 2s", "  stall_timeout: 1500ms"),
			func(t *testing.T, e *Edge) {
				in := e.Ingest
				if in.Reconnect.Min.D() != 250*time.Millisecond || in.Reconnect.Max.D() != 90*time.Second ||
					in.ReadTimeout.D() != 2*time.Second || in.StallTimeout.D() != 1500*time.Millisecond {
					t.Errorf("ingest %+v", in)
				}
				if in.Reconnect.Jitter != 0 {
					t.Errorf("an explicit jitter 0 became %g: defaults must fill only keys left out", in.Reconnect.Jitter)
				}
			}},
		{"null values take the default", top("ingest:", "  read_timeout: ~", "  reconnect:"), func(t *testing.T, e *Edge) {
			if e.Ingest.ReadTimeout != DefaultReadTimeout || e.Ingest.Reconnect.Min != DefaultReconnectMin {
				t.Errorf("ingest %+v", e.Ingest)
			}
		}},
		{"no cameras", "edge: {id: edge-1}\n", func(t *testing.T, e *Edge) {
			if len(e.Cameras) != 0 {
				t.Errorf("cameras %+v", e.Cameras)
			}
		}},
		{"merge key from an anchored camera", `edge: {id: e}
sites: [{id: s1}]
cameras:
  - &cam {id: c1, site: s1, main: "rtsp://h/1", transport: udp, username: u}
  - <<: *cam
    id: c2
    main: rtsp://h/2
`, func(t *testing.T, e *Edge) {
			c := e.Cameras[1]
			if c.ID != "c2" || c.Main != "rtsp://h/2" || c.Site != "s1" || c.Transport != "udp" || c.Username != "u" {
				t.Errorf("merged camera %+v", c)
			}
		}},
		{"alias", `edge: {id: e}
sites: [{id: s1}]
cameras:
  - {id: c1, site: s1, main: "rtsp://h/1", location: &here {lat: 1, lon: 2}}
  - {id: c2, site: s1, main: "rtsp://h/2", location: *here}
`, func(t *testing.T, e *Edge) {
			if *e.Cameras[1].Location != (Location{Lat: 1, Lon: 2}) {
				t.Errorf("location %+v", e.Cameras[1].Location)
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e, err := Parse("t.yaml", []byte(tc.yaml))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			tc.check(t, e)
		})
	}
}

func TestParseDecodeProblems(t *testing.T) {
	cases := []struct {
		name  string
		yaml  string
		line  int
		field string
		msg   string
	}{
		{"unknown camera key", cam("pasword_env: X"), 9, "cameras[0].pasword_env", "unknown field (did you mean password_env?)"},
		{"unknown top-level key", top("cameraz: []"), 9, "cameraz", "unknown field"},
		{"unknown nested key", top("ingest:", "  reconnect:", "    maximum: 5s"), 11, "ingest.reconnect.maximum", "unknown field"},
		{"unknown key far from any", cam("frobnicate: 1"), 9, "cameras[0].frobnicate", "unknown field"},
		{"duplicate key", cam("site: s1"), 9, "cameras[0].site", "duplicate field"},
		{"bad duration", top("ingest:", "  read_timeout: 10"), 10, "ingest.read_timeout", `"10" is not a duration`},
		{"bad duration word", top("ingest:", "  reconnect: {min: soon}"), 10, "ingest.reconnect.min", `"soon" is not a duration`},
		{"duration as a list", top("ingest:", "  stall_timeout: [1s]"), 10, "ingest.stall_timeout", "expected a duration"},
		{"bad integer", top("ingest:", "  consumer_queue: lots"), 10, "ingest.consumer_queue", `"lots" is not an integer`},
		{"bad number", cam("location: {lat: north, lon: 1}"), 9, "cameras[0].location.lat", `"north" is not a number`},
		{"bad boolean", cam("disabled: maybe"), 9, "cameras[0].disabled", `"maybe" is not true or false`},
		{"list where a mapping belongs", top("ingest: [1, 2]"), 9, "ingest", "expected a mapping, found a list"},
		{"mapping where a list belongs", "edge: {id: e}\nsites: {id: s1}\n", 2, "sites", "expected a list, found a mapping"},
		{"mapping where a value belongs", cam("name: {first: a}"), 9, "cameras[0].name", "expected a single value, found a mapping"},
		// yaml.v3 reports the line of the mapping it was parsing.
		{"syntax error", "edge:\n  id: e\n bad indent: [\n", 2, "", "did not find expected key"},
		{"unclosed quote", "edge:\n  id: \"e\n", 2, "", "found unexpected end of stream"},
		{"second document", base + "---\nedge: {id: e2}\n", 9, "", "a second YAML document"},
		{"not a mapping", "- a\n- b\n", 1, "", "the document must be a mapping"},
		{"merge of itself", "edge: {id: e}\nsites: [{id: s}]\ncameras:\n  - &c {id: c, site: s, main: 'rtsp://h/x', <<: *c}\n", 4, "cameras[0]", "merge key nested too deeply"},
		{"merge of a value", cam("<<: 5"), 9, "cameras[0]", `merge key (<<) needs a mapping, found "5"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e, err := Parse("t.yaml", []byte(tc.yaml))
			if e != nil {
				t.Errorf("Parse returned a config along with the error")
			}
			wantProblem(t, err, tc.line, tc.field, tc.msg)
		})
	}
}

func TestParseEmpty(t *testing.T) {
	for _, doc := range []string{"", "\n\n", "# only a comment\n", "---\n", "~\n"} {
		_, err := Parse("t.yaml", []byte(doc))
		if err == nil || !strings.Contains(err.Error(), "empty document") || !strings.HasPrefix(err.Error(), "t.yaml") {
			t.Errorf("Parse(%q) = %v, want t.yaml: ... empty document", doc, err)
		}
	}
}

// A value that fails to decode is reported once, not again by validation.
func TestParseBadValueReportedOnce(t *testing.T) {
	_, err := Parse("t.yaml", []byte(top("ingest:", "  read_timeout: fast")))
	if ps := problemsOf(t, err); len(ps) != 1 {
		t.Errorf("want 1 problem, got:\n%v", err)
	}
}

// All problems come back at once, sorted by line.
func TestParseReportsAllProblems(t *testing.T) {
	doc := `edge:
  id: Edge/1
ingest:
  read_timeout: 0s
  gop_cache_mb: many
sites:
  - id: s1
cameras:
  - id: c1
    site: s2
    main: rtsp://h/x
    transport: tpc
    pasword_env: X
`
	_, err := Parse("t.yaml", []byte(doc))
	ps := problemsOf(t, err)
	wantLines := []int{2, 4, 5, 10, 12, 13}
	if len(ps) != len(wantLines) {
		t.Fatalf("got %d problems, want %d:\n%v", len(ps), len(wantLines), err)
	}
	for i, p := range ps {
		if p.Line != wantLines[i] {
			t.Errorf("problem %d at line %d, want %d (%v)", i, p.Line, wantLines[i], p)
		}
	}
	if n := strings.Count(err.Error(), "\n"); n != len(wantLines)-1 {
		t.Errorf("Error() has %d lines, want one per problem:\n%v", n+1, err)
	}
}

// Aliases that expand exponentially are stopped, not walked.
func TestParseAliasBomb(t *testing.T) {
	var b strings.Builder
	b.WriteString("edge: {id: e}\nsites: [{id: s}]\ncameras:\n  - &c0 {id: c, site: s, main: 'rtsp://h/x'}\n")
	for i := 1; i <= 30; i++ {
		fmt.Fprintf(&b, "  - &c%d {<<: [*c%d, *c%d, *c%d, *c%d]}\n", i, i-1, i-1, i-1, i-1)
	}
	start := time.Now()
	_, err := Parse("t.yaml", []byte(b.String()))
	if err == nil || !strings.Contains(err.Error(), "expands too much") {
		t.Errorf("want an expansion error, got %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v", d)
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "edge.yaml")
	if err := os.WriteFile(good, []byte(base), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(good); err != nil {
		t.Errorf("Load(good): %v", err)
	}

	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte(cam("transport: tpc")), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Load(bad)
	want := bad + `:9: cameras[0].transport: "tpc" is not one of tcp, udp, auto`
	if err == nil || err.Error() != want {
		t.Errorf("Load(bad) = %v, want %s", err, want)
	}

	if _, err := Load(filepath.Join(dir, "missing.yaml")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Load(missing) = %v, want ErrNotExist", err)
	}
}

func TestProblemString(t *testing.T) {
	cases := []struct {
		p    Problem
		want string
	}{
		{Problem{File: "a.yaml", Line: 3, Field: "edge.id", Msg: "is required"}, "a.yaml:3: edge.id: is required"},
		{Problem{File: "a.yaml", Field: "edge.id", Msg: "is required"}, "a.yaml: edge.id: is required"},
		{Problem{File: "a.yaml", Msg: "empty document"}, "a.yaml: empty document"},
		{Problem{Field: "edge.id", Msg: "is required"}, "edge.id: is required"},
	}
	for _, tc := range cases {
		if got := tc.p.String(); got != tc.want {
			t.Errorf("%+v.String() = %q, want %q", tc.p, got, tc.want)
		}
	}
}
