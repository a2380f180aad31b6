package configs

import (
	"fmt"
	"math"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/argus-edge/argus/configs/iceservers"
	"github.com/argus-edge/argus/configs/strict"
)

var (
	// idPattern keeps ids usable as MQTT topic levels and file names: no
	// '/', '+' or '#', lower case so that "Gate" and "gate" cannot collide.
	idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)
	// envPattern is what a POSIX shell accepts as a variable name.
	envPattern = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	// transports are the RTSP transports a camera may ask for.
	transports = []string{"tcp", "udp", "auto"}
)

// Validate checks a config built in code, after ApplyDefaults, by the same
// rules as Parse. Problems carry field paths but no file or line.
func (e *Edge) Validate() error {
	ps := strict.NewProblems("")
	validate(e, ps)
	return ps.Err()
}

// validate records every rule the config breaks.
func validate(e *Edge, ps *strict.Problems) {
	if e.Edge.ID == "" {
		ps.Add("edge.id", "is required (or give the edge's -id flag)")
	} else {
		checkID(ps, "edge.id", e.Edge.ID)
	}
	checkListen(ps, "edge.http", e.Edge.HTTP)
	checkEnvName(ps, "edge.http_token_env", e.Edge.HTTPTokenEnv)
	checkHTTPURL(ps, "edge.http_url", e.Edge)
	checkIngest(ps, &e.Ingest)
	sites := checkSites(ps, e.Sites)
	cameras := checkCameras(ps, e.Cameras, sites)
	checkDrones(ps, e.Drones, sites, cameras)
	checkMAVLink(ps, &e.MAVLink, len(e.Drones))
	checkMQTT(ps, &e.MQTT)
	checkDetect(ps, &e.Detect)
	checkRelay(ps, &e.Relay)
	checkRecord(ps, &e.Record)
	checkFleet(ps, e)
}

func checkRelay(ps *strict.Problems, r *Relay) {
	if r.Gateway != "" {
		checkGatewayURL(ps, "relay.gateway", r.Gateway)
	}
	for i, g := range r.Gateways {
		checkGatewayURL(ps, indexPath("relay.gateways", i), g)
	}
	if len(r.Gateways) > 0 && r.Gateway == "" {
		ps.Add("relay.gateways", "needs relay.gateway: relaying is off without it")
	}
	checkEnvName(ps, "relay.token_env", r.TokenEnv)
	checkPositive(ps, "relay.idle_timeout", r.IdleTimeout)
	// Syntax only: the edge reads the TURN passwords when it starts.
	iceservers.Check(ps, "relay.ice_servers", r.ICEServers, nil)
}

// checkGatewayURL refuses a gateway base URL that is not http(s)://host[:port]:
// relays append /whip/{camera} to it, and the token is sent apart.
func checkGatewayURL(ps *strict.Problems, field, raw string) {
	u, err := url.Parse(raw)
	switch {
	case err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https"):
		ps.Add(field, fmt.Sprintf("%q is not a gateway URL like http://gateway:8080", Redact(raw)))
	case u.User != nil:
		ps.Add(field, "holds credentials: put the edge's token in the variable named by relay.token_env")
	}
}

func checkMQTT(ps *strict.Problems, m *MQTT) {
	if m.Broker != "" {
		u, err := url.Parse(m.Broker)
		switch {
		case err != nil || u.Host == "":
			ps.Add("mqtt.broker", fmt.Sprintf("%q is not a broker URL like tcp://127.0.0.1:1883", Redact(m.Broker)))
		case u.Scheme != "tcp" && u.Scheme != "ssl" && u.Scheme != "tls" && u.Scheme != "ws" && u.Scheme != "wss":
			ps.Add("mqtt.broker", fmt.Sprintf("scheme %q is not one of tcp, ssl, tls, ws, wss", u.Scheme))
		case u.User != nil:
			ps.Add("mqtt.broker", "holds credentials: write the user in mqtt.username and the password in mqtt.password_env")
		}
	}
	if m.Username != "" && m.UsernameEnv != "" {
		ps.Add("mqtt.username_env", "username and username_env exclude each other: keep one")
	}
	checkEnvName(ps, "mqtt.username_env", m.UsernameEnv)
	checkEnvName(ps, "mqtt.password_env", m.PasswordEnv)
	if m.PasswordEnv != "" && m.PasswordFile != "" {
		ps.Add("mqtt.password_file", "password_env and password_file exclude each other: keep one")
	}
	if m.CAFile != "" && m.Broker != "" && !secureBroker(m.Broker) {
		ps.Add("mqtt.ca_file", "is for a TLS broker (tls://, ssl:// or wss://): mqtt.broker is plain")
	}
	checkRange(ps, "mqtt.queue_max", m.QueueMax, 1, 100_000_000)
	checkRange(ps, "mqtt.queue_max_mb", m.QueueMaxMB, 1, 1<<20)
	checkRange(ps, "mqtt.inflight", m.Inflight, 1, 4096) // busclient.MaxInflight
}

