package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/rs/zerolog"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/fleet"
	"github.com/argus-edge/argus/gateway/broker"
	"github.com/argus-edge/argus/gateway/config"
)

// backboneFlags join the gateway to a district's NATS cluster instead of
// embedding a node: -backbone lists the nodes' client URLs, -mqtt-broker
// is the cluster's MQTT listener (the v1 contract), and one login (a user
// with the gateway role in the cluster's auth.conf) serves both.
type backboneFlags struct {
	urls, mqtt     string
	user, password string // password: the NAME of the environment variable holding it
	ca             string
	replicas       int
	id             string
	dronePins      string
}

func (b *backboneFlags) flags(fs *flag.FlagSet) {
	fs.StringVar(&b.urls, "backbone", "", "a district's NATS cluster, comma-separated client URLs (nats://a:4222,nats://b:4222,…): join it instead of embedding a node")
	fs.StringVar(&b.mqtt, "mqtt-broker", "", "with -backbone: the cluster's MQTT listener for the v1 contract, e.g. tls://argus-nats-mqtt:1883")
	fs.StringVar(&b.user, "backbone-user", broker.InternalUser, "with -backbone: the NATS user (gateway role) for nats.go and MQTT")
	fs.StringVar(&b.password, "backbone-password-env", "", "with -backbone: the environment variable holding that user's password")
	fs.StringVar(&b.ca, "backbone-ca", "", "with -backbone: PEM file of the CA that signed the nodes' certificates (TLS on the client and MQTT ports)")
	fs.IntVar(&b.replicas, "backbone-replicas", 3, "with -backbone: JetStream replicas of the fleet's buckets (the cluster's size, at most 5)")
	fs.StringVar(&b.dronePins, "drone-pins", "", "drones the assigner places, each pinned to the edge beside its dock: drone=edge,… (the edge must declare the drone's link)")
	fs.StringVar(&b.id, "id", "", "this gateway replica's id: the assigner lease holder and the suffix of its MQTT client ids (default: the host name)")
}

// on tells whether the gateway joins an external backbone.
func (b backboneFlags) on() bool { return b.urls != "" }

// check refuses a half-given backbone.
func (b backboneFlags) check() error {
	switch {
	case !b.on() && (b.mqtt != "" || b.password != "" || b.ca != ""):
		return errors.New("-mqtt-broker, -backbone-password-env and -backbone-ca need -backbone")
	case b.on() && b.mqtt == "":
		return errors.New("-backbone needs -mqtt-broker (the cluster's MQTT listener)")
	case b.on() && (b.replicas < 1 || b.replicas > 5):
		return fmt.Errorf("-backbone-replicas %d: JetStream takes 1 to 5", b.replicas)
	}
	_, err := b.drones()
	return err
}

// drones are -drone-pins as the assigner's units.
func (b backboneFlags) drones() ([]fleet.Unit, error) {
	var out []fleet.Unit
	seen := map[string]bool{}
	for _, pair := range strings.Split(b.dronePins, ",") {
		if pair = strings.TrimSpace(pair); pair == "" {
			continue
		}
		drone, edge, ok := strings.Cut(pair, "=")
		if !ok || bus.ValidID(drone) != nil || bus.ValidID(edge) != nil {
			return nil, fmt.Errorf("-drone-pins %q: want drone=edge with valid ids", pair)
		}
		if seen[drone] {
			return nil, fmt.Errorf("-drone-pins: drone %s pinned twice", drone)
		}
		seen[drone] = true
		out = append(out, fleet.Unit{ID: drone, Pin: edge, Drone: true})
	}
	return out, nil
}

// login is the backbone's login: the MQTT URL, user, password (read from
// the environment) and TLS config trusting -backbone-ca.
func (b backboneFlags) login() (brokerLogin, error) {
	bl := brokerLogin{url: b.mqtt, username: b.user}
	if b.password != "" {
		bl.password = os.Getenv(b.password)
		if bl.password == "" {
			return bl, fmt.Errorf("-backbone-password-env: $%s is empty or unset", b.password)
		}
	}
	if b.ca != "" {
		pem, err := os.ReadFile(b.ca)
		if err != nil {
			return bl, fmt.Errorf("-backbone-ca: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return bl, fmt.Errorf("-backbone-ca %s: no PEM certificate in it", b.ca)
		}
		bl.tls = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	return bl, nil
}

// replicaID is the gateway replica's id: -id, else the host name.
func (b backboneFlags) replicaID() string {
	if b.id != "" {
		return b.id
	}
	if h, err := os.Hostname(); err == nil && h != "" {
		return h
	}
	return "gateway"
}

// connectNATS opens the gateway's nats.go connection: to every URL given,
// reconnecting for ever (a node's restart, the whole cluster's), with the
// login and TLS of bl. It returns at once when no server answers yet:
// the fleet's parts wait for the connection.
func connectNATS(urls string, bl brokerLogin, name string, log zerolog.Logger) (*nats.Conn, error) {
	log = log.With().Str("component", "backbone").Logger()
	opts := []nats.Option{
		nats.Name(name),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(500 * time.Millisecond),
		nats.RetryOnFailedConnect(true),
		nats.Timeout(5 * time.Second),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			log.Warn().Err(err).Msg("nats: disconnected; reconnecting")
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) {
			log.Info().Str("server", nc.ConnectedUrlRedacted()).Msg("nats: reconnected")
		}),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
			log.Warn().Err(err).Msg("nats")
		}),
	}
	if bl.username != "" {
		opts = append(opts, nats.UserInfo(bl.username, bl.password))
	}
	if bl.tls != nil {
		opts = append(opts, nats.Secure(bl.tls))
	}
	nc, err := nats.Connect(strings.TrimSpace(urls), opts...)
	if err != nil {
		return nil, fmt.Errorf("nats %s: %w", redactURLs(urls), err)
	}
	return nc, nil
}

