package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"math"
	"os"
	"slices"
	"time"

	"github.com/rs/zerolog"

	"github.com/argus-edge/argus/configs"
	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/busclient"
	"github.com/argus-edge/argus/edge/analyze"
	"github.com/argus-edge/argus/edge/ingest"
)

// connect opens the MQTT client when a broker is configured; anomalies are
// queued on disk from this moment, whether the broker is up or not.
// incarnation ("" for a standalone edge) goes in its online status and
// its will.
func connect(cfg *configs.Edge, log zerolog.Logger, incarnation string) (*busclient.Client, error) {
	if cfg.MQTT.Broker == "" {
		return nil, nil
	}
	user, err := cfg.MQTT.User()
	if err != nil {
		return nil, err
	}
	pass, err := cfg.MQTT.Password()
	if err != nil {
		return nil, err
	}
	var tlsCfg *tls.Config
	if cfg.MQTT.CAFile != "" {
		pool, err := caPool(cfg.MQTT.CAFile)
		if err != nil {
			return nil, fmt.Errorf("mqtt.ca_file: %w", err)
		}
		tlsCfg = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	return busclient.New(busclient.Options{
		Broker: cfg.MQTT.Broker, Username: user, Password: pass, Edge: cfg.Edge.ID,
		Version: version, Log: log, QueueDir: cfg.MQTT.QueueDir, QueueMax: cfg.MQTT.QueueMax,
		QueueMaxBytes: int64(cfg.MQTT.QueueMaxMB) << 20, Inflight: cfg.MQTT.Inflight, Incarnation: incarnation, TLS: tlsCfg,
		HTTPURL: cfg.Edge.AdvertisedURL(),
	})
}

// caPool reads a PEM file of CA certificates.
func caPool(file string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%s: no PEM certificate in it", file)
	}
	return pool, nil
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
		a := analyze.Camera{ID: c.ID, Site: c.Site, Stream: c.ID, Moving: c.IsMoving()}
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

// ownedSink stamps every anomaly with the edge's fleet Owner before the
// bus queues it: the gateway drops a stale owner's anomalies.
type ownedSink struct {
	analyze.Sink
	fl *fleetEdge
}

// PublishAnomaly implements analyze.Sink.
func (s ownedSink) PublishAnomaly(a bus.Anomaly) error {
	a.Owner = s.fl.Owner()
	return s.Sink.PublishAnomaly(a)
}

// statuses publishes the cameras' and the edge's statuses: retained on
// MQTT and, in fleet mode, into the argus-status bucket too.
type statuses struct {
	client *busclient.Client // nil without a broker
	edge   string
	m      *ingest.Manager
	an     *analyze.Manager
	fl     *fleetEdge // nil for a standalone edge
	load   *loadGauge
	rules  *ruleSets
}

// Fleet-mode statuses go into the key-value bucket on every state change
// and every kvRefresh ticks (seconds) otherwise: at 41,000 cameras a
// 10 s refresh would be 4,100 replicated writes a second for fps figures.
const kvRefresh = 30

// edgeRefresh is how often (ticks, seconds) the edge's own status is
// published when nothing changed: its CPU, memory and queue depth move
// all the time, and a status every 30 s says they are current.
const edgeRefresh = 30

// loop publishes every camera's retained status when it changes state and
// every 10 s (fps, bitrate, mode), and the edge's status (cameras, load)
// at once, within a second of a camera's change of state, and every
// edgeRefresh seconds; it ticks the rules once a second so anomalies end
// when frames stop.
func (s *statuses) loop(ctx context.Context, changed <-chan string) {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	s.publishEdge()
	n, edgeDirty := 0, false
	for {
		select {
		case <-ctx.Done():
			return
		case id := <-changed:
			s.publish(id, true)
			edgeDirty = true // cameras_online, or the set of cameras, changed
		case <-s.rules.changed:
			s.publishEdge() // the gateway learns at once which versions run
		case now := <-tick.C:
			s.an.Tick(now)
			if n++; n%10 == 0 {
				s.publish("", n%kvRefresh == 0)
			}
			if edgeDirty || n%edgeRefresh == 0 {
				s.publishEdge()
				edgeDirty = false
			}
		}
	}
}

// publish publishes one camera's status, or all with id "".
func (s *statuses) publish(id string, kv bool) {
	if s.client == nil && s.fl == nil {
		return
	}
	analysis := map[string]analyze.Status{}
	for _, st := range s.an.Status() {
		analysis[st.Camera] = st
	}
	var owner bus.Owner
	if s.fl != nil {
		owner = s.fl.Owner()
	}
	for _, st := range s.m.Status() {
		if id != "" && st.ID != id {
			continue
		}
		an := analysis[st.ID]
		cs := bus.CameraStatus{
			Site: st.Site, Camera: st.ID, Edge: s.edge, State: st.State, Reason: st.Main.Reason,
			Codec: st.Main.Codec, Width: st.Main.Width, Height: st.Main.Height, FPS: st.Main.FPS,
			BitrateKbps: st.Main.BitrateKbps, Mode: string(an.Mode), Time: bus.Now(), Owner: owner,
			AnalysisFPS: round2(an.AnalysisFPS), LagSeconds: round2(an.LagSeconds), ShedFrames: an.ShedTotal(),
		}
		if st.Main.LastFrame != nil {
			cs.LastFrame = bus.At(*st.Main.LastFrame)
		}
		if s.client != nil {
			s.client.PublishCameraStatus(cs)
		}
		if s.fl != nil && kv {
			s.fl.status.set(cs)
		}
	}
}

// publishEdge publishes the edge's retained online status on MQTT, its
// only publisher: the cameras it pulls (a site-scoped console user sees
// the edge through them, its will included: the gateway keeps them) and
// its load — CPU, resident memory, cameras online, anomalies queued. A
// fleet edge's heartbeat carries the CPU for the assigner, not this.
func (s *statuses) publishEdge() {
	if s.client == nil {
		return
	}
	cams := s.m.Status()
	st := edgeStatus(cams, s.load.get(), s.client.Stats().Depth)
	st.Rules = s.rules.Versions(sites(cams))
	s.client.PublishEdgeStatus(st)
}

// sites lists the sites of the cameras, each once.
func sites(cams []ingest.Status) []string {
	var out []string
	for _, c := range cams {
		if !slices.Contains(out, c.Site) {
			out = append(out, c.Site)
		}
	}
	return out
}

// edgeStatus is the edge's status from its cameras' states, its CPU load
// and its queue depth; disabled cameras are not pulled, so not listed.
func edgeStatus(cams []ingest.Status, cpu float64, depth int) bus.EdgeStatus {
	st := bus.EdgeStatus{Load: cpu, QueueDepth: depth, Cameras: []string{}}
	for _, c := range cams {
		if c.State == bus.Disabled {
			continue
		}
		st.Cameras = append(st.Cameras, c.ID)
		if c.State == bus.Online {
			st.CamerasOnline++
		}
	}
	st.MemoryBytes, _ = rssBytes() // 0 when /proc cannot tell: unknown, not an error worth a log line a minute
	return st
}

// round2 keeps two decimals of a figure for the status: enough for a
// console, and a retained message that does not change at every digit.
func round2(x float64) float64 { return math.Round(x*100) / 100 }
