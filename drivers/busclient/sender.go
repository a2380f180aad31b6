package busclient

import (
	"context"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"
)

// retryPause is how long a sender waits after a publish the broker refused
// or did not confirm while still connected, so it does not spin.
const retryPause = 500 * time.Millisecond

// sendAnomalies is the single anomaly sender. On every connection it
// sends the queue from its oldest waiting record on, keeping up to
// Options.Inflight publishes in flight (see window).
func (c *Client) sendAnomalies(ctx context.Context) {
	for {
		up, _ := c.conn.channels()
		select {
		case <-up:
		case <-ctx.Done():
			return // what is not acked stays queued for the next client on this QueueDir
		}
		if !c.sendWindow(ctx) {
			return
		}
	}
}

// inflight is one anomaly published and not yet acknowledged.
type inflight struct {
	seq  uint64
	tok  mqtt.Token
	sent time.Time
}

// sendWindow publishes queued anomalies over the current connection, in
// queue order, with up to Options.Inflight awaiting their PUBACK. Records
// leave the queue only as a run whose every predecessor is acknowledged
// (ack takes the last of the run), so the queue never deletes a record
// while an earlier one may still have to be sent.
//
// Anything else — the connection lost, a publish refused, a PUBACK
// missing after PubackTimeout — ends the window: the sender starts again
// from the oldest record not acknowledged, in order, on the next
// connection (or the same one after retryPause). The broker read the
// window in order over one TCP stream, so what it has of it is a prefix;
// sending again from the oldest unacknowledged record repeats part of
// that prefix and then goes on. A receiver therefore sees each edge's
// seqs rising, with repeats that are at or below the highest it has seen:
// dropping those (the contract's rule) leaves every anomaly once, in
// order per edge and so per camera.
//
// It reports false when ctx ended or the queue closed, true when the
// caller should wait for a connection and call again.
func (c *Client) sendWindow(ctx context.Context) bool {
	_, lost := c.conn.channels()
	var (
		win    []inflight
		cursor uint64 // the last seq published in this window
	)
	timer := time.NewTimer(c.opts.PubackTimeout)
	defer timer.Stop()
	defer c.inflight.Store(0)
	for {
		for len(win) < c.opts.Inflight {
			r, ok, err := c.q.After(cursor)
			if err != nil {
				return false
			}
			if !ok {
				break
			}
			win = append(win, inflight{seq: r.Seq, tok: c.pc.Publish(r.Topic, 1, false, r.Payload), sent: time.Now()})
			cursor = r.Seq
		}
		c.inflight.Store(int64(len(win)))
		var more, head <-chan struct{}
		var expired <-chan time.Time // nil while the window is empty: no head to time out
		if len(win) < c.opts.Inflight {
			more = c.q.Appended()
		}
		if len(win) > 0 {
			head = win[0].tok.Done()
			timer.Reset(time.Until(win[0].sent.Add(c.opts.PubackTimeout)))
			expired = timer.C
		}
		select {
		case <-more:
		case <-head:
			if err := win[0].tok.Error(); err != nil {
				c.log.Warn().Err(err).Uint64("seq", win[0].seq).Int("in_flight", len(win)).
					Msg("bus: anomaly publish failed; sending again from it")
				return sleep(ctx, retryPause)
			}
			win = c.retire(win)
		case <-expired:
			c.log.Warn().Uint64("seq", win[0].seq).Int("in_flight", len(win)).Dur("timeout", c.opts.PubackTimeout).
				Msg("bus: no PUBACK for anomaly; sending again from it")
			return true
		case <-lost:
			return true
		case <-ctx.Done():
			return false
		}
	}
}

// retire drops the acknowledged run at the head of the window (the head
// is done and succeeded) and acks its last record in the queue.
func (c *Client) retire(win []inflight) []inflight {
	n := 1
	for n < len(win) && done(win[n].tok) && win[n].tok.Error() == nil {
		n++
	}
	c.q.Ack(win[n-1].seq)
	return win[n:]
}

// done tells whether a token has completed, without waiting.
func done(tok mqtt.Token) bool {
	select {
	case <-tok.Done():
		return true
	default:
		return false
	}
}

// sendRetained publishes the latest unacknowledged retained payloads (edge
// and camera statuses, drone telemetry) whenever one changes or the client reconnects.
func (c *Client) sendRetained(ctx context.Context) {
	var retry <-chan time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case <-c.retained.kick:
		case <-retry:
		}
		retry = nil
		if !c.conn.isUp() {
			continue // onConnect wakes us
		}
		if !c.publishRetained(ctx) {
			retry = time.After(retryPause)
		}
	}
}

// publishRetained publishes every dirty topic, all in flight at once, and
// reports whether the broker confirmed them all.
func (c *Client) publishRetained(ctx context.Context) bool {
	batch := c.retained.dirty()
	type sent struct {
		p   pendingRetained
		tok interface {
			Done() <-chan struct{}
			Error() error
		}
	}
	toks := make([]sent, 0, len(batch))
	for _, p := range batch {
		toks = append(toks, sent{p, c.pc.Publish(p.topic, p.qos, true, p.payload)})
	}
	_, lost := c.conn.channels()
	timer := time.NewTimer(c.opts.PubackTimeout)
	defer timer.Stop()
	ok := true
	for _, s := range toks {
		select {
		case <-s.tok.Done():
			if s.tok.Error() != nil {
				ok = false
				continue
			}
			c.retained.acked(s.p)
		case <-lost:
			return false // onConnect marks everything for resending
		case <-timer.C:
			return false
		case <-ctx.Done():
			return false
		}
	}
	return ok
}
