package alerts

import (
	"context"
	"errors"
	"fmt"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/gateway/store"
)

// storeTimeout bounds one store call made for a message.
const storeTimeout = 10 * time.Second

// storeRetries are the pauses before writing an anomaly again after a
// store error: a busy database is given a few seconds.
var storeRetries = []time.Duration{100 * time.Millisecond, 500 * time.Millisecond, 2 * time.Second}

// onMessage handles one anomaly message. It acknowledges what is stored
// or rejected (by parse or as store.ErrInvalid); an anomaly the store
// failed to take stays unacknowledged, and the broker delivers it again on
// the next session.
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
	if err := a.apply(an); errors.Is(err, store.ErrInvalid) {
		// The store will never take it: acknowledged, or it comes back forever.
		a.stats.reject(rejectInvalid)
		a.log.Warn().Err(err).Str("topic", m.Topic()).Str("id", an.ID).Msg("rejected anomaly message: the store refuses it")
		m.Ack()
		return
	} else if err != nil {
		a.stats.storeErrors.Add(1)
		a.log.Error().Err(err).Str("topic", m.Topic()).Str("id", an.ID).Uint64("seq", an.Seq).
			Msg("anomaly not stored; left unacknowledged for the broker to deliver again")
		return
	}
	m.Ack()
}

// apply stores one anomaly event, tells the listeners, and puts the
// camera on the wall when a live anomaly severe enough begins.
func (a *Alerts) apply(an bus.Anomaly) error {
	rec, created, applied, err := a.put(an)
	if err != nil {
		return err
	}
	if !applied {
		a.stats.duplicates.Add(1)
		a.log.Debug().Str("id", an.ID).Uint64("seq", an.Seq).Str("state", an.State).Msg("anomaly event ignored: redelivered or after its end")
		if rec.ID == an.ID && rec.Seq == an.Seq {
			// The record is this very event, applied first by another
			// gateway replica sharing the store (or by this one before a
			// redelivery): this replica's consoles must hear of it too.
			a.anomalies.Publish(rec)
		}
		if a.opts.Incidents != nil && rec.ID == an.ID && rec.Seq >= an.Seq {
			// Of replicas sharing a store one groups, every record: this
			// event's, or a later one when another replica ran ahead (a
			// redelivered event changes no incident). That replica keeps
			// the wall too, for the records others applied.
			offWall := a.opts.Incidents(rec)
			if a.opts.Groups != nil && a.opts.Groups() && !offWall && rec.State != bus.StateEnd && a.wallWorthy(an, false) {
				a.wall(an)
			}
		}
		return nil
	}
	a.stats.applied.Add(1)
	a.anomalies.Publish(rec)
	offWall := false
	if a.opts.Incidents != nil {
		offWall = a.opts.Incidents(rec)
	}
	lvl := a.log.Info() // starts and ends; updates (every few seconds of an anomaly) at debug
	if an.State == bus.StateUpdate {
		lvl = a.log.Debug()
	}
	lvl.Str("id", an.ID).Str("site", an.Site).Str("camera", an.Camera).Str("kind", an.Kind).
		Str("state", an.State).Str("severity", an.Severity).Bool("shadow", an.Shadow).Msg("anomaly")
	if !offWall && a.wallWorthy(an, created) && (a.opts.Groups == nil || a.opts.Groups()) {
		a.wall(an)
	}
	return nil
}

// wall puts an anomaly's camera on the wall.
func (a *Alerts) wall(an bus.Anomaly) {
	ctx, cancel := context.WithTimeout(a.life, storeTimeout)
	defer cancel()
	a.putOnWall(ctx, store.WallEntry{Camera: an.Camera, Site: an.Site, Anomaly: an.ID, Kind: an.Kind,
		Severity: an.Severity, Reason: wallReason(an)}, byAnomaly)
}

// put writes an anomaly event to the store, trying again after an error
// (but store.ErrInvalid) until storeRetries are spent or Run ends.
func (a *Alerts) put(an bus.Anomaly) (rec store.Anomaly, created, applied bool, err error) {
	for attempt := 0; ; attempt++ {
		ctx, cancel := context.WithTimeout(a.life, storeTimeout)
		rec, created, applied, err = a.store.PutAnomaly(ctx, an)
		cancel()
		if err == nil {
			return rec, created, applied, nil
		}
		if attempt == len(storeRetries) || a.life.Err() != nil || errors.Is(err, store.ErrInvalid) {
			return store.Anomaly{}, false, false, fmt.Errorf("store anomaly %s seq %d: %w", an.ID, an.Seq, err)
		}
		a.log.Warn().Err(err).Str("id", an.ID).Dur("retry_in", storeRetries[attempt]).Msg("store anomaly failed; retrying")
		select {
		case <-time.After(storeRetries[attempt]):
		case <-a.life.Done():
		}
	}
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
