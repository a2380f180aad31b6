package decode

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/argus-edge/argus/drivers/media"
	"github.com/bluenviron/gortsplib/v4/pkg/format"
)

// encode makes an Annex-B clip with Debian's ffmpeg from a lavfi source such
// as "testsrc=size=320x240:rate=25:duration=2" and returns its bytes.
func encode(tb testing.TB, codec, src string, args ...string) []byte {
	tb.Helper()
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		tb.Skip("ffmpeg not installed")
	}
	out := filepath.Join(tb.TempDir(), "clip."+codec)
	cmd := []string{"-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", src}
	if codec == "h264" {
		cmd = append(cmd, "-c:v", "libx264", "-pix_fmt", "yuv420p")
	} else {
		cmd = append(cmd, "-c:v", "libx265", "-x265-params", "log-level=none", "-pix_fmt", "yuv420p")
	}
	cmd = append(cmd, args...)
	cmd = append(cmd, "-f", map[string]string{"h264": "h264", "h265": "hevc"}[codec], "-y", out)
	if b, err := exec.Command("ffmpeg", cmd...).CombinedOutput(); err != nil {
		tb.Fatalf("ffmpeg %v: %v\n%s", cmd, err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// splitNALUs cuts Annex-B bytes on start codes.
func splitNALUs(b []byte) [][]byte {
	var out [][]byte
	for len(b) > 0 {
		i := bytes.Index(b, []byte{0, 0, 1})
		if i < 0 {
			i = len(b)
		}
		if n := bytes.TrimRight(b[:i], "\x00"); len(n) > 0 {
			out = append(out, n)
		}
		if i == len(b) {
			break
		}
		b = b[i+3:]
	}
	return out
}

// units groups a clip's NAL units into access units as the RTSP driver
// delivers them: a keyframe starts with the current parameter sets.
func units(codec string, clip []byte) []*media.Unit {
	var f format.Format = &format.H264{PayloadTyp: 96}
	if codec == "h265" {
		f = &format.H265{PayloadTyp: 96}
	}
	var out []*media.Unit
	var au [][]byte
	params := map[int][]byte{} // latest parameter set of each type
	key, vcl := false, false
	flush := func() {
		if len(au) == 0 {
			return
		}
		if key && !hasParams(codec, au) {
			var ps [][]byte
			for t := 0; t < 64; t++ { // VPS, SPS, PPS: types in that order
				if p, ok := params[t]; ok {
					ps = append(ps, p)
				}
			}
			au = append(ps, au...)
		}
		n := len(out)
		out = append(out, &media.Unit{Format: f, AU: au, Key: key, PTS: int64(n) * 3600,
			NTP: time.Unix(1700000000, 0).Add(time.Duration(n) * 40 * time.Millisecond)})
		au, key, vcl = nil, false, false
	}
	for _, n := range splitNALUs(clip) {
		t, isVCL, first, isKey, isParam := nalInfo(codec, n)
		if vcl && (!isVCL && t != 40 || isVCL && first) { // 40: HEVC suffix SEI
			flush()
		}
		if isParam {
			params[t] = n
		}
		au = append(au, n)
		vcl = vcl || isVCL
		key = key || isKey
	}
	flush()
	return out
}

// nalInfo reads a NAL unit's header: its type, whether it is a slice, the
// first slice of a picture, a random-access slice or a parameter set.
func nalInfo(codec string, n []byte) (t int, vcl, first, key, param bool) {
	if codec == "h264" {
		t = int(n[0] & 0x1f)
		vcl = t == 1 || t == 5
		return t, vcl, vcl && len(n) > 1 && n[1]&0x80 != 0, t == 5, t == 7 || t == 8
	}
	t = int(n[0]>>1) & 0x3f
	vcl = t < 32
	return t, vcl, vcl && len(n) > 2 && n[2]&0x80 != 0, t >= 16 && t <= 21, t >= 32 && t <= 34
}

func hasParams(codec string, au [][]byte) bool {
	for _, n := range au {
		if _, _, _, _, p := nalInfo(codec, n); p {
			return true
		}
	}
	return false
}
