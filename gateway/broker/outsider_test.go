package broker

import (
	"testing"

	"github.com/nats-io/nats.go"
)

// Real: nats.go against the node's client port. Nobody is anonymous there
// either: a connection without a login, or as an unknown user, is refused
// (MQTT's are in TestLoginsAreRequired, a wrong password in
// TestPasswordsNeverLogged).
func TestNATSClientPortRefusesOutsiders(t *testing.T) {
	b := startBroker(t)
	for name, opts := range map[string][]nats.Option{
		"anonymous":    nil,
		"unknown user": {nats.UserInfo("stranger", edgeUser.Password)},
	} {
		nc, err := nats.Connect(b.ClientURL(), append(opts, nats.NoReconnect())...)
		if err == nil {
			nc.Close()
			t.Errorf("%s: connected, want refused", name)
		}
	}
}
