package inventory

import (
	"errors"
	"testing"

	"github.com/argus-edge/argus/configs"
	"github.com/argus-edge/argus/configs/strict"
)

// FuzzImport checks that no body makes the CSV or YAML reader panic; that a
// refusal is an *Error whose every problem has a message; and that every
// camera accepted passes the entry check again, with no password in its
// URLs and a weight the fleet can place.
func FuzzImport(f *testing.F) {
	for _, seed := range []string{goodCSV, goodYAML,
		"id,site,main\nc1,s,\"rtsp://h/x\n",
		"id,site,main\nc1,s,rtsp://a:b@h/x\n\"\"\"\n",
		"id,site,name,main\nc1,s,=cmd|' /C calc'!A0,rtsp://h/x\n",
		"cameras: &a [*a]\n",
		"cameras:\n  - {id: c, site: s, main: 'rtsp://h/x', location: {lat: .nan, lon: 1}}\n",
		`{"cameras": [{"id": "c", "site": "s", "main": "rtsp://h/x", "weight": 1e309}]}`,
	} {
		f.Add(false, []byte(seed))
		f.Add(true, []byte(seed))
	}
	f.Fuzz(func(t *testing.T, yaml bool, body []byte) {
		ct := "text/csv"
		if yaml {
			ct = "application/yaml"
		}
		rows, err := Parse(ct, body)
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) || len(pe.Problems) == 0 || rows != nil {
				t.Fatalf("refusal %v (%T) is not an *Error with problems", err, err)
			}
			for _, p := range pe.Problems {
				if p.Msg == "" || p.Line < 0 {
					t.Fatalf("problem without a message or with line %d: %+v", p.Line, p)
				}
			}
			return
		}
		for _, r := range rows {
			ps := strict.NewProblems("")
			check(ps, "", r.Camera)
			if err := ps.Err(); err != nil {
				t.Fatalf("accepted row at line %d fails its check: %v", r.Line, err)
			}
			c := r.Camera.Camera()
			if configs.Redact(c.Main) != c.Main || configs.Redact(c.Sub) != c.Sub {
				t.Fatalf("accepted a URL with a password: line %d", r.Line)
			}
			if !(c.Weight > 0 && c.Weight <= MaxWeight) {
				t.Fatalf("accepted weight %g", c.Weight)
			}
		}
	})
}
