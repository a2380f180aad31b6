package main

import (
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/rs/zerolog"

	"github.com/argus-edge/argus/gateway/broker"
)

// dialBackbone is the gateway's nats.go connection to its embedded node,
// logged in as the internal gateway user: JetStream reads (the retained
// statuses) go over it. It connects in the background (the node starts in
// Run) and reconnects for ever.
func dialBackbone(b *broker.Broker, log zerolog.Logger) (*nats.Conn, error) {
	login := b.Internal()
	opts := []nats.Option{nats.Name("argus-gateway"), nats.UserInfo(login.Name, login.Password),
		nats.RetryOnFailedConnect(true), nats.MaxReconnects(-1), nats.ReconnectWait(500 * time.Millisecond),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil {
				log.Warn().Err(err).Msg("backbone: disconnected; reconnecting")
			}
		})}
	if _, tlsConf := b.LocalMQTT(); tlsConf != nil {
		opts = append(opts, nats.Secure(tlsConf))
	}
	nc, err := nats.Connect(b.ClientURL(), opts...)
	if err != nil {
		return nil, fmt.Errorf("backbone: %w", err)
	}
	return nc, nil
}
