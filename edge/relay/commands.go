package relay

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/argus-edge/argus/drivers/bus"
)

// Publisher sends a payload on a topic (QoS 1); the edge's MQTT client,
// or a test's, satisfies it.
type Publisher interface {
	Publish(topic string, payload []byte) error
}

// HandleCommand carries out a relay_start or relay_stop command and
// returns the reply: ok, or the reason (unknown camera, camera offline,
// an untrusted whip_url, the gateway's refusal with its status and body).
// A command's gateway names the replica: a relay_stop ends only that
// replica's relay of the camera. It blocks while a relay starts.
func (m *Manager) HandleCommand(cmd bus.Command) bus.Reply {
	rep := bus.Reply{RequestID: cmd.RequestID, Action: cmd.Action, Camera: cmd.Camera, Drone: cmd.Drone}
	var err error
	switch cmd.Action {
	case bus.ActionRelayStart, bus.ActionRelayStop:
		if err = bus.ValidID(cmd.Camera); err != nil {
			err = fmt.Errorf("camera %q: %w", cmd.Camera, err)
			break
		}
		if cmd.Gateway != "" {
			if err = bus.ValidID(cmd.Gateway); err != nil {
				err = fmt.Errorf("gateway %q: %w", cmd.Gateway, err)
				break
			}
		}
		if cmd.Action == bus.ActionRelayStop {
			m.StopTo(cmd.Gateway, cmd.Camera)
			break
		}
		var to Target
		if to, err = m.target(cmd); err == nil {
			err = m.StartTo(to, cmd.Camera)
		}
	default:
		err = fmt.Errorf("action %q is not a relay action", cmd.Action)
	}
	rep.OK = err == nil
	if err != nil {
		rep.Error = err.Error()
	}
	rep.Time = bus.Now()
	return rep
}

// CommandHandler returns a handler for argus/v1/commands/{edge} that
// carries out relay commands and publishes their replies on
// argus/v1/replies/{edge}. Commands for other parts (patrols) are left to
// them. Each command runs in its own goroutine, owned by the Manager,
// because starting a relay takes seconds and a bus handler must return
// quickly.
func (m *Manager) CommandHandler(edge string, pub Publisher) func(topic string, payload []byte) {
	log := m.o.Log.With().Str("component", "relay").Logger() // the edge id is on m.o.Log already
	return func(_ string, payload []byte) {
		var cmd bus.Command
		if err := json.Unmarshal(payload, &cmd); err != nil {
			log.Warn().Err(err).Msg("malformed command")
			return
		}
		if cmd.Action != bus.ActionRelayStart && cmd.Action != bus.ActionRelayStop {
			return
		}
		m.mu.Lock()
		if m.closed {
			m.mu.Unlock()
			return
		}
		m.wg.Add(1)
		m.mu.Unlock()
		go func() {
			defer m.wg.Done()
			rep := m.HandleCommand(cmd)
			b, _ := json.Marshal(rep) // plain fields: cannot fail
			if err := pub.Publish(bus.ReplyTopic(edge), b); err != nil {
				log.Warn().Err(err).Str("request_id", cmd.RequestID).Msg("reply not sent")
				return
			}
			log.Info().Str("request_id", cmd.RequestID).Str("action", cmd.Action).Str("camera", cmd.Camera).
				Str("gateway", cmd.Gateway).Bool("ok", rep.OK).Str("error", rep.Error).Msg("command")
		}()
	}
}

// target is where a relay_start's camera goes: the replica's whip_url
// once trusted, else the edge's relay.gateway.
func (m *Manager) target(cmd bus.Command) (Target, error) {
	to := Target{Gateway: cmd.Gateway}
	if cmd.WHIPURL == "" {
		return to, nil
	}
	if m.o.Gateway == "" {
		return to, errNoGateway // no gateway to trust: relaying is off
	}
	ctx, cancel := context.WithTimeout(m.ctx, 5*time.Second)
	defer cancel()
	u, err := m.o.trust(ctx, cmd.WHIPURL)
	if err != nil {
		return to, fmt.Errorf("relay of camera %s refused: %w", cmd.Camera, err)
	}
	to.URL = u
	return to, nil
}
