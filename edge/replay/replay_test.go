package replay

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/peers"
	"github.com/argus-edge/argus/drivers/sim"
	"github.com/argus-edge/argus/edge/analyze"
	"github.com/argus-edge/argus/edge/detect"
	_ "github.com/argus-edge/argus/edge/detect/fire" // the edge's detectors, registered by name
	_ "github.com/argus-edge/argus/edge/detect/health"
	_ "github.com/argus-edge/argus/edge/detect/motion"
	"github.com/argus-edge/argus/edge/record"
	"github.com/argus-edge/argus/edge/rules"
)

// What is simulated here: the camera. Its video is the simulator's fire
// scene (a flame that appears and grows on a dark hillside, encoded by
// ffmpeg, 640x360 10 fps, a 20 s loop), published into the edge's hub as
// the RTSP driver would, faster than real time with the camera's frame
// times. Everything after is real: the live analysis (edge/analyze's
// workers, libavcodec, the fire detector, the rules) and the recorder
// (edge/record, continuous fMP4 on disk) take the same frames, and the
// replay reads the files back through the same analysis code.

// fireRules is the hillside fire watch: version, the fire detector's
// block ("" leaves the detector out) and the fire rule's min_score.
const fireRules = `site: hillside
version: %d
cameras:
  "*":
    detectors:
      motion: {threshold: 20, min_area: 0.001}
%s      health: {}
    rules:
%s`

// rulesDoc is a version of the fire watch; fire is the fire detector's
// settings ("" leaves the detector and its rule out).
func rulesDoc(version int, fire string, minScore float64) []byte {
	det, rule := "", ""
	if fire != "" {
		det = "      fire: " + fire + "\n"
		rule = fmt.Sprintf("      - {name: fire, kind: fire, min_score: %v, min_duration: 2s, end_after: 5s, update_every: 5s, severity: critical}\n", minScore)
	} else {
		rule = "      - {name: covered, kind: camera_covered, severity: high}\n"
	}
	return []byte(fmt.Sprintf(fireRules, version, det, rule))
}

// recorded is footage recorded while a live analysis ran on it.
type recorded struct {
	dir      string
	from, to time.Time
	live     []bus.ReplayAnomaly
	frameGap time.Duration
}

