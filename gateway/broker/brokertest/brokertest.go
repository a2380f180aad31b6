// Package brokertest runs the gateway's embedded broker for tests. It is
// test support: only _test.go files import it.
package brokertest

import (
	"context"
	"net/url"
	"testing"

	"github.com/nats-io/nats.go"

	"github.com/argus-edge/argus/drivers/peers"
	"github.com/argus-edge/argus/gateway/broker"
)

// Gateway is the gateway role user every test broker admits; Start's URL
// carries its name and password, which paho reads from the URL.
var Gateway = broker.User{Name: "gateway-test", Password: "gateway-test-password", Role: broker.RoleGateway}

// Start runs the gateway's embedded broker (JetStream in a temporary
// directory) on free loopback ports until the test ends, admitting Gateway
// and users, and returns its MQTT URL logged in as Gateway.
func Start(t testing.TB, users ...broker.User) string {
	t.Helper()
	return URL(Run(t, users...))
}

// URL is b's MQTT URL logged in as Gateway.
func URL(b *broker.Broker) string {
	u := url.URL{Scheme: "tcp", Host: b.Addr().String(), User: url.UserPassword(Gateway.Name, Gateway.Password)}
	return u.String()
}

// Run is Start returning the broker itself.
func Run(t testing.TB, users ...broker.User) *broker.Broker {
	t.Helper()
	b, err := broker.New(broker.Options{Addr: "127.0.0.1:0", ClientAddr: "127.0.0.1:0", StoreDir: t.TempDir(),
		Users: append([]broker.User{Gateway}, users...), Log: peers.TestLog(t)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return b
}

// Retained is a reader of b's retained messages over nats.go, logged in as
// Gateway; it closes with the test.
func Retained(t testing.TB, b *broker.Broker) *broker.Retained {
	t.Helper()
	nc, err := nats.Connect(b.ClientURL(), nats.UserInfo(Gateway.Name, Gateway.Password))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	r, err := broker.NewRetained(nc)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
