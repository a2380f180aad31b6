package drone_test

import (
	"log"
	"os"
	"time"

	"github.com/rs/zerolog"

	"github.com/argus-edge/argus/configs"
	"github.com/argus-edge/argus/configs/airspace"
	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/busclient"
	"github.com/argus-edge/argus/edge/analyze"
	"github.com/argus-edge/argus/edge/drone"
)

// An edge holding one drone on a telemetry radio: patrol commands from
// the gateway are carried out, telemetry and progress go to the bus, and
// the drone's video is analysed as a camera placed from its telemetry.
func Example() {
	client, err := busclient.New(busclient.Options{Broker: "tcp://gateway:1883", Edge: "edge-hill", QueueDir: "var/edge-hill/queue"})
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	sites, err := airspace.LoadDir("configs/sites")
	if err != nil {
		log.Fatal(err) // every problem with its file and line
	}
	m, err := drone.New(drone.Options{
		Edge: "edge-hill", Sites: sites, Bus: client, Log: zerolog.New(os.Stderr),
		Drones: []configs.Drone{{ID: "drone-hillside", Site: "hillside", Link: "serial:///dev/ttyUSB0?baud=57600", SystemID: 1,
			Home: &configs.Location{Lat: 22.5460, Lon: 114.0495, Alt: 30}, MaxSpeed: 12, Endurance: configs.Duration(25 * time.Minute)}},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close() // before the client: the last progress goes through its queue
	client.Subscribe(bus.CommandTopic("edge-hill"), m.CommandHandler(client))
	video := analyze.Camera{ID: "drone-hillside", Site: "hillside", Stream: "drone-hillside", GeoAt: m.GeoAt("drone-hillside")}
	_ = video // given to analyze.Manager.Apply with the other cameras
}
