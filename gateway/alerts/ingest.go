package alerts

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/gateway/store"
)

// Ingest defaults (Options.BatchSize, BatchWait, QueueSize).
const (
	// DefaultBatchSize is the most anomalies one transaction writes.
	DefaultBatchSize = 1000
	// DefaultBatchWait is the most time spent gathering one batch.
	DefaultBatchWait = 20 * time.Millisecond
	// DefaultQueueSize bounds the anomalies received and not yet stored;
	// NATS's window (gateway/broker's max_ack_pending, 4,096) is just above.
	DefaultQueueSize = 4000
)

// queued is one valid anomaly waiting for the store, with its message to
// acknowledge once it is durable.
type queued struct {
	an  bus.Anomaly
	msg mqtt.Message
	at  time.Time // received
	// conn is Alerts.conn when it was received: once the connection that
	// delivered it is lost, the broker delivers it again on the next one
	// and it is not acknowledged (paho may block an acknowledgement sent
	// to a connection that is gone).
	conn uint64
}

// ackWait bounds the acknowledgements of one batch: one sent as its
// connection dies can block in paho; the ingest goes on without it (the
// broker delivers the message again, the store ignores it as a repeat).
const ackWait = 5 * time.Second

// enqueue hands a valid anomaly to the ingest loop. When the queue is
// full it waits: the MQTT callback stops, so the client stops reading, the
// broker stops delivering (its unacknowledged window is full) and keeps
// the rest, and so do the edges' store-and-forward queues behind it.
// Memory stays bounded whatever the burst. Run ending leaves the message
// unacknowledged: the broker delivers it again.
func (a *Alerts) enqueue(q queued) {
	select {
	case a.queue <- q:
		a.stats.notePeak(len(a.queue))
		return
	default:
	}
	a.stats.queueFull.Add(1)
	a.burstMu.Lock()
	if a.burstStart.IsZero() {
		a.burstStart = time.Now()
		a.stats.bursts.Add(1)
		a.log.Warn().Int("queue", cap(a.queue)).Msg("ingest queue full: holding the broker back until the store catches up")
	}
	a.burstMu.Unlock()
	select {
	case a.queue <- q:
		a.stats.notePeak(len(a.queue))
	case <-a.life.Done():
	}
}

// burstOver logs the end of a burst, once, when the queue has drained
// below a quarter after being full.
func (a *Alerts) burstOver() {
	a.burstMu.Lock()
	defer a.burstMu.Unlock()
	if !a.burstStart.IsZero() && len(a.queue) < cap(a.queue)/4 {
		a.log.Info().Dur("held_for", time.Since(a.burstStart)).Uint64("waits_total", a.stats.queueFull.Load()).
			Msg("ingest queue drained: burst absorbed")
		a.burstStart = time.Time{}
	}
}

// ingest writes the queue to the store in batches until Run ends, in
// two stages: while one batch is grouped, told and acknowledged (after),
// the next is written (a PostgreSQL commit's wait overlaps the grouping's
// work). after takes the batches in order, one at a time.
func (a *Alerts) ingest() {
	stored := make(chan storedBatch, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for b := range stored {
			a.after(b)
		}
	}()
	defer func() { close(stored); <-done }()
	for {
		select {
		case <-a.life.Done():
			return
		case q := <-a.queue:
			batch := a.collect(append(make([]queued, 0, a.opts.BatchSize), q))
			results, err := a.write(batch)
			if err != nil {
				a.stats.storeErrors.Add(uint64(len(batch)))
				a.log.Error().Err(err).Int("anomalies", len(batch)).Str("first", batch[0].an.ID).
					Msg("anomalies not stored; left unacknowledged for the broker to deliver again")
				continue
			}
			stored <- storedBatch{batch, results}
		}
	}
}

// storedBatch is a batch the store took, with what it did with each.
type storedBatch struct {
	batch   []queued
	results []store.AnomalyResult
}

// after groups, tells and keeps the wall for a stored batch, then
// acknowledges its messages: an anomaly is acknowledged once durable and
// grouped (a crash before loses nothing: the broker delivers it again).
func (a *Alerts) after(b storedBatch) {
	a.applyResults(b.batch, b.results)
	a.ack(b.batch)
	a.metrics.acked(b.batch, time.Now())
	a.stats.ingested.Add(uint64(len(b.batch)))
	a.burstOver()
}

