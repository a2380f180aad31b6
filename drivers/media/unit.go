// Package media is the vocabulary that every Argus driver and stage speaks:
// one access unit of video as the camera sent it, with the RTP packets that
// carried it. It imports nothing of edge or gateway.
package media

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/bluenviron/gortsplib/v4/pkg/format"
	"github.com/pion/rtp"
)

// Unit is one access unit (one video frame) received from a camera.
// A Unit is immutable once published: the hub hands the same pointer to
// every consumer, so no consumer may modify it.
type Unit struct {
	// Format is the gortsplib format of the track (H264 or H265).
	Format format.Format
	// Packets are the RTP packets that carried the unit, as they came, for
	// relaying without re-packetizing. Their payloads may lie in a buffer
	// shared with the packets of the units around them (the RTSP driver
	// reads into chunks and parses packets in place): never write them.
	Packets []*rtp.Packet
	// AU holds the NAL units of the access unit when the source made them
	// (a file, a drone's link, a test). A source that receives RTP may leave
	// it nil and Defer their assembly from Packets to the first consumer
	// that asks: read them with AccessUnit, never AU directly.
	AU [][]byte
	// PTS is the presentation time in units of the format's clock rate.
	PTS int64
	// NTP is the camera's wall-clock time of the frame: from RTCP sender
	// reports where the camera sends them and its clock agrees with ours
	// within a second, else the arrival time.
	NTP time.Time
	// Key tells whether the unit is a random-access point (IDR/IRAP).
	Key bool
	// Size is the payload size in bytes of the RTP packets.
	Size int

	deferred *deferred // nil unless the source deferred AU
	lease    *lease    // nil unless the source recycles the unit's storage
}

// lease counts the holds on a unit whose storage (the buffer its packets
// were read into) its source reuses once the last hold is released. A copy
// of the unit shares it.
type lease struct {
	holds atomic.Int32
	free  func()
}

// Recycle has the source get the unit's storage back, by free, once no
// one holds the unit any more. The unit starts with one hold, the
// source's, which it releases after publishing. Units of a source that
// does not call Recycle (a file, a test) are left to the collector, and
// Hold and Release do nothing on them.
func (u *Unit) Recycle(free func()) {
	u.lease = &lease{free: free}
	u.lease.holds.Store(1)
}

// Hold takes a hold on the unit, for a holder that keeps it (the hub's
// GOP cache, a consumer's queue). Only a holder may hold it again: a unit
// whose last hold was released may already be another frame's bytes.
// A hold never released costs only the recycling of the unit's storage:
// the collector frees it.
func (u *Unit) Hold() {
	if u.lease != nil && u.lease.holds.Add(1) <= 1 {
		panic("media: Hold of a released unit")
	}
}

// Release gives back a hold. After its last hold is released the unit's
// packets (and the NAL units assembled from them) may be overwritten at
// any time: a consumer releases a unit only when it is done reading its
// bytes, and never twice. Its other fields (Key, PTS, NTP, Size, Format)
// stay readable.
func (u *Unit) Release() {
	if u.lease == nil {
		return
	}
	switch n := u.lease.holds.Add(-1); {
	case n == 0:
		u.lease.free()
	case n < 0:
		panic("media: Release of a released unit")
	}
}

// deferred is the assembly of a unit's access unit from its packets, done
// once for all consumers. A copy of the unit shares it.
type deferred struct {
	once     sync.Once
	assemble func() [][]byte
	au       [][]byte
}

// Defer has the unit's access unit assembled from its packets by f, once,
// when a consumer first asks for it (AccessUnit). Most units of an idle
// camera are cached and relayed as packets and never decoded: they need no
// second copy of their bytes. The source calls Defer before publishing.
func (u *Unit) Defer(f func() [][]byte) { u.deferred = &deferred{assemble: f} }

// AccessUnit returns the NAL units of the access unit. For a keyframe the
// current parameter sets come first when the camera did not send them
// in-band, so a decoder can start on any keyframe. A deferred unit is
// assembled on the first call, once, and shared by every consumer; nil
// means its packets held no complete access unit. Safe for concurrent use.
func (u *Unit) AccessUnit() [][]byte {
	d := u.deferred
	if d == nil || u.AU != nil {
		return u.AU
	}
	d.once.Do(func() {
		d.au = d.assemble()
		d.assemble = nil
	})
	return d.au
}

// Codec names the unit's codec in the lower-case form used in configs,
// status and metrics: "h264", "h265" or "unknown".
func Codec(f format.Format) string {
	switch f.(type) {
	case *format.H264:
		return "h264"
	case *format.H265:
		return "h265"
	}
	return "unknown"
}
