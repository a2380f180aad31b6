package eval

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/argus-edge/argus/drivers/peers"
	"github.com/argus-edge/argus/drivers/sim"
	_ "github.com/argus-edge/argus/edge/detect/fire" // the edge's detectors, registered by name
	_ "github.com/argus-edge/argus/edge/detect/health"
	_ "github.com/argus-edge/argus/edge/detect/motion"
	_ "github.com/argus-edge/argus/edge/detect/objects"
	"github.com/argus-edge/argus/models"
)

// TestMain lets this test binary vet models in a child process, as the
// edge binary does.
func TestMain(m *testing.M) {
	models.VetChild()
	os.Exit(m.Run())
}

// repoRoot is the repository's top folder.
func repoRoot() string {
	_, self, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(self), "..", "..")
}

// scenes encodes (or takes from the cache) the simulator's fire scene and
// its empty street, 640x360, 20 s each: the clips of the short runs.
func scenes(t *testing.T) (fire, empty *sim.Scene) {
	t.Helper()
	peers.Need(t, "ffmpeg", "ffmpeg")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	lib := sim.NewLibrary(os.Getenv("ARGUS_CACHE"), zerolog.Nop())
	fire, err := lib.Scene(ctx, sim.SceneSpec{Kind: sim.Fire, Width: 640, Height: 360})
	if err != nil {
		t.Fatal(err)
	}
	empty, err = lib.Scene(ctx, sim.SceneSpec{Kind: sim.Empty, Width: 640, Height: 360})
	if err != nil {
		t.Fatal(err)
	}
	return fire, empty
}

