package alerts

import (
	"context"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/peers"
	"github.com/argus-edge/argus/gateway/store"
)

// BenchmarkIngest is one anomaly's way from an edge's QoS 1 publish
// through Debian's mosquitto, validation and the store (newStore's) to a
// listener: ns/op per anomaly, the publisher pipelining as an edge's
// queue does; logs are formatted and discarded. Figures only.
func BenchmarkIngest(b *testing.B) {
	mq := peers.Mosquitto(b)
	st := newStore(b)
	a, err := New(Options{Broker: mq.URL(), ClientID: "alerts-bench", Store: st, Log: zerolog.New(io.Discard), EventBuffer: b.N + 1})
	if err != nil {
		b.Fatal(err)
	}
	all := make(chan struct{})
	n := 0
	defer a.Subscribe(func(store.Anomaly) {
		if n++; n == b.N {
			close(all)
		}
	})()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	defer func() { cancel(); <-done }()
	<-a.Ready()
	e := peers.MQTTClient(b, mq.URL(), "edge-1")
	payloads := make([][]byte, b.N)
	for i := range payloads {
		payloads[i] = mustJSON(b, anomaly(fmt.Sprintf("cam-%d.person.%d", i%100, i), uint64(i+1),
			fmt.Sprintf("cam-%d", i%100), bus.KindPerson, bus.StateStart, "low"))
	}
	b.ResetTimer()
	for i, p := range payloads {
		e.Publish(bus.AnomalyTopic("riverside", fmt.Sprintf("cam-%d", i%100)), 1, false, p)
	}
	select {
	case <-all:
	case <-time.After(60 * time.Second):
		b.Fatalf("%d of %d anomalies applied in 60s", a.Stats().Applied, b.N)
	}
}
