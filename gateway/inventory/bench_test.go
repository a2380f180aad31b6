package inventory

import (
	"fmt"
	"strings"
	"testing"
)

// district41k is 41,000 cameras (100 sites × 410) as CSV and as YAML.
func district41k() (csv, yaml string) {
	var c, y strings.Builder
	c.WriteString("id,site,name,main,sub,transport,password_env,lat,lon\n")
	y.WriteString("cameras:\n")
	for i := range 41000 {
		id, site := fmt.Sprintf("cam-%05d", i), fmt.Sprintf("site-%03d", i%100)
		url := fmt.Sprintf("rtsp://10.%d.%d.%d:554/", i/65536, i/256%256, i%256)
		fmt.Fprintf(&c, "%s,%s,Camera %d,%smain,%ssub,tcp,CAM_PASSWORD,45.%04d,7.%04d\n", id, site, i, url, url, i%10000, i%10000)
		fmt.Fprintf(&y, "  - id: %s\n    site: %s\n    name: Camera %d\n    main: %smain\n    sub: %ssub\n    password_env: CAM_PASSWORD\n    location: {lat: 45.%04d, lon: 7.%04d}\n",
			id, site, i, url, url, i%10000, i%10000)
	}
	return c.String(), y.String()
}

// BenchmarkParse41k reads and checks the district's 41,000 cameras, as CSV
// and as YAML (the strict decoder), without storing them. Figures only.
func BenchmarkParse41k(b *testing.B) {
	csv, yaml := district41k()
	for _, c := range []struct{ name, ct, body string }{{"csv", "text/csv", csv}, {"yaml", "application/yaml", yaml}} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.body)))
			b.ReportAllocs()
			for b.Loop() {
				rows, err := Parse(c.ct, []byte(c.body))
				if err != nil || len(rows) != 41000 {
					b.Fatalf("%d rows: %v", len(rows), err)
				}
			}
		})
	}
}
