package analyze

import (
	"bytes"
	"image/jpeg"
	"testing"
	"time"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/sim"
	"github.com/argus-edge/argus/edge/detect"
)

// TestFireSnapshot runs the simulator's fire scene (1280x720) with the
// hillside rules, whose detectors all work on the small picture, so the
// decoder leaves the full-size BGR out: the fire's start must still carry
// a full-size colour snapshot (made for that one frame).
func TestFireSnapshot(t *testing.T) {
	sc := scene(t, sim.SceneSpec{Kind: sim.Fire, Width: 1280, Height: 720})
	rec := &recorder{}
	w := testWorker(t, Camera{ID: "hillside-snap", Site: "hillside"}, siteRules(t, "hillside"), rec, "")
	for u := range sc.Replay(time.Unix(1_800_000_000, 0), sc.Loop()) {
		w.unit(u)
	}
	if detect.FullBGR(w.detectors) {
		t.Fatal("the hillside detectors ask for the full-size BGR plane")
	}
	var start *bus.Anomaly
	for _, a := range rec.anomalies() {
		if a.Kind == bus.KindFire && a.State == bus.StateStart {
			start = &a
			break
		}
	}
	if start == nil {
		t.Fatalf("no fire start in %d anomalies", len(rec.anomalies()))
	}
	img, err := jpeg.Decode(bytes.NewReader(start.Snapshot))
	if err != nil {
		t.Fatalf("snapshot of %d bytes: %v", len(start.Snapshot), err)
	}
	if b := img.Bounds(); b.Dx() != 1280 || b.Dy() != 720 {
		t.Fatalf("snapshot %v, want 1280x720", b)
	}
	// The flames (box in 0..1) are red over blue in colour, equal in grey.
	r, g, bl := 0, 0, 0
	bx := start.Box
	for y := int(bx[1] * 720); y < int((bx[1]+bx[3])*720); y++ {
		for x := int(bx[0] * 1280); x < int((bx[0]+bx[2])*1280); x++ {
			cr, cg, cb, _ := img.At(x, y).RGBA()
			r, g, bl = r+int(cr>>8), g+int(cg>>8), bl+int(cb>>8)
		}
	}
	if r <= bl+g/10 {
		t.Errorf("snapshot not in colour over the fire: sums R %d G %d B %d", r, g, bl)
	}
}
