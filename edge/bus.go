package main

import (
	"context"
	"time"

	"github.com/rs/zerolog"

	"github.com/argus-edge/argus/configs"
	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/edge/analyze"
	"github.com/argus-edge/argus/edge/ingest"
)

// connect opens the MQTT client when a broker is configured; anomalies are
// queued on disk from this moment, whether the broker is up or not.
func connect(cfg *configs.Edge, log zerolog.Logger) (*bus.Client, error) {
	if cfg.MQTT.Broker == "" {
		return nil, nil
	}
	pass, err := cfg.MQTT.Password()
	if err != nil {
		return nil, err
	}
	return bus.New(bus.Options{
		Broker: cfg.MQTT.Broker, Username: cfg.MQTT.Username, Password: pass, Edge: cfg.Edge.ID,
		Version: version, Log: log, QueueDir: cfg.MQTT.QueueDir, QueueMax: cfg.MQTT.QueueMax,
		QueueMaxBytes: int64(cfg.MQTT.QueueMaxMB) << 20,
	})
}

// logSink stands in for the bus when no broker is configured: anomalies
// are logged (by the publisher) and go nowhere else.
type logSink struct{}

// PublishAnomaly implements analyze.Sink.
func (logSink) PublishAnomaly(bus.Anomaly) error { return nil }

// analysed lists the cameras to analyse: the substream when there is one.
func analysed(cfg *configs.Edge) []analyze.Camera {
	out := make([]analyze.Camera, 0, len(cfg.Cameras))
	for _, c := range cfg.Cameras {
		if c.Disabled {
			continue
		}
		a := analyze.Camera{ID: c.ID, Site: c.Site, Stream: c.ID}
		if c.Sub != "" {
			a.Stream = c.ID + ingest.SubSuffix
		}
		if c.Location != nil {
			a.Geo = &[3]float64{c.Location.Lat, c.Location.Lon, c.Location.Alt}
		}
		out = append(out, a)
	}
	return out
}

// statusLoop publishes every camera's retained status when it changes
// state and every 10 s (fps, bitrate, mode), and ticks the rules once a
// second so anomalies end when frames stop.
func statusLoop(ctx context.Context, client *bus.Client, edge string, m *ingest.Manager, an *analyze.Manager, changed <-chan string) {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	n := 0
	for {
		select {
		case <-ctx.Done():
			return
		case id := <-changed:
			publishStatus(client, edge, m, an, id)
		case now := <-tick.C:
			an.Tick(now)
			if n++; n%10 == 0 {
				publishStatus(client, edge, m, an, "")
			}
		}
	}
}

// publishStatus publishes one camera's status, or all with id "".
func publishStatus(client *bus.Client, edge string, m *ingest.Manager, an *analyze.Manager, id string) {
	if client == nil {
		return
	}
	modes := map[string]string{}
	for _, st := range an.Status() {
		modes[st.Camera] = string(st.Mode)
	}
	for _, st := range m.Status() {
		if id != "" && st.ID != id {
			continue
		}
		cs := bus.CameraStatus{
			Site: st.Site, Camera: st.ID, Edge: edge, State: st.State, Reason: st.Main.Reason,
			Codec: st.Main.Codec, Width: st.Main.Width, Height: st.Main.Height, FPS: st.Main.FPS,
			BitrateKbps: st.Main.BitrateKbps, Mode: modes[st.ID], Time: bus.Now(),
		}
		if st.Main.LastFrame != nil {
			cs.LastFrame = bus.At(*st.Main.LastFrame)
		}
		client.PublishCameraStatus(cs)
	}
}
