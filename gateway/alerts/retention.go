package alerts

import (
	"context"
	"time"

	"github.com/argus-edge/argus/gateway/store"
)

// DefaultRetentionEvery is how often RunRetention prunes when given 0.
const DefaultRetentionEvery = time.Hour

// RunRetention prunes the store by r at once and then every interval
// until ctx ends, logging what went. A failed prune is logged and tried
// at the next tick.
func (a *Alerts) RunRetention(ctx context.Context, r store.Retention, every time.Duration) {
	if every <= 0 {
		every = DefaultRetentionEvery
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		a.prune(ctx, r)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// prune runs one store.Prune and counts what it deleted.
func (a *Alerts) prune(ctx context.Context, r store.Retention) {
	p, err := a.store.Prune(ctx, r, time.Now().UTC())
	if err != nil {
		if ctx.Err() == nil {
			a.log.Error().Err(err).Msg("retention: prune failed")
		}
		return
	}
	a.stats.pruned(p)
	a.log.Info().Int64("anomalies", p.Anomalies).Int64("snapshots", p.Snapshots).Int64("audit", p.Audit).
		Int64("sessions", p.Sessions).Int64("wall", p.Wall).Int64("incidents", p.Incidents).Dur("keep_anomalies", r.Anomalies).Dur("keep_snapshots", r.Snapshots).
		Dur("keep_audit", r.Audit).Msg("retention: pruned")
}
