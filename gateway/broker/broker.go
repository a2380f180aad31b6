// Package broker is the gateway's embedded message bus: a single NATS
// node (github.com/nats-io/nats-server/v2) with JetStream on disk and an
// MQTT 3.1.1 listener, so the one-command demo needs no separate broker
// and edges keep speaking the argus/v1 contract of drivers/bus over paho.
// nats.go clients (the fleet's key-value buckets) use its client port.
//
// Nobody is anonymous: every client logs in as a User, whose role decides
// what it may publish and subscribe to (permissions.go). JetStream keeps
// retained statuses, clean=false sessions and their queued QoS 1 messages
// on disk, so they survive a gateway restart, even a kill -9. It routes and
// retains; it never parses payloads. It must never import edge/.
package broker

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/rs/zerolog"
)

// Options configure the broker.
type Options struct {
	Addr       string // MQTT listen address; default ":1883"
	ClientAddr string // NATS client listen address; default "127.0.0.1:4222"
	StoreDir   string // JetStream's directory; default "var/nats"
	ServerName string // the node's name; default "argus-gateway"
	// CertFile and KeyFile (PEM), when both are set, put TLS on the MQTT
	// listener and the client port: plain TCP is then refused on both.
	CertFile, KeyFile string
	// Users may log in from the start (see SetUsers to admit them later).
	Users []User
	Log   zerolog.Logger
}

// Defaults of Options.
const (
	DefaultAddr       = ":1883"
	DefaultClientAddr = "127.0.0.1:4222"
	DefaultStoreDir   = "var/nats"
	DefaultServerName = "argus-gateway"
	// InternalUser is the gateway role user of the gateway's own clients
	// (directory, alerts); its password is made at random by New.
	InternalUser = "argus-gateway"
)

// Tuning for a district: 41,000 retained statuses reach a new subscriber
// only with a deep JetStream API queue and a patient MQTT-to-JetStream
// timeout (DESIGN.md, "NATS as the backbone"); a QoS 1 subscription may
// have this many messages unacknowledged before the server waits.
const (
	requestQueueLimit = 200000
	jsAPITimeout      = 30 * time.Second
	maxAckPending     = 4096
	startTimeout      = 10 * time.Second
)

// Broker is the embedded NATS node, serving from New until Run returns
// (or Close, when Run is never called).
type Broker struct {
	srv      *server.Server
	opts     *server.Options // the running options, reloaded by SetUsers
	mqttAddr *net.TCPAddr
	natsAddr *net.TCPAddr
	internal User
	cert     *tls.Certificate // the TLS certificate, nil without TLS
	log      zerolog.Logger
	mu       sync.Mutex // SetUsers one at a time
	stop     sync.Once
}

// New checks that both ports are free (NATS would otherwise fail later,
// or exit the process), starts the node and waits until it accepts
// clients. Only the internal user and opts.Users may log in.
func New(opts Options) (*Broker, error) {
	fillDefaults(&opts)
	mqttAddr, err := freeAddr("mqtt", opts.Addr)
	if err != nil {
		return nil, err
	}
	natsAddr, err := freeAddr("nats", opts.ClientAddr)
	if err != nil {
		return nil, err
	}
	b := &Broker{mqttAddr: mqttAddr, natsAddr: natsAddr, log: opts.Log.With().Str("component", "nats").Logger(),
		internal: User{Name: InternalUser, Password: randomPassword(), Role: RoleGateway}}
	if b.opts, err = serverOptions(opts, mqttAddr, natsAddr); err != nil {
		return nil, err
	}
	if err := checkUsers(opts.Users); err != nil {
		return nil, err
	}
	if b.opts.Users, err = b.users(opts.Users); err != nil {
		return nil, err
	}
	if b.opts.TLSConfig != nil {
		b.cert = &b.opts.TLSConfig.Certificates[0]
	}
	if b.srv, err = server.NewServer(b.opts); err != nil {
		return nil, fmt.Errorf("nats: %w", err)
	}
	lvl := b.log.GetLevel()
	b.srv.SetLoggerV2(newLogger(b.log), lvl <= zerolog.DebugLevel, lvl <= zerolog.TraceLevel, false)
	b.srv.Start()
	if !b.srv.ReadyForConnections(startTimeout) {
		b.srv.Shutdown()
		return nil, fmt.Errorf("nats: not accepting clients on mqtt %s and nats %s after %s (see its log)", mqttAddr, natsAddr, startTimeout)
	}
	if !b.srv.JetStreamEnabled() {
		b.srv.Shutdown()
		return nil, fmt.Errorf("nats: JetStream did not start in %s (see its log)", opts.StoreDir)
	}
	return b, nil
}

func fillDefaults(o *Options) {
	if o.Addr == "" {
		o.Addr = DefaultAddr
	}
	if o.ClientAddr == "" {
		o.ClientAddr = DefaultClientAddr
	}
	if o.StoreDir == "" {
		o.StoreDir = DefaultStoreDir
	}
	if o.ServerName == "" {
		o.ServerName = DefaultServerName
	}
}

// serverOptions are the node's options: JetStream on disk, MQTT, the
// client port, TLS when configured, signals left to the gateway.
func serverOptions(o Options, mqttAddr, natsAddr *net.TCPAddr) (*server.Options, error) {
	so := &server.Options{
		ServerName: o.ServerName,
		Host:       natsAddr.IP.String(), Port: natsAddr.Port,
		JetStream: true, StoreDir: o.StoreDir, JetStreamRequestQueueLimit: requestQueueLimit,
		// A start's base64 snapshot of a 4K frame can pass NATS's default 1 MiB.
		NoSigs: true, MaxPayload: 8 << 20,
		MQTT: server.MQTTOpts{Host: mqttAddr.IP.String(), Port: mqttAddr.Port,
			JSAPITimeout: jsAPITimeout, MaxAckPending: maxAckPending},
	}
	if (o.CertFile == "") != (o.KeyFile == "") {
		return nil, errors.New("nats: TLS needs both a certificate file and a key file")
	}
	if o.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(o.CertFile, o.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("nats: TLS: %w", err)
		}
		cfg := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		so.TLS, so.TLSConfig, so.TLSTimeout, so.TLSVerify = true, cfg, 5, false
		so.MQTT.TLSConfig, so.MQTT.TLSTimeout = cfg.Clone(), 5
	}
	return so, nil
}

