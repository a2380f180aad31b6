package eval

import (
	"fmt"
	"runtime"
	"sync"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/edge/analyze"
	"github.com/argus-edge/argus/edge/rules"
)

// analysis is an edge's analysis that clips play into as cameras:
// analyze.Footage (its own hub and analyze.Manager, the anomalies kept),
// which rule replay plays recordings through too.
type analysis struct {
	f *analyze.Footage
	// live is set when the analysis is shared by clips played in real
	// time: the wall clock ticks it once a second, as the edge does, since
	// every clip's frame times then follow the wall clock. Otherwise each
	// clip's feed ticks it on the clip's own time.
	live bool

	mu    sync.Mutex
	feeds map[string]*analyze.Feed
}

// newAnalysis makes an analysis running the rule sets, one per site. A
// camera more than the edge's max_lag behind its frames skips to the next
// keyframe, as live: clips are stamped from the wall clock's now, so
// played faster than real time their frames are never late.
func newAnalysis(o Options, sets []*rules.Set, live bool) (*analysis, error) {
	f, err := analyze.NewFootage(analyze.Options{Edge: "eval", Log: o.Log, ModelDir: o.ModelDir,
		IdleFPS: o.IdleFPS, ActiveFPS: o.ActiveFPS, Quiet: o.Quiet, MaxLag: analyze.DefaultMaxLag,
		Cores: budget(o)}, sets...)
	if err != nil {
		return nil, err
	}
	if live {
		f.WallClock()
	}
	return &analysis{f: f, live: live, feeds: map[string]*analyze.Feed{}}, nil
}

// add starts analysing a camera and returns its feed.
func (a *analysis) add(cam analyze.Camera) (*analyze.Feed, error) {
	fd, err := a.f.Camera(cam)
	if err != nil {
		return nil, fmt.Errorf("camera %s: %w", cam.ID, err)
	}
	a.mu.Lock()
	a.feeds[cam.ID] = fd
	a.mu.Unlock()
	return fd, nil
}

// remove stops analysing a camera, once its worker is done with the
// frame in hand, and returns every anomaly event it raised.
func (a *analysis) remove(id string) []bus.Anomaly {
	a.f.Stop(id)
	a.mu.Lock()
	delete(a.feeds, id)
	a.mu.Unlock()
	var mine []bus.Anomaly
	for _, an := range a.f.Anomalies() {
		if an.Camera == id {
			mine = append(mine, an)
		}
	}
	return mine
}

// close stops the ticker and the analysis.
func (a *analysis) close() { a.f.Close() }

// budget is the scheduler's budget in cores for o (see Options.Cores):
// without it, clips played as live would run every objects forward a
// camera asks for, which no edge does, and lag behind instead of
// shedding the least important cameras' forwards first.
func budget(o Options) float64 {
	switch {
	case o.Speed <= 0 || o.Cores < 0:
		return 0
	case o.Cores == 0:
		return float64(runtime.NumCPU())
	}
	return o.Cores
}
