package main

import (
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/argus-edge/argus/configs"
)

// TestDronesRefuseABadSigningKey: the edge's drones do not start when the
// variable mavlink.signing_key_env names is unset or holds no key; the
// error names the file, line and variable, never the value. Nothing is
// simulated: no link is opened.
func TestDronesRefuseABadSigningKey(t *testing.T) {
	doc := `edge: {id: e1}
sites: [{id: hillside}]
mavlink:
  signing_key_env: T_EDGE_BAD_MAVLINK_KEY
drones:
  - {id: d1, site: hillside, link: "udps://127.0.0.1:14999", system_id: 1, home: {lat: 22.546, lon: 114.0495, alt: 30}}
`
	cfg, err := configs.Parse("edge.yaml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	cfg.AirspaceDir = t.TempDir()
	for _, tc := range []struct{ value, want string }{
		{"", "edge.yaml:4: mavlink.signing_key_env: environment variable T_EDGE_BAD_MAVLINK_KEY is not set"},
		{"hunter2-not-a-key", "edge.yaml:4: mavlink.signing_key_env: environment variable T_EDGE_BAD_MAVLINK_KEY: not a MAVLink signing key"},
	} {
		if tc.value != "" {
			t.Setenv("T_EDGE_BAD_MAVLINK_KEY", tc.value)
		}
		dm, err := startDrones(cfg, nil, nil, zerolog.Nop())
		if err == nil {
			dm.Close()
			t.Fatalf("drones started with the key %q", tc.value)
		}
		if !strings.Contains(err.Error(), tc.want) || (tc.value != "" && strings.Contains(err.Error(), tc.value)) {
			t.Errorf("error %q, want %q and never the value", err, tc.want)
		}
	}
}
