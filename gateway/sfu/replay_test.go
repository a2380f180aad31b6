package sfu

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"

	"github.com/argus-edge/argus/drivers/media"
)

// The camera of these tests keeps a keyframe every 4 s (longGOPClip): a
// viewer that waited for the camera's next keyframe would wait up to 4 s,
// and would get a keyframe the publisher sent after the viewer connected.

// TestLateJoinerStartsAtCachedKeyframe: a viewer joining a running relay
// 1 s into the camera's 4 s GOP starts with the cached keyframe group: its
// first packets carry SPS and PPS, its first slice is the keyframe the
// publisher sent before the viewer asked, the replay joins the live flow
// without a gap or a duplicate, and what it received decodes from the
// first frame (ffprobe).
func TestLateJoinerStartsAtCachedKeyframe(t *testing.T) {
	aus := longGOPClip(t, "320x240")
	_, hs, _ := startSFU(t, nil)
	pub := publish(t, hs.URL, "cam1", edgeTok, aus)
	pub.awaitFrames(t, 16, 20*time.Second) // 1 s into the first GOP
	rec := record(t, pub, hs.URL, "cam1")
	checkStartsAtKeyframe(t, rec, 1)
}

// TestOnDemandViewerGetsReplay: the viewer that starts a relay on demand
// connects after the uplink's first keyframe went through the SFU (the
// hook returns only then, as a real edge's burst would arrive before the
// viewer's DTLS is up); it still starts with that keyframe.
func TestOnDemandViewerGetsReplay(t *testing.T) {
	aus := longGOPClip(t, "320x240")
	var base string
	var pub atomic.Pointer[publisher]
	_, hs, _ := startSFU(t, func(o *Options) {
		o.OnDemand = func(ctx context.Context, camera string) error {
			if pub.Load() != nil {
				return nil // a resume while the test ends
			}
			p := publish(t, base, camera, edgeTok, aus)
			pub.Store(p)
			p.awaitFrames(t, 4, 10*time.Second)
			return nil
		}
	})
	base = hs.URL
	rec := recordFunc(t, func() *publisher { return pub.Load() }, hs.URL, "cam1")
	checkStartsAtKeyframe(t, rec, 1)
}

// recording is what a viewer received: its packets in order and the
// publisher's keyframe count when the first of them arrived.
type recording struct {
	pkts      []*rtp.Packet
	keysSent  int
	framesGot int
}

// record watches camera and keeps the first 40 frames' packets.
func record(t *testing.T, pub *publisher, base, camera string) *recording {
	t.Helper()
	return recordFunc(t, func() *publisher { return pub }, base, camera)
}

func recordFunc(t *testing.T, pub func() *publisher, base, camera string) *recording {
	t.Helper()
	const frames = 40
	rec := &recording{keysSent: -1}
	done := make(chan struct{})
	watchFunc(t, base, camera, viewerTok, func(p *rtp.Packet) {
		if rec.framesGot >= frames {
			return
		}
		if len(rec.pkts) == 0 {
			_, rec.keysSent = pub().counts()
		}
		rec.pkts = append(rec.pkts, p)
		if p.Marker {
			if rec.framesGot++; rec.framesGot == frames {
				close(done)
			}
		}
	})
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatalf("viewer: %d of %d frames within 20s", rec.framesGot, frames)
	}
	return rec
}

// checkStartsAtKeyframe checks a recording starts with SPS, PPS and a
// keyframe the publisher had sent (the keys-th) before the viewer's first
// packet, has contiguous sequence numbers and decodes from its first frame.
func checkStartsAtKeyframe(t *testing.T, rec *recording, keys int) {
	t.Helper()
	if rec.keysSent != keys {
		t.Errorf("the publisher had sent %d keyframes when the viewer's first packet came, want %d: the viewer waited for a new one", rec.keysSent, keys)
	}
	var seen media.Carried
	for i, p := range rec.pkts {
		c := media.Carries(false, p.Payload)
		seen |= c
		if c&media.CarriesKey != 0 {
			if seen&media.ParamSets(false) != media.ParamSets(false) {
				t.Errorf("keyframe at packet %d before SPS and PPS", i)
			}
			break
		}
		if isSlice(p.Payload) {
			t.Fatalf("packet %d is a slice of a non-key frame: the viewer started mid-GOP", i)
		}
	}
	for i := 1; i < len(rec.pkts); i++ {
		if d := rec.pkts[i].SequenceNumber - rec.pkts[i-1].SequenceNumber; d != 1 {
			t.Fatalf("packet %d: sequence number %d after %d: replay and live flow must be contiguous", i, rec.pkts[i].SequenceNumber, rec.pkts[i-1].SequenceNumber)
		}
		if rec.pkts[i].Timestamp-rec.pkts[i-1].Timestamp > 1<<31 {
			t.Fatalf("packet %d: timestamp %d after %d went back", i, rec.pkts[i].Timestamp, rec.pkts[i-1].Timestamp)
		}
	}
	if n, key := decode(t, rec.pkts); n != rec.framesGot || !key {
		t.Errorf("ffprobe decoded %d of %d frames (first a keyframe: %v)", n, rec.framesGot, key)
	}
}

// isSlice tells whether an H.264 payload carries or starts a picture's slice.
func isSlice(b []byte) bool {
	t := media.NALType(false, b)
	if t == 28 && len(b) > 1 && b[1]&0x80 != 0 { // FU-A start
		t = int(b[1] & 0x1f)
	}
	return t >= 1 && t <= 5
}

// decode depacketizes H.264 RTP to Annex B and decodes it with ffprobe,
// returning the frames decoded and whether the first was a keyframe.
func decode(t *testing.T, pkts []*rtp.Packet) (int, bool) {
	t.Helper()
	var annexB bytes.Buffer
	var d codecs.H264Packet
	for _, p := range pkts {
		b, err := d.Unmarshal(p.Payload)
		if err != nil {
			t.Fatalf("depacketize: %v", err)
		}
		annexB.Write(b)
	}
	path := filepath.Join(t.TempDir(), "viewer.h264")
	if err := os.WriteFile(path, annexB.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("ffprobe", "-v", "error", "-f", "h264", "-show_entries", "frame=key_frame", "-of", "csv=p=0", path).CombinedOutput()
	if err != nil {
		t.Fatalf("ffprobe: %v: %s", err, out)
	}
	lines := strings.Fields(string(out))
	return len(lines), len(lines) > 0 && lines[0] == "1"
}
