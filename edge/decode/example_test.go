package decode_test

import (
	"log"

	"github.com/argus-edge/argus/drivers/media"
	"github.com/argus-edge/argus/edge/decode"
	"github.com/argus-edge/argus/edge/frame"
)

// A camera's consumer: idle until motion, then every frame in colour.
func ExampleDecoder() {
	var units <-chan *media.Unit // from the camera's hub reader
	var detect func(*frame.Frame) (motion bool)

	d, err := decode.New("gate-east", "h264")
	if err != nil {
		log.Fatal(err)
	}
	defer d.Close()
	for u := range units {
		if d.Mode() == decode.Idle && !u.Key {
			continue // idle cameras cost a keyframe now and then
		}
		f, err := d.Decode(u)
		if err != nil {
			log.Printf("camera gate-east: %v", err) // resumes at the next keyframe
			continue
		}
		if f == nil {
			continue
		}
		if detect(f) {
			d.SetMode(decode.Active) // from the next keyframe on
		}
		d.Release(f)
	}
}
