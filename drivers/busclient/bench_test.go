package busclient

import (
	"fmt"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/peers"
)

// BenchmarkWANDrain is the WAN backlog: anomalies queued on disk
// while the broker was away (here: a client on a port nobody listens on),
// then a second client on the same queue connects to mosquitto through a
// link adding 50 ms each way (a 100 ms round trip; drivers/peers.
// DelayedTCPLink, since this kernel has no netem). It reports the drain
// rate from New until a subscriber on the broker's side holds every
// anomaly (each ~300 bytes of JSON, no snapshot: the link's bandwidth is
// not what is measured). inflight=1 is the former sender, one PUBACK at a
// time, on a backlog of 200; windows of 64 and the default drain 10,000.
//
//	go test -run XXX -bench WANDrain -benchtime 1x ./drivers/busclient/
func BenchmarkWANDrain(b *testing.B) {
	for _, tc := range []struct{ inflight, n int }{{1, 200}, {64, 10000}, {DefaultInflight, 10000}} {
		b.Run(fmt.Sprintf("inflight=%d/n=%d", tc.inflight, tc.n), func(b *testing.B) {
			broker := peers.Mosquitto(b)
			link := peers.DelayedTCPLink(b, broker.URL()[len("tcp://"):], 50*time.Millisecond, 50*time.Millisecond)
			quiet := func(o *Options) { o.Log = zerolog.Nop(); o.Inflight = tc.inflight }
			var rate float64
			for i := range b.N {
				b.StopTimer()
				dir := b.TempDir()
				away := newTestClient(b, fmt.Sprintf("tcp://127.0.0.1:%d", peers.FreePort(b)), dir, quiet)
				ids := publishN(b, away, 0, tc.n, cams4)
				away.Close()
				sub := newSubscriber(b, broker.URL(), fmt.Sprintf("command-center-%d", i), bus.AllAnomalies, false)
				b.StartTimer()

				start := time.Now()
				c := newTestClient(b, "tcp://"+link.Addr(), dir, quiet)
				msgs := sub.waitUntil(b, 10*time.Minute, "the backlog", func([]message) bool { return sub.unique() >= tc.n })
				took := time.Since(start)

				b.StopTimer()
				unique, _ := dedup(b, anomalies(b, msgs))
				checkComplete(b, unique, ids)
				c.Close()
				rate = float64(tc.n) / took.Seconds()
				b.Logf("%d anomalies drained through a 100 ms round trip in %.2f s: %.0f anomalies/s (inflight %d)",
					tc.n, took.Seconds(), rate, tc.inflight)
				b.StartTimer()
			}
			b.ReportMetric(rate, "anomalies/s")
		})
	}
}
