// Package brokertest runs the gateway's embedded broker for tests.
package brokertest

import (
	"context"
	"testing"

	"github.com/argus-edge/argus/drivers/peers"
	"github.com/argus-edge/argus/gateway/broker"
)

// Start runs the gateway's embedded broker on a free loopback port until
// the test ends and returns its URL.
func Start(t testing.TB) string {
	t.Helper()
	b, err := broker.New(broker.Options{Addr: "127.0.0.1:0", Log: peers.TestLog(t)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return "tcp://" + b.Addr().String()
}
