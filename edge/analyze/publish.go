package analyze

import (
	"bytes"
	"image"
	"image/jpeg"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/edge/frame"
	"github.com/argus-edge/argus/edge/rules"
)

// publisher turns rule events into bus anomalies.
type publisher struct {
	edge string
	sink Sink
	log  zerolog.Logger

	// mu is held for reading while events are handed to the sink, so that
	// stop returns only once the last of them is in the sink's queue.
	mu      sync.RWMutex
	stopped bool

	late     sync.Mutex      // guards withheld
	withheld map[string]bool // starts dropped after stop, whose ends must not go either
}

// publish sends events; a start carries the JPEG snapshot of the frame
// that caused it (nil for events no frame caused, such as ends on a tick).
// Once the publisher is stopped only ends go out: the edge is shutting
// down, and Manager.Close ends what is ongoing.
func (p *publisher) publish(cam Camera, events []rules.Event, snap []byte) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	for _, ev := range events {
		if p.stopped && !p.passes(ev) {
			continue
		}
		a := p.anomaly(cam, ev)
		if ev.State == rules.Start {
			a.Snapshot = snap
		}
		if err := p.sink.PublishAnomaly(a); err != nil {
			p.log.Error().Err(err).Str("anomaly", a.ID).Str("state", a.State).Msg("anomaly not queued")
			continue
		}
		p.log.Info().Str("camera", a.Camera).Str("anomaly", a.ID).Str("kind", a.Kind).Str("state", a.State).
			Float64("score", a.Score).Bool("shadow", a.Shadow).Int("rule_version", a.RuleVersion).Msg("anomaly")
	}
}

// stop waits for the events being handed to the sink; after it only ends
// go out.
func (p *publisher) stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stopped = true
	p.withheld = map[string]bool{}
}

// passes tells whether ev still goes out after stop: only the ends of
// anomalies whose start went out (a frame being analysed while the edge
// stopped may still start one, which is withheld with its end).
func (p *publisher) passes(ev rules.Event) bool {
	p.late.Lock()
	defer p.late.Unlock()
	if ev.State != rules.End {
		if ev.State == rules.Start {
			p.withheld[ev.ID] = true
		}
		return false
	}
	return !p.withheld[ev.ID]
}

func (p *publisher) anomaly(cam Camera, ev rules.Event) bus.Anomaly {
	a := bus.Anomaly{
		ID: ev.ID, Site: ev.Site, Camera: ev.Camera, Edge: p.edge, Kind: ev.Kind, State: string(ev.State), Severity: ev.Severity,
		Score: ev.Score, Box: [4]float64{ev.Box.X, ev.Box.Y, ev.Box.W, ev.Box.H}, Zone: ev.Zone,
		Rule: ev.Rule, RuleVersion: ev.RuleVersion, Shadow: ev.Shadow,
		FrameTime: bus.At(ev.FrameTime), PublishedAt: bus.Now(),
	}
	a.Geo = cam.geoAt(ev.FrameTime)
	if cam.Verifies != nil {
		a.Verifies = cam.Verifies(ev.FrameTime)
	}
	return a
}

// geoAt is where the camera was at a frame's time: from GeoAt when the
// camera moves, else its fixed position; nil when not known.
func (c Camera) geoAt(t time.Time) *bus.Geo {
	if c.GeoAt != nil {
		return c.GeoAt(t)
	}
	if c.Geo != nil {
		return &bus.Geo{Lat: c.Geo[0], Lon: c.Geo[1], Alt: c.Geo[2]}
	}
	return nil
}

// snapshot encodes the frame's own planes as a JPEG with Go's encoder:
// for the pictures the decoder cannot encode itself (decode.ErrNoJPEG). In
// idle mode only luma was decoded, so the snapshot is grey.
func snapshot(f *frame.Frame) []byte {
	var img image.Image
	switch {
	case len(f.BGR) == f.Width*f.Height*3 && f.Width > 0:
		rgba := rgbaOf(f.Width, f.Height)
		defer rgbas.Put(rgba)
		pix, bgr := rgba.Pix[:4*f.Width*f.Height], f.BGR
		for j := 0; j < len(pix); j += 4 {
			p, q := pix[j:j+4:j+4], bgr[j/4*3:j/4*3+3:j/4*3+3]
			p[0], p[1], p[2], p[3] = q[2], q[1], q[0], 0xff
		}
		img = rgba
	case len(f.Gray) == f.Width*f.Height && f.Width > 0:
		img = &image.Gray{Pix: f.Gray, Stride: f.Width, Rect: image.Rect(0, 0, f.Width, f.Height)}
	default:
		return nil
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 75}); err != nil {
		return nil
	}
	return b.Bytes()
}

// rgbas keeps snapshot pictures for the next: a new 8 MB picture per 1080p
// snapshot cost more CPU (page faults, clearing) than the JPEG encoding.
var rgbas sync.Pool

// rgbaOf returns a w×h picture from rgbas, or a new one.
func rgbaOf(w, h int) *image.RGBA {
	if m, ok := rgbas.Get().(*image.RGBA); ok && m.Rect.Dx() == w && m.Rect.Dy() == h {
		return m
	}
	return image.NewRGBA(image.Rect(0, 0, w, h))
}
