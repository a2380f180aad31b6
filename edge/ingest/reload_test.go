package ingest

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/argus-edge/argus/configs"
	"github.com/argus-edge/argus/drivers/peers"
	"github.com/argus-edge/argus/drivers/sim"
	"github.com/argus-edge/argus/edge/hub"
)

// fastYAML is the tests' fast ingest settings in YAML (see fastIngest).
const fastYAML = "reconnect: {min: 10ms, max: 100ms}, read_timeout: 2s, stall_timeout: 1s"

// reloadYAML is an edge config over simulator URLs on sites s1 and s2.
// ingest is the ingest mapping's fields ("" for fastYAML); cams are "id
// path" with, optionally, more of the camera's YAML fields after them
// ("c p3 transport: udp"); the site is s1 unless they say otherwise.
func reloadYAML(s *sim.Server, ingest string, cams ...string) []byte {
	var b strings.Builder
	b.WriteString("edge: {id: edge-test}\n")
	if ingest == "" {
		ingest = fastYAML
	}
	fmt.Fprintf(&b, "ingest: {%s}\n", ingest)
	b.WriteString("sites: [{id: s1}, {id: s2}]\ncameras:\n")
	for _, c := range cams {
		f := strings.SplitN(c, " ", 3)
		fields := []string{"id: " + f[0], fmt.Sprintf("main: %q", s.URL(f[1]))}
		if len(f) > 2 {
			fields = append(fields, f[2])
		}
		if !strings.Contains(c, "site:") {
			fields = append(fields, "site: s1")
		}
		fmt.Fprintf(&b, "  - {%s}\n", strings.Join(fields, ", "))
	}
	return []byte(b.String())
}

// TestLiveReload changes the config while frames flow (simulated cameras):
// the added camera starts, the removed one stops, the changed one restarts
// with its consumers still subscribed, and the untouched one never drops a
// frame. An invalid change is refused and nothing moves.
func TestLiveReload(t *testing.T) {
	spec := peers.TinyScene(sim.Empty, sim.H264)
	s := peers.Sim(t, sim.Camera{Path: "p1", Scene: spec}, sim.Camera{Path: "p2", Scene: spec},
		sim.Camera{Path: "p3", Scene: spec}, sim.Camera{Path: "p4", Scene: spec})
	h := newHarness(t)
	if _, _, err := h.m.Reload("a.yaml", reloadYAML(s, "", "a p1", "b p2", "c p3")); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"a", "b", "c"} {
		h.await(id, StateOnline)
	}
	ra, rb, rc := h.hub.Stream("a").Subscribe("t"), h.hub.Stream("b").Subscribe("t"), h.hub.Stream("c").Subscribe("t")
	defer rb.Close()
	defer rc.Close()
	<-rb.Units()
	<-rc.Units()
	framesB := h.status("b").Main

	_, ch, err := h.m.Reload("b.yaml", reloadYAML(s, "", "b p2", "c p3 transport: udp", "d p4"))
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(ch.Added, ch.Removed, ch.Restarted, ch.Unchanged) != "[d] [a] [c] 1" {
		t.Fatalf("changes %+v, want d added, a removed, c restarted, 1 unchanged", ch)
	}
	h.await("d", StateOnline)
	h.await("c", StateConnecting)
	h.await("c", StateOnline)
	for range ra.Units() { // a's consumers are released: the channel closes
	}
	if h.hub.Stream("a") != nil {
		t.Fatal("removed camera's stream still open")
	}
	// c's consumer survived the restart and gets the new pull's frames
	for u := range rc.Units() {
		if u.Key {
			break
		}
	}
	// b was never touched: no state change, no reconnect, no drop
	b := h.status("b")
	bEvents := len(h.history("b"))
	if b.Main.Reconnects != 0 || bEvents != 2 || rb.Dropped() != 0 || b.Main.Since != framesB.Since {
		t.Fatalf("untouched camera disturbed: reconnects %d, %d state events (want connecting, online), %d drops",
			b.Main.Reconnects, bEvents, rb.Dropped())
	}

	// an invalid change is refused with file, line and field; nothing moves
	bad := string(reloadYAML(s, "", "b p2 transprot: udp"))
	_, _, err = h.m.Reload("bad.yaml", []byte(bad))
	if err == nil || !strings.Contains(err.Error(), "bad.yaml:5: cameras[0].transprot: unknown field") {
		t.Fatalf("invalid reload: %v", err)
	}
	if n := len(h.m.Status()); n != 3 {
		t.Fatalf("after a refused reload %d cameras run, want 3", n)
	}
}

