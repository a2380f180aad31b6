package patrol

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/argus-edge/argus/configs/airspace"
	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/peers"
)

// BenchmarkTelemetryToListener is one telemetry sample's way from an
// edge's QoS 0 publish through Debian's mosquitto and the service to a
// listener (what the API turns into an SSE frame), one sample in flight
// at a time, the throttle off: ns/op and the latency's p50 and p99.
// Figures only.
func BenchmarkTelemetryToListener(b *testing.B) {
	mq := peers.Mosquitto(b)
	svc, err := New(Options{Broker: mq.URL(), ClientID: "patrol-bench", Commands: refuser{}, TelemetryEvery: time.Nanosecond,
		Sites: map[string]*airspace.Site{"hillside": testSite("hillside", false)}, EventBuffer: 16})
	if err != nil {
		b.Fatal(err)
	}
	got := make(chan struct{}, 16)
	defer svc.Subscribe(func(e Event) {
		if e.Kind == EventDrone {
			got <- struct{}{}
		}
	})()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- svc.Run(ctx) }()
	defer func() { cancel(); <-done }()
	<-svc.Ready()
	edge := peers.MQTTClient(b, mq.URL(), "edge-bench")
	tel := idle("hill-1", "hillside")
	tel.Edge = "edge-a"
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		tel.Battery.Percent = i % 100
		p, _ := json.Marshal(tel)
		start := time.Now()
		edge.Publish(bus.DroneTelemetryTopic("hill-1"), 0, true, p)
		select {
		case <-got:
		case <-time.After(10 * time.Second):
			b.Fatalf("sample %d not heard within 10s", i)
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}
