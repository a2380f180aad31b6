package busclient

import (
	"context"
	"fmt"
	"strings"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"
	"github.com/rs/zerolog"
)

// ServiceOptions are the paho options of a long-lived service on the
// broker (the gateway's directory and alerts): it retries the first
// connect, reconnects on its own with backoff up to 10 s, and logs a lost
// connection. Callers add the session kind and their handlers.
// broker may list several URLs, comma-separated (a cluster's nodes):
// each connect tries them in order.
func ServiceOptions(broker, clientID, username, password string, log zerolog.Logger) *mqtt.ClientOptions {
	return addBrokers(mqtt.NewClientOptions(), broker).
		SetClientID(clientID).
		SetUsername(username).
		SetPassword(password).
		SetAutoReconnect(true).
		SetConnectRetry(true).
		SetConnectRetryInterval(time.Second).
		SetMaxReconnectInterval(10 * time.Second).
		SetConnectTimeout(10 * time.Second).
		SetWriteTimeout(10 * time.Second).
		SetKeepAlive(30 * time.Second).
		SetConnectionLostHandler(func(_ mqtt.Client, err error) {
			log.Warn().Err(err).Msg("mqtt connection lost; reconnecting")
		})
}

// ConnectUntil connects a service's client (built with ServiceOptions, it
// retries until the broker answers) and returns when ctx ends, or at once
// with the broker's refusal, named after the service. The caller
// disconnects.
func ConnectUntil(ctx context.Context, client mqtt.Client, service, broker string) error {
	tok := client.Connect()
	select {
	case <-tok.Done():
		if err := tok.Error(); err != nil {
			return fmt.Errorf("%s: connect %s: %w", service, broker, err)
		}
	case <-ctx.Done():
	}
	<-ctx.Done()
	return nil
}

// addBrokers adds every URL of a comma-separated list: paho tries them in
// order on each connect, so a client of a NATS cluster moves to another
// node when its own dies.
func addBrokers(o *mqtt.ClientOptions, list string) *mqtt.ClientOptions {
	for _, u := range strings.Split(list, ",") {
		if u = strings.TrimSpace(u); u != "" {
			o.AddBroker(u)
		}
	}
	return o
}
