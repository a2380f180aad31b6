package bus_test

import (
	"fmt"

	"github.com/argus-edge/argus/drivers/bus"
)

// A receiver parses the topic of each incoming message.
func ExampleParseTopic() {
	t, err := bus.ParseTopic("argus/v1/status/cameras/hillside/hillside-fire")
	fmt.Println(t.Kind, t.Site, t.Camera, err)
	// Output: camera_status hillside hillside-fire <nil>
}
