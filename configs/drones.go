package configs

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/argus-edge/argus/configs/strict"
)

// Bounds of a drone's settings.
const (
	// MaxDroneSpeed is the fastest a drone may be sent, m/s: the
	// airspace's limit for a waypoint too.
	MaxDroneSpeed = 25.0
	// MaxSystemID is the highest MAVLink system id given to vehicles;
	// 251..255 are kept for ground stations and companions by convention.
	MaxSystemID = 250
	// maxEndurance bounds endurance: beyond it the value is surely a slip.
	maxEndurance = Duration(24 * time.Hour)
)

// linkSchemes are the MAVLink endpoints a drone's link may be.
var linkSchemes = []string{"udps", "udpc", "tcps", "tcpc", "serial"}

// checkDrones validates the drones: ids unique among drones and cameras
// (a drone's video is a camera with the drone's id), declared sites, links
// and system ids unique per link.
func checkDrones(ps *strict.Problems, drones []Drone, sites, cameras map[string]int) {
	declared := declaredSites(sites)
	index := map[string]int{}
	onLink := map[string]map[int]int{} // link → system id → drone index
	for i, d := range drones {
		path := indexPath("drones", i)
		checkID(ps, path+".id", d.ID)
		checkUnique(ps, path+".id", d.ID, "drones", i, index)
		if c, dup := cameras[d.ID]; dup && d.ID != "" {
			ps.Add(path+".id", fmt.Sprintf("%q is already the id of %s: a drone's video is ingested as a camera with the drone's id", d.ID, indexPath("cameras", c)))
		}
		checkSiteRef(ps, path+".site", d.Site, sites, declared)
		link, ok := checkLink(ps, path+".link", d.Link)
		switch {
		case d.SystemID < 1 || d.SystemID > MaxSystemID:
			ps.Add(path+".system_id", fmt.Sprintf("%d is not between 1 and %d", d.SystemID, MaxSystemID))
		case ok:
			ids := onLink[link]
			if ids == nil {
				ids = map[int]int{}
				onLink[link] = ids
			}
			if first, dup := ids[d.SystemID]; dup {
				ps.Add(path+".system_id", fmt.Sprintf("%d is already the system id of %s on link %s", d.SystemID, indexPath("drones", first), link))
			} else {
				ids[d.SystemID] = i
			}
		}
		if d.Video != "" {
			checkURL(ps, path+".video", d.Video)
		}
		if d.Home == nil {
			ps.Add(path+".home", "is required: the take-off point {lat, lon, alt}, from which routes are checked")
		} else {
			checkLocation(ps, path+".home", d.Home)
		}
		if !(d.MaxSpeed > 0 && d.MaxSpeed <= MaxDroneSpeed) {
			ps.Add(path+".max_speed", fmt.Sprintf("%g is not in (0, %g] m/s", d.MaxSpeed, MaxDroneSpeed))
		}
		checkPositive(ps, path+".endurance", d.Endurance)
		if d.Endurance > maxEndurance {
			ps.Add(path+".endurance", fmt.Sprintf("%s is more than %s", d.Endurance, maxEndurance))
		}
	}
}

// checkLink checks a MAVLink endpoint URL and returns it in the form that
// tells two links apart (scheme, host and port, or device).
func checkLink(ps *strict.Problems, field, raw string) (string, bool) {
	if raw == "" {
		ps.Add(field, "is required: the MAVLink endpoint, e.g. udps://0.0.0.0:14550 or serial:///dev/ttyUSB0?baud=57600")
		return "", false
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" {
		ps.Add(field, fmt.Sprintf("%q is not a MAVLink endpoint URL like udps://0.0.0.0:14550", Redact(raw)))
		return "", false
	}
	if u.User != nil {
		ps.Add(field, "holds a user or password: MAVLink links take none")
		return "", false
	}
	switch u.Scheme {
	case "serial":
		return checkSerial(ps, field, u)
	case "udps", "udpc", "tcps", "tcpc":
		return checkSocket(ps, field, u)
	}
	ps.Add(field, fmt.Sprintf("scheme %q is not one of %s", u.Scheme, strings.Join(linkSchemes, ", ")))
	return "", false
}

// checkSocket checks udps://, udpc://, tcps:// and tcpc:// links: a port,
// and a host for the clients (a server without one listens everywhere).
func checkSocket(ps *strict.Problems, field string, u *url.URL) (string, bool) {
	shown := u.Scheme + "://" + u.Host
	host, port, err := net.SplitHostPort(u.Host)
	n, perr := strconv.Atoi(port)
	switch {
	case err != nil || perr != nil || n < 1 || n > 65535:
		ps.Add(field, fmt.Sprintf("%q needs host:port with a port from 1 to 65535, like %s://127.0.0.1:14550", Redact(u.String()), u.Scheme))
	case host == "" && strings.HasSuffix(u.Scheme, "c"):
		ps.Add(field, fmt.Sprintf("%q needs the host to connect to, like %s://192.168.1.20:%s", shown, u.Scheme, port))
	case u.Path != "" && u.Path != "/", u.RawQuery != "", u.Fragment != "":
		ps.Add(field, fmt.Sprintf("%q takes only host:port, no path or query", Redact(u.String())))
	default:
		return shown, true
	}
	return "", false
}

// checkSerial checks serial:///dev/…?baud=N links.
func checkSerial(ps *strict.Problems, field string, u *url.URL) (string, bool) {
	q, err := url.ParseQuery(u.RawQuery)
	baud, berr := strconv.Atoi(q.Get("baud"))
	switch {
	case u.Host != "" || !strings.HasPrefix(u.Path, "/dev/"):
		ps.Add(field, fmt.Sprintf("%q must name a device, like serial:///dev/ttyUSB0?baud=57600", Redact(u.String())))
	case err != nil || len(q) != 1 || len(q["baud"]) != 1:
		ps.Add(field, fmt.Sprintf("%q takes exactly one query parameter, baud", Redact(u.String())))
	case berr != nil || baud < 1200 || baud > 4_000_000:
		ps.Add(field, fmt.Sprintf("baud %q is not a rate from 1200 to 4000000 (57600 for a SiK radio, 115200 or 921600 for a wired autopilot)", q.Get("baud")))
	default:
		return "serial://" + u.Path, true
	}
	return "", false
}
