package record

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

const (
	// stampLayout names files by their UTC start (and end): sortable, with
	// no '-' so that start-end splits.
	stampLayout = "20060102T150405.000Z"
	openSuffix  = ".open.mp4"
	// segmentsDir and clipsDir are the per-camera folders: segments/ holds
	// <start>-<end>.mp4, clips/<anomaly id>/ holds the anomaly's clip.
	segmentsDir = "segments"
	clipsDir    = "clips"
)

// anomalyID is what an anomaly id may be to name a folder: no separators,
// no leading dot.
var anomalyID = regexp.MustCompile(`^[A-Za-z0-9_:-][A-Za-z0-9_.:-]{0,127}$`)

func stamp(t time.Time) string { return t.UTC().Format(stampLayout) }

// entry is one closed file: a segment, a clip when Anomaly is set, a
// patrol's video when Patrol is.
type entry struct {
	Path    string
	Camera  string
	Anomaly string
	Patrol  string
	Start   time.Time
	End     time.Time
	Size    int64
}

// parseName reads <start>-<end>.mp4.
func parseName(name string) (start, end time.Time, err error) {
	a, b, ok := strings.Cut(strings.TrimSuffix(name, ".mp4"), "-")
	if !ok || !strings.HasSuffix(name, ".mp4") {
		return start, end, fmt.Errorf("%s: not <start>-<end>.mp4", name)
	}
	if start, err = parseStamp(a); err == nil {
		end, err = parseStamp(b)
	}
	return start, end, err
}

// parseStamp reads a stamp as stamp writes it, and nothing else (time.Parse
// would take a comma for the decimal point).
func parseStamp(s string) (time.Time, error) {
	t, err := time.Parse(stampLayout, s)
	if err == nil && stamp(t) != s {
		err = fmt.Errorf("%q is not a stamp like %s", s, stampLayout)
	}
	return t, err
}

// parseOpen reads <start>.open.mp4.
func parseOpen(name string) (time.Time, bool) {
	if !strings.HasSuffix(name, openSuffix) {
		return time.Time{}, false
	}
	t, err := parseStamp(strings.TrimSuffix(name, openSuffix))
	return t, err == nil
}

func segmentDir(root, camera string) string { return filepath.Join(root, camera, segmentsDir) }

func clipDir(root, camera, anomaly string) string {
	return filepath.Join(root, camera, clipsDir, anomaly)
}
