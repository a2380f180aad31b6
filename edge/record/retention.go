package record

import (
	"os"
	"path/filepath"
	"sort"
	"time"
)

// kept is a clip or a patrol as retention weighs it: clips and patrols
// are kept alike, by age and then oldest first.
type kept struct {
	start, end time.Time
	size       int64
	clip       string // the anomaly id of a clip
	patrol     string // the id of a patrol
}

// prune deletes segments older than their camera's keep (0 keeps them
// for the quota alone), clips and patrols older than clipKeep, then,
// while the files take more than quota bytes (0: no quota), the oldest
// segments and after them the oldest clips and patrols. It returns the
// files deleted (a patrol's track with its folder).
func (ix *index) prune(now time.Time, keep func(camera string) time.Duration, clipKeep time.Duration, quota int64) []entry {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	var gone []entry
	segs := ix.segments[:0]
	for _, e := range ix.segments {
		if k := keep(e.Camera); k > 0 && now.Sub(e.End) > k {
			gone = append(gone, e)
		} else {
			segs = append(segs, e)
		}
	}
	ix.segments = segs
	var total int64
	for _, e := range ix.segments {
		total += e.Size
	}
	var rest []kept
	for _, k := range ix.clipsAndPatrols() {
		if clipKeep > 0 && now.Sub(k.end) > clipKeep {
			gone = append(gone, ix.drop(k)...)
		} else {
			rest = append(rest, k)
			total += k.size
		}
	}
	sort.Slice(rest, func(i, j int) bool { return rest[i].start.Before(rest[j].start) })
	for quota > 0 && total > quota && len(ix.segments) > 0 {
		gone = append(gone, ix.segments[0])
		total -= ix.segments[0].Size
		ix.segments = ix.segments[1:]
	}
	for quota > 0 && total > quota && len(rest) > 0 {
		gone = append(gone, ix.drop(rest[0])...)
		total -= rest[0].size
		rest = rest[1:]
	}
	for _, e := range gone {
		os.Remove(e.Path)
		if e.Anomaly != "" {
			os.Remove(filepath.Dir(e.Path)) // the clip's folder, when empty
		}
	}
	return gone
}

// clipsAndPatrols lists the clips and patrols; ix.mu is held.
func (ix *index) clipsAndPatrols() []kept {
	out := make([]kept, 0, len(ix.clips)+len(ix.patrols))
	for id, e := range ix.clips {
		out = append(out, kept{start: e.Start, end: e.End, size: e.Size, clip: id})
	}
	for id, p := range ix.patrols {
		k := kept{patrol: id, size: p.size()}
		if info, err := os.Stat(filepath.Join(p.dir, trackFile)); err == nil {
			k.start, k.end = info.ModTime(), info.ModTime() // a track is written to the patrol's end
		}
		for _, e := range p.files {
			if k.start.IsZero() || e.Start.Before(k.start) {
				k.start = e.Start
			}
			if e.End.After(k.end) {
				k.end = e.End
			}
		}
		out = append(out, k)
	}
	return out
}

// drop takes a clip or a patrol out of the index and returns its files; a
// patrol's track and folder go at once. ix.mu is held.
func (ix *index) drop(k kept) []entry {
	if k.clip != "" {
		e := ix.clips[k.clip]
		delete(ix.clips, k.clip)
		return []entry{e}
	}
	p := ix.patrols[k.patrol]
	delete(ix.patrols, k.patrol)
	os.Remove(filepath.Join(p.dir, trackFile))
	for _, e := range p.files {
		os.Remove(e.Path)
	}
	os.Remove(p.dir)
	return append(p.files, entry{Path: filepath.Join(p.dir, trackFile), Patrol: k.patrol})
}

// size is the disk a patrol takes: its video and its track.
func (p *patrolFiles) size() int64 {
	var n int64
	for _, e := range p.files {
		n += e.Size
	}
	if info, err := os.Stat(filepath.Join(p.dir, trackFile)); err == nil {
		n += info.Size()
	}
	return n
}
