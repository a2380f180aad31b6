package busclient_test

import (
	"fmt"
	"os"

	"github.com/rs/zerolog"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/busclient"
)

// An edge publishes an anomaly; it waits on disk until the broker has it.
func ExampleClient_PublishAnomaly() {
	dir, _ := os.MkdirTemp("", "queue")
	defer os.RemoveAll(dir)
	c, err := busclient.New(busclient.Options{
		Broker:   "tcp://127.0.0.1:1", // nobody there: the anomaly stays queued
		Edge:     "edge-1",
		Password: os.Getenv("ARGUS_MQTT_PASSWORD"),
		Log:      zerolog.Nop(),
		QueueDir: dir,
	})
	if err != nil {
		panic(err)
	}
	defer c.Close()
	err = c.PublishAnomaly(bus.Anomaly{ID: "a1", Site: "hillside", Camera: "hillside-fire",
		Kind: bus.KindFire, State: bus.StateStart, Score: 0.9, Box: [4]float64{0.4, 0.3, 0.2, 0.2}})
	fmt.Println(err, c.Stats().Depth)
	// Output: <nil> 1
}
