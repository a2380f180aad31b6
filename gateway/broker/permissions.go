package broker

import (
	"fmt"
	"strings"

	"golang.org/x/crypto/bcrypt"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/argus-edge/argus/drivers/fleet"
)

// Roles of a bus user.
const (
	RoleGateway = "gateway" // the gateway's own clients and tools: everything under argus/v1 and the fleet's JetStream
	RoleEdge    = "edge"    // one edge process: its own topics and keys only
)

// All stands for every site or every drone in a User's lists.
const All = "*"

// User is one account on the bus. Its name and password authenticate both
// MQTT (paho) and NATS (nats.go) clients.
type User struct {
	Name     string
	Password string // a secret: never logged
	Role     string // RoleGateway or RoleEdge
	Edge     string // RoleEdge: the edge id its topics and keys are named by
	Sites    []string
	Drones   []string
}

// Grant is what a user may publish and subscribe to, as NATS subjects.
// MQTT topics map onto them: "/" is ".", "+" is "*", "#" is ">"; an MQTT
// filter "a/#" also subscribes to "a" itself (# matches the parent level),
// so it needs both "a" and "a.>".
type Grant struct {
	Publish, Subscribe []string
}

// GatewayGrant is the gateway role's grant: every argus/v1 topic, the
// JetStream API (the fleet's buckets and streams) and its own replies.
// MQTT's internal $MQTT subjects (QoS 1 sessions, retained messages,
// wills) need no grant in 2.15.3: the server subscribes MQTT clients to
// their $MQTT.sub delivery subjects itself and stores retained messages
// and wills on its own account (TestEdgeUserGetsRetainedQueuedAndWill
// shows all three for an edge user with only the grant below).
func GatewayGrant() Grant {
	all := []string{"argus.v1", "argus.v1.>", "$KV.>", "$JS.API.>", "$JS.ACK.>", "$JS.FC.>", "_INBOX.>"}
	return Grant{Publish: all, Subscribe: all}
}

// EdgeGrant is the edge role's grant: the MQTT contract of drivers/bus
// for its own edge, sites and drones, and the fleet buckets' subjects
// listed in the table below. sites and drones may hold All.
func EdgeGrant(edge string, sites, drones []string) Grant {
	g := Grant{
		Publish:   []string{"argus.v1.status.edges." + edge, "argus.v1.replies." + edge, "argus.v1.replays." + edge},
		Subscribe: []string{"argus.v1.commands." + edge, fleet.InboxPrefix(edge) + ".>"},
	}
	for _, s := range sites {
		g.Publish = append(g.Publish, "argus.v1.status.cameras."+s+".*", "argus.v1.anomalies."+s+".*")
		g.Subscribe = append(g.Subscribe, "argus.v1.rules."+s, "argus.v1.rules."+s+".shadow")
	}
	for _, d := range drones {
		g.Publish = append(g.Publish, "argus.v1.drones."+d+".telemetry", "argus.v1.drones."+d+".patrols")
		// its drones' retained telemetry, read back at start: the patrol
		// each was flying when the edge stopped (bus.RecallTelemetry)
		g.Subscribe = append(g.Subscribe, "argus.v1.drones."+d+".telemetry")
	}
	for _, b := range edgeBuckets {
		for _, subj := range b.publish {
			g.Publish = append(g.Publish, strings.NewReplacer("<edge>", edge, "<bucket>", b.bucket).Replace(subj))
		}
	}
	return g
}

// bucketAccess is one row of the edges' key-value table.
type bucketAccess struct {
	bucket  string
	publish []string // subjects, with <bucket> and <edge> filled in
}

// The fleet's buckets (names in drivers/fleet) an edge reaches with
// nats.go: it puts its own key in BucketEdges, reads and watches its own
// key in BucketAssign, reads and watches all of BucketCameras, and puts and
// reads any key of BucketStatus.
//
// The JetStream API subjects of key-value operations (nats.go v1.56,
// package jetstream), as publish permissions (requests); the replies come
// to fleet.InboxPrefix(edge), which the edge may subscribe to:
//   - open a bucket:  $JS.API.STREAM.INFO.KV_<bucket>
//   - Put key:        $KV.<bucket>.<key>
//   - Get key:        $JS.API.DIRECT.GET.KV_<bucket>.$KV.<bucket>.<key>
//   - Watch key:      $JS.API.CONSUMER.CREATE.KV_<bucket>.<consumer>.$KV.<bucket>.<key>
//     (an ordered push consumer: the server checks that the filter in the
//     subject is the consumer's), then $JS.API.CONSUMER.DELETE.KV_<bucket>.<consumer>
//     and $JS.FC.KV_<bucket>.> (flow-control answers).
//
// The fleet's code may adjust these rows; TestEdgeKeyValueAccess
// (buckets_test.go) shows each one from outside with nats.go.
var edgeBuckets = []bucketAccess{
	{fleet.BucketEdges, []string{ // put own key
		"$JS.API.STREAM.INFO.KV_<bucket>", "$KV.<bucket>.<edge>",
		"$JS.API.DIRECT.GET.KV_<bucket>.$KV.<bucket>.<edge>"}},
	{fleet.BucketAssign, []string{ // read and watch own key
		"$JS.API.STREAM.INFO.KV_<bucket>",
		"$JS.API.DIRECT.GET.KV_<bucket>.$KV.<bucket>.<edge>",
		"$JS.API.CONSUMER.CREATE.KV_<bucket>.*.$KV.<bucket>.<edge>",
		"$JS.API.CONSUMER.DELETE.KV_<bucket>.*", "$JS.FC.KV_<bucket>.>"}},
	{fleet.BucketCameras, []string{ // read and watch all
		"$JS.API.STREAM.INFO.KV_<bucket>",
		"$JS.API.DIRECT.GET.KV_<bucket>.>",
		"$JS.API.CONSUMER.CREATE.KV_<bucket>.>",
		"$JS.API.CONSUMER.DELETE.KV_<bucket>.*", "$JS.FC.KV_<bucket>.>"}},
	{fleet.BucketStatus, []string{ // put and read any key
		"$JS.API.STREAM.INFO.KV_<bucket>", "$KV.<bucket>.>",
		"$JS.API.DIRECT.GET.KV_<bucket>.>"}},
}

// grantOf is the grant of u's role.
func grantOf(u User) Grant {
	if u.Role == RoleGateway {
		return GatewayGrant()
	}
	return EdgeGrant(u.Edge, u.Sites, u.Drones)
}

// natsUser is u as the server takes it: the password as a bcrypt hash,
// so the node's options never hold it. The cost is bcrypt's least: the
// hash only lives in this process, beside the password itself, and every
// (re)connection of an edge pays it.
func natsUser(u User) (*server.User, error) {
	hash, err := bcrypt.GenerateFromPassword([]byte(u.Password), bcrypt.MinCost)
	if err != nil {
		return nil, fmt.Errorf("nats: user %s: %w", u.Name, err)
	}
	g := grantOf(u)
	return &server.User{Username: u.Name, Password: string(hash), Permissions: &server.Permissions{
		Publish:   &server.SubjectPermission{Allow: g.Publish},
		Subscribe: &server.SubjectPermission{Allow: g.Subscribe},
	}}, nil
}
