package analyze

import (
	"testing"
	"time"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/peers"
	"github.com/argus-edge/argus/edge/hub"
	"github.com/argus-edge/argus/edge/ingest"
)

// TestMovedCameraKeepsItsWorker: a live reload that only moves a camera
// keeps its analysis running, and its next anomaly carries the new
// position; a new site restarts the analysis (its rules are the site's).
// The anomaly is a camera_offline of the hillside rules, raised by ticks.
func TestMovedCameraKeepsItsWorker(t *testing.T) {
	rec := &recorder{}
	an := New(Options{Edge: "edge-test", Hub: hub.New(hub.Options{Queue: 8}), Sink: rec, Log: peers.TestLog(t),
		IdleFPS: 1, ActiveFPS: 5, Quiet: 10 * time.Second})
	t.Cleanup(an.Close)
	if err := an.Rules(siteRules(t, "hillside").Live()); err != nil {
		t.Fatal(err)
	}
	an.Apply([]Camera{{ID: "c", Site: "hillside", Stream: "c", Geo: &[3]float64{1, 2, 3}}})
	w := an.workers["c"]
	an.Apply([]Camera{{ID: "c", Site: "hillside", Stream: "c", Geo: &[3]float64{4, 5, 6}}})
	if an.workers["c"] != w {
		t.Fatal("moving a camera restarted its analysis")
	}
	an.CameraState("c", ingest.StateOffline)
	t0 := time.Now()
	for s := 0; s <= 4; s++ {
		an.Tick(t0.Add(time.Duration(s) * time.Second))
	}
	got := rec.anomalies()
	if len(got) != 1 || got[0].Geo == nil || *got[0].Geo != (bus.Geo{Lat: 4, Lon: 5, Alt: 6}) {
		t.Fatalf("anomalies %+v, want one at the new position 4, 5, 6", got)
	}
	an.Apply([]Camera{{ID: "c", Site: "riverside", Stream: "c"}})
	if an.workers["c"] == w {
		t.Fatal("a camera moved to another site kept the old site's analysis")
	}
}

// TestMovingCameraGeoAtFrameTime: a camera with GeoAt (a drone's) has its
// anomalies placed where it was at the frame's time, not at a fixed
// position; the position function here moves the camera one thousandth of
// a degree north per second, so a wrong time gives a wrong latitude.
func TestMovingCameraGeoAtFrameTime(t *testing.T) {
	rec := &recorder{}
	an := New(Options{Edge: "edge-test", Hub: hub.New(hub.Options{Queue: 8}), Sink: rec, Log: peers.TestLog(t),
		IdleFPS: 1, ActiveFPS: 5, Quiet: 10 * time.Second})
	t.Cleanup(an.Close)
	if err := an.Rules(siteRules(t, "hillside").Live()); err != nil {
		t.Fatal(err)
	}
	t0 := time.Unix(1_800_000_000, 0)
	at := func(ts time.Time) *bus.Geo {
		return &bus.Geo{Lat: 22 + ts.Sub(t0).Seconds()/1000, Lon: 114, Alt: 50}
	}
	an.Apply([]Camera{{ID: "d", Site: "hillside", Stream: "d", Geo: &[3]float64{1, 2, 3}, GeoAt: at}})
	an.CameraState("d", ingest.StateOffline)
	for s := 0; s <= 4; s++ {
		an.Tick(t0.Add(time.Duration(s) * time.Second))
	}
	got := rec.anomalies()
	if len(got) != 1 || got[0].Geo == nil {
		t.Fatalf("anomalies %+v, want one with a position", got)
	}
	if want := at(got[0].FrameTime.Time); *got[0].Geo != *want || got[0].FrameTime.Time.Equal(t0) {
		t.Fatalf("geo %+v at frame time %s, want %+v (from GeoAt, after t0)", *got[0].Geo, got[0].FrameTime.Time, *want)
	}
}
