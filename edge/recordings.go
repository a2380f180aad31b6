package main

import (
	"time"

	"github.com/rs/zerolog"

	"github.com/argus-edge/argus/configs"
	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/edge/analyze"
	"github.com/argus-edge/argus/edge/drone"
	"github.com/argus-edge/argus/edge/hub"
	"github.com/argus-edge/argus/edge/ingest"
	"github.com/argus-edge/argus/edge/record"
)

// newRecorder opens the edge's recordings store (record.*). Its folder,
// quota and rolls are read at start; the cameras' policies follow reloads.
func newRecorder(cfg *configs.Edge, h *hub.Hub, log zerolog.Logger) (*record.Recorder, error) {
	r := cfg.Record
	return record.New(record.Options{Dir: r.Dir, Hub: h, Log: log, Quota: int64(r.QuotaGB * 1e9),
		PreRoll: r.PreRoll.D(), PostRoll: r.PostRoll.D(), ClipKeep: time.Duration(r.ClipDays * 24 * float64(time.Hour))})
}

// recordPolicies are the recording policies of the cameras pulled.
func recordPolicies(cfg *configs.Edge) map[string]record.Policy {
	out := make(map[string]record.Policy, len(cfg.Cameras))
	for _, c := range cfg.Cameras {
		if c.Disabled {
			continue
		}
		mode := c.Record.Mode
		if mode == "" { // a fleet assignment's or a drone's camera
			mode = configs.RecordEvents
		}
		p := record.Policy{Mode: mode, Keep: time.Duration(c.Record.Hours * float64(time.Hour)), Patrols: c.Kind == configs.KindDrone}
		if mode == configs.RecordSubstream {
			p.Mode, p.Stream = record.ModeContinuous, c.ID+ingest.SubSuffix
		}
		out[c.ID] = p
	}
	return out
}

// clipSink shows the recorder every anomaly the edge publishes, so a
// start opens a clip and an end closes it, before the bus queues it.
// Shadow rules' anomalies get no clip: they alert nobody.
type clipSink struct {
	analyze.Sink
	rec *record.Recorder
}

// PublishAnomaly implements analyze.Sink.
func (s clipSink) PublishAnomaly(a bus.Anomaly) error {
	if !a.Shadow {
		s.rec.Observe(a)
	}
	return s.Sink.PublishAnomaly(a)
}

// patrolSink shows the recorder a drone's telemetry and patrol progress
// on their way to the bus (Bus nil: nowhere else; rec nil: not recorded), so each patrol's
// video and track are recorded from take-off to its end.
type patrolSink struct {
	drone.Bus
	rec *record.Recorder
}

// PublishTelemetry implements drone.Bus.
func (s patrolSink) PublishTelemetry(t bus.DroneTelemetry) error {
	if s.rec != nil {
		s.rec.ObserveTelemetry(t)
	}
	if s.Bus == nil {
		return nil
	}
	return s.Bus.PublishTelemetry(t)
}

// PublishPatrol implements drone.Bus.
func (s patrolSink) PublishPatrol(p bus.PatrolProgress) error {
	if s.rec != nil {
		s.rec.ObservePatrol(p)
	}
	if s.Bus == nil {
		return nil
	}
	return s.Bus.PublishPatrol(p)
}
