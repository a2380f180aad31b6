package sim

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"
)

// recipeVersion is mixed into cache keys; bump it when the parsing of
// cached files changes in a way the ffmpeg arguments do not show.
const recipeVersion = "argus-sim-1"

// Library encodes each scene once, keeps the file in a cache directory and
// shares the packetized scene among every camera that asks for it.
type Library struct {
	dir string
	log zerolog.Logger
	// sem bounds concurrent ffmpeg runs: each one already uses two threads.
	sem chan struct{}

	mu     sync.Mutex
	scenes map[SceneSpec]*building
}

// building is a scene being built or built; done closes when it is ready.
type building struct {
	done  chan struct{}
	scene *Scene
	err   error
}

// DefaultCacheDir is $ARGUS_CACHE, else $HOME/.cache/argus/scenes.
func DefaultCacheDir() string {
	if d := os.Getenv("ARGUS_CACHE"); d != "" {
		return d
	}
	if d, err := os.UserHomeDir(); err == nil {
		return filepath.Join(d, ".cache", "argus", "scenes")
	}
	return filepath.Join(os.TempDir(), "argus-scenes")
}

// NewLibrary returns a library caching in dir (DefaultCacheDir when empty).
func NewLibrary(dir string, log zerolog.Logger) *Library {
	if dir == "" {
		dir = DefaultCacheDir()
	}
	return &Library{
		dir:    dir,
		log:    log,
		sem:    make(chan struct{}, max(runtime.NumCPU()/2, 1)),
		scenes: make(map[SceneSpec]*building),
	}
}

// Scene returns the scene for spec, encoding it first if no cached file
// exists. Concurrent callers for the same spec share one build.
func (l *Library) Scene(ctx context.Context, spec SceneSpec) (*Scene, error) {
	spec = spec.WithDefaults()
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	l.mu.Lock()
	b, ok := l.scenes[spec]
	if !ok {
		b = &building{done: make(chan struct{})}
		l.scenes[spec] = b
	}
	l.mu.Unlock()
	if !ok {
		b.scene, b.err = l.build(ctx, spec)
		if b.err != nil {
			// Forget failures so that a later caller may try again.
			l.mu.Lock()
			delete(l.scenes, spec)
			l.mu.Unlock()
		}
		close(b.done)
	}
	select {
	case <-b.done:
		return b.scene, b.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (l *Library) build(ctx context.Context, spec SceneSpec) (*Scene, error) {
	inputs, graph, truth, err := recipes[spec.Kind](spec)
	if err != nil {
		return nil, fmt.Errorf("scene %s: %w", spec, err)
	}
	args := ffmpegArgs(spec, inputs, graph)
	file := filepath.Join(l.dir, spec.String()+"-"+cacheKey(args)+"."+string(spec.Codec))
	if _, err := os.Stat(file); err != nil {
		if err := l.encode(ctx, spec, args, file); err != nil {
			return nil, fmt.Errorf("scene %s: %w", spec, err)
		}
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("scene %s: %w", spec, err)
	}
	sc, err := buildScene(spec, data)
	if err != nil {
		return nil, fmt.Errorf("scene %s: %s: %w", spec, file, err)
	}
	sc.Truth, sc.File = truth, file
	return sc, nil
}

// ffmpegArgs returns the whole ffmpeg command line but the output file.
// Threads are pinned so that the output, and so the cache key, does not
// depend on the machine.
func ffmpegArgs(s SceneSpec, inputs []string, graph string) []string {
	gop := strconv.Itoa(max(int(s.GOP*time.Duration(s.FPS)/time.Second), 1))
	rate := strconv.Itoa(s.BitrateKbps) + "k"
	args := []string{"-hide_banner", "-loglevel", "error", "-nostdin", "-y"}
	args = append(args, inputs...)
	args = append(args, "-filter_complex", graph, "-frames:v", strconv.Itoa(frameCount(s)), "-an",
		"-pix_fmt", "yuv420p", "-threads", "2", "-b:v", rate, "-maxrate", rate, "-bufsize", rate)
	preset := "ultrafast"
	if s.Kind == People || s.Kind == Loiter {
		// Real footage feeds detectors: spend a little more on quality.
		preset = "veryfast"
	}
	if s.Codec == H265 {
		return append(args, "-c:v", "libx265", "-preset", preset, "-tune", "zerolatency",
			"-x265-params", "keyint="+gop+":min-keyint="+gop+
				":scenecut=0:bframes=0:open-gop=0:repeat-headers=1:pools=2:log-level=error",
			"-f", "hevc")
	}
	return append(args, "-c:v", "libx264", "-preset", preset, "-tune", "zerolatency",
		"-g", gop, "-keyint_min", gop, "-sc_threshold", "0", "-bf", "0",
		"-x264-params", "repeat-headers=1:open-gop=0", "-f", "h264")
}

func cacheKey(args []string) string {
	h := sha256.Sum256([]byte(recipeVersion + "\x00" + strings.Join(args, "\x00")))
	return hex.EncodeToString(h[:6])
}

// encode runs ffmpeg into a temporary file and renames it into place, so
// that parallel processes never see a half-written scene.
func (l *Library) encode(ctx context.Context, spec SceneSpec, args []string, file string) error {
	select {
	case l.sem <- struct{}{}:
		defer func() { <-l.sem }()
	case <-ctx.Done():
		return ctx.Err()
	}
	if _, err := os.Stat(file); err == nil {
		return nil // another caller in this process finished it meanwhile
	}
	if err := os.MkdirAll(l.dir, 0o755); err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	tmp := file + ".tmp-" + strconv.Itoa(os.Getpid()) + "-" + rand.Text()[:8]
	defer os.Remove(tmp)
	log := l.log.With().Str("scene", spec.String()).Logger()
	log.Info().Str("file", file).Msg("encoding scene")
	began := time.Now()
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, "ffmpeg", append(args, tmp)...)
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("ffmpeg: %w: %s", err, tail(stderr.String(), 2000))
	}
	if err := os.Rename(tmp, file); err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	log.Info().Str("took", time.Since(began).Round(time.Millisecond).String()).Msg("scene encoded")
	return nil
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}
