package inventory

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/gateway/store"
)

const goodCSV = "\xef\xbb\xbfid,site,name,main,sub,transport,username,username_env,password_env,lat,lon,alt,pin,disabled\n" +
	"gate-1,riverside,Main gate,rtsp://10.0.0.5/main,rtsp://10.0.0.5/sub,udp,viewer,,GATE_PASSWORD,45.07,7.68,240,,false\n" +
	`bank-2,riverside,"Bank, north side",rtsp://10.0.0.6/live,,,,CAM_USER,CAM_PASSWORD,,,,edge-dock,yes` + "\n"

// A good CSV (BOM, quoted comma, defaults, optional columns empty) reads
// into the cameras the store files.
func TestParseCSV(t *testing.T) {
	rows, err := Parse("text/csv; charset=utf-8", []byte(goodCSV))
	if err != nil {
		t.Fatal(err)
	}
	got := Cameras(rows)
	want := []store.Camera{
		{ID: "gate-1", Site: "riverside", Name: "Main gate", Main: "rtsp://10.0.0.5/main", Sub: "rtsp://10.0.0.5/sub",
			Transport: "udp", Username: "viewer", PasswordEnv: "GATE_PASSWORD", Location: &bus.Geo{Lat: 45.07, Lon: 7.68, Alt: 240}, Weight: 1},
		{ID: "bank-2", Site: "riverside", Name: "Bank, north side", Main: "rtsp://10.0.0.6/live", Transport: "tcp",
			UsernameEnv: "CAM_USER", PasswordEnv: "CAM_PASSWORD", Pin: "edge-dock", Weight: 1, Disabled: true},
	}
	if len(got) != 2 || rows[0].Line != 2 || rows[1].Line != 3 {
		t.Fatalf("rows %+v", rows)
	}
	for i := range want {
		if !same(got[i], want[i]) {
			t.Errorf("row %d: %+v\nwant %+v", i, got[i], want[i])
		}
	}
}

// same compares two cameras, locations by value.
func same(a, b store.Camera) bool {
	if (a.Location == nil) != (b.Location == nil) || a.Location != nil && *a.Location != *b.Location {
		return false
	}
	a.Location, b.Location = nil, nil
	return a == b
}

const goodYAML = `cameras:
  - id: gate-1
    site: riverside
    main: rtsp://10.0.0.5/main
    password_env: GATE_PASSWORD
    location: {lat: 45.07, lon: 7.68}
    weight: 2.5
  - id: dock-1
    site: hillside
    main: rtsp://10.0.1.9/main
    transport: auto
    pin: edge-dock
`

// A YAML import is the edge config's cameras list, plus pin and weight.
func TestParseYAML(t *testing.T) {
	rows, err := Parse("application/yaml", []byte(goodYAML))
	if err != nil {
		t.Fatal(err)
	}
	got := Cameras(rows)
	if len(got) != 2 || rows[0].Line != 2 || rows[1].Line != 8 || got[0].Weight != 2.5 || got[0].Location.Lat != 45.07 ||
		got[0].Transport != "tcp" || got[1].Transport != "auto" || got[1].Pin != "edge-dock" || got[1].Weight != 1 {
		t.Fatalf("rows %+v cameras %+v", rows, got)
	}
}