// TestReloadKeepsPulls changes, one reload at a time, what the running
// pulls do not need to restart for: the hub's bounds (which wait for the
// next start), a camera's location, site and name (handed to the running
// pull), and the backoff and timeouts (handed over for the next attempt).
// The simulated cameras' pulls are the same feeds throughout: no state
// event, no reconnect, no dropped frame, frames still flowing, and the new
// description is in the status and the metric labels.
func TestReloadKeepsPulls(t *testing.T) {
	spec := peers.TinyScene(sim.Empty, sim.H264)
	s := peers.Sim(t, sim.Camera{Path: "p1", Scene: spec}, sim.Camera{Path: "p2", Scene: spec})
	h := newHarness(t)
	at := "location: {lat: 1, lon: 2}"
	if _, _, err := h.m.Reload("0.yaml", reloadYAML(s, "", "a p1 "+at, "b p2")); err != nil {
		t.Fatal(err)
	}
	h.await("a", StateOnline)
	h.await("b", StateOnline)
	feeds := map[string]*feed{"a": h.m.cams["a"].main, "b": h.m.cams["b"].main}
	readers := map[string]*hub.Reader{"a": h.hub.Stream("a").Subscribe("t"), "b": h.hub.Stream("b").Subscribe("t")}
	before := map[string]Status{"a": h.status("a"), "b": h.status("b")}
	reg := prometheus.NewRegistry()
	reg.MustRegister(NewMetrics(h.m))

	cases := []struct {
		name, ingest, a string
		want            string // Changes as "restarted updated unchanged ingest"
		check           func(t *testing.T, a Status)
	}{
		{"hub bounds", fastYAML + ", consumer_queue: 7, gop_cache_mb: 3", at, "[] [] 2 false", nil},
		{"location", fastYAML + ", consumer_queue: 7, gop_cache_mb: 3", "location: {lat: 3, lon: 4, alt: 5}", "[] [a] 1 false",
			func(t *testing.T, a Status) {
				if a.Location == nil || *a.Location != (configs.Location{Lat: 3, Lon: 4, Alt: 5}) {
					t.Errorf("status location %+v, want 3, 4, 5", a.Location)
				}
			}},
		{"site and name", "", "location: {lat: 3, lon: 4, alt: 5}, site: s2, name: Gate", "[] [a] 1 false",
			func(t *testing.T, a Status) {
				if a.Site != "s2" || a.Name != "Gate" {
					t.Errorf("status site %q name %q, want s2 Gate", a.Site, a.Name)
				}
				want := `argus_camera_frames_total{camera="a",site="s2",stream="main"}`
				if m := metricsText(t, reg); !strings.Contains(m, want) {
					t.Errorf("metrics lack %s:\n%s", want, m)
				}
			}},
		{"backoff and timeouts", "reconnect: {min: 20ms, max: 200ms}, read_timeout: 3s, stall_timeout: 1s", "site: s2", "[] [a] 1 true",
			func(t *testing.T, a Status) {
				if a.Location != nil {
					t.Errorf("location %+v still shown after it was removed", a.Location)
				}
				if su := feeds["b"].setup.Load(); su.ing.ReadTimeout.D() != 3*time.Second || su.ing.Reconnect.Max.D() != 200*time.Millisecond {
					t.Errorf("running feed not handed the new settings: %+v", su.ing)
				}
			}},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, ch, err := h.m.Reload(fmt.Sprintf("%d.yaml", i+1), reloadYAML(s, tc.ingest, "a p1 "+tc.a, "b p2"))
			if err != nil {
				t.Fatal(err)
			}
			if got := fmt.Sprint(ch.Restarted, ch.Updated, ch.Unchanged, ch.Ingest); got != tc.want || len(ch.Added)+len(ch.Removed) > 0 {
				t.Fatalf("changes %+v, want %s", ch, tc.want)
			}
			for id, r := range readers {
				select { // frames still flow
				case <-r.Units():
				case <-time.After(30 * time.Second):
					t.Fatalf("camera %s: no frame after the reload", id)
				}
				st := h.status(id)
				if h.m.cams[id].main != feeds[id] || st.Main.Reconnects != 0 || st.Main.Since != before[id].Main.Since ||
					len(h.history(id)) != 2 || r.Dropped() != 0 {
					t.Fatalf("camera %s's pull was disturbed: reconnects %d, since %v -> %v, events %+v, drops %d",
						id, st.Main.Reconnects, before[id].Main.Since, st.Main.Since, h.history(id), r.Dropped())
				}
			}
			if tc.check != nil {
				tc.check(t, h.status("a"))
			}
		})
	}
}

// TestReloadHandsBackoff: new backoff bounds reach a camera that keeps
// failing (nothing listens on its port) from its next attempt, without a
// restart: its second offline event after the change waits the new delay.
func TestReloadHandsBackoff(t *testing.T) {
	h := newHarness(t)
	url := fmt.Sprintf("rtsp://127.0.0.1:%d/none", peers.FreePort(t))
	cfg := edgeConfig(t, cam("x", url))
	h.m.Apply(cfg)
	if ev := h.await("x", StateOffline); time.Until(*ev.NextRetry) > time.Second {
		t.Fatalf("first retry in %v, want at most the fast 100ms (+20%%)", time.Until(*ev.NextRetry))
	}
	f := h.m.cams["x"].main
	slow := *cfg
	slow.Ingest.Reconnect = configs.Backoff{Min: configs.Duration(5 * time.Second), Max: configs.Duration(5 * time.Second)}
	if ch := h.m.Apply(&slow); !ch.Ingest || ch.Unchanged != 1 || len(ch.Restarted) > 0 {
		t.Fatalf("changes %+v, want the ingest settings handed to an unchanged camera", ch)
	}
	h.await("x", StateOffline) // may have been due before the change
	if ev := h.await("x", StateOffline); time.Until(*ev.NextRetry) < 2*time.Second {
		t.Fatalf("retry in %v after the change, want about 5s", time.Until(*ev.NextRetry))
	}
	if h.m.cams["x"].main != f {
		t.Fatal("the feed was restarted, not handed the settings")
	}
}
