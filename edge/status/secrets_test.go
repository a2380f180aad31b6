package status

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/argus-edge/argus/configs"
	"github.com/argus-edge/argus/drivers/logs"
	"github.com/argus-edge/argus/drivers/peers"
	"github.com/argus-edge/argus/drivers/sim"
	"github.com/argus-edge/argus/edge/hub"
	"github.com/argus-edge/argus/edge/ingest"
)

// TestCameraPasswordNeverShown pulls a simulated camera that wants
// credentials: one config gives the right password, another a wrong one,
// each from an environment variable. The first camera is online, the
// second offline for its credentials, and neither password appears in the
// edge's log, on the page, in the JSON or in /metrics.
func TestCameraPasswordNeverShown(t *testing.T) {
	const right, wrong = "Right-Pa55-0xC0FFEE", "Wrong-Pa55-0xDEAD"
	t.Setenv("ARGUS_TEST_CAM_PASSWORD", right)
	t.Setenv("ARGUS_TEST_OLD_PASSWORD", wrong)
	s := peers.Sim(t, sim.Camera{Path: "locked", Scene: peers.TinyScene(sim.Empty, sim.H264), User: "operator", Pass: right})

	var lb peers.LogBuffer
	log := zerolog.New(&lb).Level(zerolog.DebugLevel).With().Timestamp().Str("edge", "e1").Logger()
	states := make(chan ingest.StateEvent, 64)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	m := ingest.New(ctx, hub.New(hub.Options{Queue: 16}), log, func(ev ingest.StateEvent) { states <- ev })
	defer m.Close()
	cfg := &configs.Edge{Edge: configs.Identity{ID: "e1"}, Sites: []configs.Site{{ID: "s1"}}, Cameras: []configs.Camera{
		{ID: "gate", Site: "s1", Main: s.URL("locked"), Username: "operator", PasswordEnv: "ARGUS_TEST_CAM_PASSWORD"},
		{ID: "yard", Site: "s1", Main: s.URL("locked"), Username: "operator", PasswordEnv: "ARGUS_TEST_OLD_PASSWORD"},
	}}
	cfg.ApplyDefaults()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	m.Apply(cfg)
	awaitStates(t, states, map[string]string{"gate": ingest.StateOnline, "yard": ingest.StateOffline})
	if !lb.Await(`"message":"camera online"`, 30*time.Second) {
		t.Fatal("no camera online in the log")
	}
	m.Measure(time.Now())

	reg := prometheus.NewRegistry()
	reg.MustRegister(ingest.NewMetrics(m))
	h := Handler(m, Options{Edge: "e1", Token: "status-token-0123456789", Registry: reg, Log: log})
	shown := map[string]string{"the log": lb.String()}
	for _, path := range []string{"/", "/api/cameras", "/api/cameras/gate", "/api/cameras/yard", "/metrics"} {
		req := httptest.NewRequest("GET", path, nil)
		req.Header.Set("Authorization", "Bearer status-token-0123456789")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 200 {
			t.Fatalf("GET %s: %d %s", path, rec.Code, rec.Body)
		}
		shown["GET "+path] = rec.Body.String()
	}
	if !strings.Contains(shown["GET /api/cameras/gate"], `"state": "online"`) ||
		!strings.Contains(shown["GET /api/cameras/yard"], `the camera refused the password of user \"operator\"`) {
		t.Fatalf("want gate online and yard refused for its password: %s %s", shown["GET /api/cameras/gate"], shown["GET /api/cameras/yard"])
	}
	for where, text := range shown {
		for _, pass := range []string{right, wrong} {
			if strings.Contains(text, pass) {
				t.Errorf("%s shows a camera password: %s", where, text)
			}
		}
	}
	for _, line := range strings.Split(strings.TrimSpace(lb.String()), "\n") {
		if _, err := logs.Parse([]byte(line)); err != nil {
			t.Error(err)
		}
	}
}

// awaitStates waits until each camera has reached its wanted state.
func awaitStates(t *testing.T, states <-chan ingest.StateEvent, want map[string]string) {
	t.Helper()
	timeout := time.After(60 * time.Second)
	for len(want) > 0 {
		select {
		case ev := <-states:
			if want[ev.Stream] == ev.State {
				delete(want, ev.Stream)
			}
		case <-timeout:
			t.Fatalf("cameras never reached their states: %v", want)
		}
	}
}