// recordLive plays d of the fire scene into a hub that the live analysis
// (running live) and a continuous recorder both take, and returns the
// recordings and what live raised.
func recordLive(t *testing.T, live []byte, d time.Duration) recorded {
	t.Helper()
	peers.Need(t, "ffmpeg", "ffmpeg")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	spec := sim.SceneSpec{Kind: sim.Fire, Width: 640, Height: 360, FPS: 10}
	sc, err := sim.NewLibrary(os.Getenv("ARGUS_CACHE"), zerolog.Nop()).Scene(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	set, err := rules.Parse("hillside.yaml", live, detect.Names())
	if err != nil {
		t.Fatal(err)
	}
	f, err := analyze.NewFootage(analyze.Options{Edge: "e1", Log: peers.TestLog(t)}, set)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dir := t.TempDir()
	rec, err := record.New(record.Options{Dir: dir, Hub: f.Hub(), Log: peers.TestLog(t)})
	if err != nil {
		t.Fatal(err)
	}
	rec.Apply(map[string]record.Policy{"cam1": {Mode: record.ModeContinuous}})
	feed, err := f.Camera(analyze.Camera{ID: "cam1", Site: "hillside", Stream: "cam1"})
	if err != nil {
		t.Fatal(err)
	}
	var recReader interface{ Queued() int }
	for _, r := range f.Hub().Open("cam1").Readers() {
		if r.Name() == "record" {
			recReader = r
		}
	}
	start := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	for u := range sc.Replay(start, d) {
		for recReader.Queued() > 64 {
			time.Sleep(time.Millisecond)
		}
		if err := feed.Publish(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	if err := feed.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	f.Stop("cam1")
	for recReader.Queued() > 0 {
		time.Sleep(time.Millisecond)
	}
	rec.Close()
	return recorded{dir: dir, from: start, to: start.Add(d), live: collect(f.Anomalies(), start, feed.Last()),
		frameGap: time.Second / time.Duration(spec.FPS)}
}

// replay runs a candidate over the recordings and fails on anything but done.
func replay(t *testing.T, rc recorded, candidate []byte, reports *[]bus.ReplayReport) []bus.ReplayAnomaly {
	t.Helper()
	o := Options{Edge: "e1", Dir: rc.dir, Log: peers.TestLog(t), Every: 50 * time.Millisecond,
		Report: func(r bus.ReplayReport) {
			if reports != nil {
				*reports = append(*reports, r)
			}
		}}
	order := bus.ReplayOrder{ID: "r1", Site: "hillside", Cameras: []string{"cam1"}, Rules: string(candidate),
		From: bus.At(rc.from), To: bus.At(rc.to)}
	rep := Replay(context.Background(), o, order)
	if rep.State != bus.ReplayDone {
		t.Fatalf("replay %s: %s", rep.State, rep.Message)
	}
	return rep.Anomalies
}

func describe(as []bus.ReplayAnomaly) string {
	var b strings.Builder
	for _, a := range as {
		fmt.Fprintf(&b, "\n  %s %s %.2f %s..%s open=%v", a.Kind, a.ID, a.Score, a.Start.Format("15:04:05.000"), a.End.Format("15:04:05.000"), a.Open)
	}
	return b.String()
}

func kinds(as []bus.ReplayAnomaly, kind string) []bus.ReplayAnomaly {
	var out []bus.ReplayAnomaly
	for _, a := range as {
		if a.Kind == kind {
			out = append(out, a)
		}
	}
	return out
}

// TestReplayFireScene records 60 s (three loops) of the fire scene under the
// live version (fire at min_score 0.5) and replays it:
//   - the same version: the same anomalies as live (kinds, and starts
//     within two frame intervals); and so over a range that starts 30 s
//     into the footage (the replay's warm-up learns the scene first);
//   - a version with the fire detector off: every live fire is "only
//     live" in the comparison (would be missed), and nothing is added;
//   - a version with a lower threshold than a strict live one (the fire
//     detector's min_area at its default against 0.9 of the frame, a
//     flame bigger than any in the scene): the candidate raises at least
//     as many fires, every strict live one among them, and the added ones
//     are "only candidate".
func TestReplayFireScene(t *testing.T) {
	rc := recordLive(t, rulesDoc(3, "{}", 0.5), 60*time.Second)
	fires := kinds(rc.live, bus.KindFire)
	if len(fires) == 0 {
		t.Fatalf("the live run raised no fire on the fire scene:%s", describe(rc.live))
	}
	t.Logf("live:%s", describe(rc.live))

	t.Run("same version", func(t *testing.T) {
		var reports []bus.ReplayReport
		got := replay(t, rc, rulesDoc(3, "{}", 0.5), &reports)
		t.Logf("replayed:%s", describe(got))
		if len(got) != len(rc.live) {
			t.Fatalf("replay raised %d anomalies, live %d:%s\nlive:%s", len(got), len(rc.live), describe(got), describe(rc.live))
		}
		for i := range got {
			d := got[i].Start.Sub(rc.live[i].Start.Time)
			if got[i].Kind != rc.live[i].Kind || d < -2*rc.frameGap || d > 2*rc.frameGap {
				t.Errorf("anomaly %d: replay %s at %v, live %s at %v", i, got[i].Kind, got[i].Start, rc.live[i].Kind, rc.live[i].Start)
			}
		}
		for _, row := range bus.CompareReplay(got, rc.live) {
			if row.Side != bus.ReplayBoth {
				t.Errorf("%s %s is %s", row.Camera, row.Kind, row.Side)
			}
		}
		checkProgress(t, reports)
	})

	t.Run("range starting mid-footage", func(t *testing.T) {
		// live had learnt the scene for 30 s when the range starts: the
		// replay's warm-up (30 s before from, not counted) learns it too.
		// The fires live started in the range are raised, at the same
		// frames; the one burning at its start is not new.
		mid := rc
		mid.from = rc.from.Add(30 * time.Second)
		var want []bus.ReplayAnomaly
		for _, f := range fires {
			if !f.Start.Before(mid.from) {
				want = append(want, f)
			}
		}
		if len(want) == 0 {
			t.Fatalf("live started no fire after +30 s to compare with:%s", describe(fires))
		}
		got := kinds(replay(t, mid, rulesDoc(3, "{}", 0.5), nil), bus.KindFire)
		if len(got) != len(want) {
			t.Fatalf("from +30 s the replay raised %d fires, live %d:%s", len(got), len(want), describe(got))
		}
		if d := got[0].Start.Sub(want[0].Start.Time); d < -2*rc.frameGap || d > 2*rc.frameGap {
			t.Errorf("fire at %v, live at %v", got[0].Start, want[0].Start)
		}
	})

	t.Run("fire detector off", func(t *testing.T) {
		got := replay(t, rc, rulesDoc(4, "", 0), nil)
		missed := 0
		for _, row := range bus.CompareReplay(got, rc.live) {
			if row.Kind == bus.KindFire && row.Side != bus.ReplayOnlyLive {
				t.Errorf("fire %s with the detector off", row.Side)
			}
			if row.Kind == bus.KindFire && row.Side == bus.ReplayOnlyLive {
				missed++
			}
		}
		if missed != len(fires) {
			t.Errorf("%d fires would be missed, live raised %d", missed, len(fires))
		}
	})

	t.Run("lower threshold", func(t *testing.T) {
		strict := recordLive(t, rulesDoc(3, "{min_area: 0.9}", 0.5), 40*time.Second)
		got := replay(t, strict, rulesDoc(4, "{}", 0.5), nil)
		liveFires, gotFires := kinds(strict.live, bus.KindFire), kinds(got, bus.KindFire)
		t.Logf("strict live:%s\nlower candidate:%s", describe(liveFires), describe(gotFires))
		if len(gotFires) < len(liveFires) {
			t.Fatalf("the lower threshold raised %d fires, the strict live %d", len(gotFires), len(liveFires))
		}
		added := 0
		for _, row := range bus.CompareReplay(gotFires, liveFires) {
			switch row.Side {
			case bus.ReplayOnlyLive:
				t.Errorf("a lower threshold misses the live fire at %v", row.Live.Start)
			case bus.ReplayOnlyCandidate:
				added++
				t.Logf("would add: %s at %v score %.2f", row.Candidate.ID, row.Candidate.Start, row.Candidate.Score)
			}
		}
		if added != len(gotFires)-len(liveFires) || added == 0 {
			t.Errorf("%d fires added, want %d (and some)", added, len(gotFires)-len(liveFires))
		}
	})
}

// checkProgress: reports ran to done, their fraction never went back and
// ended at 1, and the rate was above real time.
func checkProgress(t *testing.T, reports []bus.ReplayReport) {
	t.Helper()
	if len(reports) < 2 {
		t.Fatalf("%d reports", len(reports))
	}
	last := reports[len(reports)-1]
	if last.State != bus.ReplayDone || last.Fraction != 1 || last.Total < 39 {
		t.Errorf("last report %+v", last)
	}
	for i := 1; i < len(reports); i++ {
		if reports[i].Fraction < reports[i-1].Fraction {
			t.Errorf("fraction went back: %v then %v", reports[i-1].Fraction, reports[i].Fraction)
		}
	}
}
