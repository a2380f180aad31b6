package ingest

import (
	"context"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/argus-edge/argus/configs"
	"github.com/argus-edge/argus/drivers/peers"
	"github.com/argus-edge/argus/edge/hub"
)

// harness runs a Manager and records its state events per camera stream,
// so a test can await a state instead of sleeping.
type harness struct {
	t      *testing.T
	m      *Manager
	hub    *hub.Hub
	events chan StateEvent
	logs   peers.LogBuffer // what the manager logged

	mu   sync.Mutex
	seen map[string][]StateEvent
	pos  map[string]int
}

func newHarness(t *testing.T) *harness {
	h := &harness{t: t, hub: hub.New(hub.Options{Queue: 64}), events: make(chan StateEvent, 4096),
		seen: map[string][]StateEvent{}, pos: map[string]int{}}
	ctx, cancel := context.WithCancel(context.Background())
	log := peers.TestLog(t)
	log = log.Output(io.MultiWriter(zerolog.NewTestWriter(t), &h.logs))
	h.m = New(ctx, h.hub, log, func(ev StateEvent) { h.events <- ev })
	t.Cleanup(func() {
		h.m.Close()
		cancel()
	})
	return h
}

// await returns the next event of stream (a camera id, or id+SubSuffix) in
// state, skipping that stream's other events; other streams' events are kept
// for their own awaits.
func (h *harness) await(stream, state string) StateEvent {
	h.t.Helper()
	timeout := time.After(60 * time.Second)
	for {
		h.mu.Lock()
		for h.pos[stream] < len(h.seen[stream]) {
			ev := h.seen[stream][h.pos[stream]]
			h.pos[stream]++
			if ev.State == state {
				h.mu.Unlock()
				return ev
			}
		}
		h.mu.Unlock()
		select {
		case ev := <-h.events:
			h.mu.Lock()
			h.seen[ev.Stream] = append(h.seen[ev.Stream], ev)
			h.mu.Unlock()
		case <-timeout:
			h.t.Fatalf("camera stream %s never reached %s; events: %+v", stream, state, h.seen[stream])
		}
	}
}

// history returns every state event of stream so far, taking in the ones
// already sent without waiting for more: Apply sends a restarted camera's
// "connecting" before it returns.
func (h *harness) history(stream string) []StateEvent {
	for {
		select {
		case ev := <-h.events:
			h.mu.Lock()
			h.seen[ev.Stream] = append(h.seen[ev.Stream], ev)
			h.mu.Unlock()
		default:
			h.mu.Lock()
			defer h.mu.Unlock()
			return append([]StateEvent(nil), h.seen[stream]...)
		}
	}
}

// status returns one camera's status.
func (h *harness) status(id string) Status {
	h.t.Helper()
	for _, st := range h.m.Status() {
		if st.ID == id {
			return st
		}
	}
	h.t.Fatalf("no status for camera %s", id)
	return Status{}
}

// fastIngest reconnects and detects stalls quickly, so tests run briskly.
var fastIngest = configs.Ingest{
	Reconnect:    configs.Backoff{Min: configs.Duration(10 * time.Millisecond), Max: configs.Duration(100 * time.Millisecond), Jitter: 0.2},
	ReadTimeout:  configs.Duration(2 * time.Second),
	StallTimeout: configs.Duration(time.Second),
}

// edgeConfig builds a valid config of cams on site s1.
func edgeConfig(t *testing.T, cams ...configs.Camera) *configs.Edge {
	t.Helper()
	e := &configs.Edge{Edge: configs.Identity{ID: "edge-test"}, Ingest: fastIngest,
		Sites: []configs.Site{{ID: "s1"}}, Cameras: cams}
	e.ApplyDefaults()
	if err := e.Validate(); err != nil {
		t.Fatal(err)
	}
	return e
}

func cam(id, url string) configs.Camera {
	return configs.Camera{ID: id, Site: "s1", Main: url}
}
