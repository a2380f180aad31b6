package configs

import (
	"strings"
	"testing"

	"github.com/argus-edge/argus/configs/strict"
)

// The advertised URL of the edge's HTTP API: derived from the listen
// address, or edge.http_url with {id} replaced; bad ones are refused with
// the field.
func TestAdvertisedHTTPURL(t *testing.T) {
	for _, c := range []struct{ listen, url, want, problem string }{
		{":9100", "", "http://127.0.0.1:9100", ""},
		{"0.0.0.0:9101", "", "http://127.0.0.1:9101", ""},
		{"10.0.0.5:9100", "", "http://10.0.0.5:9100", ""},
		{"[::]:9100", "", "http://127.0.0.1:9100", ""},
		{":9100", "http://{id}.argus-edge:9100/", "http://edge-7.argus-edge:9100", ""},
		{":9100", "https://edge.example:9443", "https://edge.example:9443", ""},
		{":9100", "ftp://x:1", "", "edge.http_url"},
		{":9100", "http://u:p@x:1", "", "no user or password"},
		{":9100", "http://x:1/api", "", "without path"},
	} {
		id := Identity{ID: "edge-7", HTTP: c.listen, HTTPURL: c.url}
		ps := strict.NewProblems("edge.yaml")
		checkHTTPURL(ps, "edge.http_url", id)
		err := ps.Err()
		switch {
		case c.problem == "" && err != nil:
			t.Errorf("%+v: %v", c, err)
		case c.problem != "" && (err == nil || !strings.Contains(err.Error(), c.problem)):
			t.Errorf("%+v: error %v, want one saying %q", c, err, c.problem)
		case c.problem == "" && id.AdvertisedURL() != c.want:
			t.Errorf("%+v: %q, want %q", c, id.AdvertisedURL(), c.want)
		}
	}
}
