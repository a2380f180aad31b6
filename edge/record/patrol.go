package record

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/argus-edge/argus/drivers/bus"
)

const (
	// patrolsDir holds a drone's patrols: patrols/<patrol id>/ has the
	// video (<start>-<end>.mp4, one file per unbroken stretch) and the
	// telemetry track.
	patrolsDir = "patrols"
	// trackFile is a patrol's telemetry track, one JSON point a line.
	trackFile = "track.jsonl"
	// maxTrack bounds a track: 4 h of the drone's 2 Hz telemetry with its
	// changes; a point more is dropped.
	maxTrack = 40000
)

// TrackPoint is one point of a patrol's telemetry track.
type TrackPoint struct {
	// Time is when the vehicle's message arrived (the edge's clock, as
	// the video's frames are timed).
	Time time.Time `json:"time"`
	// Lat, Lon are WGS 84 degrees.
	Lat float64 `json:"lat"`
	// Lon is the longitude in degrees.
	Lon float64 `json:"lon"`
	// Alt is metres above the drone's home.
	Alt float64 `json:"alt"`
	// AltMSL is metres above sea level.
	AltMSL float64 `json:"alt_msl"`
	// Heading is degrees from north.
	Heading float64 `json:"heading"`
	// Mode is the autopilot's flight mode.
	Mode string `json:"mode"`
	// State is the patrol's step (started, waypoint, returning, landed).
	State string `json:"state"`
}

// patrolMark tells a drone camera's recorder that a patrol started (its
// video is recorded from at on) or ended (recorded until at + post-roll).
type patrolMark struct {
	id    string
	start bool
	at    time.Time
}

// patrols follows the patrols flying: their tracks being written. Safe
// for concurrent use.
type patrols struct {
	mu     sync.Mutex
	flying map[string]*track // by patrol id
	ended  map[string]bool   // patrols that ended since the start: late telemetry does not reopen them
}

// track is a flying patrol's track file.
type track struct {
	drone   string
	started time.Time
	f       *os.File
	n       int
	last    time.Time
}

// flyingState tells whether a patrol's state is one in which it flies.
func flyingState(s string) bool {
	return s == bus.PatrolStarted || s == bus.PatrolWaypoint || s == bus.PatrolReturning || s == bus.PatrolLanded
}

// endState tells whether a patrol's state ends it.
func endState(s string) bool {
	return s == bus.PatrolCompleted || s == bus.PatrolAborted || s == bus.PatrolFailed || s == bus.PatrolRefused
}

// ObservePatrol takes a patrol's progress: from its take-off (started, or
// any flying step of a patrol an edge restart found under way) to its end
// (completed, aborted, failed), the drone's video is recorded whatever
// the camera's mode, beside its telemetry track. It never blocks on the
// video; the track's line is one small write.
func (r *Recorder) ObservePatrol(p bus.PatrolProgress) {
	switch {
	case flyingState(p.State):
		r.patrolFlying(p.Drone, p.ID, p.Time.Time)
	case endState(p.State):
		r.patrolEnded(p.Drone, p.ID, p.Time.Time)
	}
}

// ObserveTelemetry takes a drone's telemetry: a point of its patrol's
// track while it flies one (and the patrol's start or end, should the
// progress event be missed).
func (r *Recorder) ObserveTelemetry(t bus.DroneTelemetry) {
	if t.Patrol == nil || t.Patrol.ID == "" || !anomalyID.MatchString(t.Patrol.ID) {
		return
	}
	switch {
	case endState(t.Patrol.State):
		r.patrolEnded(t.Drone, t.Patrol.ID, t.Time.Time)
		return
	case !flyingState(t.Patrol.State):
		return
	}
	tr := r.patrolFlying(t.Drone, t.Patrol.ID, t.Time.Time)
	if tr == nil || t.Position == nil {
		return
	}
	r.pt.mu.Lock()
	defer r.pt.mu.Unlock()
	if tr.f == nil || !t.Time.After(tr.last) || tr.n >= maxTrack {
		return
	}
	line, _ := json.Marshal(TrackPoint{Time: t.Time.Time.UTC(), Lat: t.Position.Lat, Lon: t.Position.Lon, Alt: t.Position.Alt,
		AltMSL: t.Position.AltMSL, Heading: t.Position.Heading, Mode: t.Mode, State: t.Patrol.State})
	if _, err := tr.f.Write(append(line, '\n')); err != nil {
		r.diskError(r.o.Log, err)
		return
	}
	tr.n++
	tr.last = t.Time.Time
}