// Each kind of mistake is one problem at its line and field; the others
// around it are all reported in the same answer.
func TestParseProblems(t *testing.T) {
	header := "id,site,name,main,transport,username,username_env,password_env,lat,lon,alt,pin,weight,disabled\n"
	good := "ok-%d,riverside,ok,rtsp://10.0.0.1/x,,,,,,,,,,\n"
	cases := []struct {
		name, row   string
		field, want string
	}{
		{"bad id", "Gate 1,riverside,,rtsp://10.0.0.1/x,,,,,,,,,,", "id", "not a valid id"},
		{"no site", "c1,,,rtsp://10.0.0.1/x,,,,,,,,,,", "site", "is required"},
		{"bad site", "c1,River Side,,rtsp://10.0.0.1/x,,,,,,,,,,", "site", "not a valid id"},
		{"no main", "c1,riverside,,,,,,,,,,,,", "main", "is required"},
		{"http main", "c1,riverside,,http://10.0.0.1/x,,,,,,,,,,", "main", "rtsp://"},
		{"inline password", "c1,riverside,,rtsp://admin:hunter2@10.0.0.1/x,,,,,,,,,,", "main", "holds a password"},
		{"transport", "c1,riverside,,rtsp://10.0.0.1/x,quic,,,,,,,,,", "transport", `"quic" is not one of`},
		{"both users", "c1,riverside,,rtsp://10.0.0.1/x,,ann,ANN,,,,,,,", "username_env", "exclude each other"},
		{"secret as env name", "c1,riverside,,rtsp://10.0.0.1/x,,,,hunter2!,,,,,,", "password_env", "not an environment variable name"},
		{"lat range", "c1,riverside,,rtsp://10.0.0.1/x,,,,,95,7,,,,", "lat", "between -90 and 90"},
		{"lat not a number", "c1,riverside,,rtsp://10.0.0.1/x,,,,,north,7,,,,", "lat", "not a number"},
		{"lon missing", "c1,riverside,,rtsp://10.0.0.1/x,,,,,45,,,,,", "lon", "required with lat"},
		{"alt infinite", "c1,riverside,,rtsp://10.0.0.1/x,,,,,45,7,Inf,,,", "alt", "finite"},
		{"pin", "c1,riverside,,rtsp://10.0.0.1/x,,,,,,,,Edge A,,", "pin", "not a valid id"},
		{"weight", "c1,riverside,,rtsp://10.0.0.1/x,,,,,,,,,0,", "weight", "not in (0, 100]"},
		{"disabled", "c1,riverside,,rtsp://10.0.0.1/x,,,,,,,,,,maybe", "disabled", "not true or false"},
		{"formula", `c1,riverside,"=HYPERLINK(""http://evil"")",rtsp://10.0.0.1/x,,,,,,,,,,`, "name", "CSV injection"},
		{"formula after spaces", `c1,riverside,  @SUM(A1),rtsp://10.0.0.1/x,,,,,,,,,,`, "name", "CSV injection"},
		{"duplicate id", "ok-1,riverside,,rtsp://10.0.0.1/x,,,,,,,,,,", "id", "already the id of the camera on line 2"},
		{"field count", "c1,riverside,,rtsp://10.0.0.1/x", "", "as many fields as the header"},
		{"bare quote", `c1,riverside,say "hi",rtsp://10.0.0.1/x,,,,,,,,,,`, "", "malformed quoting"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// the bad row on line 3, between good rows; one more bad row on line 5
			body := header + fmt.Sprintf(good, 1) + c.row + "\n" + fmt.Sprintf(good, 2) + "c9,riverside,,ftp://x/y,,,,,,,,,,\n"
			_, err := ParseCSV([]byte(body))
			var pe *Error
			if !errors.As(err, &pe) || len(pe.Problems) != 2 {
				t.Fatalf("%v, want two problems", err)
			}
			p := pe.Problems[0]
			if p.Line != 3 || p.Field != c.field || !strings.Contains(p.Msg, c.want) {
				t.Fatalf("problem %q, want line 3, field %q, %q", p, c.field, c.want)
			}
			if last := pe.Problems[1]; last.Line != 5 || last.Field != "main" {
				t.Fatalf("the row after was not read: %q", last)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Fatalf("a problem quotes the password: %v", err)
			}
		})
	}
}

// Header, file and type problems: named at line 1, or refused by type.
func TestParseFileProblems(t *testing.T) {
	for _, c := range []struct{ ct, body, want string }{
		{"text/csv", "", "line 1: empty file"},
		{"text/csv", "id,site,mian\n", "line 1: mian: unknown column"},
		{"text/csv", "id,site,main,site\nc,s,rtsp://h/x,s\n", "line 1: site: the column is named twice"},
		{"text/csv", "id,main\n", "line 1: site: missing column"},
		{"text/csv", "\"id,site,main\n", "line 1: malformed quoting"},
		{"application/yaml", "cameras:\n  - id: c1\n    site: s\n    mian: rtsp://h/x\n", "line 4: cameras[0].mian: unknown field (did you mean main?)"},
		{"application/yaml", "cameras:\n  - id: c1\n    site: s\n    main: rtsp://h/x\n  - id: c1\n    site: s\n    main: rtsp://h/x\n", "line 5: cameras[1].id: \"c1\" is already the id of the camera on line 2"},
		{"application/yaml", "sites: []\n", "unknown field"},
		{"application/json", `{"cameras": [{"id": "c1", "site": "s", "main": "rtsp://h/x", "weight": "heavy"}]}`, `line 1: cameras[0].weight: "heavy" is not a number`},
	} {
		_, err := Parse(c.ct, []byte(c.body))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %q: %v, want %q", c.ct, c.body, err, c.want)
		}
	}
	if _, err := Parse("text/plain", []byte("id\n")); !errors.Is(err, ErrMediaType) {
		t.Errorf("text/plain: %v", err)
	}
}

// Past MaxProblems, problems are counted, not listed.
func TestParseManyProblems(t *testing.T) {
	body := "id,site,main\n" + strings.Repeat("X,s,rtsp://h/x\n", 3000)
	_, err := ParseCSV([]byte(body))
	var pe *Error
	if !errors.As(err, &pe) || len(pe.Problems) != MaxProblems || pe.Omitted != 3000-MaxProblems+2999 {
		// each X row: a bad id, and from the second on a duplicate
		t.Fatalf("%d problems listed, %d omitted", len(pe.Problems), pe.Omitted)
	}
}

// ParseOne takes the id from the path and refuses a rename.
func TestParseOne(t *testing.T) {
	e, err := ParseOne([]byte(`{"site": "riverside", "main": "rtsp://10.0.0.1/x"}`), "gate-9")
	if err != nil || e.ID != "gate-9" {
		t.Fatalf("%+v %v", e, err)
	}
	if _, err := ParseOne([]byte(`{"id": "other", "site": "riverside", "main": "rtsp://10.0.0.1/x"}`), "gate-9"); err == nil ||
		!strings.Contains(err.Error(), "cannot be renamed") {
		t.Fatalf("rename: %v", err)
	}
	if _, err := ParseOne([]byte(`[1, 2]`), ""); err == nil || !strings.Contains(err.Error(), "must be a mapping") {
		t.Fatalf("a list: %v", err)
	}
}
