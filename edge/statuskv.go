package main

import (
	"context"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/argus-edge/argus/drivers/bus"
)

// statusKV writes cameras' latest statuses into the fleet's argus-status
// bucket from its own goroutine, so that a slow or cut backbone delays
// those writes, never the status loop or MQTT. Only the latest status per
// camera waits; one that cannot be written is dropped (the next state
// change or refresh writes it again): when the edge is cut off it fences
// and those cameras are someone else's by then.
type statusKV struct {
	put     func(context.Context, bus.CameraStatus) error
	log     zerolog.Logger
	written prometheus.Counter
	failed  prometheus.Counter

	mu      sync.Mutex
	pending map[string]bus.CameraStatus
	wake    chan struct{}
}

func newStatusKV(put func(context.Context, bus.CameraStatus) error, log zerolog.Logger) *statusKV {
	return &statusKV{put: put, log: log, pending: map[string]bus.CameraStatus{}, wake: make(chan struct{}, 1),
		written: prometheus.NewCounter(prometheus.CounterOpts{Name: "argus_fleet_status_writes_total",
			Help: "Camera statuses written to the fleet's argus-status bucket."}),
		failed: prometheus.NewCounter(prometheus.CounterOpts{Name: "argus_fleet_status_write_failures_total",
			Help: "Camera statuses that could not be written to argus-status (dropped; rewritten at the next change or refresh)."}),
	}
}

// set queues st, replacing a queued status of the same camera.
func (s *statusKV) set(st bus.CameraStatus) {
	s.mu.Lock()
	s.pending[st.Camera] = st
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// run writes what is queued until ctx ends.
func (s *statusKV) run(ctx context.Context) {
	failing := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.wake:
		}
		s.mu.Lock()
		batch := s.pending
		s.pending = map[string]bus.CameraStatus{}
		s.mu.Unlock()
		for _, st := range batch {
			pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
			err := s.put(pctx, st)
			cancel()
			if err != nil {
				s.failed.Inc()
			} else {
				s.written.Inc()
			}
			switch {
			case err != nil && !failing && ctx.Err() == nil:
				failing = true
				s.log.Warn().Err(err).Msg("fleet: camera statuses not written to the backbone; dropped until it answers")
			case err == nil && failing:
				failing = false
				s.log.Info().Msg("fleet: camera statuses written to the backbone again")
			}
		}
	}
}