// freeAddr binds addr once to check it is free (and pick the port of
// ":0"), then releases it for the node.
func freeAddr(what, addr string) (*net.TCPAddr, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("%s: listen %s: %w", what, addr, err)
	}
	a := ln.Addr().(*net.TCPAddr)
	ln.Close()
	if a.IP.IsUnspecified() {
		a.IP = net.IPv4zero
	}
	return a, nil
}

// randomPassword is 32 random bytes in hex.
func randomPassword() string {
	b := make([]byte, 32)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// checkUsers refuses a user the permission table cannot describe (the
// gateway config checks the same with file and line).
func checkUsers(users []User) error {
	seen := map[string]bool{InternalUser: true}
	for _, u := range users {
		switch {
		case u.Name == "" || u.Password == "":
			return fmt.Errorf("nats: user %q: a name and a password are needed", u.Name)
		case seen[u.Name]:
			return fmt.Errorf("nats: user %q: listed twice (or the internal user's name)", u.Name)
		case u.Role != RoleGateway && u.Role != RoleEdge:
			return fmt.Errorf("nats: user %q: role %q is not %s or %s", u.Name, u.Role, RoleGateway, RoleEdge)
		case u.Role == RoleEdge && (u.Edge == "" || strings.ContainsAny(u.Edge, ".*> ") || len(u.Sites) == 0):
			return fmt.Errorf("nats: user %q: an edge user needs its edge id (no . * > or space) and its sites", u.Name)
		}
		seen[u.Name] = true
	}
	return nil
}

// users is the internal user and extra, as the server takes them.
func (b *Broker) users(extra []User) ([]*server.User, error) {
	var us []*server.User
	for _, u := range append([]User{b.internal}, extra...) {
		nu, err := natsUser(u)
		if err != nil {
			return nil, err
		}
		us = append(us, nu)
	}
	return us, nil
}

// SetUsers replaces who may log in (the internal user always may) without
// a restart. The gateway starts the node with its own user only, connects
// its alert follower (so its durable session exists), then admits the
// edges with SetUsers. Clients of a removed user are disconnected.
func (b *Broker) SetUsers(users []User) error {
	if err := checkUsers(users); err != nil {
		return err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	next := b.opts.Clone()
	var err error
	if next.Users, err = b.users(users); err != nil {
		return err
	}
	if err := b.srv.ReloadOptions(next); err != nil {
		return fmt.Errorf("nats: set users: %w", err)
	}
	b.opts = next
	b.log.Info().Int("users", len(users)+1).Msg("bus users admitted")
	return nil
}

// Internal is the gateway role user the gateway's own clients log in as.
func (b *Broker) Internal() User { return b.internal }

// LocalMQTT is the MQTT URL of the gateway's own clients (loopback for a
// wildcard address) and, with TLS on, their TLS config: it trusts exactly
// the node's own certificate, whatever names it was issued for.
func (b *Broker) LocalMQTT() (string, *tls.Config) {
	if b.cert == nil {
		return "tcp://" + loopback(b.mqttAddr), nil
	}
	own := b.cert.Certificate[0]
	return "ssl://" + loopback(b.mqttAddr), &tls.Config{
		MinVersion:         tls.VersionTLS12,
		InsecureSkipVerify: true, // replaced by the pinning below
		VerifyPeerCertificate: func(raw [][]byte, _ [][]*x509.Certificate) error {
			if len(raw) == 0 || !bytes.Equal(raw[0], own) {
				return errors.New("mqtt: the listener's certificate is not the gateway's own")
			}
			return nil
		},
	}
}

// Addr is the MQTT listen address (with the port chosen for ":0").
func (b *Broker) Addr() net.Addr { return b.mqttAddr }

// ClientAddr is the NATS client listen address, for nats.go.
func (b *Broker) ClientAddr() net.Addr { return b.natsAddr }

// ClientURL is the NATS client URL as seen from this process.
func (b *Broker) ClientURL() string {
	scheme := "nats"
	if b.opts.TLSConfig != nil {
		scheme = "tls"
	}
	return scheme + "://" + loopback(b.natsAddr)
}

// loopback is a's host:port, a wildcard host reached on loopback.
func loopback(a *net.TCPAddr) string {
	host := a.IP.String()
	if a.IP.IsUnspecified() {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, strconv.Itoa(a.Port))
}

// Close shuts the node down; safe to call more than once and after Run.
func (b *Broker) Close() error {
	b.stop.Do(func() {
		b.srv.Shutdown()
		b.srv.WaitForShutdown()
	})
	return nil
}

// Run serves until ctx ends, then disconnects every client and stops the
// node (JetStream's files stay for the next start).
func (b *Broker) Run(ctx context.Context) error {
	tlsOn := b.opts.TLSConfig != nil
	b.log.Info().Str("mqtt", b.mqttAddr.String()).Str("nats", b.natsAddr.String()).Bool("tls", tlsOn).
		Str("store_dir", b.opts.StoreDir).Msg("nats listening (JetStream, MQTT; logins required)")
	<-ctx.Done()
	return b.Close()
}