// truthFor writes a truth file for the two scenes — the fire scene with
// its own ground truth (the simulator's), the empty street with none —
// judged with the hillside demo rules (motion, fire, smoke, health), and
// returns its path.
func truthFor(t *testing.T, fire, empty *sim.Scene) string {
	var events []string
	for _, e := range fire.Truth {
		if e.Label == "fire" {
			events = append(events, fmt.Sprintf("      - {kind: fire, from: %s, to: %s}", e.From, e.To))
		}
	}
	if len(events) == 0 {
		t.Fatalf("the fire scene has no fire in its truth: %+v", fire.Truth)
	}
	doc := fmt.Sprintf(`rules: %s
clips:
  - file: %s
    camera: hillside-fire
    events:
%s
  - file: %s
    camera: hillside-empty
`, filepath.Join(repoRoot(), "configs", "rules", "hillside.yaml"), fire.File, strings.Join(events, "\n"), empty.File)
	path := filepath.Join(t.TempDir(), "truth.yaml")
	if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestRunSimScenes plays two of the simulator's scenes (ffmpeg-encoded
// H.264 files: a fire that appears 3 s in and grows, and an empty street
// with sensor noise) through the edge's analysis as clips, and checks the
// fire is caught and the figures are the arithmetic of what was raised.
// Simulated: the footage (drawn by ffmpeg) and the camera (the clip is
// replayed into the hub instead of pulled over RTSP).
func TestRunSimScenes(t *testing.T) {
	fire, empty := scenes(t)
	truth, err := LoadTruth(truthFor(t, fire, empty))
	if err != nil {
		t.Fatal(err)
	}
	played, err := Run(context.Background(), Options{Dir: t.TempDir(), Truth: truth, Cache: os.Getenv("ARGUS_CACHE"),
		Log: peers.TestLog(t)})
	if err != nil {
		t.Fatal(err)
	}
	if len(played) != 2 {
		t.Fatalf("%d clips played, want 2", len(played))
	}
	for _, p := range played {
		t.Logf("%s: %s of %dx%d at %d fps, %d frames, %d analysed, %d dropped, alerts %s", p.Camera, p.Duration, p.Width, p.Height,
			p.FPS, p.Frames, p.Analysed, p.Dropped, alertList(p.Alerts))
		if p.Frames != int(math.Round(p.Duration.Seconds()*float64(p.FPS))) || p.Dropped != 0 || p.Analysed == 0 {
			t.Fatalf("%s: %d frames played (%d dropped, %d analysed) of %s at %d fps: want every frame played, none dropped",
				p.Camera, p.Frames, p.Dropped, p.Analysed, p.Duration, p.FPS)
		}
	}
	w := Window{Early: truth.Early.D(), Late: truth.Tolerance.D()}
	scores := Score([]Outcome{played[0].Outcome, played[1].Outcome}, w)
	byKind := map[string]KindScore{}
	for _, k := range scores {
		byKind[k.Kind] = k
	}
	// The hillside rules raise fire, smoke and camera health: each is judged.
	for _, kind := range []string{"fire", "smoke", "camera_covered", "camera_frozen", "camera_tampered"} {
		if _, ok := byKind[kind]; !ok {
			t.Fatalf("%s not judged; judged: %v", kind, scores)
		}
	}
	k := byKind["fire"]
	if k.Events != 1 || k.Caught != 1 || k.Recall != 1 {
		t.Fatalf("fire: %d of %d caught, recall %v, want the scene's fire caught; alerts %s", k.Caught, k.Events, k.Recall,
			alertList(played[0].Alerts))
	}
	// The arithmetic, from what was raised: the first fire start in the
	// window is the time to alert; every other start of the kind outside
	// it is false, per hour of both clips but the window.
	var from, to time.Duration
	for _, e := range fire.Truth {
		if e.Label == "fire" {
			from, to = e.From, e.To
		}
	}
	win := [2]time.Duration{max(from-w.Early, 0), min(to+w.Late, played[0].Duration)}
	first, falses := time.Duration(-1), 0
	for _, p := range played {
		for _, a := range p.Alerts {
			switch {
			case a.Kind != "fire":
			case p.Camera == "hillside-fire" && a.At >= win[0] && a.At <= win[1]:
				if first < 0 {
					first = a.At
				}
			default:
				falses++
			}
		}
	}
	hours := (played[0].Duration - (win[1] - win[0]) + played[1].Duration).Hours()
	if got, want := k.TimeToAlert[0], max(first-from, 0); got != want {
		t.Fatalf("fire time to alert %v, want %v", got, want)
	}
	if k.FalseAlerts != falses || math.Abs(k.NegativeHours-hours) > 1e-12 || k.FalsePerHour() != float64(falses)/k.NegativeHours {
		t.Fatalf("fire: %d false in %.6f h (%.2f/h), want %d in %.6f h", k.FalseAlerts, k.NegativeHours, k.FalsePerHour(), falses, hours)
	}
	smoke := byKind["smoke"]
	if want := (played[0].Duration + played[1].Duration).Hours(); smoke.Events != 0 || math.Abs(smoke.NegativeHours-want) > 1e-12 {
		t.Fatalf("smoke: %d events in %.6f h without, want none in %.6f h", smoke.Events, smoke.NegativeHours, want)
	}
}

// TestRunPaced plays the fire scene at ten times real time, as a camera
// would deliver it: the clip takes at least a tenth of its length, every
// frame is published, and the fire is caught as when played flat out.
// Simulated: the footage and the camera, as in TestRunSimScenes.
func TestRunPaced(t *testing.T) {
	fire, empty := scenes(t)
	truth, err := LoadTruth(truthFor(t, fire, empty))
	if err != nil {
		t.Fatal(err)
	}
	truth.Clips = truth.Clips[:1]
	const speed = 10
	played, err := Run(context.Background(), Options{Dir: t.TempDir(), Truth: truth, Speed: speed, Cache: os.Getenv("ARGUS_CACHE"),
		Log: peers.TestLog(t)})
	if err != nil {
		t.Fatal(err)
	}
	p := played[0]
	t.Logf("%s of clip in %s at %dx: %d frames, %d analysed, %d dropped, alerts %s", p.Duration, p.Wall, speed, p.Frames, p.Analysed,
		p.Dropped, alertList(p.Alerts))
	last := p.Duration - time.Second/time.Duration(p.FPS) // the last frame's time
	if p.Wall < last/speed {
		t.Fatalf("played in %s, faster than %dx real time (%s)", p.Wall, speed, last/speed)
	}
	if p.Frames != fire.Frames() {
		t.Fatalf("%d frames published, want %d", p.Frames, fire.Frames())
	}
	k := Score([]Outcome{p.Outcome}, Window{Early: truth.Early.D(), Late: truth.Tolerance.D()})
	for _, s := range k {
		if s.Kind == "fire" && s.Caught != 1 {
			t.Fatalf("fire not caught at %dx: alerts %s", speed, alertList(p.Alerts))
		}
	}
}

// TestRunShared plays the fire scene and the empty street at once in real
// time: two cameras of one analysis ticked by the wall clock, as on an
// edge. Each clip takes its own length, every frame is published, the fire
// is caught on the fire camera and each camera's anomalies are its own.
// Simulated: the footage and the cameras, as in TestRunSimScenes.
func TestRunShared(t *testing.T) {
	if testing.Short() {
		t.Skip("20 s of real time")
	}
	fire, empty := scenes(t)
	truth, err := LoadTruth(truthFor(t, fire, empty))
	if err != nil {
		t.Fatal(err)
	}
	played, err := Run(context.Background(), Options{Dir: t.TempDir(), Truth: truth, Speed: 1, Parallel: 2,
		Cache: os.Getenv("ARGUS_CACHE"), Log: peers.TestLog(t)})
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range played {
		t.Logf("%s: %s in %s, %d frames, %d analysed, %d dropped, alerts %s", p.Camera, p.Duration, p.Wall, p.Frames, p.Analysed,
			p.Dropped, alertList(p.Alerts))
		if p.Frames != []*sim.Scene{fire, empty}[i].Frames() || p.Analysed == 0 {
			t.Fatalf("%s: %d frames published, %d analysed", p.Camera, p.Frames, p.Analysed)
		}
		if last := p.Duration - time.Second/time.Duration(p.FPS); p.Wall < last {
			t.Fatalf("%s: played in %s, faster than real time", p.Camera, p.Wall)
		}
		for _, a := range p.Anomalies {
			if a.Camera != p.Camera {
				t.Fatalf("%s: anomaly %s of camera %s", p.Camera, a.ID, a.Camera)
			}
		}
	}
	for _, k := range Score([]Outcome{played[0].Outcome, played[1].Outcome}, Window{Early: truth.Early.D(), Late: truth.Tolerance.D()}) {
		if k.Kind == "fire" && k.Caught != 1 {
			t.Fatalf("fire not caught in the shared analysis: alerts %s", alertList(played[0].Alerts))
		}
	}
}

// TestSharedNeedsDistinctCameras checks that clips played at once as one
// analysis's cameras may not share a camera id.
func TestSharedNeedsDistinctCameras(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"a.mp4", "b.mp4"} {
		if err := os.WriteFile(filepath.Join(dir, f), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	rules := filepath.Join(repoRoot(), "configs", "rules", "hillside.yaml")
	tr, err := ParseTruth(filepath.Join(dir, "truth.yaml"), []byte("rules: "+rules+"\nclips:\n  - {file: a.mp4, camera: cam}\n  - {file: b.mp4, camera: cam}\n"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = Run(t.Context(), Options{Dir: dir, Truth: tr, Speed: 1, Parallel: 2})
	if err == nil || !strings.Contains(err.Error(), "both play as camera cam") {
		t.Fatalf("err = %v, want one saying both play as camera cam", err)
	}
}
