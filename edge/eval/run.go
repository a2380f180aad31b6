package eval

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/argus-edge/argus/configs"
	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/sim"
	"github.com/argus-edge/argus/edge/analyze"
	"github.com/argus-edge/argus/edge/detect"
	"github.com/argus-edge/argus/edge/rules"
)

// Options configure a run over a folder of clips.
type Options struct {
	// Dir is the clips' folder.
	Dir string
	// Truth describes the clips.
	Truth *Truth
	// Speed plays clips at this multiple of real time, as a camera would
	// deliver them, dropping what the analysis cannot keep up with, as
	// live; 0 plays them as fast as the analysis takes them, losing no
	// frame. Frame times are the clip's own either way.
	Speed float64
	// Parallel clips play at once, each as its own camera of its own
	// analysis (default 1).
	Parallel int
	// ModelDir is where detectors find their models ("" is the edge's
	// default).
	ModelDir string
	// IdleFPS, ActiveFPS and Quiet pace the analysis as an edge config's
	// detect section does (zero: the edge's defaults).
	IdleFPS, ActiveFPS float64
	Quiet              time.Duration
	// Cores is the analysis budget the edge's scheduler shares out by
	// priority (detect.cores) when clips play as a camera delivers them
	// (Speed > 0): 0 every core of the machine, as an edge's default;
	// negative none. At Speed 0 there is none: frames wait for the
	// analysis and none is shed.
	Cores float64
	// Clip says how clips are re-encoded as a camera's stream.
	Clip sim.ClipSpec
	// Cache is where re-encoded clips are kept (sim.DefaultCacheDir when
	// empty).
	Cache string
	// Log receives the analysis' logs.
	Log zerolog.Logger
}

// Played is one clip played through the analysis.
type Played struct {
	Outcome
	// Path is the clip's file.
	Path string
	// Camera and Rules are the camera id it played as and the rule set
	// file (and version) that ran.
	Camera, Rules string
	// Width, Height and FPS are the stream's, as re-encoded.
	Width, Height, FPS int
	// Frames counts the units played; Dropped those the analysis could not
	// keep up with (Speed > 0 only); Analysed those the detectors saw.
	Frames   int
	Dropped  uint64
	Analysed uint64
	// Wall is how long the clip took to play.
	Wall time.Duration
	// Anomalies are every anomaly event raised, in order, snapshots
	// included.
	Anomalies []bus.Anomaly
}

// Run plays every clip of the truth through the edge's analysis and
// returns what each raised, in the truth's order. A clip that cannot be
// played (a file ffmpeg cannot read) is left out of the result and its
// error joins the returned one; the others are played all the same. Clips played at once in
// real time (Parallel > 1, Speed 1) are cameras of one analysis, as an
// edge's are, ticked by the wall clock; otherwise each clip is a camera of
// an analysis of its own, ticked on the clip's time.
func Run(ctx context.Context, o Options) ([]Played, error) {
	o = o.withDefaults()
	lib := sim.NewLibrary(o.Cache, o.Log)
	sets, err := clipRules(o)
	if err != nil {
		return nil, err
	}
	var shared *analysis
	if o.Parallel > 1 && o.Speed == 1 {
		if shared, err = sharedAnalysis(o, sets); err != nil {
			return nil, err
		}
		defer shared.close()
	}
	out := make([]Played, len(o.Truth.Clips))
	errs := make([]error, len(o.Truth.Clips))
	sem := make(chan struct{}, o.Parallel)
	var wg sync.WaitGroup
	for i, c := range o.Truth.Clips {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			out[i], errs[i] = playClip(ctx, o, lib, c, sets[o.Truth.Path(c.Rules)], shared)
		}()
	}
	wg.Wait()
	var played []Played
	for i := range out {
		if errs[i] == nil {
			played = append(played, out[i])
		}
	}
	return played, errors.Join(append(errs, ctx.Err())...)
}

