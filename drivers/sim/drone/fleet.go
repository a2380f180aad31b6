package drone

import (
	"fmt"
	"os"
	"time"

	"github.com/argus-edge/argus/configs"
	"github.com/argus-edge/argus/drivers/mavlink"
	"github.com/argus-edge/argus/drivers/sim"
)

// FromFleet returns the options of a fleet file's simulated drones, with
// the signing keys read from the variables the file names (an error names
// the file, line and variable, never the value). It lives here, not in
// drivers/sim, so that the camera simulator (which the test peers import
// everywhere) does not import the MAVLink driver.
func FromFleet(f *sim.Fleet) ([]Options, error) {
	var out []Options
	for _, d := range f.Drones {
		key, err := fleetKey(f.File, d)
		if err != nil {
			return nil, err
		}
		out = append(out, Options{ID: d.ID, SystemID: d.SystemID, Link: d.Link,
			Home:  mavlink.Point{Lat: d.Home.Lat, Lon: d.Home.Lon, Alt: d.Home.Alt},
			Speed: d.Speed, Climb: d.Climb, Battery: d.Battery, Speedup: d.Speedup,
			GCSTimeout: 5 * time.Second, SigningKey: key})
	}
	return out, nil
}

// fleetKey reads a fleet drone's signing key; nil when it names none.
func fleetKey(file string, d sim.FleetDrone) ([]byte, error) {
	if d.SigningKeyEnv == "" {
		return nil, nil
	}
	at := d.At(file, "signing_key_env")
	v, ok := os.LookupEnv(d.SigningKeyEnv)
	if !ok {
		return nil, fmt.Errorf("%s: drone %q: signing_key_env: environment variable %s is not set", at, d.ID, d.SigningKeyEnv)
	}
	key, err := configs.ParseMAVLinkKey(v)
	if err != nil {
		return nil, fmt.Errorf("%s: drone %q: signing_key_env: environment variable %s: %w", at, d.ID, d.SigningKeyEnv, err)
	}
	return key, nil
}
