package sim

import (
	"bytes"
	"errors"
	"os"
	"slices"
	"testing"

	"github.com/bluenviron/gortsplib/v4/pkg/format"
	"github.com/bluenviron/gortsplib/v4/pkg/format/rtph264"
	"github.com/bluenviron/gortsplib/v4/pkg/format/rtph265"
	"github.com/pion/rtp"
)

// Simulated: a small empty scene encoded by ffmpeg in both codecs. Every
// access unit read from the cached file comes back whole from the RTP
// packets built once, keyframes fall every GOP and carry the parameter
// sets.
func TestSceneRoundTrip(t *testing.T) {
	for _, codec := range []Codec{H264, H265} {
		t.Run(string(codec), func(t *testing.T) {
			spec := tinySpec(Empty, codec)
			sc, err := NewLibrary("", testLog(t)).Scene(deadline(t), spec)
			if err != nil {
				t.Fatal(err)
			}
			data, err := os.ReadFile(sc.File)
			if err != nil {
				t.Fatal(err)
			}
			aus := accessUnits(codec, splitNALUs(data))
			if len(aus) != 30 || sc.Frames() != 30 || sc.Loop() != spec.Duration {
				t.Fatalf("%d access units, %d frames, loop %v; want 30, 30, %v", len(aus), sc.Frames(), sc.Loop(), spec.Duration)
			}
			decode := newDepacketizer(t, sc.Format(false))
			for i, f := range sc.frames {
				if f.key != (i%10 == 0) {
					t.Fatalf("frame %d: key %v, want a keyframe every 10 frames", i, f.key)
				}
				if f.pts != uint32(i*9000) {
					t.Fatalf("frame %d: pts %d, want %d", i, f.pts, i*9000)
				}
				got := decodeFrame(t, decode, f)
				want := aus[i]
				if f.key {
					want = sc.withParams(want)
					if paramType(codec, got[0]) == 0 {
						t.Fatalf("keyframe %d starts with NAL %x, want parameter sets", i, got[0][0])
					}
				}
				if !slices.EqualFunc(got, want, bytes.Equal) {
					t.Fatalf("frame %d: %d units back, want %d", i, len(got), len(want))
				}
			}
		})
	}
}

func newDepacketizer(t *testing.T, f format.Format) func(*rtp.Packet) ([][]byte, error) {
	switch f.(type) {
	case *format.H264:
		d := &rtph264.Decoder{PacketizationMode: 1}
		if err := d.Init(); err != nil {
			t.Fatal(err)
		}
		return d.Decode
	case *format.H265:
		d := &rtph265.Decoder{}
		if err := d.Init(); err != nil {
			t.Fatal(err)
		}
		return d.Decode
	}
	t.Fatalf("format %T", f)
	return nil
}

// decodeFrame feeds a frame's payloads, with sequence numbers, through a
// depacketizer and returns the access unit.
func decodeFrame(t *testing.T, decode func(*rtp.Packet) ([][]byte, error), f frame) [][]byte {
	t.Helper()
	for j, pl := range f.payloads {
		pkt := &rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 96, SequenceNumber: uint16(j),
			Timestamp: f.pts, Marker: j == len(f.payloads)-1}, Payload: pl}
		au, err := decode(pkt)
		if j < len(f.payloads)-1 {
			if !errors.Is(err, rtph264.ErrMorePacketsNeeded) && !errors.Is(err, rtph265.ErrMorePacketsNeeded) {
				t.Fatalf("packet %d of %d: %v", j, len(f.payloads), err)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		return au
	}
	return nil
}
