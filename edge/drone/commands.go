package drone

import (
	"encoding/json"
	"fmt"

	"github.com/argus-edge/argus/drivers/bus"
)

// Publisher sends a payload on a topic (QoS 1); the edge's busclient.Client
// satisfies it.
type Publisher interface {
	Publish(topic string, payload []byte) error
}

// HandleCommand carries out a patrol_launch or patrol_abort at once and
// returns the reply: a launch is accepted (its progress follows on the
// drone's patrols topic) or refused with the reason; an abort sends the
// drone home. handled is false for actions that are not the drones'.
func (m *Manager) HandleCommand(cmd bus.Command) (rep bus.Reply, handled bool) {
	if cmd.Action != bus.ActionPatrolLaunch && cmd.Action != bus.ActionPatrolAbort {
		return bus.Reply{}, false
	}
	rep = bus.Reply{RequestID: cmd.RequestID, Action: cmd.Action, Drone: cmd.Drone}
	var err error
	u := m.units[cmd.Drone]
	switch {
	case u == nil:
		err = fmt.Errorf("drone %q is not held by edge %s", cmd.Drone, m.o.Edge)
	case cmd.Action == bus.ActionPatrolLaunch:
		err = u.launch(cmd.Patrol)
	default:
		err = u.abort()
	}
	rep.OK = err == nil
	if err != nil {
		rep.Error = err.Error()
	}
	rep.Time = bus.Now()
	return rep, true
}

// CommandHandler returns a handler for argus/v1/commands/{edge} that
// carries out patrol commands and publishes their replies on
// argus/v1/replies/{edge}; other actions (relays) are left to their
// handlers. The decision is taken in the handler, so two launches are
// decided in their order of arrival; the reply, which waits for the
// broker, is published from a goroutine the Manager owns.
func (m *Manager) CommandHandler(pub Publisher) func(topic string, payload []byte) {
	log := m.o.Log.With().Str("component", "drones").Logger()
	return func(_ string, payload []byte) {
		var cmd bus.Command
		if err := json.Unmarshal(payload, &cmd); err != nil {
			log.Warn().Err(err).Msg("malformed command")
			return
		}
		rep, ok := m.HandleCommand(cmd)
		if !ok {
			return
		}
		log.Info().Str("request_id", cmd.RequestID).Str("action", cmd.Action).Str("drone", cmd.Drone).
			Bool("ok", rep.OK).Str("error", rep.Error).Msg("command")
		b, _ := json.Marshal(rep) // plain fields: cannot fail
		m.spawn(func() {
			if err := pub.Publish(bus.ReplyTopic(m.o.Edge), b); err != nil {
				log.Warn().Err(err).Str("request_id", cmd.RequestID).Msg("reply not sent")
			}
		})
	}
}
