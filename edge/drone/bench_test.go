package drone

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/rs/zerolog"

	"github.com/argus-edge/argus/configs"
	"github.com/argus-edge/argus/configs/airspace"
	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/busclient"
	"github.com/argus-edge/argus/drivers/mavlink"
	"github.com/argus-edge/argus/drivers/peers"
)

// benchHome spreads the benchmark's drones 10 m apart around home.
func benchHome(i int) mavlink.Point {
	return mavlink.Point{Lat: home.Lat + float64(i%10)*1e-4, Lon: home.Lon + float64(i/10)*1e-4, Alt: home.Alt}
}

// BenchmarkFiftyDrones holds 50 simulated drones (drivers/sim/drone, in a
// child process; no real autopilot) through mavp2p, their telemetry
// streams asked at 10 Hz (five messages each, 2,500 messages a second
// plus heartbeats), and publishes their telemetry to mosquitto at 2 Hz.
// It reports the edge's CPU per drone (this process: node, units, bus
// client; not the vehicles, router or broker) and the age of the data in
// each telemetry message when a subscriber receives it (its time is when
// the vehicle's latest message arrived), p50 and p99.
func BenchmarkFiftyDrones(b *testing.B) {
	const n = 50
	const window = 10 * time.Second
	broker := peers.Mosquitto(b)
	edgeSide, droneSide := peers.FreeUDPAddr(b), peers.FreeUDPAddr(b)
	peers.MAVP2P(b, "udps:"+edgeSide, "udps:"+droneSide)

	child := exec.Command(os.Args[0], "-test.run=^$")
	child.Env = append(os.Environ(), fmt.Sprintf("%s=%d udpc://%s", simChildEnv, n, droneSide))
	stdin, err := child.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	child.Stderr = os.Stderr
	if err := child.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { stdin.Close(); child.Wait() })

	client, err := busclient.New(busclient.Options{Broker: broker.URL(), Edge: edgeID, Log: zerolog.Nop(), QueueDir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(client.Close)
	var ds []configs.Drone
	for i := 1; i <= n; i++ {
		h := benchHome(i)
		ds = append(ds, configs.Drone{ID: fmt.Sprintf("drone-%d", i), Site: site.ID, Link: "udpc://" + edgeSide, SystemID: i,
			Home: &configs.Location{Lat: h.Lat, Lon: h.Lon, Alt: h.Alt}, MaxSpeed: 10, Endurance: configs.Duration(20 * time.Minute)})
	}
	m, err := New(Options{Edge: edgeID, Drones: ds, Sites: map[string]*airspace.Site{site.ID: site}, Bus: client,
		Log: zerolog.Nop(), Mavlink: mavlink.Options{StreamRate: 10}})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(m.Close)

	var mu sync.Mutex
	var ages []time.Duration
	measuring := false
	sub := peers.MQTTClient(b, broker.URL(), "console")
	tok := sub.Subscribe(bus.AllDroneTelemetry, 0, func(_ paho.Client, msg paho.Message) {
		var t bus.DroneTelemetry
		if json.Unmarshal(msg.Payload(), &t) != nil || t.Link != bus.LinkUp {
			return
		}
		age := time.Since(t.Time.Time)
		mu.Lock()
		if measuring {
			ages = append(ages, age)
		}
		mu.Unlock()
	})
	if !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		b.Fatal(tok.Error())
	}
	up := 0
	if !peers.Eventually(30*time.Second, func() bool {
		up = 0
		for _, st := range m.Status() {
			if st.Link == bus.LinkUp && st.Position != nil {
				up++
			}
		}
		return up == n
	}) {
		b.Fatalf("%d of %d drones up after 30 s", up, n)
	}

	b.ResetTimer()
	for range b.N {
		mu.Lock()
		measuring, ages = true, ages[:0]
		mu.Unlock()
		frames0, c0 := m.node.Stats().Frames, cpu()
		time.Sleep(window)
		cpuUsed, frames := cpu()-c0, m.node.Stats().Frames-frames0
		mu.Lock()
		measuring = false
		got := slices.Clone(ages)
		mu.Unlock()
		if len(got) == 0 {
			b.Fatal("no telemetry received")
		}
		slices.Sort(got)
		b.ReportMetric(cpuUsed.Seconds()/window.Seconds()/n*1000, "mcores/drone")
		b.ReportMetric(float64(frames)/window.Seconds(), "frames/s")
		b.ReportMetric(float64(len(got))/window.Seconds()/n, "telemetry/s/drone")
		b.ReportMetric(float64(got[len(got)/2].Microseconds())/1000, "age-p50-ms")
		b.ReportMetric(float64(got[len(got)*99/100].Microseconds())/1000, "age-p99-ms")
	}
}

// cpu is this process's user and system CPU so far.
func cpu() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
