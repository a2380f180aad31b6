package record

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/sim"
)

// TestPatrolRecordedWithTrack flies a patrol on a drone whose camera is
// not recorded (mode off): from take-off to completion its video is
// recorded whole, and its telemetry track is written beside it at the
// telemetry's rate; both are served over HTTP (the video with ranges and
// its start), and a restarted recorder finds them again. What is
// simulated: the drone's video is the simulator's scene replayed into the
// hub (as the RTSP driver publishes it); its telemetry and progress are
// the events the edge's drone manager publishes, made here at 2 Hz along
// a straight line.
func TestPatrolRecordedWithTrack(t *testing.T) {
	sc := scene(t, sim.H264)
	dir := t.TempDir()
	r, h := newRecorder(t, dir, Options{PostRoll: time.Second}, map[string]Policy{"drone-1": {Mode: ModeOff, Patrols: true}})
	start := start0
	takeoff, done := start.Add(5*time.Second), start.Add(25*time.Second)
	const id = "patrol-1"
	progress := func(state string, at time.Time) {
		r.ObservePatrol(bus.PatrolProgress{ID: id, Drone: "drone-1", State: state, Time: bus.At(at)})
	}
	nextFix, points := takeoff, 0
	play(t, h, "drone-1", sc, start, 30*time.Second, func(now time.Time) {
		if !now.Before(takeoff) && points == 0 {
			progress(bus.PatrolStarted, takeoff)
		}
		for !nextFix.After(now) && !nextFix.After(done) {
			f := float64(nextFix.Sub(takeoff)) / float64(done.Sub(takeoff))
			r.ObserveTelemetry(bus.DroneTelemetry{Drone: "drone-1", Mode: "AUTO", Time: bus.At(nextFix),
				Position: &bus.DronePos{Lat: 22.5 + 0.01*f, Lon: 114.0, Alt: 60, Heading: 90},
				Patrol:   &bus.PatrolStatus{ID: id, State: bus.PatrolWaypoint}})
			points++
			nextFix = nextFix.Add(500 * time.Millisecond)
		}
		if now.After(done) && points > 0 {
			progress(bus.PatrolCompleted, done)
			points = -1 // ended once
		}
	})
	r.Close()
	// retention ages the patrol by its track, dated by its last point
	if info, err := os.Stat(filepath.Join(patrolDir(dir, "drone-1", id), trackFile)); err != nil {
		t.Fatal(err)
	} else if !info.ModTime().Equal(done) {
		t.Errorf("track file dated %v, want its last point's time %v", info.ModTime(), done)
	}
	if n := testutil.ToFloat64(r.m.patrols); n != 1 {
		t.Errorf("argus_record_patrol_files_total %g, want 1", n)
	}
	if n := len(r.ix.find("drone-1", time.Time{}, time.Time{})); n != 0 {
		t.Errorf("%d segments of a camera recorded off", n)
	}

	r2, _ := newRecorder(t, dir, Options{}, nil) // what a restarted edge finds
	mux := http.NewServeMux()
	for p, h := range r2.Routes() {
		mux.Handle(p, h)
	}
	srv := httptest.NewServer(mux)
	defer srv.Close()
	get := func(path, rng string) (*http.Response, []byte) {
		t.Helper()
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		if rng != "" {
			req.Header.Set("Range", rng)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res, b
	}
	res, body := get("/api/patrols/"+id+"/track", "")
	var tr PatrolTrack
	if err := json.Unmarshal(body, &tr); err != nil || res.StatusCode != 200 {
		t.Fatalf("track: %d %s (%v)", res.StatusCode, body, err)
	}
	if len(tr.Points) != 41 || !tr.Points[0].Time.Equal(takeoff) || !tr.Points[40].Time.Equal(done) || tr.Points[40].Lat != 22.51 {
		t.Errorf("track: %d points, first %v, last %+v; want 41 from take-off to the end", len(tr.Points), tr.Points[0].Time, tr.Points[len(tr.Points)-1])
	}
	if len(tr.Recordings) != 1 || tr.Flying {
		t.Fatalf("recordings %+v, flying %v; want one file, ended", tr.Recordings, tr.Flying)
	}
	rec := tr.Recordings[0]
	if rec.Start.After(takeoff) || takeoff.Sub(rec.Start) > 11*time.Second || rec.End.Before(done) {
		t.Errorf("video %v..%v does not cover the patrol %v..%v", rec.Start, rec.End, takeoff, done)
	}
	res, whole := get(rec.URL, "")
	if res.StatusCode != 200 || res.Header.Get("X-Argus-Start") != rec.Start.Format(time.RFC3339Nano) {
		t.Fatalf("video: %d, start %q", res.StatusCode, res.Header.Get("X-Argus-Start"))
	}
	out := filepath.Join(t.TempDir(), "patrol.mp4")
	if err := os.WriteFile(out, whole, 0o600); err != nil {
		t.Fatal(err)
	}
	d, _ := probe(t, out)
	if want := rec.End.Sub(rec.Start).Seconds(); d < want-0.15 || d > want+0.15 {
		t.Errorf("ffprobe says %.2fs, the index %.2fs", d, want)
	}
	if res, body := get(rec.URL, "bytes=10-19"); res.StatusCode != http.StatusPartialContent || string(body) != string(whole[10:20]) {
		t.Errorf("range: %d", res.StatusCode)
	}
	for _, tc := range []struct {
		path string
		code int
	}{
		{"/api/patrols/nope/track", 404},
		{"/api/patrols/" + id + "/track?drone=drone-1", 200},
		{"/api/patrols/" + id + "/track?drone=drone-2", 404},
		{"/api/patrols/" + id + "/recording?drone=drone-2", 404},
		{"/api/patrols/" + id + "/recording?part=1", 404},
		{"/api/patrols/" + id + "/recording?part=x", 400},
	} {
		if res, body := get(tc.path, ""); res.StatusCode != tc.code {
			t.Errorf("%s: %d %s, want %d", tc.path, res.StatusCode, body, tc.code)
		}
	}

	// kept like clips: gone with its track and folder after clip_days
	r2.runPrune(done.Add(31 * 24 * time.Hour))
	if _, err := os.Stat(patrolDir(dir, "drone-1", id)); !os.IsNotExist(err) {
		t.Errorf("patrol folder after retention: %v", err)
	}
}

// TestPatrolVideoResumesAfterABreak: a drone's video that stops mid-patrol
// (its link dropped for longer than the stall limit) closes the patrol's
// file; when it comes back the patrol's video goes on in a second file of
// the same patrol, and the end of the patrol closes it. What is simulated:
// as in TestPatrolRecordedWithTrack, with a gap in the replayed video.
func TestPatrolVideoResumesAfterABreak(t *testing.T) {
	sc := scene(t, sim.H264)
	dir := t.TempDir()
	r, h := newRecorder(t, dir, Options{PostRoll: time.Second, Stall: 200 * time.Millisecond},
		map[string]Policy{"drone-1": {Mode: ModeEvents, Patrols: true}})
	start := start0
	r.ObservePatrol(bus.PatrolProgress{ID: "p2", Drone: "drone-1", State: bus.PatrolStarted, Time: bus.At(start)})
	play(t, h, "drone-1", sc, start, 6*time.Second, nil)
	waitFor(t, func() bool { _, files, _ := r.ix.patrolOf("p2"); return len(files) == 1 }) // the stall closed it
	resumed := start.Add(20 * time.Second)
	play(t, h, "drone-1", sc, resumed, 6*time.Second, nil)
	r.ObservePatrol(bus.PatrolProgress{ID: "p2", Drone: "drone-1", State: bus.PatrolCompleted, Time: bus.At(resumed.Add(4 * time.Second))})
	waitFor(t, func() bool { _, files, _ := r.ix.patrolOf("p2"); return len(files) == 2 })
	_, files, _ := r.ix.patrolOf("p2")
	if !files[0].Start.Equal(start) || files[1].Start.Before(resumed) || files[1].Start.After(resumed.Add(time.Second)) {
		t.Fatalf("patrol files %v..%v and %v..%v: want one from the take-off, one from the video's return", files[0].Start, files[0].End, files[1].Start, files[1].End)
	}
	for _, f := range files {
		decodeAll(t, f.Path)
	}
}

// TestPatrolBeforeItsCamera: a patrol already flying when the drone's
// camera starts being recorded (an edge restarted mid-patrol reads the
// patrol back before its pulls start) is recorded from the camera's
// first keyframe.
func TestPatrolBeforeItsCamera(t *testing.T) {
	sc := scene(t, sim.H264)
	dir := t.TempDir()
	r, h := newRecorder(t, dir, Options{PostRoll: time.Second}, nil)
	start := start0
	r.ObserveTelemetry(bus.DroneTelemetry{Drone: "drone-1", Time: bus.At(start), Position: &bus.DronePos{Lat: 22.5, Lon: 114},
		Patrol: &bus.PatrolStatus{ID: "p3", State: bus.PatrolWaypoint}})
	r.Apply(map[string]Policy{"drone-1": {Mode: ModeOff, Patrols: true}})
	play(t, h, "drone-1", sc, start.Add(time.Second), 5*time.Second, nil)
	r.ObservePatrol(bus.PatrolProgress{ID: "p3", Drone: "drone-1", State: bus.PatrolCompleted, Time: bus.At(start.Add(3 * time.Second))})
	play(t, h, "drone-1", sc, start.Add(6*time.Second), 2*time.Second, nil)
	r.Close()
	_, files, _ := r.ix.patrolOf("p3")
	if len(files) != 1 || !files[0].Start.Equal(start.Add(time.Second)) {
		t.Fatalf("patrol files %+v: want one from the camera's first frame", files)
	}
	decodeAll(t, files[0].Path)
}
