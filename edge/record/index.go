package record

import (
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"
)

// index is what is on disk, closed files only, oldest first.
type index struct {
	mu       sync.Mutex
	segments []entry
	clips    map[string]entry // by anomaly id
	patrols  map[string]*patrolFiles
}

// patrolFiles is what a patrol left on disk: its folder (the track) and
// its video files, oldest first.
type patrolFiles struct {
	dir   string
	files []entry
}

// scan rebuilds the index from root, recovering files a crash left open.
func scan(root string, log zerolog.Logger) *index {
	ix := &index{clips: map[string]entry{}, patrols: map[string]*patrolFiles{}}
	cams, _ := os.ReadDir(root)
	for _, c := range cams {
		if !c.IsDir() {
			continue
		}
		cam := c.Name()
		ix.scanDir(segmentDir(root, cam), cam, "", log)
		clips, _ := os.ReadDir(filepath.Join(root, cam, clipsDir))
		for _, a := range clips {
			if a.IsDir() && anomalyID.MatchString(a.Name()) {
				ix.scanDir(clipDir(root, cam, a.Name()), cam, a.Name(), log)
			}
		}
		patrols, _ := os.ReadDir(filepath.Join(root, cam, patrolsDir))
		for _, p := range patrols {
			if p.IsDir() && anomalyID.MatchString(p.Name()) {
				dir := patrolDir(root, cam, p.Name())
				ix.addPatrolDir(p.Name(), dir)
				ix.scanDir(dir, cam, patrolKey(p.Name()), log)
			}
		}
	}
	sort.Slice(ix.segments, func(i, j int) bool { return ix.segments[i].Start.Before(ix.segments[j].Start) })
	return ix
}

// scanDir indexes the files of one folder.
func (ix *index) scanDir(dir, camera, anomaly string, log zerolog.Logger) {
	files, _ := os.ReadDir(dir)
	for _, f := range files {
		path := filepath.Join(dir, f.Name())
		var e entry
		if start, ok := parseOpen(f.Name()); ok {
			var err error
			if e, err = recoverOpen(path, start); err != nil {
				log.Warn().Err(err).Str("file", path).Msg("recording left open by a crash not recovered")
				continue
			}
			if e.Path == "" {
				continue // nothing whole in it
			}
			log.Info().Str("file", e.Path).Msg("recording left open by a crash recovered")
		} else {
			start, end, err := parseName(f.Name())
			info, ierr := f.Info()
			if err != nil || ierr != nil {
				continue
			}
			e = entry{Path: path, Start: start, End: end, Size: info.Size()}
		}
		e.Camera, e.Anomaly = camera, anomaly
		if id, ok := strings.CutPrefix(anomaly, patrolKey("")); ok {
			e.Anomaly, e.Patrol = "", id
		}
		ix.add(e)
	}
}

// add files a closed file.
func (ix *index) add(e entry) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if e.Anomaly != "" {
		ix.clips[e.Anomaly] = e
		return
	}
	if e.Patrol != "" {
		p := ix.patrol(e.Patrol, filepath.Dir(e.Path))
		i := sort.Search(len(p.files), func(i int) bool { return p.files[i].Start.After(e.Start) })
		p.files = slices.Insert(p.files, i, e)
		return
	}
	i := sort.Search(len(ix.segments), func(i int) bool { return ix.segments[i].Start.After(e.Start) })
	ix.segments = append(ix.segments, entry{})
	copy(ix.segments[i+1:], ix.segments[i:])
	ix.segments[i] = e
}

// Segments returns the camera's segments overlapping [from, to), oldest
// first; a zero bound is open.
func (ix *index) find(camera string, from, to time.Time) []entry {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	var out []entry
	for _, e := range ix.segments {
		if e.Camera == camera && (from.IsZero() || e.End.After(from)) && (to.IsZero() || e.Start.Before(to)) {
			out = append(out, e)
		}
	}
	return out
}

// clip returns the clip of an anomaly.
func (ix *index) clip(anomaly string) (entry, bool) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	e, ok := ix.clips[anomaly]
	return e, ok
}

// patrol returns a patrol's files, made in dir when new; ix.mu is held.
func (ix *index) patrol(id, dir string) *patrolFiles {
	p := ix.patrols[id]
	if p == nil {
		p = &patrolFiles{dir: dir}
		ix.patrols[id] = p
	}
	return p
}

// addPatrolDir files a patrol's folder, where its track is written.
func (ix *index) addPatrolDir(id, dir string) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.patrol(id, dir)
}

// patrolOf returns a patrol's folder and its video files.
func (ix *index) patrolOf(id string) (string, []entry, bool) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	p, ok := ix.patrols[id]
	if !ok {
		return "", nil, false
	}
	return p.dir, slices.Clone(p.files), true
}

// bytes is the disk the indexed files take.
func (ix *index) bytes() int64 {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	var n int64
	for _, e := range ix.segments {
		n += e.Size
	}
	for _, e := range ix.clips {
		n += e.Size
	}
	for _, p := range ix.patrols {
		n += p.size()
	}
	return n
}
