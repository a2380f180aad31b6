// Package watch re-reads a config file when its content changes, for live
// reloads of an edge's config.
//
// It polls (stat, then a content hash) rather than using inotify, so that it
// behaves the same on bind mounts, network filesystems and Kubernetes
// ConfigMaps (whose files are replaced by a symlink swap), and with editors
// that save by writing a new file and renaming it over the old one. It hands
// over bytes and knows nothing of the config's format; it imports nothing of
// edge, gateway or drivers.
package watch

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"time"
)

// racyWindow is how recent a file's modification time must be for the file
// to be re-read at every poll: two writes of the same size within one tick
// of a coarse filesystem clock (2s on FAT) leave the same stat behind.
const racyWindow = 2 * time.Second

// Watcher polls one file and hands its content over whenever it changes.
// Make it with New; its goroutine is the caller's, running Run.
type Watcher struct {
	// OnError, when set before Run, is told why the file could not be read
	// (missing, empty, unreadable) once per distinct error; Run goes on
	// polling and the last content handed over stays in force.
	OnError func(err error)

	path     string
	interval time.Duration
	onChange func(data []byte)
	poke     chan struct{}
	// polled, set by tests, is called after every poll.
	polled func()
}

// New returns a Watcher of path that polls every interval and calls
// onChange with the file's content when it differs from the last content
// handed over.
func New(path string, interval time.Duration, onChange func(data []byte)) *Watcher {
	return &Watcher{path: path, interval: interval, onChange: onChange, poke: make(chan struct{}, 1)}
}

// Run is New(path, interval, onChange).Run(ctx), for callers that need no
// Poke.
func Run(ctx context.Context, path string, interval time.Duration, onChange func(data []byte)) error {
	return New(path, interval, onChange).Run(ctx)
}

// Poke makes Run re-read the file now instead of at the next tick, for
// example on SIGHUP; onChange is still called only if the content changed.
// It never blocks, and pokes made while one is pending count as one.
func (w *Watcher) Poke() {
	select {
	case w.poke <- struct{}{}:
	default:
	}
}

// Run polls until ctx ends, then returns nil. It reads the file at once and
// hands over that first content too, so that a change made between the
// caller's own initial load and Run is not lost: callers compare the parsed
// config with the one in force (configs.Camera.Same), which makes
// re-applying an unchanged config a no-op. onChange runs on Run's goroutine,
// so a slow onChange delays the next poll but never overlaps it. A missing
// or empty file is waited for, never handed over. Run returns an error only
// for a bad interval or a nil onChange; call it once at a time.
func (w *Watcher) Run(ctx context.Context) error {
	if w.interval <= 0 {
		return fmt.Errorf("watch %s: interval %v is not more than 0", w.path, w.interval)
	}
	if w.onChange == nil {
		return fmt.Errorf("watch %s: onChange is nil", w.path)
	}
	var s state
	w.poll(&s, true)
	tick := time.NewTicker(w.interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
			w.poll(&s, false)
		case <-w.poke:
			w.poll(&s, true)
		}
	}
}

// state is what Run remembers between polls.
type state struct {
	stat    os.FileInfo // of the last read, nil after a failure
	racy    bool        // the last read was of a file modified very recently
	hash    [sha256.Size]byte
	handed  bool   // hash is of content handed over
	lastErr string // the last error told to OnError, "" after a success
}

// errEmpty is reported for an empty file, which is what an editor or a
// writer that truncates first leaves for a moment: it is not a config.
var errEmpty = errors.New("file is empty")

// poll reads the file if its stat changed (or always, when forced) and hands
// the content over if it changed.
func (w *Watcher) poll(s *state, force bool) {
	if w.polled != nil {
		defer w.polled()
	}
	fi, err := os.Stat(w.path)
	if err != nil {
		w.fail(s, err)
		return
	}
	if !force && !s.racy && sameStat(s.stat, fi) {
		return
	}
	data, err := os.ReadFile(w.path)
	if err == nil && len(bytes.TrimSpace(data)) == 0 {
		err = fmt.Errorf("watch %s: %w", w.path, errEmpty)
	}
	if err != nil {
		w.fail(s, err)
		return
	}
	s.stat, s.racy, s.lastErr = fi, time.Since(fi.ModTime()) < racyWindow, ""
	if h := sha256.Sum256(data); !s.handed || h != s.hash {
		s.hash, s.handed = h, true
		w.onChange(data)
	}
}

// fail forgets the stat, so the next poll reads whatever file appears, and
// tells OnError about a new kind of failure.
func (w *Watcher) fail(s *state, err error) {
	s.stat = nil
	if msg := err.Error(); msg != s.lastErr {
		s.lastErr = msg
		if w.OnError != nil {
			w.OnError(err)
		}
	}
}

// sameStat reports whether b looks like the very file a was: same inode,
// size and modification time.
func sameStat(a, b os.FileInfo) bool {
	return a != nil && os.SameFile(a, b) && a.Size() == b.Size() && a.ModTime().Equal(b.ModTime())
}
