package sfu

import (
	"github.com/pion/rtp"

	"github.com/argus-edge/argus/drivers/media"
)

// Bounds of a camera's cached keyframe group. An Argus edge cannot make
// keyframes (it relays the camera's RTP as it came), so a viewer that
// connects mid-group would wait for the camera's next one, up to its GOP;
// the group replayed to it gives a picture at once. 4 Mbps with a 4 s GOP
// is about 2 MiB in 1,700 packets.
const (
	gopMaxBytes   = 8 << 20 // counted as the packets' buffers, which pion allocates at the receive MTU
	gopMaxPackets = 4096
)

// gop is the current keyframe group of a camera's RTP: the packets since
// the first one of the last keyframe's access unit (with its parameter
// sets), in order. Past a bound it is dropped until the next keyframe.
// Its packets are never modified once added. A feed guards it.
type gop struct {
	h265                 bool
	maxBytes, maxPackets int

	pkts  []*rtp.Packet
	bytes int
	// keyed: pkts start with a keyframe's access unit that carries the
	// parameter sets, so a decoder can start there.
	keyed bool
	keyTS uint32
	// The access unit (frame) in progress: its timestamp, where it starts in
	// pkts and what it carried so far. A keyframe group starts at its
	// access unit's first packet, which may be an SEI or the parameter sets.
	inAU   bool
	auTS   uint32
	auAt   int
	auHas  media.Carried
	skipAU bool // dropped in the middle of this access unit: ignore its rest
}

func newGOP(h265 bool) *gop {
	return &gop{h265: h265, maxBytes: gopMaxBytes, maxPackets: gopMaxPackets}
}

// add appends pkt, restarting the group at a keyframe; it reports whether
// the group was dropped for exceeding a bound.
func (g *gop) add(pkt *rtp.Packet) (dropped bool) {
	if !g.inAU || pkt.Timestamp != g.auTS {
		if !g.keyed {
			g.drop() // only a keyframe's access unit may start a group
		}
		g.inAU, g.auTS, g.auAt, g.auHas, g.skipAU = true, pkt.Timestamp, len(g.pkts), 0, false
	}
	if g.skipAU {
		return false
	}
	c := media.Carries(g.h265, pkt.Payload)
	g.auHas |= c
	if c&media.CarriesKey != 0 && !(g.keyed && g.keyTS == g.auTS) {
		g.restart()
	}
	g.pkts = append(g.pkts, pkt)
	g.bytes += size(pkt)
	if g.bytes > g.maxBytes || len(g.pkts) > g.maxPackets {
		g.drop()
		g.skipAU = true
		return true
	}
	return false
}

// restart begins a group at the access unit in progress, whose keyframe
// just started; it is a decoder's start only if the parameter sets came
// before the keyframe, as an Argus edge sends them.
func (g *gop) restart() {
	n := copy(g.pkts, g.pkts[g.auAt:])
	clear(g.pkts[n:]) // release the old group's packets
	g.pkts = g.pkts[:n]
	g.bytes = 0
	for _, p := range g.pkts {
		g.bytes += size(p)
	}
	g.auAt = 0
	need := media.ParamSets(g.h265)
	g.keyed, g.keyTS = g.auHas&need == need, g.auTS
}

// drop empties the group: viewers that connect wait for the next keyframe.
func (g *gop) drop() {
	clear(g.pkts)
	g.pkts = g.pkts[:0]
	g.bytes, g.auAt, g.keyed = 0, 0, false
}

// reset forgets everything, for a new uplink: its stream starts afresh.
func (g *gop) reset() {
	g.drop()
	g.inAU, g.auHas, g.skipAU = false, 0, false
}

// group returns the packets a viewer can start with, nil when there is no
// keyframe to start at. They are valid until the next add.
func (g *gop) group() []*rtp.Packet {
	if !g.keyed {
		return nil
	}
	return g.pkts
}

// size is the memory a packet holds: pion reads each into a buffer of the
// receive MTU, which its payload slice ends with.
func size(p *rtp.Packet) int {
	return p.MarshalSize() - len(p.Payload) + cap(p.Payload)
}
