package decode

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/argus-edge/argus/drivers/media"
)

var clip1080p = sync.OnceValues(func() ([]byte, error) {
	dir, err := os.MkdirTemp("", "decode-bench")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	out := filepath.Join(dir, "clip.h264")
	cmd := exec.Command("ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "lavfi",
		"-i", "testsrc2=size=1920x1080:rate=30", "-frames:v", "60", "-c:v", "libx264", "-pix_fmt", "yuv420p",
		"-b:v", "4M", "-g", "30", "-bf", "0", "-f", "h264", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		return nil, &os.PathError{Op: "ffmpeg", Path: string(b), Err: err}
	}
	return os.ReadFile(out)
})

// bench1080p returns the 1080p 4 Mbps clip: 60 frames, keyframes every 30.
func bench1080p(b *testing.B) ([]byte, []*media.Unit) {
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		b.Skip("ffmpeg not installed")
	}
	clip, err := clip1080p()
	if err != nil {
		b.Fatal(err)
	}
	return clip, units("h264", clip)
}

// feed decodes us through d once and returns the number of frames.
func feed(b *testing.B, d *Decoder, us []*media.Unit, release bool) int {
	n := 0
	for _, u := range us {
		if d.Mode() == Idle && !u.Key {
			continue // the caller feeds idle decoders keyframes only
		}
		f, err := d.Decode(u)
		if err != nil {
			b.Fatal(err)
		}
		if f != nil {
			n++
			if release {
				d.Release(f)
			}
		}
	}
	return n
}

// BenchmarkDecode1080p reports ms per decoded frame of one camera: active
// (every frame, luma + BGR, with and without Release; with the small
// picture's colour only), decoding alone
// (every frame, luma only) and idle (keyframes, luma only).
func BenchmarkDecode1080p(b *testing.B) {
	_, us := bench1080p(b)
	for _, c := range []struct {
		name           string
		mode           Mode
		noBGR, release bool
		small          bool // SetFullBGR(false): the small picture's colour only
	}{
		{"active", Active, false, false, false},
		{"active-release", Active, false, true, false},
		{"active-small", Active, false, true, true},
		{"decode-only", Active, true, true, false},
		{"idle", Idle, false, true, false},
		{"idle-deblock", Idle, false, true, false},
	} {
		b.Run(c.name, func(b *testing.B) {
			if c.name == "idle-deblock" {
				skipLoopFilter = 0
				defer func() { skipLoopFilter = 1 }()
			}
			d := newDecoder(b, "h264", c.mode)
			d.noBGR = c.noBGR
			d.SetFullBGR(!c.small)
			frames := 0
			b.ResetTimer()
			for range b.N {
				frames += feed(b, d, us, c.release)
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(frames), "ms/frame")
		})
	}
}

// BenchmarkVsFFmpeg compares CPU time per frame with the ffmpeg CLI
// decoding the same clip on one thread to nothing, in the same run. The
// issue's target: active pipeline ÷ ffmpeg ≤ 1.3; decoding alone ≈ 1.0.
func BenchmarkVsFFmpeg(b *testing.B) {
	clip, us := bench1080p(b)
	// The clip five times over (ffmpeg's -stream_loop cannot rewind raw
	// H.264), so that ffmpeg's start-up weighs little.
	const loops = 5
	path := filepath.Join(b.TempDir(), "clip.h264")
	if err := os.WriteFile(path, bytes.Repeat(clip, loops), 0o644); err != nil {
		b.Fatal(err)
	}
	frames := float64(loops * len(us))
	for range b.N {
		cmd := exec.Command("ffmpeg", "-hide_banner", "-loglevel", "error", "-threads", "1",
			"-i", path, "-f", "null", "-")
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("ffmpeg: %v\n%s", err, out)
		}
		ff := ms(cmd.ProcessState.UserTime()+cmd.ProcessState.SystemTime()) / frames

		ours := func(noBGR bool) float64 {
			d := newDecoder(b, "h264", Active)
			d.noBGR = noBGR
			start := cpu()
			for range loops {
				feed(b, d, us, true)
			}
			return ms(cpu()-start) / frames
		}
		active, alone := ours(false), ours(true)
		b.ReportMetric(ff, "ffmpeg-ms/frame")
		b.ReportMetric(alone, "decode-ms/frame")
		b.ReportMetric(active, "active-ms/frame")
		b.ReportMetric(alone/ff, "decode/ffmpeg")
		b.ReportMetric(active/ff, "active/ffmpeg")
	}
}

// cpu is the CPU time this process has used, all threads.
func cpu() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
