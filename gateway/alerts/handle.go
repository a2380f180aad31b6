package alerts

import (
	"context"
	"time"

	"github.com/argus-edge/argus/gateway/store"
)

// Acknowledge marks an anomaly acknowledged by who (store.Acknowledge) and
// tells the listeners the new record.
func (a *Alerts) Acknowledge(ctx context.Context, id, who, note string) (store.Anomaly, error) {
	return a.handled(a.store.Acknowledge(ctx, id, who, note, time.Now().UTC()))
}

// Resolve marks an anomaly resolved by who (store.Resolve) and tells the
// listeners the new record.
func (a *Alerts) Resolve(ctx context.Context, id, who, note string) (store.Anomaly, error) {
	return a.handled(a.store.Resolve(ctx, id, who, note, time.Now().UTC()))
}

// handled passes a store answer on, telling the listeners of a changed record.
func (a *Alerts) handled(rec store.Anomaly, err error) (store.Anomaly, error) {
	if err != nil {
		return store.Anomaly{}, err
	}
	a.anomalies.Publish(rec)
	a.batches.Publish([]store.Anomaly{rec})
	return rec, nil
}
