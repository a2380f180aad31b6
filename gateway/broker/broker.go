// Package broker is the gateway's embedded MQTT broker (mochi-mqtt), so
// the one-command demo needs no separate mosquitto or EMQX. It speaks the
// argus/v1 contract of drivers/bus only as any broker does: it routes and
// retains, it does not parse payloads.
//
// Access is open to every client (mochi's allow-all hook): DEMO ONLY, on a
// trusted network. Authentication and ACLs come with the console issue.
// State is in memory: a restart forgets retained statuses and sessions
// (edges republish their statuses on reconnect; their queues hold the
// anomalies). A district deployment runs a clustered broker instead.
package broker

import (
	"context"
	"fmt"
	"log/slog"
	"net"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/hooks/auth"
	"github.com/mochi-mqtt/server/v2/listeners"
	"github.com/rs/zerolog"
)

// Options configure the broker.
type Options struct {
	Addr string // TCP listen address; default ":1883"
	Log  zerolog.Logger
}

// Broker is the embedded MQTT broker, listening from New until Run returns.
type Broker struct {
	srv *mqtt.Server
	ln  net.Listener
	log zerolog.Logger
}

// New binds the listen address (so a busy port fails here, before
// anything else starts) and sets up the broker; Run serves.
func New(opts Options) (*Broker, error) {
	if opts.Addr == "" {
		opts.Addr = ":1883"
	}
	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return nil, fmt.Errorf("mqtt broker: listen %s: %w", opts.Addr, err)
	}
	srv := mqtt.New(&mqtt.Options{
		Capabilities: capabilities(),
		Logger:       slog.New(newSlogHandler(opts.Log.With().Str("component", "mqtt").Logger())),
		// Big enough for a QoS 1 subscriber's burst of retained statuses.
		ClientNetWriteBufferSize: 64 << 10,
	})
	if err := srv.AddHook(new(auth.AllowHook), nil); err != nil { // demo only: see the package comment
		ln.Close()
		return nil, fmt.Errorf("mqtt broker: %w", err)
	}
	if err := srv.AddListener(listeners.NewNet("tcp", ln)); err != nil {
		ln.Close()
		return nil, fmt.Errorf("mqtt broker: %w", err)
	}
	return &Broker{srv: srv, ln: ln, log: opts.Log}, nil
}

// capabilities raises mochi's limits so a new QoS 1 subscriber receives
// every retained status of a district — 41,000 cameras — at once. mochi
// puts each one in the client's inflight store (MaximumInflight, at most
// 65535) and its outbound queue (MaximumClientWritesPending, allocated per
// client: 64 Ki pointers = 512 KiB) and silently drops what does not fit.
// Its default message expiry would also delete retained statuses a day
// after they were set; 0 keeps them until replaced.
func capabilities() *mqtt.Capabilities {
	c := mqtt.NewDefaultServerCapabilities()
	c.MaximumInflight = 65535
	c.MaximumClientWritesPending = 64 << 10
	c.MaximumMessageExpiryInterval = 0
	return c
}

// Addr is the address the broker listens on (the port chosen when Addr
// ended in ":0").
func (b *Broker) Addr() net.Addr { return b.ln.Addr() }

// Close releases the listener of a Broker whose Run will never be called
// (the caller failed to start something else); Run closes it otherwise.
func (b *Broker) Close() error { return b.ln.Close() }

// Run serves until ctx ends, then disconnects every client and closes the
// listener.
func (b *Broker) Run(ctx context.Context) error {
	if err := b.srv.Serve(); err != nil {
		b.ln.Close()
		return fmt.Errorf("mqtt broker: %w", err)
	}
	b.log.Info().Str("addr", b.Addr().String()).Msg("mqtt broker listening (anonymous access: demo only)")
	<-ctx.Done()
	if err := b.srv.Close(); err != nil {
		return fmt.Errorf("mqtt broker: close: %w", err)
	}
	return nil
}
