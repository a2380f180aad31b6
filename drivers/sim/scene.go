package sim

import (
	"fmt"
	"time"

	"github.com/bluenviron/gortsplib/v4/pkg/format"
)

// Codec is the video codec of a scene: "h264" or "h265".
type Codec string

// The codecs a scene can be encoded with.
const (
	H264 Codec = "h264"
	H265 Codec = "h265"
)

// Kind names what a scene shows.
type Kind string

// The scene kinds; scenes.go holds how each one is drawn.
const (
	// Empty is a static textured street with sensor noise: nothing happens.
	Empty Kind = "empty"
	// People is OpenCV's vtest.avi: pedestrians walking (real footage).
	People Kind = "people"
	// Fire is a flickering flame that appears and grows on a dark background.
	Fire Kind = "fire"
	// Smoke is a grey, blurred plume slowly rising over a background.
	Smoke Kind = "smoke"
	// Black is a normal scene for the first half of the loop, then a
	// covered lens.
	Black Kind = "black"
	// Bench is a busy 1080p test picture with noise, for benchmarks.
	Bench Kind = "bench"
)

// ClockRate is the RTP clock rate of H.264 and H.265 video.
const ClockRate = 90000

// SceneSpec says what to encode. Zero fields take defaults (WithDefaults).
type SceneSpec struct {
	// Kind is what the scene shows.
	Kind Kind
	// Codec is h264 (default) or h265.
	Codec Codec
	// Width and Height are the picture size in pixels (default by kind).
	Width, Height int
	// FPS is the frame rate (default 15).
	FPS int
	// BitrateKbps is the target bitrate (default ~0.1 bit per pixel).
	BitrateKbps int
	// GOP is the closed GOP length, a keyframe every GOP (default 2s).
	GOP time.Duration
	// Duration is the length of the loop (default 20s, 60s for people).
	Duration time.Duration
}

// WithDefaults returns the spec with zero fields filled in.
func (s SceneSpec) WithDefaults() SceneSpec {
	if s.Codec == "" {
		s.Codec = H264
	}
	if s.Width == 0 || s.Height == 0 {
		s.Width, s.Height = defaultSize(s.Kind)
	}
	if s.FPS == 0 {
		s.FPS = 15
	}
	if s.GOP == 0 {
		s.GOP = 2 * time.Second
	}
	if s.Duration == 0 {
		s.Duration = 20 * time.Second
		if s.Kind == People {
			s.Duration = 60 * time.Second
		}
	}
	if s.BitrateKbps == 0 {
		s.BitrateKbps = defaultBitrate(s)
	}
	return s
}

func defaultSize(k Kind) (int, int) {
	switch k {
	case People:
		return 768, 576
	case Bench:
		return 1920, 1080
	}
	return 1280, 720
}

func defaultBitrate(s SceneSpec) int {
	if s.Kind == Bench {
		return 4000
	}
	// 0.1 bit per pixel is what a fixed camera streams at, roughly.
	kbps := s.Width * s.Height * s.FPS / 10000
	return max(kbps, 200)
}

// Validate reports a spec that cannot be encoded.
func (s SceneSpec) Validate() error {
	if _, ok := recipes[s.Kind]; !ok {
		return fmt.Errorf("unknown scene %q (want empty, people, fire, smoke, black or bench)", s.Kind)
	}
	if s.Codec != H264 && s.Codec != H265 {
		return fmt.Errorf("unknown codec %q (want h264 or h265)", s.Codec)
	}
	// x264 and x265 with 4:2:0 need even sizes.
	if s.Width < 16 || s.Height < 16 || s.Width%2 != 0 || s.Height%2 != 0 || s.Width > 4096 || s.Height > 2304 {
		return fmt.Errorf("size %dx%d: want even sizes between 16x16 and 4096x2304", s.Width, s.Height)
	}
	if s.FPS < 1 || s.FPS > 60 {
		return fmt.Errorf("fps %d: want 1..60", s.FPS)
	}
	if s.GOP < time.Second/time.Duration(s.FPS) || s.Duration < s.GOP {
		return fmt.Errorf("gop %v, duration %v: want one frame <= gop <= duration", s.GOP, s.Duration)
	}
	if s.BitrateKbps < 10 || s.BitrateKbps > 100000 {
		return fmt.Errorf("bitrate %d kbps: want 10..100000", s.BitrateKbps)
	}
	return nil
}

// String names the spec in logs and cache file names.
func (s SceneSpec) String() string {
	return fmt.Sprintf("%s-%s-%dx%d-%dfps-%dk-gop%v-%v",
		s.Kind, s.Codec, s.Width, s.Height, s.FPS, s.BitrateKbps, s.GOP, s.Duration)
}

// Event is one fact of a scene's ground truth.
type Event struct {
	// Label is what is there: "person", "fire", "smoke" or "black".
	Label string
	// Box is [x, y, w, h] in 0..1 of the picture, the extent over the whole
	// event; all zero when the event is not localized (a black frame,
	// people anywhere).
	Box [4]float64
	// From and To bound the event within the loop: From <= t < To.
	From, To time.Duration
}

// Scene is an encoded, packetized loop that any number of cameras share.
// It is read-only once built.
type Scene struct {
	// Spec is what was encoded, defaults filled in.
	Spec SceneSpec
	// Truth is what happens in the loop.
	Truth []Event
	// File is the cached elementary stream the scene was read from.
	File string

	frames []frame
	// params are the parameter sets, VPS (H.265), SPS, PPS, for the SDP.
	vps, sps, pps []byte
	// loopTicks is the loop length in RTP clock ticks.
	loopTicks uint32
}

// frame is one access unit, packetized.
type frame struct {
	// pts is the offset of the frame within the loop in RTP ticks.
	pts uint32
	key bool
	// payloads are the RTP payloads; the marker goes on the last one.
	payloads [][]byte
}

// Loop returns the length of the scene's loop.
func (s *Scene) Loop() time.Duration {
	return time.Duration(len(s.frames)) * time.Second / time.Duration(s.Spec.FPS)
}

// Frames returns the number of frames in the loop.
func (s *Scene) Frames() int { return len(s.frames) }

// BitrateKbps returns the RTP payload bitrate of the loop: what a reader
// counting payload bytes measures over a whole loop, whatever the encoder's
// target was.
func (s *Scene) BitrateKbps() float64 {
	var bytes int
	for _, fr := range s.frames {
		for _, p := range fr.payloads {
			bytes += len(p)
		}
	}
	return float64(bytes) * 8 / 1000 / s.Loop().Seconds()
}

// TruthAt returns the events under way at time t of the loop; t may run past
// the loop's end and wraps around.
func (s *Scene) TruthAt(t time.Duration) []Event {
	if loop := s.Loop(); loop > 0 {
		t %= loop
		if t < 0 {
			t += loop
		}
	}
	var out []Event
	for _, e := range s.Truth {
		if e.From <= t && t < e.To {
			out = append(out, e)
		}
	}
	return out
}

// Format returns a new gortsplib format for the scene. With inband the SDP
// carries no parameter sets, so a reader must take them from the stream.
func (s *Scene) Format(inband bool) format.Format {
	if s.Spec.Codec == H265 {
		f := &format.H265{PayloadTyp: payloadType}
		if !inband {
			f.VPS, f.SPS, f.PPS = s.vps, s.sps, s.pps
		}
		return f
	}
	f := &format.H264{PayloadTyp: payloadType, PacketizationMode: 1}
	if !inband {
		f.SPS, f.PPS = s.sps, s.pps
	}
	return f
}

// payloadType is the dynamic RTP payload type of every simulated stream.
const payloadType = 96