// clipRules checks that every clip is there and reads every rule set,
// by path, before anything plays: a typo fails before minutes of play.
func clipRules(o Options) (map[string]*rules.Set, error) {
	sets := map[string]*rules.Set{}
	for _, c := range o.Truth.Clips {
		if err := clipThere(o.Dir, c.File); err != nil {
			return nil, err
		}
		p := o.Truth.Path(c.Rules)
		if _, ok := sets[p]; ok {
			continue
		}
		set, err := loadRules(p)
		if err != nil {
			return nil, err
		}
		sets[p] = set
	}
	return sets, nil
}

// clipThere checks that a clip's file is there and is a file: a variable
// it names must be set.
func clipThere(dir, file string) error {
	if strings.HasPrefix(file, "$") && os.ExpandEnv(file) == "" {
		return fmt.Errorf("clip %s: the variable is not set", file)
	}
	st, err := os.Stat(ClipPath(dir, file))
	switch {
	case err != nil:
		return fmt.Errorf("clip %s: %w", file, err)
	case !st.Mode().IsRegular():
		return fmt.Errorf("clip %s: %s is not a file", file, ClipPath(dir, file))
	}
	return nil
}

// sharedAnalysis is the one analysis of clips played at once in real
// time: their cameras must differ, and so must the sites of their rule
// sets, as on one edge.
func sharedAnalysis(o Options, sets map[string]*rules.Set) (*analysis, error) {
	cams, sites := map[string]string{}, map[string]string{}
	for _, c := range o.Truth.Clips {
		if prev, dup := cams[c.Camera]; dup {
			return nil, fmt.Errorf("clips %s and %s both play as camera %s: played at once they need a camera each", prev, c.File, c.Camera)
		}
		cams[c.Camera] = c.File
	}
	var list []*rules.Set
	for p, set := range sets {
		if prev, dup := sites[set.Site]; dup {
			return nil, fmt.Errorf("rule sets %s and %s both hold site %s: played at once they need a site each", prev, p, set.Site)
		}
		sites[set.Site] = p
		list = append(list, set)
	}
	return newAnalysis(o, list, true)
}

func (o Options) withDefaults() Options {
	if o.Parallel <= 0 {
		o.Parallel = 1
	}
	if o.IdleFPS <= 0 {
		o.IdleFPS = configs.DefaultIdleFPS
	}
	if o.ActiveFPS <= 0 {
		o.ActiveFPS = configs.DefaultActiveFPS
	}
	if o.Quiet <= 0 {
		o.Quiet = configs.DefaultQuiet.D()
	}
	return o
}

// loadRules reads a rule set file as the edge reads one from MQTT: any
// site name, validated against the detectors this binary registers.
func loadRules(path string) (*rules.Set, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("rules: %w", err)
	}
	return rules.Parse(path, data, detect.Names())
}

// judged are the kinds a rule of the camera's block raises, but
// camera_offline, which a clip never shows.
func judged(set *rules.Set, camera string) []string {
	block, ok := set.Cameras[camera]
	if !ok {
		block = set.Cameras[rules.Default]
	}
	var kinds []string
	for _, r := range block.Rules {
		if r.Kind != bus.KindCameraOffline && !slices.Contains(kinds, r.Kind) {
			kinds = append(kinds, r.Kind)
		}
	}
	slices.Sort(kinds)
	return kinds
}

