package sim

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Clip is the kind of a scene made from a recorded file (Library.Clip)
// rather than drawn by a recipe.
const Clip Kind = "clip"

// ClipSpec says how a recorded file becomes a scene. Zero fields keep the
// file's own.
type ClipSpec struct {
	// FPS is the scene's frame rate; 0 keeps the file's, rounded, at
	// most 30.
	FPS int
	// MaxWidth scales a wider picture down to this width, keeping its
	// aspect; 0 keeps the file's size.
	MaxWidth int
	// GOP is the keyframe interval (default 2s, as most cameras send).
	GOP time.Duration
}

// ClipInfo is what ffprobe says of a file's first video stream.
type ClipInfo struct {
	Width, Height int
	// FPS is the average frame rate.
	FPS float64
	// Duration is the stream's (or the container's) length.
	Duration time.Duration
}

// Clip returns the scene of a recorded file (any file ffmpeg reads): its
// first video stream re-encoded as a camera would send it (H.264, no
// B-frames, a closed GOP, parameter sets in-band), cached beside the
// drawn scenes under a key of the file's path, size, time and the ffmpeg
// arguments. The scene plays the file once at its own pace; its Truth is
// empty: the caller knows what the file shows.
func (l *Library) Clip(ctx context.Context, path string, c ClipSpec) (*Scene, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("clip %s: %w", path, err)
	}
	st, err := os.Stat(abs)
	if err != nil {
		return nil, fmt.Errorf("clip %s: %w", path, err)
	}
	info, err := ProbeClip(ctx, abs)
	if err != nil {
		return nil, fmt.Errorf("clip %s: %w", path, err)
	}
	spec := clipSpec(info, c)
	args := clipArgs(abs, spec)
	key := cacheKey(append(args, strconv.FormatInt(st.Size(), 10), st.ModTime().UTC().Format(time.RFC3339Nano)))
	name := strings.TrimSuffix(filepath.Base(abs), filepath.Ext(abs))
	file := filepath.Join(l.dir, "clip-"+safeName(name)+fmt.Sprintf("-%dx%d-%dfps-", spec.Width, spec.Height, spec.FPS)+key+".h264")
	if _, err := os.Stat(file); err != nil {
		if err := l.encode(ctx, spec, args, file); err != nil {
			return nil, fmt.Errorf("clip %s: %w", path, err)
		}
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("clip %s: %w", path, err)
	}
	sc, err := buildScene(spec, data)
	if err != nil {
		return nil, fmt.Errorf("clip %s: %s: %w", path, file, err)
	}
	sc.Spec.Duration = sc.Loop()
	sc.File = file
	return sc, nil
}

// clipSpec is the scene spec a clip is encoded to.
func clipSpec(info ClipInfo, c ClipSpec) SceneSpec {
	s := SceneSpec{Kind: Clip, Codec: H264, Width: info.Width, Height: info.Height, FPS: c.FPS, GOP: c.GOP}
	if s.FPS <= 0 {
		s.FPS = min(max(int(math.Round(info.FPS)), 1), 30)
	}
	if s.GOP <= 0 {
		s.GOP = 2 * time.Second
	}
	if c.MaxWidth > 0 && s.Width > c.MaxWidth {
		s.Height = int(math.Round(float64(s.Height) * float64(c.MaxWidth) / float64(s.Width)))
		s.Width = c.MaxWidth
	}
	s.Width, s.Height = max(s.Width&^1, 16), max(s.Height&^1, 16) // x264 4:2:0 wants even sizes
	s.Duration = info.Duration
	return s
}

// clipArgs is the ffmpeg command line, but the output file, that turns a
// recorded file into a camera's stream. Quality is by CRF, bounded as a
// camera's bitrate is, rather than the drawn scenes' fixed bitrate:
// detectors judged on real footage should see it as a good camera sends it.
func clipArgs(path string, s SceneSpec) []string {
	gop := strconv.Itoa(max(int(s.GOP*time.Duration(s.FPS)/time.Second), 1))
	rate := strconv.Itoa(max(s.Width*s.Height*s.FPS/5000, 300)) + "k" // about 0.2 bit per pixel at most
	return []string{"-hide_banner", "-loglevel", "error", "-nostdin", "-y", "-i", path,
		"-map", "0:v:0", "-an", "-sn", "-dn",
		"-vf", fmt.Sprintf("scale=%d:%d,fps=%d,format=yuv420p", s.Width, s.Height, s.FPS),
		"-threads", "2", "-c:v", "libx264", "-preset", "veryfast", "-tune", "zerolatency", "-crf", "23",
		"-maxrate", rate, "-bufsize", rate,
		"-g", gop, "-keyint_min", gop, "-sc_threshold", "0", "-bf", "0",
		"-x264-params", "repeat-headers=1:open-gop=0", "-f", "h264"}
}

// ProbeClip reads a file's first video stream's size, frame rate and
// length with ffprobe.
func ProbeClip(ctx context.Context, path string) (ClipInfo, error) {
	out, err := exec.CommandContext(ctx, "ffprobe", "-v", "error", "-select_streams", "v:0",
		"-show_entries", "stream=width,height,avg_frame_rate,r_frame_rate,duration:format=duration",
		"-of", "json", path).Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			return ClipInfo{}, fmt.Errorf("ffprobe: %w: %s", err, tail(strings.TrimSpace(string(ee.Stderr)), 500))
		}
		return ClipInfo{}, fmt.Errorf("ffprobe: %w", err)
	}
	var p struct {
		Streams []struct {
			Width    int    `json:"width"`
			Height   int    `json:"height"`
			AvgRate  string `json:"avg_frame_rate"`
			RealRate string `json:"r_frame_rate"`
			Duration string `json:"duration"`
		} `json:"streams"`
		Format struct {
			Duration string `json:"duration"`
		} `json:"format"`
	}
	if err := json.Unmarshal(out, &p); err != nil {
		return ClipInfo{}, fmt.Errorf("ffprobe output: %w", err)
	}
	if len(p.Streams) == 0 || p.Streams[0].Width == 0 {
		return ClipInfo{}, fmt.Errorf("no video stream")
	}
	s := p.Streams[0]
	info := ClipInfo{Width: s.Width, Height: s.Height, FPS: rate(s.AvgRate)}
	if info.FPS <= 0 || info.FPS > 240 {
		info.FPS = rate(s.RealRate)
	}
	if info.FPS <= 0 || info.FPS > 240 {
		return ClipInfo{}, fmt.Errorf("no frame rate (avg %q, r %q)", s.AvgRate, s.RealRate)
	}
	for _, d := range []string{s.Duration, p.Format.Duration} {
		if sec, err := strconv.ParseFloat(d, 64); err == nil && sec > 0 {
			info.Duration = time.Duration(sec * float64(time.Second))
			break
		}
	}
	return info, nil
}

// rate parses ffprobe's "num/den".
func rate(s string) float64 {
	num, den, ok := strings.Cut(s, "/")
	if !ok {
		f, _ := strconv.ParseFloat(s, 64)
		return f
	}
	n, err1 := strconv.ParseFloat(num, 64)
	d, err2 := strconv.ParseFloat(den, 64)
	if err1 != nil || err2 != nil || d == 0 {
		return 0
	}
	return n / d
}

// safeName keeps letters, digits, - and _ of a file name for a cache name.
func safeName(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			b[i] = '_'
		}
	}
	if len(b) > 40 {
		b = b[:40]
	}
	return string(b)
}