// redactURLs drops any user info from a list of URLs, for errors and logs.
func redactURLs(urls string) string {
	var out []string
	for _, u := range strings.Split(urls, ",") {
		if at := strings.LastIndex(u, "@"); at >= 0 {
			if i := strings.Index(u, "://"); i >= 0 && i < at {
				u = u[:i+3] + "***" + u[at:]
			}
		}
		out = append(out, u)
	}
	return strings.Join(out, ",")
}

// backbone is how the gateway reaches the bus: the embedded node (b set)
// or a district's cluster, the login its MQTT clients use, and the nats.go
// connection of its fleet side.
type backbone struct {
	b        *broker.Broker // nil when joining an external cluster
	login    brokerLogin
	nc       *nats.Conn
	replicas int          // of the fleet's buckets
	holder   string       // the assigner lease's holder
	drones   []fleet.Unit // drones the assigner places, pinned
}

// openBackbone starts the embedded node, or prepares to join the cluster
// of -backbone, and opens the nats.go connection.
func openBackbone(f flags, bc config.BusConfig, log zerolog.Logger) (*backbone, error) {
	bb := &backbone{holder: f.backbone.replicaID(), replicas: 1}
	if err := f.backbone.check(); err != nil {
		return nil, err
	}
	bb.drones, _ = f.backbone.drones() // checked above
	urls := ""
	if f.backbone.on() {
		var err error
		if bb.login, err = f.backbone.login(); err != nil {
			return nil, err
		}
		bb.login.suffix = "-" + clientIDPart(bb.holder)
		bb.replicas, urls = f.backbone.replicas, f.backbone.urls
		log.Info().Str("backbone", redactURLs(urls)).Str("mqtt", bb.login.url).Str("replica", bb.holder).Msg("joining the district's NATS cluster (no embedded node)")
	} else {
		b, err := newBroker(f, bc, log)
		if err != nil {
			return nil, err
		}
		bb.b = b
		url, tlsCfg := b.LocalMQTT()
		in := b.Internal()
		bb.login = brokerLogin{url: url, username: in.Name, password: in.Password, tls: tlsCfg}
		urls = b.ClientURL()
	}
	nc, err := connectNATS(urls, bb.login, "argus-gateway "+bb.holder, log)
	if err != nil {
		bb.close()
		return nil, err
	}
	bb.nc = nc
	return bb, nil
}

// close closes the nats.go connection and stops the embedded node, if any.
func (bb *backbone) close() {
	if bb.nc != nil {
		bb.nc.Close()
	}
	if bb.b != nil {
		bb.b.Close()
	}
}

// clientIDPart is s with what MQTT client ids may not hold on NATS (".",
// "*", ">", spaces) replaced by "-".
func clientIDPart(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case '.', '*', '>', ' ', '\t', '/', '+', '#':
			return '-'
		}
		return r
	}, s)
}

// announce admits the edges on the embedded node (a cluster has its own
// users) once the alert follower is subscribed, then logs that the
// gateway is ready.
func announce(ctx context.Context, bb *backbone, followerReady <-chan struct{}, users []config.BusUser, http net.Addr, log zerolog.Logger) error {
	ev := log.Info().Str("http", http.String())
	if bb.b != nil {
		if err := admitEdges(ctx, bb.b, followerReady, users); err != nil {
			return err
		}
		ev = ev.Str("mqtt", bb.b.Addr().String()).Str("nats", bb.b.ClientAddr().String())
	} else {
		select {
		case <-followerReady:
		case <-ctx.Done():
			return nil
		}
		ev = ev.Str("backbone", redactURLs(bb.nc.Servers()[0])).Str("mqtt", bb.login.url)
	}
	if ctx.Err() == nil {
		ev.Msg("gateway ready")
	}
	return nil
}

// newBroker starts the embedded NATS node with only the gateway's own
// login: edges are admitted by admitEdges.
func newBroker(f flags, bc config.BusConfig, log zerolog.Logger) (*broker.Broker, error) {
	store := f.busStore
	if store == "" {
		store = bc.StoreDir
	}
	return broker.New(broker.Options{Addr: f.mqtt, ClientAddr: f.nats, StoreDir: store,
		CertFile: bc.CertFile, KeyFile: bc.KeyFile, Log: log})
}

// admitEdges lets the config's bus users log in once the alert follower
// is subscribed: its durable session then exists before any edge can
// publish, so no anomaly is acknowledged with nobody to store it.
func admitEdges(ctx context.Context, b *broker.Broker, followerReady <-chan struct{}, users []config.BusUser) error {
	select {
	case <-followerReady:
	case <-ctx.Done():
		return nil
	}
	us := make([]broker.User, len(users))
	for i, u := range users {
		us[i] = broker.User{Name: u.Name, Password: u.Password, Role: u.Role, Edge: u.Edge, Sites: u.Sites, Drones: u.Drones}
	}
	return b.SetUsers(us)
}
