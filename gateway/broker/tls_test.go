package broker

import (
	"crypto/tls"
	"crypto/x509"
	"io"
	"strings"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/nats-io/nats.go"
	"github.com/rs/zerolog"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/peers"
)

// selfSigned is peers.SelfSigned.
func selfSigned(t *testing.T) (certFile, keyFile string, pool *x509.CertPool) {
	return peers.SelfSigned(t)
}

// Real: the node with TLS from certificate and key files (a self-signed
// certificate made here), paho over TLS and plain TCP, nats.go over TLS
// and plain. TLS clients that trust the certificate get in; plain
// clients are refused on both ports.
func TestTLSFromFiles(t *testing.T) {
	certFile, keyFile, pool := selfSigned(t)
	b := startBroker(t, func(o *Options) { o.CertFile, o.KeyFile = certFile, keyFile })
	tlsConf := &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}

	o := paho.NewClientOptions().AddBroker("ssl://" + b.Addr().String()).SetClientID("edge-1-tls").
		SetUsername(edgeUser.Name).SetPassword(edgeUser.Password).SetTLSConfig(tlsConf).SetProtocolVersion(4)
	c := paho.NewClient(o)
	wait(t, "TLS connect", c.Connect())
	wait(t, "TLS publish", c.Publish(bus.EdgeStatusTopic("edge-1"), 1, true, "online"))
	c.Disconnect(100)

	if c, err := dial(mqttURL(b), edgeUser, "edge-1-plain"); err == nil {
		c.Disconnect(100)
		t.Fatal("plain TCP connected to the TLS MQTT listener")
	}

	nc, err := nats.Connect(b.ClientURL(), nats.UserInfo(gatewayUser.Name, gatewayUser.Password), nats.Secure(tlsConf))
	if err != nil {
		t.Fatalf("nats.go over TLS: %v", err)
	}
	nc.Close()
	if nc, err := nats.Connect("nats://"+b.ClientAddr().String(), nats.UserInfo(gatewayUser.Name, gatewayUser.Password)); err == nil {
		nc.Close()
		t.Fatal("plain nats.go connected to the TLS client port")
	}
}

// Real: the node logging at trace level into a buffer; paho and nats.go
// log in with right and wrong passwords. No password appears in the log.
func TestPasswordsNeverLogged(t *testing.T) {
	var lb peers.LogBuffer
	b := startBroker(t, func(o *Options) { o.Log = zerologTo(&lb) })
	c := connect(t, mqttURL(b), edgeUser, "edge-1")
	wait(t, "publish", c.Publish(bus.EdgeStatusTopic("edge-1"), 1, true, "online"))
	if c, err := dial(mqttURL(b), User{Name: "edge-1", Password: "a wrong secret"}, "edge-1b"); err == nil {
		c.Disconnect(100)
		t.Fatal("wrong password accepted")
	}
	if nc, err := nats.Connect(b.ClientURL(), nats.UserInfo(gatewayUser.Name, gatewayUser.Password)); err != nil {
		t.Fatal(err)
	} else {
		nc.Close()
	}
	if nc, err := nats.Connect(b.ClientURL(), nats.UserInfo(gatewayUser.Name, "a wrong secret")); err == nil {
		nc.Close()
		t.Fatal("wrong nats password accepted")
	}
	if !lb.Await("authentication error", 10*time.Second) {
		t.Fatalf("the refused login is not logged:\n%s", lb.String())
	}
	log := lb.String()
	for _, secret := range []string{edgeUser.Password, gatewayUser.Password, "a wrong secret", b.Internal().Password} {
		if strings.Contains(log, secret) {
			t.Fatalf("a password is in the log:\n%s", log)
		}
	}
}

// zerologTo is a trace-level logger writing to w.
func zerologTo(w io.Writer) zerolog.Logger { return zerolog.New(w).Level(zerolog.TraceLevel) }

// Real: paho over TLS. A node started with no users but its own refuses
// an edge until SetUsers admits it (a reload, TLS kept); the gateway's
// own clients reach it with LocalMQTT's URL and TLS config as the
// internal user.
func TestSetUsersAdmitsLater(t *testing.T) {
	certFile, keyFile, pool := selfSigned(t)
	b := startBroker(t, func(o *Options) { o.CertFile, o.KeyFile, o.Users = certFile, keyFile, nil })
	url, local := b.LocalMQTT()
	if !strings.HasPrefix(url, "ssl://") || local == nil {
		t.Fatalf("LocalMQTT %s without TLS", url)
	}
	in := paho.NewClient(paho.NewClientOptions().AddBroker(url).SetClientID("argus-gateway-test").SetTLSConfig(local).
		SetUsername(b.Internal().Name).SetPassword(b.Internal().Password).SetProtocolVersion(4))
	wait(t, "internal user connects", in.Connect())
	in.Disconnect(100)

	edgeOpts := func(id string) *paho.ClientOptions {
		return paho.NewClientOptions().AddBroker("ssl://" + b.Addr().String()).SetClientID(id).
			SetUsername(edgeUser.Name).SetPassword(edgeUser.Password).SetTLSConfig(&tls.Config{RootCAs: pool}).SetProtocolVersion(4)
	}
	early := paho.NewClient(edgeOpts("edge-1-early"))
	if tok := early.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() == nil {
		early.Disconnect(100)
		t.Fatal("the edge got in before it was admitted")
	}
	if err := b.SetUsers([]User{edgeUser}); err != nil {
		t.Fatal(err)
	}
	late := paho.NewClient(edgeOpts("edge-1-late"))
	wait(t, "admitted edge connects", late.Connect())
	late.Disconnect(100)
}
