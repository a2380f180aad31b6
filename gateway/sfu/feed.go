package sfu

import (
	"errors"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
	"github.com/rs/zerolog"
)

// replayStep is the timestamp distance, in clock ticks, between replayed
// frames (1 ms at 90 kHz). The replay is sent at once; had its frames kept
// their timestamps, a browser would schedule them over the group's real
// duration and then play up to a GOP behind the live stream. Packed just
// before the live frame in progress, they are decoded and shown as fast as
// they arrive, and the live frames that follow are on time.
const replayStep = 90

// feed fans a camera's RTP out to its viewers, each on a track of its own,
// and keeps the current keyframe group: a viewer whose connection comes up
// gets that group first, then the live packets, with its sequence numbers
// continuous. A feed lives as long as its codec (uplinks of another codec
// get a new one).
type feed struct {
	codec webrtc.RTPCodecCapability
	log   zerolog.Logger

	// mu serialises forwarding with viewers joining and leaving, so a
	// joining viewer gets each packet once: in the replay or live.
	mu   sync.Mutex
	gop  *gop
	live []*outlet
	// frame holds the packets of the access unit in progress, sent to the
	// viewers when it is complete (its marker, or the next timestamp): one
	// viewer's whole frame after another's. Sent packet by packet to every
	// viewer in turn, each viewer's packets came spaced out by everybody
	// else's, and every one of them woke the viewer on its own: its
	// clients spent three times mediamtx's CPU on the same stream.
	frame []*rtp.Packet
	// overflowed is set once a group exceeded the cache's bounds (logged once).
	overflowed bool
	// out, when not nil, is the shared ICE socket, held while a frame is
	// written to every viewer so that it is sent in one batch.
	out holder
}

// holder defers sending what is written until release (batchConn).
type holder interface {
	hold()
	release()
}

// outlet is one viewer's track of a feed.
type outlet struct {
	feed  *feed
	track *webrtc.TrackLocalStaticRTP
	log   zerolog.Logger
	// joined is set once the viewer had its replay, gone once it left;
	// both guarded by feed.mu.
	joined, gone bool
	failing      bool
	// Pacing (pace.go), guarded by feed.mu: packets not sent yet, the
	// packets the viewer may be sent now, when that was computed, when
	// its start ends, and whether it did.
	backlog          []*rtp.Packet
	credit           float64
	pacedAt, paceEnd time.Time
	unpaced          bool
}

func newFeed(codec webrtc.RTPCodecCapability, out holder, log zerolog.Logger) *feed {
	return &feed{codec: codec, out: out, log: log, gop: newGOP(strings.EqualFold(codec.MimeType, webrtc.MimeTypeH265))}
}

// outlet makes a viewer's track; it gets packets once joined.
func (f *feed) outlet(camera string, log zerolog.Logger) (*outlet, error) {
	t, err := webrtc.NewTrackLocalStaticRTP(f.codec, "video", "argus-"+camera)
	if err != nil {
		return nil, err
	}
	return &outlet{feed: f, track: t, log: log}, nil
}

// maxFrame bounds the packets held back for a frame: a larger frame (a
// 1080p keyframe is 100–200 packets) goes out in parts of this many, each to
// every viewer in turn. A whole keyframe at once overflowed a receiver's
// default 208 KiB socket buffer (each packet takes about 2.3 KiB of it);
// 32 packets take a third.
const maxFrame = 32

// forward caches pkt and, once its frame is complete, writes the frame to
// every joined viewer.
func (f *feed) forward(pkt *rtp.Packet) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.gop.add(pkt) && !f.overflowed {
		f.overflowed = true
		f.log.Warn().Int("max_bytes", f.gop.maxBytes).Int("max_packets", f.gop.maxPackets).
			Msg("keyframe group over the cache's bounds: viewers joining then wait for the next keyframe")
	}
	if len(f.frame) > 0 && f.frame[0].Timestamp != pkt.Timestamp {
		f.flush() // the last frame's end was lost
	}
	f.frame = append(f.frame, pkt)
	if pkt.Marker || len(f.frame) >= maxFrame {
		f.flush()
	}
}

// flush writes the frame held back to every live viewer; f.mu is held.
func (f *feed) flush() {
	if len(f.frame) == 0 || len(f.live) == 0 {
		clear(f.frame)
		f.frame = f.frame[:0]
		return
	}
	if f.out != nil {
		f.out.hold()
		defer f.out.release()
	}
	now := time.Now()
	for _, o := range f.live {
		o.pace(now)
		for _, p := range f.frame {
			o.write(p)
		}
	}
	clear(f.frame)
	f.frame = f.frame[:0]
}

// restart forgets the cached group, for a new uplink.
func (f *feed) restart() {
	f.mu.Lock()
	f.flush()
	f.gop.reset()
	f.mu.Unlock()
}

// join replays the cached keyframe group to o, then adds it to the live
// flow; it returns the packets replayed, 0 when there was no keyframe to
// start at (o then waits for the next one). Joining again, or after
// leaving, does nothing but report again.
func (o *outlet) join() (replayed int, again bool) {
	f := o.feed
	f.mu.Lock()
	defer f.mu.Unlock()
	if o.joined || o.gone {
		return 0, true
	}
	o.joined = true
	// The frame held back is in the group: the others get it now, the
	// joining viewer in its replay.
	f.flush()
	g := f.gop.group()
	if f.out != nil {
		f.out.hold()
		defer f.out.release()
	}
	o.startPace(time.Now())
	replay(g, o.write)
	f.live = append(f.live, o)
	return len(g), false
}

// replay writes a keyframe group with every frame but the last, which
// goes on live, moved up to replayStep ticks before the next one.
func replay(g []*rtp.Packet, write func(*rtp.Packet)) {
	frames := uint32(0) // frames after the current packet's
	for i := 1; i < len(g); i++ {
		if g[i].Timestamp != g[i-1].Timestamp {
			frames++
		}
	}
	for i, p := range g {
		if i > 0 && p.Timestamp != g[i-1].Timestamp {
			frames--
		}
		out := *p // the group's packets are shared: never modified
		out.Timestamp = g[len(g)-1].Timestamp - frames*replayStep
		write(&out)
	}
}

// leave takes o out of the live flow for good; idempotent.
func (o *outlet) leave() {
	f := o.feed
	f.mu.Lock()
	defer f.mu.Unlock()
	o.gone = true
	clear(o.backlog)
	o.backlog = nil
	if i := slices.Index(f.live, o); i >= 0 {
		f.live = slices.Delete(f.live, i, i+1)
	}
}

// send sends one packet to the viewer, logging the first failure of a run.
func (o *outlet) send(p *rtp.Packet) {
	err := o.track.WriteRTP(p)
	if err != nil && !errors.Is(err, io.ErrClosedPipe) && !o.failing {
		o.log.Debug().Err(err).Msg("relay write")
	}
	o.failing = err != nil
}
