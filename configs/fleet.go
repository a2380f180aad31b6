package configs

import (
	"fmt"
	"net/url"
	"slices"
	"time"

	"github.com/argus-edge/argus/configs/strict"
)

// Fleet makes the edge one of a district's fleet: it has no camera list of
// its own; the gateway's assigner hands it cameras from the district
// inventory over the NATS JetStream backbone (drivers/fleet). It logs in
// there with the mqtt section's user and password: one identity per edge
// on the bus.
type Fleet struct {
	// NATS are the backbone's client URLs, nats://host:4222 or
	// tls://host:4222: every node of the cluster, so that the edge
	// reconnects to another when one fails.
	NATS []string `yaml:"nats"`
	// Capacity is what the edge can pull, in weight units (a camera of
	// weight 1 is one unit: about one camera); the assigner shares the
	// cameras in proportion to it.
	Capacity float64 `yaml:"capacity"`
	// Sites are the sites whose cameras the edge may serve, or "*" for any
	// (default ["*"]). The broker's permissions for the edge's user must
	// cover them.
	Sites []string `yaml:"sites"`
	// CAFile is a PEM file of the CA that signed the NATS servers'
	// certificates, for tls:// URLs; empty uses the system's roots.
	CAFile string `yaml:"ca_file"`
	// Fence is how long the edge pulls on without an acknowledged
	// heartbeat before it stops every pull by itself (default 2s, the
	// fleet's FenceAfter); it must be longer than the 1 s heartbeat period
	// and shorter than the 3 s heartbeat TTL, after which the assigner gives
	// the edge's cameras to others.
	Fence Duration `yaml:"fence"`
}

// Fleet defaults and bounds. They mirror drivers/fleet's timing (which
// configs may not import; edge/fleet_test.go checks they agree).
const (
	// DefaultFleetFence is fleet.FenceAfter.
	DefaultFleetFence = Duration(2 * time.Second)
	// FleetHeartbeatEvery is fleet.HeartbeatEvery: a fence no longer than
	// it would fence on one late heartbeat.
	FleetHeartbeatEvery = Duration(time.Second)
	// FleetHeartbeatTTL is fleet.HeartbeatTTL: a fence as long would let
	// another edge start a camera before this one stopped it.
	FleetHeartbeatTTL = Duration(3 * time.Second)
	// AllSites in fleet.sites lets the edge serve any site.
	AllSites = "*"
)

// defaults fills the fleet section's keys left out.
func (f *Fleet) defaults(unset func(path string, zero bool) bool) {
	if unset("fleet.sites", len(f.Sites) == 0) {
		f.Sites = []string{AllSites}
	}
	if unset("fleet.fence", f.Fence == 0) {
		f.Fence = DefaultFleetFence
	}
}

// checkFleet validates the fleet section and what it implies for the rest
// of the config: no cameras of its own, a bus identity.
func checkFleet(ps *strict.Problems, e *Edge) {
	f := e.Fleet
	if f == nil {
		return
	}
	if len(e.Cameras) > 0 {
		ps.Add("cameras", "must be empty with fleet: a fleet edge pulls the cameras the gateway assigns it from the district inventory; "+
			"remove cameras (register them with the gateway), or remove fleet to run this edge standalone")
	}
	if len(f.NATS) == 0 {
		ps.Add("fleet.nats", "is required: list the URL of every node of the NATS cluster, e.g. [nats://nats-0:4222, nats://nats-1:4222, nats://nats-2:4222]")
	}
	for i, raw := range f.NATS {
		checkNATSURL(ps, indexPath("fleet.nats", i), raw)
	}
	if !(f.Capacity > 0 && f.Capacity <= 1e6) {
		ps.Add("fleet.capacity", fmt.Sprintf("%g is not in (0, 1000000]: give what the edge can pull, in cameras of weight 1", f.Capacity))
	}
	for i, s := range f.Sites {
		field := indexPath("fleet.sites", i)
		if s == AllSites {
			if len(f.Sites) > 1 {
				ps.Add(field, `"*" already means every site: list site ids or "*" alone`)
			}
			continue
		}
		checkID(ps, field, s)
	}
	if f.Fence <= FleetHeartbeatEvery || f.Fence >= FleetHeartbeatTTL {
		ps.Add("fleet.fence", fmt.Sprintf("%s is not between %s (the heartbeat period) and %s (the heartbeat TTL), both excluded",
			f.Fence, FleetHeartbeatEvery, FleetHeartbeatTTL))
	}
	if e.MQTT.Broker == "" {
		ps.Add("mqtt.broker", "is required with fleet: the edge's statuses and anomalies go there")
	}
	if e.MQTT.Username == "" && e.MQTT.UsernameEnv == "" {
		ps.Add("mqtt.username", "is required with fleet (or mqtt.username_env): the edge logs in to the backbone with the mqtt user and password")
	}
	if e.MQTT.PasswordEnv == "" && e.MQTT.PasswordFile == "" {
		ps.Add("mqtt.password_env", "is required with fleet (or mqtt.password_file): the edge logs in to the backbone with the mqtt user and password")
	}
}

// checkNATSURL checks one backbone URL; it never quotes credentials back.
func checkNATSURL(ps *strict.Problems, field, raw string) {
	u, err := url.Parse(raw)
	switch {
	case err != nil || u.Host == "":
		ps.Add(field, fmt.Sprintf("%q is not a NATS URL like nats://nats-0:4222", Redact(raw)))
	case !slices.Contains([]string{"nats", "tls"}, u.Scheme):
		ps.Add(field, fmt.Sprintf("scheme %q is not nats or tls", u.Scheme))
	case u.User != nil:
		ps.Add(field, "holds credentials: the edge logs in with mqtt.username and the password in mqtt.password_env")
	}
}

// ServesSite tells whether fleet.sites lets the edge serve site.
func (f *Fleet) ServesSite(site string) bool {
	return slices.Contains(f.Sites, AllSites) || slices.Contains(f.Sites, site)
}
