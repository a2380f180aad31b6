package inventory

import (
	"errors"
	"strings"
	"testing"

	"github.com/argus-edge/argus/gateway/store"
)

// A camera's view and power area, optional, in YAML and CSV; each mistake
// one problem at its line and field.
func TestParseView(t *testing.T) {
	yml := `cameras:
  - id: ridge-1
    site: hillside
    main: rtsp://10.0.1.1/main
    location: {lat: 22.54, lon: 114.04}
    view: {heading: 135, fov: 60, range_m: 1500}
    power_area: feeder-7
`
	rows, err := Parse("application/yaml", []byte(yml))
	if err != nil {
		t.Fatal(err)
	}
	if c := Cameras(rows)[0]; c.View == nil || *c.View != (store.CameraView{Heading: 135, FOV: 60, Range: 1500}) || c.PowerArea != "feeder-7" {
		t.Fatalf("yaml camera %+v", c)
	}
	header := "id,site,main,lat,lon,heading,fov,range_m,power_area\n"
	rows, err = ParseCSV([]byte(header + "ridge-2,hillside,rtsp://10.0.1.2/m,22.54,114.05,350,90,800,feeder-7\nridge-3,hillside,rtsp://10.0.1.3/m,,,,,,\n"))
	if err != nil {
		t.Fatal(err)
	}
	cams := Cameras(rows)
	if cams[0].View == nil || cams[0].View.Heading != 350 || cams[0].PowerArea != "feeder-7" || cams[1].View != nil || cams[1].PowerArea != "" {
		t.Fatalf("csv cameras %+v %+v", cams[0], cams[1])
	}
	for _, c := range []struct{ row, field, want string }{
		{"c1,hillside,rtsp://10.0.1.2/m,22.54,114.05,360,90,800,", "heading", "not in [0, 360)"},
		{"c1,hillside,rtsp://10.0.1.2/m,22.54,114.05,10,0,800,", "fov", "not in (0, 360]"},
		{"c1,hillside,rtsp://10.0.1.2/m,22.54,114.05,10,90,90000,", "range_m", "not in (0, 20000]"},
		{"c1,hillside,rtsp://10.0.1.2/m,22.54,114.05,10,,800,", "fov", "is required with heading and range_m"},
		{"c1,hillside,rtsp://10.0.1.2/m,,,10,90,800,", "view", "needs the camera's location"},
		{"c1,hillside,rtsp://10.0.1.2/m,,,,,,Feeder 7", "power_area", "not a valid id"},
	} {
		_, err := ParseCSV([]byte(header + c.row + "\n"))
		var pe *Error
		if !errors.As(err, &pe) || len(pe.Problems) != 1 {
			t.Fatalf("%s: %v, want one problem", c.row, err)
		}
		if p := pe.Problems[0]; p.Line != 2 || p.Field != c.field || !strings.Contains(p.Msg, c.want) {
			t.Errorf("%s: problem %q, want line 2, field %q, %q", c.row, p, c.field, c.want)
		}
	}
}
