package analyze

import (
	"strings"
	"testing"
	"time"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/peers"
	"github.com/argus-edge/argus/edge/detect"
	"github.com/argus-edge/argus/edge/hub"
	"github.com/argus-edge/argus/edge/ingest"
	"github.com/argus-edge/argus/edge/rules"
)

// offlineRules are the demo's offline rule, updates every 4 s.
const offlineRules = `site: s1
version: 1
cameras:
  "*":
    rules:
      - {name: offline, kind: camera_offline, min_duration: 3s, end_after: 2s, update_every: 4s}
`

// pull is one change of a camera's pull state, at an offset.
type pull struct {
	at    time.Duration
	state string
}

// newManager is a manager over an empty hub with cam analysed under set;
// rec receives its anomalies.
func newManager(t *testing.T, set string, rec *recorder, cam Camera) *Manager {
	t.Helper()
	s, err := rules.Parse("s1.yaml", []byte(set), detect.Names())
	if err != nil {
		t.Fatal(err)
	}
	m := New(Options{Edge: "edge-test", Hub: hub.New(hub.Options{}), Sink: rec, Log: peers.TestLog(t), IdleFPS: 1, ActiveFPS: 5, Quiet: 10 * time.Second})
	t.Cleanup(m.Close)
	m.Apply([]Camera{cam})
	if err := m.Rules(s); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestOfflineLifecycle feeds the manager the pull states ingest reports
// for a camera that goes away and comes back, ticking once a second as
// the edge does (synthetic times, no camera): a dead camera whose every
// reconnection hangs until the read timeout (10 s, longer than end_after),
// and one that refuses at once (the simulator's flap). Either way there is
// one offline anomaly: a start after min_duration, updates, and one end
// end_after after the last tick before it is online again, all under one
// id. Close then ends the anomaly of a camera that is down again.
func TestOfflineLifecycle(t *testing.T) {
	dead := []pull{{0, ingest.StateOffline}, {500 * time.Millisecond, ingest.StateConnecting},
		{10500 * time.Millisecond, ingest.StateOffline}, {11500 * time.Millisecond, ingest.StateConnecting},
		{21500 * time.Millisecond, ingest.StateOffline}, {23500 * time.Millisecond, ingest.StateConnecting},
		{24 * time.Second, ingest.StateOnline}}
	var refusing []pull
	for at := time.Duration(0); at < 24*time.Second; at += time.Second {
		refusing = append(refusing, pull{at, ingest.StateOffline}, pull{at + 900*time.Millisecond, ingest.StateConnecting})
	}
	refusing = append(refusing, pull{24 * time.Second, ingest.StateOnline})
	for _, c := range []struct {
		name  string
		pulls []pull
	}{{"dead", dead}, {"refusing", refusing}} {
		t.Run(c.name, func(t *testing.T) {
			rec := &recorder{}
			m := newManager(t, offlineRules, rec, Camera{ID: "gate", Site: "s1", Stream: "gate"})
			t0 := time.Now().Add(-time.Hour).Truncate(time.Second) // anomalies carry ms
			next := 0
			for tick := time.Duration(0); tick <= 30*time.Second; tick += time.Second {
				for ; next < len(c.pulls) && c.pulls[next].at <= tick; next++ {
					m.CameraState("gate", c.pulls[next].state)
				}
				m.Tick(t0.Add(tick))
			}
			got := rec.anomalies()
			want := []string{"start@3s", "update@7s", "update@11s", "update@15s", "update@19s", "update@23s", "end@25s"}
			if brief(got, t0) != strings.Join(want, " ") {
				t.Fatalf("events %s, want %s", brief(got, t0), strings.Join(want, " "))
			}
			for _, a := range got {
				if a.ID != got[0].ID || a.Kind != bus.KindCameraOffline {
					t.Fatalf("%s %s: the anomaly changed id or kind (first %s)", a.ID, a.Kind, got[0].ID)
				}
			}

			// Down again, then the edge stops: the anomaly ends on Close.
			m.CameraState("gate", ingest.StateOffline)
			for tick := 31 * time.Second; tick <= 35*time.Second; tick += time.Second {
				m.Tick(t0.Add(tick))
			}
			m.Close()
			m.Tick(t0.Add(36 * time.Second)) // after Close: nothing
			got = rec.anomalies()[len(want):]
			if len(got) != 2 || got[0].State != bus.StateStart || got[1].State != bus.StateEnd || got[1].ID != got[0].ID {
				t.Fatalf("after going down again and Close: %s, want a start and its end", brief(got, t0))
			}
		})
	}
}

// brief prints anomalies as "state@offset" from t0.
func brief(as []bus.Anomaly, t0 time.Time) string {
	var out []string
	for _, a := range as {
		out = append(out, a.State+"@"+a.FrameTime.Time.Sub(t0).Round(time.Millisecond).String())
	}
	return strings.Join(out, " ")
}
