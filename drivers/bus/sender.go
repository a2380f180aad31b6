package bus

import (
	"context"
	"time"
)

// retryPause is how long a sender waits after a publish the broker refused
// or did not confirm while still connected, so it does not spin.
const retryPause = 500 * time.Millisecond

// sendAnomalies is the single anomaly sender: it publishes the oldest
// queued anomaly, waits for its PUBACK and only then acks it in the queue
// and moves on. One in flight keeps the order per camera and overall, at
// one broker round trip per anomaly.
func (c *Client) sendAnomalies(ctx context.Context) {
	for {
		r, err := c.q.next(ctx)
		if err != nil {
			return
		}
		for !c.deliver(ctx, r) {
			if ctx.Err() != nil {
				return // not acked: the next client on this QueueDir sends it
			}
		}
		c.q.ack(r.seq) // a no-op when the bound dropped it meanwhile
	}
}

// deliver publishes one record once connected and reports whether it is
// done with: confirmed by the broker, or dropped by the queue's bound. A lost connection or a timeout means "send again":
// the broker may have it already, and receivers drop the copy by seq.
func (c *Client) deliver(ctx context.Context, r record) bool {
	up, _ := c.conn.channels()
	select {
	case <-up:
	case <-ctx.Done():
		return false
	}
	if !c.q.isOldest(r.seq) {
		return true // dropped by the bound while we waited: not to be sent
	}
	_, lost := c.conn.channels()
	tok := c.pc.Publish(r.topic, 1, false, r.payload)
	timer := time.NewTimer(c.opts.PubackTimeout)
	defer timer.Stop()
	select {
	case <-tok.Done():
		if err := tok.Error(); err != nil {
			c.log.Warn().Err(err).Uint64("seq", r.seq).Msg("bus: anomaly publish failed, will resend")
			return c.pause(ctx)
		}
		return true
	case <-lost:
		return false
	case <-timer.C:
		c.log.Warn().Uint64("seq", r.seq).Dur("timeout", c.opts.PubackTimeout).Msg("bus: no PUBACK for anomaly, will resend")
		return false
	case <-ctx.Done():
		return false
	}
}

// pause waits retryPause; it always reports false (not delivered).
func (c *Client) pause(ctx context.Context) bool {
	t := time.NewTimer(retryPause)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
	return false
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
