package record

import (
	"os"
	"path/filepath"
	"sort"
	"time"
)

// prune deletes segments older than their camera's keep (0 keeps them
// for the quota alone) and clips older than clipKeep, then, while the
// files take more than quota bytes (0: no quota), the oldest segments and
// after them the oldest clips. It returns the files deleted.
func (ix *index) prune(now time.Time, keep func(camera string) time.Duration, clipKeep time.Duration, quota int64) []entry {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	var gone []entry
	kept := ix.segments[:0]
	for _, e := range ix.segments {
		if k := keep(e.Camera); k > 0 && now.Sub(e.End) > k {
			gone = append(gone, e)
		} else {
			kept = append(kept, e)
		}
	}
	ix.segments = kept
	clips := make([]entry, 0, len(ix.clips))
	for id, e := range ix.clips {
		if clipKeep > 0 && now.Sub(e.End) > clipKeep {
			gone = append(gone, e)
			delete(ix.clips, id)
		} else {
			clips = append(clips, e)
		}
	}
	sort.Slice(clips, func(i, j int) bool { return clips[i].Start.Before(clips[j].Start) })
	var total int64
	for _, e := range ix.segments {
		total += e.Size
	}
	for _, e := range clips {
		total += e.Size
	}
	for quota > 0 && total > quota && len(ix.segments) > 0 {
		gone = append(gone, ix.segments[0])
		total -= ix.segments[0].Size
		ix.segments = ix.segments[1:]
	}
	for quota > 0 && total > quota && len(clips) > 0 {
		gone = append(gone, clips[0])
		total -= clips[0].Size
		delete(ix.clips, clips[0].Anomaly)
		clips = clips[1:]
	}
	for _, e := range gone {
		os.Remove(e.Path)
		if e.Anomaly != "" {
			os.Remove(filepath.Dir(e.Path)) // the clip's folder, when empty
		}
	}
	return gone
}
