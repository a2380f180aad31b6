package drone

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/argus-edge/argus/drivers/sim"
)

// Simulated: the demo fleet's drones become options New accepts, signed
// with the key the demo's variable holds.
func TestFromFleetDemo(t *testing.T) {
	f, err := sim.LoadFleet("../../../configs/sim-demo.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := FromFleet(f); err == nil || !strings.Contains(err.Error(), "sim-demo.yaml:") ||
		!strings.Contains(err.Error(), "environment variable ARGUS_DEMO_MAVLINK_KEY is not set") {
		t.Errorf("without the key: %v", err)
	}
	t.Setenv("ARGUS_DEMO_MAVLINK_KEY", "not-a-key")
	if _, err := FromFleet(f); err == nil || strings.Contains(err.Error(), "not-a-key") ||
		!strings.Contains(err.Error(), "ARGUS_DEMO_MAVLINK_KEY: not a MAVLink signing key") {
		t.Errorf("a malformed key: %v", err)
	}
	key := bytes.Repeat([]byte{7}, 32)
	t.Setenv("ARGUS_DEMO_MAVLINK_KEY", hex.EncodeToString(key))
	opts, err := FromFleet(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(opts) != 2 {
		t.Fatalf("%d drones; want 2", len(opts))
	}
	if o := opts[0]; o.SystemID != 1 || o.Link != "udpc://127.0.0.1:14550" || o.Home.Lat != 22.5460 || o.Speed != 8 || !bytes.Equal(o.SigningKey, key) {
		t.Errorf("hillside drone %+v", o)
	}
	for _, o := range opts {
		if _, err := New(o); err != nil {
			t.Errorf("demo drone %s refused: %v", o.ID, err)
		}
	}
}
