package eval

import (
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/edge/analyze"
	"github.com/argus-edge/argus/edge/hub"
	"github.com/argus-edge/argus/edge/rules"
)

// analysis is an edge's analysis that clips play into as cameras: a hub,
// an analyze.Manager on it, and the sink that keeps what it raises.
type analysis struct {
	h   *hub.Hub
	m   *analyze.Manager
	rec *recorder
	// live is set when the analysis is shared by clips played in real
	// time: the wall clock ticks it once a second, as the edge does, since
	// every clip's frame times then follow the wall clock. Otherwise each
	// clip's feed ticks it on the clip's own time.
	live bool

	mu   sync.Mutex
	cams map[string]analyze.Camera

	stop, done chan struct{}
}

// newAnalysis makes an analysis running the rule sets, one per site.
func newAnalysis(o Options, sets []*rules.Set, live bool) (*analysis, error) {
	a := &analysis{h: hub.New(hub.Options{}), rec: &recorder{}, live: live, cams: map[string]analyze.Camera{},
		stop: make(chan struct{}), done: make(chan struct{})}
	a.m = analyze.New(analyze.Options{Edge: "eval", Hub: a.h, Sink: a.rec, Log: o.Log, ModelDir: o.ModelDir,
		IdleFPS: o.IdleFPS, ActiveFPS: o.ActiveFPS, Quiet: o.Quiet})
	for _, set := range sets {
		if err := a.m.Rules(set); err != nil {
			a.m.Close()
			return nil, fmt.Errorf("rules %s: %w", set.Source(), err)
		}
	}
	if !live {
		close(a.done)
		return a, nil
	}
	go func() {
		defer close(a.done)
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-a.stop:
				return
			case now := <-t.C:
				a.m.Tick(now)
			}
		}
	}()
	return a, nil
}

// add starts analysing a camera and returns its stream and the analysis'
// subscription to it.
func (a *analysis) add(cam analyze.Camera) (*hub.Stream, *hub.Reader, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.cams[cam.ID] = cam
	a.apply()
	s := a.h.Open(cam.Stream)
	r := analysisReader(s)
	if r == nil {
		return nil, nil, fmt.Errorf("the analysis did not subscribe to the camera's stream as %q", analysisConsumer)
	}
	return s, r, nil
}

// remove stops analysing a camera, once its worker is done with the
// frame in hand, and returns every anomaly event it raised.
func (a *analysis) remove(id string) []bus.Anomaly {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.cams, id)
	a.apply()
	var mine []bus.Anomaly
	for _, an := range a.rec.anomalies() {
		if an.Camera == id {
			mine = append(mine, an)
		}
	}
	return mine
}

// analysed is how many frames of the camera went through the detectors.
func (a *analysis) analysed(id string) uint64 {
	for _, st := range a.m.Status() {
		if st.Camera == id {
			return st.Analysed
		}
	}
	return 0
}

// apply hands the manager the cameras; called with mu held.
func (a *analysis) apply() {
	cams := make([]analyze.Camera, 0, len(a.cams))
	for _, c := range a.cams {
		cams = append(cams, c)
	}
	slices.SortFunc(cams, func(x, y analyze.Camera) int {
		if x.ID < y.ID {
			return -1
		}
		return 1
	})
	a.m.Apply(cams)
}

// close stops the ticker and the manager.
func (a *analysis) close() {
	select {
	case <-a.stop:
	default:
		close(a.stop)
	}
	<-a.done
	a.m.Close()
}