// secureBroker tells whether a broker URL's scheme is TLS.
func secureBroker(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && (u.Scheme == "tls" || u.Scheme == "ssl" || u.Scheme == "wss")
}

func checkDetect(ps *strict.Problems, d *Detect) {
	if d.IdleFPS <= 0 || d.IdleFPS > 30 {
		ps.Add("detect.idle_fps", fmt.Sprintf("%g is not in (0, 30]", d.IdleFPS))
	}
	if d.ActiveFPS <= 0 || d.ActiveFPS > 60 {
		ps.Add("detect.active_fps", fmt.Sprintf("%g is not in (0, 60]", d.ActiveFPS))
	}
	checkPositive(ps, "detect.quiet", d.Quiet)
	if d.Cores <= 0 || d.Cores > 4096 {
		ps.Add("detect.cores", fmt.Sprintf("%g is not in (0, 4096]: the analysis budget in cores", d.Cores))
	}
	checkPositive(ps, "detect.max_lag", d.MaxLag)
}

func checkID(ps *strict.Problems, field, id string) {
	switch {
	case id == "":
		ps.Add(field, "is required")
	case !idPattern.MatchString(id):
		ps.Add(field, fmt.Sprintf("%q is not a valid id: use 1 to 63 of a-z, 0-9, _ and -, starting with a letter or digit (ids are MQTT topic levels)", id))
	}
}

func checkListen(ps *strict.Problems, field, addr string) {
	if _, port, err := net.SplitHostPort(addr); err != nil || port == "" {
		ps.Add(field, fmt.Sprintf("%q is not a listen address like \":9100\" or \"127.0.0.1:9100\"", addr))
	}
}

func checkIngest(ps *strict.Problems, in *Ingest) {
	r := in.Reconnect
	checkPositive(ps, "ingest.reconnect.min", r.Min)
	if r.Max < r.Min {
		ps.Add("ingest.reconnect.max", fmt.Sprintf("%s is less than min %s", r.Max, r.Min))
	}
	if !(r.Jitter >= 0 && r.Jitter <= 1) { // written so that NaN fails too
		ps.Add("ingest.reconnect.jitter", fmt.Sprintf("%g is not between 0 and 1", r.Jitter))
	}
	checkPositive(ps, "ingest.read_timeout", in.ReadTimeout)
	checkPositive(ps, "ingest.stall_timeout", in.StallTimeout)
	checkRange(ps, "ingest.consumer_queue", in.ConsumerQueue, 1, 65536)
	checkRange(ps, "ingest.gop_cache_mb", in.GOPCacheMB, 1, 1024)
}

func checkPositive(ps *strict.Problems, field string, d Duration) {
	if d <= 0 {
		ps.Add(field, fmt.Sprintf("%s is not more than 0", d))
	}
}

func checkRange(ps *strict.Problems, field string, v, lo, hi int) {
	if v < lo || v > hi {
		ps.Add(field, fmt.Sprintf("%d is not between %d and %d", v, lo, hi))
	}
}

// checkSites validates the sites and returns the index of each id.
func checkSites(ps *strict.Problems, sites []Site) map[string]int {
	index := map[string]int{}
	for i, s := range sites {
		field := indexPath("sites", i) + ".id"
		checkID(ps, field, s.ID)
		checkUnique(ps, field, s.ID, "sites", i, index)
	}
	return index
}

// checkUnique records id in index and complains when it was already there.
func checkUnique(ps *strict.Problems, field, id, list string, i int, index map[string]int) {
	if id == "" {
		return
	}
	if first, dup := index[id]; dup {
		ps.Add(field, fmt.Sprintf("%q is already the id of %s", id, indexPath(list, first)))
		return
	}
	index[id] = i
}

// checkCameras validates the cameras and returns the index of each id.
func checkCameras(ps *strict.Problems, cams []Camera, sites map[string]int) map[string]int {
	declared := declaredSites(sites)
	index := map[string]int{}
	for i, c := range cams {
		path := indexPath("cameras", i)
		CheckCamera(ps, path, c)
		checkUnique(ps, path+".id", c.ID, "cameras", i, index)
		checkSiteRef(ps, path+".site", c.Site, sites, declared)
	}
	return index
}

// declaredSites lists the site ids, sorted, for messages.
func declaredSites(sites map[string]int) []string {
	declared := make([]string, 0, len(sites))
	for id := range sites {
		declared = append(declared, id)
	}
	slices.Sort(declared)
	return declared
}

