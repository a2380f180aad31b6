package alerts

import (
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/argus-edge/argus/drivers/bus"
)

// storeTimeout bounds one store call made for a message.
const storeTimeout = 10 * time.Second

// storeRetries are the pauses before writing an anomaly again after a
// store error: a busy database is given a few seconds.
var storeRetries = []time.Duration{100 * time.Millisecond, 500 * time.Millisecond, 2 * time.Second}

// onMessage handles one anomaly message: a rejected one (by parse or
// the fleet's filter) is acknowledged at once, a valid one is queued for
// the ingest (ingest.go), which acknowledges it once stored (or refused as
// store.ErrInvalid); an anomaly the store failed to take stays
// unacknowledged, and the broker delivers it again.
func (a *Alerts) onMessage(_ mqtt.Client, m mqtt.Message) {
	a.stats.received.Add(1)
	an, err := parse(m.Topic(), m.Payload())
	if err != nil {
		a.stats.reject(reasonOf(err))
		a.log.Warn().Err(err).Str("topic", m.Topic()).Int("bytes", len(m.Payload())).Msg("rejected anomaly message")
		m.Ack()
		return
	}
	if a.opts.Accept != nil && !a.opts.Accept(an) {
		// A previous owner's (or an earlier ownership's) message: the
		// camera's current owner reports it if it is still true.
		a.stats.reject(rejectStale)
		a.log.Info().Str("id", an.ID).Str("camera", an.Camera).Str("edge", an.Edge).Uint64("epoch", an.Epoch).
			Msg("dropped anomaly: not from the camera's current owner")
		m.Ack()
		return
	}
	a.enqueue(queued{an: an, msg: m, at: time.Now(), conn: a.conn.Load()})
}

// wallWorthy: a live anomaly at or above the wall's severity that just
// began — its start, or an update that created the record because the
// start was lost or comes later (a broker may reorder a resumed session's
// queue; the late start is then ignored as stale).
func (a *Alerts) wallWorthy(an bus.Anomaly, created bool) bool {
	begun := an.State == bus.StateStart || an.State == bus.StateUpdate && created
	return begun && !an.Shadow && bus.SeverityRank(an.Severity) >= a.wallRank
}

// wallReason says why an anomaly put its camera on the wall, e.g.
// "critical fire in zone forest-edge (rule fire-any)".
func wallReason(an bus.Anomaly) string {
	r := an.Severity + " " + an.Kind
	if an.Zone != "" {
		r += " in zone " + an.Zone
	}
	if an.Rule != "" {
		r += " (rule " + an.Rule + ")"
	}
	return r
}
