package directory

import (
	"context"
	"time"

	"github.com/argus-edge/argus/drivers/bus"
)

// statusFilter covers the camera and edge statuses.
const statusFilter = bus.Root + "/status/#"

// readRetained applies the broker's retained statuses, read whole, once
// the subscription is in place: what the subscription also delivers is
// the same or newer, and status keeps the newer.
func (d *Directory) readRetained() {
	if d.opts.Retained == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	start := time.Now()
	n, err := d.opts.Retained.Read(ctx, statusFilter, func(topic string, payload []byte) {
		t, err := bus.ParseTopic(topic)
		if err != nil {
			d.log.Warn().Err(err).Msg("ignored retained message")
			return
		}
		switch t.Kind {
		case bus.KindCameraStatus:
			d.status(t, payload, true)
		case bus.KindEdgeStatus:
			d.edgeStatus(t, payload, true)
		}
	})
	if err != nil {
		d.log.Error().Err(err).Int("read", n).Msg("retained statuses: read incomplete; the subscription and the edges' refreshes fill in")
		return
	}
	d.log.Info().Int("statuses", n).Dur("took", time.Since(start)).Msg("retained statuses read")
}
