package record

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// Routes are the recorder's HTTP handlers by mux pattern, for the edge's
// :9100, which guards them with its token:
//
//	GET /api/recordings?camera=&from=&to=   the camera's segments (JSON)
//	GET /api/recordings/{camera}/{file}     one segment (fMP4, ranges)
//	GET /api/recordings/{camera}/export?from=&to=  the range as one MP4
//	GET /api/clips/{id}                     an anomaly's clip (fMP4, ranges)
//	GET /api/patrols/{id}/recording?part=&drone=  a patrol's video (fMP4, ranges)
//	GET /api/patrols/{id}/track?drone=            a patrol's track and its files (JSON)
//
// drone=, when given, must be the patrol's drone (else 404): the gateway
// authorizes a caller by the drone's site and names the drone, so a
// patrol of another drone on this edge is not served under it.
func (r *Recorder) Routes() map[string]http.Handler {
	return map[string]http.Handler{
		"GET /api/patrols/{id}/recording":     http.HandlerFunc(r.patrolRecording),
		"GET /api/patrols/{id}/track":         http.HandlerFunc(r.patrolTrack),
		"GET /api/recordings":                 http.HandlerFunc(r.list),
		"GET /api/recordings/{camera}/{file}": http.HandlerFunc(r.segment),
		"GET /api/recordings/{camera}/export": http.HandlerFunc(r.export),
		"GET /api/clips/{id}":                 http.HandlerFunc(r.clip),
	}
}

// Segment is one recorded segment as /api/recordings lists it.
type Segment struct {
	// Start is the wall-clock time of its first frame.
	Start time.Time `json:"start"`
	// End is when its last frame ends.
	End time.Time `json:"end"`
	// Bytes is the file's size.
	Bytes int64 `json:"bytes"`
	// URL is where the edge serves it.
	URL string `json:"url"`
}

func (r *Recorder) list(w http.ResponseWriter, req *http.Request) {
	q := req.URL.Query()
	camera := q.Get("camera")
	if camera == "" {
		http.Error(w, "camera is required", http.StatusBadRequest)
		return
	}
	from, to, err := timeRange(req, false)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	segs := []Segment{}
	for _, e := range r.ix.find(camera, from, to) {
		segs = append(segs, Segment{Start: e.Start, End: e.End, Bytes: e.Size,
			URL: "/api/recordings/" + url.PathEscape(camera) + "/" + url.PathEscape(filepath.Base(e.Path))})
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"camera": camera, "segments": segs})
}

func (r *Recorder) segment(w http.ResponseWriter, req *http.Request) {
	camera, name := req.PathValue("camera"), req.PathValue("file")
	for _, e := range r.ix.find(camera, time.Time{}, time.Time{}) {
		if filepath.Base(e.Path) == name {
			serveFile(w, req, e)
			return
		}
	}
	http.Error(w, fmt.Sprintf("no segment %s of camera %s", name, camera), http.StatusNotFound)
}

func (r *Recorder) clip(w http.ResponseWriter, req *http.Request) {
	id := req.PathValue("id")
	e, ok := r.ix.clip(id)
	if !ok {
		http.Error(w, fmt.Sprintf("no clip of anomaly %s (not recorded, not ended yet, or deleted)", id), http.StatusNotFound)
		return
	}
	serveFile(w, req, e)
}

// PatrolTrack is a patrol as /api/patrols/{id}/track gives it.
type PatrolTrack struct {
	// Patrol is the patrol's id.
	Patrol string `json:"patrol"`
	// Flying tells whether the patrol is still under way (its track grows,
	// its video is not served until it ends).
	Flying bool `json:"flying"`
	// Points are the drone's positions, oldest first.
	Points []TrackPoint `json:"points"`
	// Recordings are its video files, oldest first: one per stretch the
	// video ran unbroken (usually one).
	Recordings []Segment `json:"recordings"`
}

// patrolOf finds the patrol of the path, of the drone named if one is.
func (r *Recorder) patrolOf(req *http.Request) (string, []entry, bool) {
	dir, files, ok := r.ix.patrolOf(req.PathValue("id"))
	drone := req.URL.Query().Get("drone")
	if ok && drone != "" && filepath.Base(filepath.Dir(filepath.Dir(dir))) != drone {
		return "", nil, false
	}
	return dir, files, ok
}

func (r *Recorder) patrolTrack(w http.ResponseWriter, req *http.Request) {
	id := req.PathValue("id")
	dir, files, ok := r.patrolOf(req)
	if !ok {
		http.Error(w, fmt.Sprintf("no patrol %s recorded here (not flown from this edge, or deleted)", id), http.StatusNotFound)
		return
	}
	points, err := readTrack(dir)
	if err != nil && !os.IsNotExist(err) {
		http.Error(w, fmt.Sprintf("patrol %s: track: %v", id, err), http.StatusInternalServerError)
		return
	}
	r.pt.mu.Lock()
	_, flying := r.pt.flying[id]
	r.pt.mu.Unlock()
	out := PatrolTrack{Patrol: id, Flying: flying, Points: points, Recordings: []Segment{}}
	if out.Points == nil {
		out.Points = []TrackPoint{}
	}
	for i, e := range files {
		out.Recordings = append(out.Recordings, Segment{Start: e.Start, End: e.End, Bytes: e.Size,
			URL: "/api/patrols/" + url.PathEscape(id) + "/recording?part=" + strconv.Itoa(i)})
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(out)
}

func (r *Recorder) patrolRecording(w http.ResponseWriter, req *http.Request) {
	id := req.PathValue("id")
	part := 0
	if v := req.URL.Query().Get("part"); v != "" {
		var err error
		if part, err = strconv.Atoi(v); err != nil || part < 0 {
			http.Error(w, fmt.Sprintf("part %q is not a file number (0, 1, …)", v), http.StatusBadRequest)
			return
		}
	}
	_, files, _ := r.patrolOf(req)
	if part >= len(files) {
		http.Error(w, fmt.Sprintf("no video %d of patrol %s (not recorded, still flying, or deleted)", part, id), http.StatusNotFound)
		return
	}
	serveFile(w, req, files[part])
}

// serveFile answers with a file of the index, range requests included; a
// file retention deleted meanwhile is a 404.
func serveFile(w http.ResponseWriter, req *http.Request, e entry) {
	f, err := os.Open(e.Path)
	if err != nil {
		http.Error(w, "recording deleted", http.StatusNotFound)
		return
	}
	defer f.Close()
	w.Header().Set("Content-Type", "video/mp4")
	w.Header().Set("X-Argus-Start", e.Start.Format(time.RFC3339Nano))
	http.ServeContent(w, req, filepath.Base(e.Path), e.End, f)
}

// timeRange reads the from and to parameters (RFC 3339), optional unless
// required; to must follow from.
func timeRange(req *http.Request, required bool) (from, to time.Time, err error) {
	q := req.URL.Query()
	for _, b := range []struct {
		name string
		t    *time.Time
	}{{"from", &from}, {"to", &to}} {
		v := q.Get(b.name)
		if v == "" {
			if required {
				return from, to, fmt.Errorf("%s is required", b.name)
			}
			continue
		}
		if *b.t, err = time.Parse(time.RFC3339Nano, v); err != nil {
			return from, to, fmt.Errorf("%s %q is not an RFC 3339 time like 2026-12-06T12:00:00Z", b.name, v)
		}
	}
	if !from.IsZero() && !to.IsZero() && !to.After(from) {
		return from, to, fmt.Errorf("to %s is not after from %s", to.Format(time.RFC3339Nano), from.Format(time.RFC3339Nano))
	}
	return from, to, nil
}