// collect adds what waits in the queue to batch, up to BatchSize and for
// at most BatchWait. At a trickle it does not wait for more when nothing
// waits: each anomaly is written at once. In a storm (stormBatch or more
// were waiting) it waits for more until BatchWait is over: a batch's
// fixed cost (its commits, each hot index page written again, every
// incident it touches written once) is paid for more anomalies, a few
// milliseconds later.
func (a *Alerts) collect(batch []queued) []queued {
	deadline := time.Now().Add(a.opts.BatchWait)
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for len(batch) < a.opts.BatchSize {
		select {
		case q := <-a.queue:
			batch = append(batch, q)
			continue
		default:
		}
		wait := time.Until(deadline)
		if len(batch) < stormBatch || wait <= 0 {
			return batch
		}
		if timer == nil {
			timer = time.NewTimer(wait)
		}
		select {
		case q := <-a.queue:
			batch = append(batch, q)
		case <-timer.C:
			return batch
		case <-a.life.Done():
			return batch
		}
	}
	return batch
}

// stormBatch is the batch that makes collect wait for more.
const stormBatch = 64

// writeBatch stores a batch and acknowledges it, on the caller's
// goroutine (the ingest loop's two stages in one); a batch the store
// failed to take stays unacknowledged.
func (a *Alerts) writeBatch(batch []queued) {
	results, err := a.write(batch)
	if err != nil {
		a.stats.storeErrors.Add(uint64(len(batch)))
		a.log.Error().Err(err).Int("anomalies", len(batch)).Str("first", batch[0].an.ID).
			Msg("anomalies not stored; left unacknowledged for the broker to deliver again")
		return
	}
	a.after(storedBatch{batch, results})
}

// storeBatch stores a batch and groups, tells and walls it, without
// acknowledging anything.
func (a *Alerts) storeBatch(batch []queued) error {
	results, err := a.write(batch)
	if err != nil {
		return err
	}
	a.applyResults(batch, results)
	return nil
}

// write stores a batch in one transaction.
func (a *Alerts) write(batch []queued) ([]store.AnomalyResult, error) {
	start := time.Now()
	events := make([]bus.Anomaly, len(batch))
	for i, q := range batch {
		events[i] = q.an
	}
	results, err := a.putBatch(events)
	if err != nil {
		return nil, err
	}
	a.metrics.batch(len(batch), time.Since(start))
	return results, nil
}

// ack acknowledges the batch's messages still on their connection, for
// at most ackWait.
func (a *Alerts) ack(batch []queued) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		for _, q := range batch {
			if q.msg != nil && q.conn == a.conn.Load() {
				q.msg.Ack()
			}
		}
	}()
	select {
	case <-done:
	case <-time.After(ackWait):
		// The goroutine ends if paho ever takes the acknowledgement; it
		// holds nothing of the ingest's.
		a.log.Warn().Int("anomalies", len(batch)).Msg("acknowledgements held by a lost MQTT connection; the broker delivers those anomalies again")
	}
}

// putBatch writes events in one transaction, trying again after an error
// until storeRetries are spent or Run ends.
func (a *Alerts) putBatch(events []bus.Anomaly) ([]store.AnomalyResult, error) {
	for attempt := 0; ; attempt++ {
		ctx, cancel := context.WithTimeout(a.life, storeTimeout)
		rs, err := a.store.PutAnomalies(ctx, events)
		cancel()
		if err == nil {
			return rs, nil
		}
		if attempt == len(storeRetries) || a.life.Err() != nil {
			return nil, fmt.Errorf("store %d anomalies: %w", len(events), err)
		}
		a.log.Warn().Err(err).Int("anomalies", len(events)).Dur("retry_in", storeRetries[attempt]).Msg("store anomalies failed; retrying")
		select {
		case <-time.After(storeRetries[attempt]):
		case <-a.life.Done():
		}
	}
}