// CheckCamera records every rule one camera entry breaks, at field paths
// under path ("cameras[3]", or "" for a camera on its own): its id, main and
// sub RTSP URLs (no inline credentials), transport, the names of its
// credential variables, its location's ranges and its kind. What depends on the
// document around it (a unique id, a declared site) is the caller's: the
// edge config checks them against its lists, the gateway's inventory
// against the district's. The gateway registers cameras with this same
// function, so an entry it accepts is one an edge config accepts. An empty
// transport is refused: apply DefaultTransport first.
func CheckCamera(ps *strict.Problems, path string, c Camera) {
	at := func(field string) string { return strict.Child(path, field) }
	checkID(ps, at("id"), c.ID)
	if c.Main == "" {
		ps.Add(at("main"), "is required")
	} else {
		checkURL(ps, at("main"), c.Main)
	}
	if c.Sub != "" {
		checkURL(ps, at("sub"), c.Sub)
	}
	if !slices.Contains(transports, c.Transport) {
		ps.Add(at("transport"), fmt.Sprintf("%q is not one of %s", c.Transport, strings.Join(transports, ", ")))
	}
	checkCredentials(ps, path, c)
	checkLocation(ps, at("location"), c.Location)
	if c.Kind != "" && !slices.Contains(cameraKinds, c.Kind) {
		ps.Add(at("kind"), fmt.Sprintf("%q is not one of %s", c.Kind, strings.Join(cameraKinds, ", ")))
	}
	checkCameraRecord(ps, at("record"), c.Record, c.Sub)
}

// CheckID records a problem when id is not an Argus id (a site's, an
// edge's): 1 to 63 of a-z, 0-9, _ and -, starting with a letter or digit.
func CheckID(ps *strict.Problems, field, id string) { checkID(ps, field, id) }

// checkSiteRef checks that site names one of the sites; declared lists
// their ids, sorted, for the message.
func checkSiteRef(ps *strict.Problems, field, site string, sites map[string]int, declared []string) {
	if site == "" {
		ps.Add(field, "is required")
		return
	}
	switch _, ok := sites[site]; {
	case ok:
	case len(declared) == 0:
		ps.Add(field, fmt.Sprintf("%q is not a declared site (no sites are declared)", site))
	default:
		ps.Add(field, fmt.Sprintf("%q is not a declared site (sites: %s)", site, listSome(declared, 10)))
	}
}

// listSome joins up to n names, so that a message stays one readable line.
func listSome(names []string, n int) string {
	if len(names) <= n {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:n], ", "), len(names)-n)
}

// checkURL checks an RTSP URL. Messages show it redacted: a URL that
// breaks a rule may well hold the password that is the reason.
func checkURL(ps *strict.Problems, field, raw string) {
	shown := fmt.Sprintf("%q", Redact(raw))
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		ps.Add(field, shown+" is not a valid URL")
	case u.Scheme != "rtsp" && u.Scheme != "rtsps":
		ps.Add(field, shown+" must start with rtsp:// or rtsps://")
	case hasPassword(u):
		ps.Add(field, shown+" holds a password: never write it in the config; put it in an environment variable and name that variable in password_env")
	case u.User != nil:
		ps.Add(field, shown+" holds a user name: write it in username (or username_env) and the password in password_env")
	case u.Opaque != "" || u.Hostname() == "":
		ps.Add(field, shown+" has no host")
	}
}

func hasPassword(u *url.URL) bool {
	if u.User == nil {
		return false
	}
	_, ok := u.User.Password()
	return ok
}

// checkCredentials checks the user and the names of the variables that will
// hold secrets. Whether the variables are set is checked at pull time,
// where the process that pulls has its environment.
func checkCredentials(ps *strict.Problems, path string, c Camera) {
	if c.Username != "" && c.UsernameEnv != "" {
		ps.Add(strict.Child(path, "username_env"), "username and username_env exclude each other: keep one")
	}
	// The values are not quoted back: a password written where its variable
	// name belongs would otherwise be printed.
	checkEnvName(ps, strict.Child(path, "username_env"), c.UsernameEnv)
	checkEnvName(ps, strict.Child(path, "password_env"), c.PasswordEnv)
}

// checkEnvName checks the name of a variable that holds a secret, without
// quoting it back: a secret written where its variable's name belongs would
// otherwise be printed.
func checkEnvName(ps *strict.Problems, field, name string) {
	if name != "" && !envPattern.MatchString(name) {
		ps.Add(field, "is not an environment variable name (letters, digits and _, not starting with a digit): it names the variable that holds the secret, not the secret")
	}
}

func checkLocation(ps *strict.Problems, path string, l *Location) {
	if l == nil {
		return
	}
	if !(l.Lat >= -90 && l.Lat <= 90) {
		ps.Add(strict.Child(path, "lat"), fmt.Sprintf("%g is not between -90 and 90", l.Lat))
	}
	if !(l.Lon >= -180 && l.Lon <= 180) {
		ps.Add(strict.Child(path, "lon"), fmt.Sprintf("%g is not between -180 and 180", l.Lon))
	}
	if math.IsNaN(l.Alt) || math.IsInf(l.Alt, 0) {
		ps.Add(strict.Child(path, "alt"), fmt.Sprintf("%g is not a finite number", l.Alt))
	}
}