// playClip plays one clip as one camera of the shared analysis, or of a
// fresh one when shared is nil, so that no state (backgrounds, tracks,
// anomalies) carries over between clips.
func playClip(ctx context.Context, o Options, lib *sim.Library, c Clip, set *rules.Set, shared *analysis) (Played, error) {
	path := ClipPath(o.Dir, c.File)
	sc, err := lib.Clip(ctx, path, o.Clip)
	if err != nil {
		return Played{}, err
	}
	p := Played{Path: path, Camera: c.Camera, Rules: fmt.Sprintf("%s v%d", c.Rules, set.Version),
		Width: sc.Spec.Width, Height: sc.Spec.Height, FPS: sc.Spec.FPS}
	p.Clip, p.Duration, p.Truth, p.Kinds = c.File, sc.Loop(), c.Events, c.Kinds
	if len(p.Kinds) == 0 {
		p.Kinds = judged(set, c.Camera)
	}
	log := o.Log.With().Str("clip", c.File).Logger()
	a := shared
	if a == nil {
		o.Log = log
		if a, err = newAnalysis(o, []*rules.Set{set}, false); err != nil {
			return Played{}, fmt.Errorf("clip %s: %w", c.File, err)
		}
		defer a.close()
	}
	fd, err := a.add(analyze.Camera{ID: c.Camera, Site: set.Site, Stream: c.Camera})
	if err != nil {
		a.remove(c.Camera)
		return Played{}, fmt.Errorf("clip %s: %w", c.File, err)
	}
	start := time.Now().Truncate(time.Millisecond) // anomalies carry frame times in ms
	p.Frames = feed(ctx, sc, fd, o.Speed, start)
	_ = fd.Drain(ctx) // the last units are being analysed
	p.Analysed = fd.Analysed()
	// What the analysis' end adds are the ends of what the clip's end cut
	// short: only the events before it count.
	raised := a.remove(c.Camera)
	p.Wall = time.Since(start)
	p.Dropped = fd.Dropped()
	p.Anomalies = raised
	p.Alerts = alerts(raised, start, p.Duration)
	log.Info().Int("frames", p.Frames).Uint64("analysed", p.Analysed).Uint64("dropped", p.Dropped).
		Int("alerts", len(p.Alerts)).Dur("wall", p.Wall).Msg("clip played")
	return p, ctx.Err()
}

// ClipPath is where a clip's file is: file relative to dir, after
// $VARIABLES are expanded (a clip kept outside the folder, such as
// $ARGUS_VTEST, the OpenCV sample make deps extracts).
func ClipPath(dir, file string) string {
	file = os.ExpandEnv(file)
	if filepath.IsAbs(file) {
		return file
	}
	return filepath.Join(dir, file)
}

// feed plays the clip's units into the camera's feed, which ticks the
// analysis once a second of clip time (unless the analysis is ticked by
// the wall clock), as the edge's tick does for a live camera whose newest
// frame is now. The first frame's time is start, the wall clock's when the
// clip begins, as a live camera's: at real time a frame's time is when it
// is published, and the analysis' lag behind its frames is what it would
// be live; faster, the frames run ahead of the wall clock and are never
// late. With speed 0 the feed waits for the worker (no frame lost); with a
// speed, frames come when due and the hub drops what the worker cannot
// take, as live. It returns the units published.
func feed(ctx context.Context, sc *sim.Scene, fd *analyze.Feed, speed float64, start time.Time) int {
	n := 0
	for u := range sc.Replay(start, sc.Loop()) {
		if ctx.Err() != nil || n == sc.Frames() {
			break // Replay's rounding may begin the loop again for one frame
		}
		if speed > 0 {
			due := start.Add(time.Duration(float64(u.NTP.Sub(start)) / speed))
			if !sleepUntil(ctx, due) {
				break
			}
			fd.Offer(u)
		} else if fd.Publish(ctx, u) != nil {
			break
		}
		n++
	}
	return n
}

func sleepUntil(ctx context.Context, t time.Time) bool {
	d := time.Until(t)
	if d <= 0 {
		return ctx.Err() == nil
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-tm.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// alerts are the live (not shadow) anomalies, at clip time from start,
// by start. An anomaly still going on when the clip ended ends with the
// clip.
func alerts(as []bus.Anomaly, start time.Time, clip time.Duration) []Alert {
	var out []Alert
	index := map[string]int{}
	for _, a := range as {
		if a.Shadow {
			continue
		}
		at := a.FrameTime.Time.Sub(start)
		switch a.State {
		case bus.StateStart:
			index[a.ID] = len(out)
			out = append(out, Alert{Kind: a.Kind, ID: a.ID, Rule: a.Rule, Score: a.Score, Box: a.Box, At: at, End: clip})
		case bus.StateEnd:
			if i, ok := index[a.ID]; ok && at < clip {
				out[i].End = at
			}
		}
	}
	return out
}

// recorder is the analysis' sink: it keeps every anomaly event.
type recorder struct {
	mu  sync.Mutex
	got []bus.Anomaly
}

// PublishAnomaly keeps a.
func (r *recorder) PublishAnomaly(a bus.Anomaly) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, a)
	return nil
}

func (r *recorder) anomalies() []bus.Anomaly {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.got)
}