// applyResults does, for a stored batch, what apply did per anomaly: the
// records applied, and those another replica applied from these events
// or later ones (of replicas sharing a store one groups, every record),
// go to the grouping in order; only the grouping replica keeps the wall.
func (a *Alerts) applyResults(batch []queued, results []store.AnomalyResult) {
	grouped := make([]store.Anomaly, 0, len(results)) // for Incidents, in order
	groupedAt := make([]int, 0, len(results))         // each one's index in batch
	appliedAt := make([]int, 0, len(results))         // the records applied here: their index in grouped
	// told is for the listeners, in order: grouped itself (read only by
	// both) until a record is grouped and not told, as in a typhoon none is.
	var told []store.Anomaly
	same := true
	for i, r := range results {
		an := batch[i].an
		switch {
		case errors.Is(r.Err, store.ErrInvalid):
			// The store will never take it: acknowledged, or it comes back forever.
			a.stats.reject(rejectInvalid)
			a.log.Warn().Err(r.Err).Str("topic", bus.AnomalyTopic(an.Site, an.Camera)).Str("id", an.ID).Msg("rejected anomaly message: the store refuses it")
		case !r.Applied:
			a.stats.duplicates.Add(1)
			a.log.Debug().Str("id", an.ID).Uint64("seq", an.Seq).Str("state", an.State).Msg("anomaly event ignored: redelivered or after its end")
			tell := r.Record.ID == an.ID && r.Record.Seq == an.Seq
			if tell {
				// The record is this very event, applied first by another
				// gateway replica sharing the store (or by this one before a
				// redelivery): this replica's consoles must hear of it too.
				a.anomalies.Publish(r.Record)
			}
			if r.Record.ID == an.ID && r.Record.Seq >= an.Seq {
				// This event's record, or a later one when another replica
				// ran ahead (a redelivered event changes no incident).
				if !tell && same {
					told, same = slices.Clone(grouped), false
				}
				grouped = append(grouped, r.Record)
				groupedAt = append(groupedAt, i)
			}
			if tell && !same {
				told = append(told, r.Record)
			}
		default:
			a.stats.applied.Add(1)
			a.anomalies.Publish(r.Record)
			appliedAt = append(appliedAt, len(grouped))
			grouped = append(grouped, r.Record)
			groupedAt = append(groupedAt, i)
			if !same {
				told = append(told, r.Record)
			}
		}
	}
	if same {
		told = grouped
	}
	if len(told) > 0 {
		a.batches.Publish(told)
	}
	offWall := make([]bool, len(grouped))
	if a.opts.Incidents != nil && len(grouped) > 0 {
		offWall = a.opts.Incidents(grouped)
	}
	a.logBatch(grouped, appliedAt)
	a.wallBatch(batch, results, grouped, groupedAt, offWall)
}

// wallBatch puts on the wall the cameras of the batch's records that need
// a tile: only on the replica that groups (Options.Groups), for records it
// applied (a live anomaly severe enough beginning) and, when
// Options.Incidents is set, for records another replica applied.
func (a *Alerts) wallBatch(batch []queued, results []store.AnomalyResult, grouped []store.Anomaly, groupedAt []int, offWall []bool) {
	if len(grouped) == 0 || a.opts.Groups != nil && !a.opts.Groups() {
		return
	}
	var ws []store.WallEntry
	for j, i := range groupedAt {
		an, r := batch[i].an, results[i]
		switch {
		case offWall[j]:
		case r.Applied && a.wallWorthy(an, r.Created),
			!r.Applied && a.opts.Incidents != nil && a.opts.Groups != nil && grouped[j].State != bus.StateEnd && a.wallWorthy(an, false):
			ws = append(ws, wallEntry(an))
		}
	}
	if len(ws) > 0 {
		ctx, cancel := context.WithTimeout(a.life, storeTimeout)
		defer cancel()
		a.putAllOnWall(ctx, ws)
	}
}

// wallEntry is the wall's entry for an anomaly's camera.
func wallEntry(an bus.Anomaly) store.WallEntry {
	return store.WallEntry{Camera: an.Camera, Site: an.Site, Anomaly: an.ID, Kind: an.Kind,
		Severity: an.Severity, Reason: wallReason(an)}
}

// logBatch logs the applied anomalies' starts and ends, one line each as
// before batching (operators and tests follow them); updates, every few
// seconds of an anomaly, at debug.
func (a *Alerts) logBatch(grouped []store.Anomaly, applied []int) {
	for _, i := range applied {
		r := grouped[i]
		lvl := a.log.Info()
		if r.State == bus.StateUpdate {
			lvl = a.log.Debug()
		}
		lvl.Str("id", r.ID).Str("site", r.Site).Str("camera", r.Camera).Str("kind", r.Kind).
			Str("state", r.State).Str("severity", r.Severity).Bool("shadow", r.Shadow).Msg("anomaly")
	}
}