// patrolFlying opens a patrol's track and starts its video once; it
// returns the track, nil for a patrol that ended or a bad id.
func (r *Recorder) patrolFlying(drone, id string, at time.Time) *track {
	if !anomalyID.MatchString(id) || !anomalyID.MatchString(drone) {
		return nil
	}
	r.pt.mu.Lock()
	tr := r.pt.flying[id]
	if tr != nil || r.pt.ended[id] {
		r.pt.mu.Unlock()
		return tr
	}
	dir := patrolDir(r.o.Dir, drone, id)
	tr = &track{drone: drone, started: at}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		r.diskError(r.o.Log, err)
	} else if tr.f, err = os.OpenFile(filepath.Join(dir, trackFile), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o640); err != nil {
		r.diskError(r.o.Log, err)
	}
	r.pt.flying[id] = tr
	r.pt.mu.Unlock()
	r.ix.addPatrolDir(id, dir)
	r.o.Log.Info().Str("drone", drone).Str("patrol", id).Msg("patrol recording started")
	r.markPatrol(drone, patrolMark{id: id, start: true, at: at})
	return tr
}

// patrolEnded closes a patrol's track and ends its video.
func (r *Recorder) patrolEnded(drone, id string, at time.Time) {
	r.pt.mu.Lock()
	tr := r.pt.flying[id]
	delete(r.pt.flying, id)
	if len(r.pt.ended) > 1000 { // a bound: old ids cannot come back anyway
		clear(r.pt.ended)
	}
	r.pt.ended[id] = true
	var err error
	if tr != nil {
		err = tr.close() // under the lock: a point may be on its way
	}
	r.pt.mu.Unlock()
	if tr == nil {
		return
	}
	if err != nil {
		r.diskError(r.o.Log, err)
	}
	r.o.Log.Info().Str("drone", drone).Str("patrol", id).Int("track_points", tr.n).Msg("patrol recording ended")
	r.markPatrol(drone, patrolMark{id: id, at: at})
}

// markPatrol hands a mark to the drone camera's recorder; a drone without
// video (or whose mark finds no room) keeps its track alone.
func (r *Recorder) markPatrol(drone string, m patrolMark) {
	r.mu.Lock()
	c := r.cams[drone]
	r.mu.Unlock()
	if c == nil {
		return
	}
	select {
	case c.patrols <- m:
	default:
		r.m.eventsLost.Inc()
	}
}

// flyingOf returns start marks of the patrols drone flies, for its
// camera's recorder starting meanwhile (at most the marks' buffer).
func (r *Recorder) flyingOf(drone string) []patrolMark {
	r.pt.mu.Lock()
	defer r.pt.mu.Unlock()
	var out []patrolMark
	for id, tr := range r.pt.flying {
		if tr.drone == drone && len(out) < 8 {
			out = append(out, patrolMark{id: id, start: true, at: tr.started})
		}
	}
	return out
}

// closePatrols closes the tracks of the patrols still flying, at Close.
func (r *Recorder) closePatrols() {
	r.pt.mu.Lock()
	defer r.pt.mu.Unlock()
	for id, tr := range r.pt.flying {
		tr.close()
		delete(r.pt.flying, id)
	}
}

// close writes a track's file out and dates it by its last point:
// retention ages a patrol by its track's time, which must be the
// patrol's, not the clock's when the file was last touched.
func (tr *track) close() error {
	if tr.f == nil {
		return nil
	}
	err := tr.f.Sync()
	if cerr := tr.f.Close(); err == nil {
		err = cerr
	}
	if !tr.last.IsZero() && err == nil {
		err = os.Chtimes(tr.f.Name(), tr.last, tr.last)
	}
	tr.f = nil
	return err
}

// readTrack reads a patrol's track; a line torn by a crash is skipped.
func readTrack(dir string) ([]TrackPoint, error) {
	data, err := os.ReadFile(filepath.Join(dir, trackFile))
	if err != nil {
		return nil, err
	}
	points := []TrackPoint{}
	for len(data) > 0 && len(points) < maxTrack {
		i := 0
		for i < len(data) && data[i] != '\n' {
			i++
		}
		var p TrackPoint
		if json.Unmarshal(data[:i], &p) == nil {
			points = append(points, p)
		}
		data = data[min(i+1, len(data)):]
	}
	return points, nil
}

func patrolDir(root, drone, id string) string {
	return filepath.Join(root, drone, patrolsDir, id)
}

// patrolKey is a patrol's key among a camera's clips being written: a
// space never appears in an anomaly id.
func patrolKey(id string) string { return "patrol " + id }
