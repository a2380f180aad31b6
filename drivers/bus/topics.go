package bus

import (
	"errors"
	"fmt"
	"strings"
)

// Root is the first levels of every Argus topic; the version changes only
// with an incompatible contract.
const Root = "argus/v1"

// Topic filters a subscriber uses for a whole family of topics.
const (
	AllAnomalies      = Root + "/anomalies/#"
	AllEdgeStatus     = Root + "/status/edges/+"
	AllCameraStatus   = Root + "/status/cameras/#"
	AllRules          = Root + "/rules/+"
	AllReplies        = Root + "/replies/+"
	AllDroneTelemetry = Root + "/drones/+/telemetry"
	AllDronePatrols   = Root + "/drones/+/patrols"
)

// AnomalyTopic is where an edge publishes anomalies of one camera (QoS 1).
func AnomalyTopic(site, camera string) string { return Root + "/anomalies/" + site + "/" + camera }

// EdgeStatusTopic carries an edge's retained online/offline status (QoS 1).
func EdgeStatusTopic(edge string) string { return Root + "/status/edges/" + edge }

// CameraStatusTopic carries a camera's retained status (QoS 1).
func CameraStatusTopic(site, camera string) string {
	return Root + "/status/cameras/" + site + "/" + camera
}

// RulesTopic carries a site's retained rule set (QoS 1).
func RulesTopic(site string) string { return Root + "/rules/" + site }

// RulesShadowTopic carries a site's retained rule set under trial: its
// anomalies are published with shadow true and alert no one (QoS 1).
func RulesShadowTopic(site string) string { return Root + "/rules/" + site + "/shadow" }

// CommandTopic is where the gateway sends commands to one edge (QoS 1).
func CommandTopic(edge string) string { return Root + "/commands/" + edge }

// ReplyTopic is where an edge answers commands (QoS 1).
func ReplyTopic(edge string) string { return Root + "/replies/" + edge }

// DroneTelemetryTopic carries a drone's retained telemetry (QoS 0).
func DroneTelemetryTopic(drone string) string { return Root + "/drones/" + drone + "/telemetry" }

// DronePatrolsTopic carries a drone's patrol progress (QoS 1).
func DronePatrolsTopic(drone string) string { return Root + "/drones/" + drone + "/patrols" }

// Kind names a family of topics.
type Kind string

// The topic kinds of the v1 contract.
const (
	KindAnomaly        Kind = "anomaly"
	KindEdgeStatus     Kind = "edge_status"
	KindCameraStatus   Kind = "camera_status"
	KindRules          Kind = "rules"
	KindRulesShadow    Kind = "rules_shadow"
	KindCommand        Kind = "command"
	KindReply          Kind = "reply"
	KindDroneTelemetry Kind = "drone_telemetry"
	KindDronePatrols   Kind = "drone_patrols"
)

// Topic is a parsed Argus topic: its kind and the ids its levels carry
// (empty when the kind has no such level).
type Topic struct {
	Kind   Kind
	Site   string
	Camera string
	Edge   string
	Drone  string
}

// ErrTopic is wrapped by every error ParseTopic returns.
var ErrTopic = errors.New("not an argus/v1 topic")

// ParseTopic splits an incoming topic name into its kind and ids. It
// refuses anything outside the v1 table and ids that are not [a-z0-9_-]
// (at most 64 bytes), so a handler can use the ids as keys and labels.
func ParseTopic(name string) (Topic, error) {
	rest, ok := strings.CutPrefix(name, Root+"/")
	if !ok {
		return Topic{}, fmt.Errorf("%w: %q", ErrTopic, name)
	}
	lv := strings.Split(rest, "/")
	t, err := parseLevels(lv)
	if err != nil {
		return Topic{}, fmt.Errorf("%w: %q: %v", ErrTopic, name, err)
	}
	return t, nil
}

// parseLevels matches the levels after the root against the v1 table and
// validates the levels that hold ids.
func parseLevels(lv []string) (Topic, error) {
	var t Topic
	var ids []string
	switch {
	case len(lv) == 3 && lv[0] == "anomalies":
		t, ids = Topic{Kind: KindAnomaly, Site: lv[1], Camera: lv[2]}, lv[1:3]
	case len(lv) == 3 && lv[0] == "status" && lv[1] == "edges":
		t, ids = Topic{Kind: KindEdgeStatus, Edge: lv[2]}, lv[2:3]
	case len(lv) == 4 && lv[0] == "status" && lv[1] == "cameras":
		t, ids = Topic{Kind: KindCameraStatus, Site: lv[2], Camera: lv[3]}, lv[2:4]
	case len(lv) == 2 && lv[0] == "rules":
		t, ids = Topic{Kind: KindRules, Site: lv[1]}, lv[1:2]
	case len(lv) == 3 && lv[0] == "rules" && lv[2] == "shadow":
		t, ids = Topic{Kind: KindRulesShadow, Site: lv[1]}, lv[1:2]
	case len(lv) == 2 && lv[0] == "commands":
		t, ids = Topic{Kind: KindCommand, Edge: lv[1]}, lv[1:2]
	case len(lv) == 2 && lv[0] == "replies":
		t, ids = Topic{Kind: KindReply, Edge: lv[1]}, lv[1:2]
	case len(lv) == 3 && lv[0] == "drones" && lv[2] == "telemetry":
		t, ids = Topic{Kind: KindDroneTelemetry, Drone: lv[1]}, lv[1:2]
	case len(lv) == 2 && lv[0] == "replays":
		t, ids = Topic{Kind: KindReplay, Edge: lv[1]}, lv[1:2]
	case len(lv) == 3 && lv[0] == "drones" && lv[2] == "patrols":
		t, ids = Topic{Kind: KindDronePatrols, Drone: lv[1]}, lv[1:2]
	default:
		return Topic{}, errors.New("unknown topic layout")
	}
	for _, id := range ids {
		if err := ValidID(id); err != nil {
			return Topic{}, err
		}
	}
	return t, nil
}

// ValidID checks an id that becomes a topic level: 1 to 64 bytes of
// a-z, 0-9, '_' and '-' (so it can hold no wildcard and no separator).
func ValidID(id string) error {
	if id == "" || len(id) > 64 {
		return fmt.Errorf("id %q: want 1 to 64 characters", id)
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return fmt.Errorf("id %q: %q is not one of a-z 0-9 _ -", id, c)
		}
	}
	return nil
}

// Name is the topic name t was parsed from.
func (t Topic) Name() string {
	switch t.Kind {
	case KindAnomaly:
		return AnomalyTopic(t.Site, t.Camera)
	case KindEdgeStatus:
		return EdgeStatusTopic(t.Edge)
	case KindCameraStatus:
		return CameraStatusTopic(t.Site, t.Camera)
	case KindRules:
		return RulesTopic(t.Site)
	case KindRulesShadow:
		return RulesShadowTopic(t.Site)
	case KindCommand:
		return CommandTopic(t.Edge)
	case KindReply:
		return ReplyTopic(t.Edge)
	case KindDroneTelemetry:
		return DroneTelemetryTopic(t.Drone)
	case KindDronePatrols:
		return DronePatrolsTopic(t.Drone)
	case KindReplay:
		return ReplayTopic(t.Edge)
	}
	return ""
}
