package alerts_test

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/gateway/alerts"
	"github.com/argus-edge/argus/gateway/directory"
	"github.com/argus-edge/argus/gateway/store"
)

// How the gateway wires Alerts: beside the directory on the same broker,
// the relay started through the directory's command channel, the wall
// and the records fanned out to the console's event stream, retention
// daily, metrics on /metrics. Compiled, not run.
func Example() {
	ctx := context.Background()
	log := zerolog.New(os.Stderr)
	st, err := store.Open(ctx, "sqlite", "argus.db")
	if err != nil {
		panic(err)
	}
	defer st.Close()
	dir := directory.New(directory.Options{Broker: "tcp://127.0.0.1:1883", Log: log})
	al, err := alerts.New(alerts.Options{
		Broker: "tcp://127.0.0.1:1883", Store: st, WallSeverity: "high", Log: log,
		StartRelay: func(ctx context.Context, camera string) error {
			edge, _, ok := dir.Lookup(camera)
			if !ok {
				return fmt.Errorf("no edge reports camera %s", camera)
			}
			r, err := dir.Command(ctx, edge, bus.Command{Action: bus.ActionRelayStart, Camera: camera})
			if err == nil && !r.OK {
				err = fmt.Errorf("edge %s refused: %s", edge, r.Error)
			}
			return err
		},
	})
	if err != nil {
		panic(err)
	}
	prometheus.MustRegister(al, dir)
	defer al.Subscribe(func(rec store.Anomaly) { /* SSE "anomaly" to viewers of rec.Site */ })()
	defer al.SubscribeWall(func(w []store.WallEntry) { /* SSE "wall" */ })()
	go dir.Run(ctx)
	go al.Run(ctx)
	go al.RunRetention(ctx, store.Retention{Anomalies: 90 * 24 * time.Hour, Snapshots: 30 * 24 * time.Hour,
		Audit: 365 * 24 * time.Hour}, 24*time.Hour)
}
