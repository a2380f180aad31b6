package analyze

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/peers"
	"github.com/argus-edge/argus/drivers/sim"
	"github.com/argus-edge/argus/edge/detect"
	_ "github.com/argus-edge/argus/edge/detect/fire"
	_ "github.com/argus-edge/argus/edge/detect/health"
	_ "github.com/argus-edge/argus/edge/detect/motion"
	_ "github.com/argus-edge/argus/edge/detect/objects"
	"github.com/argus-edge/argus/edge/rules"
	"github.com/argus-edge/argus/models"
)

// recorder is a Sink that keeps every anomaly, in order.
type recorder struct {
	mu  sync.Mutex
	got []bus.Anomaly
}

func (r *recorder) PublishAnomaly(a bus.Anomaly) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, a)
	return nil
}

func (r *recorder) anomalies() []bus.Anomaly {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]bus.Anomaly(nil), r.got...)
}

// repoRoot is the repository's top folder.
func repoRoot() string {
	_, self, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(self), "..", "..")
}

// siteRules loads a demo site's rule set from configs/rules.
func siteRules(t testing.TB, site string) *rules.Runner {
	t.Helper()
	sets, err := rules.LoadDir(filepath.Join(repoRoot(), "configs", "rules"), detect.Names())
	if err != nil {
		t.Fatal(err)
	}
	set := sets[site]
	if set == nil {
		t.Fatalf("no rule set for %s", site)
	}
	r := rules.NewRunner(site)
	if _, err := r.Apply(set, time.Now()); err != nil {
		t.Fatal(err)
	}
	return r
}

// modelDir is where the detection models are: the repository's models/
// (or $ARGUS_MODEL_DIR), found as the edge finds them. They are committed,
// so a missing YOLOX-nano fails the test.
func modelDir(t testing.TB) string {
	t.Helper()
	dir := models.DefaultDir()
	c, err := models.Lookup(models.Default)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, c.File)); err != nil {
		t.Fatalf("no YOLOX-nano in the model directory %q (searched %v): models/ is part of the repository", dir, models.SearchDirs())
	}
	return dir
}

// scene encodes (or takes from the cache) a simulator scene.
func scene(t testing.TB, spec sim.SceneSpec) *sim.Scene {
	t.Helper()
	peers.Need(t, "ffmpeg", "ffmpeg")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	sc, err := sim.NewLibrary(os.Getenv("ARGUS_CACHE"), zerolog.Nop()).Scene(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

// testWorker is a worker fed by the test itself, synchronously, so a clip
// runs as fast as the machine allows and no frame is dropped. models ""
// is the default model directory (the repository's models/, YOLOX-nano);
// an empty directory makes the objects detector fall back to OpenCV's
// classic detectors.
func testWorker(t testing.TB, cam Camera, r *rules.Runner, sink Sink, models string) *worker {
	w := &worker{cam: cam, runner: r, out: &publisher{edge: "edge-test", sink: sink, log: zerolog.Nop()}, models: models,
		pace: newPacer(1, 5, 10*time.Second), log: peers.TestLog(t), done: make(chan struct{})}
	w.mode.Store(Idle)
	t.Cleanup(w.close)
	return w
}
