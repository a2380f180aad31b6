package main

import (
	"encoding/json"
	"time"

	"github.com/rs/zerolog"

	"github.com/argus-edge/argus/configs"
	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/edge/analyze"
	"github.com/argus-edge/argus/edge/replay"
)

// replaySpare is the cores a rule replay needs left after live and shadow
// analysis before it runs: it takes about one core while it runs, and
// starts only where half of one is free.
const replaySpare = 0.5

// publisher sends one message on the bus (busclient.Client.Publish).
type publisher interface {
	Publish(topic string, payload []byte) error
}

// newReplays makes the edge's rule replay runner: the recordings of
// record.dir, the live analysis' pacing and models, paused while the live
// analysis is contended, reports on argus/v1/replays/{edge} (nowhere
// without a broker).
func newReplays(cfg *configs.Edge, an *analyze.Manager, pub publisher, log zerolog.Logger) *replay.Runner {
	log = log.With().Str("component", "replay").Logger()
	edge := cfg.Edge.ID
	return replay.NewRunner(replay.Options{
		Edge: edge, Dir: cfg.Record.Dir, Log: log,
		Analysis: analyze.Options{ModelDir: cfg.Detect.ModelDir, IdleFPS: cfg.Detect.IdleFPS, ActiveFPS: cfg.Detect.ActiveFPS,
			Quiet: cfg.Detect.Quiet.D()},
		Busy: func() (bool, string) { return an.Contended(replaySpare) },
		// no CPU: the edge's process CPU is mostly its live cameras'; the
		// per-core figure is the benchmark's (BenchmarkReplaySpeed)
		Report: func(r bus.ReplayReport) {
			if pub == nil {
				return
			}
			b, err := json.Marshal(r)
			if err == nil {
				err = pub.Publish(bus.ReplayTopic(edge), b)
			}
			if err != nil && r.Final() {
				log.Warn().Err(err).Str("replay", r.ID).Msg("replay result not sent")
			}
		},
	})
}

// replayCommands answers replay_start and replay_cancel on the edge's
// command topic: a reply says at once whether the replay started (or why
// not: a bad order, another replay running); its progress and result
// follow on the replay topic.
func replayCommands(edge string, r *replay.Runner, pub publisher, log zerolog.Logger) func(topic string, payload []byte) {
	log = log.With().Str("component", "replay").Logger()
	return func(_ string, payload []byte) {
		var cmd bus.Command
		if err := json.Unmarshal(payload, &cmd); err != nil {
			return // the relay's handler logs a malformed command
		}
		if cmd.Action != bus.ActionReplayStart && cmd.Action != bus.ActionReplayCancel {
			return
		}
		rep := bus.Reply{RequestID: cmd.RequestID, Action: cmd.Action, OK: true, Time: bus.At(time.Now())}
		switch {
		case cmd.Replay == nil:
			rep.OK, rep.Error = false, "no replay in the command"
		case cmd.Action == bus.ActionReplayStart:
			if err := r.Start(*cmd.Replay); err != nil {
				rep.OK, rep.Error = false, err.Error()
			}
		case !r.Cancel(cmd.Replay.ID):
			rep.OK, rep.Error = false, "replay "+cmd.Replay.ID+" is not running on this edge"
		}
		b, _ := json.Marshal(rep) // plain fields: cannot fail
		if err := pub.Publish(bus.ReplyTopic(edge), b); err != nil {
			log.Warn().Err(err).Str("request_id", cmd.RequestID).Msg("reply not sent")
		}
		log.Info().Str("request_id", cmd.RequestID).Str("action", cmd.Action).Bool("ok", rep.OK).Str("error", rep.Error).Msg("command")
	}
}
