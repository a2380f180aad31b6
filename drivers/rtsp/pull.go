package rtsp

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"sync/atomic"
	"time"

	"github.com/bluenviron/gortsplib/v4"
	"github.com/bluenviron/gortsplib/v4/pkg/base"
	"github.com/bluenviron/gortsplib/v4/pkg/description"
	"github.com/bluenviron/gortsplib/v4/pkg/format"
	"github.com/bluenviron/gortsplib/v4/pkg/headers"
	"github.com/pion/rtp"

	"github.com/argus-edge/argus/drivers/media"
)

// Options describe one pull attempt.
type Options struct {
	// URL is the RTSP URL, without credentials.
	URL string
	// Transport is "tcp" (default), "udp" or "auto" (UDP, then TCP).
	Transport string
	// Username and Password authenticate against the camera.
	Username, Password string
	// ReadTimeout bounds every RTSP exchange and the silence of the
	// transport (default 10s).
	ReadTimeout time.Duration
	// StallTimeout fails the pull when no complete frame arrives for this
	// long while the connection stays up (default 5s).
	StallTimeout time.Duration
	// Counters, when set, receive the pull's running totals.
	Counters *Counters
	// Clock, when set, tells which clock times the frames and how far the
	// camera's is from ours; Pull starts it over.
	Clock *Clock
	// OnClock, when set, is called when the clock that times the frames
	// changes: the first sender report, or the camera's clock crossing
	// ClockGuard. offset is the camera's clock minus ours.
	OnClock func(source string, offset time.Duration)
	// OnInfo is called when the stream starts and whenever its codec or
	// picture size changes.
	OnInfo func(Info)
	// OnKeyframe, when set, is called on the pull's goroutine when the
	// first packets of a keyframe come, before its unit is complete: a
	// cache of the GOP before it may let that go, so that the camera's
	// memory never holds a whole GOP and the keyframe after it. Not every
	// keyframe is announced (a stream the pull depacketizes as it comes).
	OnKeyframe func()
	// OnUnit is called, on the pull's goroutine, with every complete access
	// unit. It must not block. The unit's packets lie in read buffers that
	// are reused once it is released: whatever keeps the unit past OnUnit
	// takes a hold on it (media.Unit.Hold) and releases it when done.
	OnUnit func(*media.Unit)
}

// Info describes the stream being pulled.
type Info struct {
	// Codec is "h264" or "h265".
	Codec string
	// Width and Height are the picture size from the SPS, 0 until known.
	Width, Height int
	// Transport is the transport in use: "tcp" or "udp".
	Transport string
	// Format is the gortsplib format of the track.
	Format format.Format
}

// Pull connects to the camera, plays its video track and delivers units
// until ctx ends or the pull fails. It always returns a non-nil error that
// says what failed, classed by the Err variables of this package; on ctx's
// end that is ctx.Err().
func Pull(ctx context.Context, o Options) error {
	o.defaults()
	u, err := base.ParseURL(o.URL)
	if err != nil {
		return fmt.Errorf("parse url: %w", err)
	}
	if o.Username != "" || o.Password != "" {
		u.User = url.UserPassword(o.Username, o.Password)
	}
	p := &pull{o: o, host: u.Host, secure: u.Scheme == "rtsps", transport: transportName(o.Transport)}
	c := &gortsplib.Client{
		Scheme:       u.Scheme,
		Host:         u.Host,
		ReadTimeout:  o.ReadTimeout,
		WriteTimeout: o.ReadTimeout,
		Transport:    transport(o.Transport),
		DialContext:  p.dial,
		OnTransportSwitch: func(error) {
			p.switched.Store(true) // gortsplib only switches from UDP to TCP
			p.info()
		},
		OnPacketsLost: func(n uint64) { o.Counters.Lost.Add(n) },
		OnDecodeError: func(error) { o.Counters.DecodeErrors.Add(1) },
	}
	if err := c.Start2(); err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, c.Close) // unblocks a camera that never answers
	defer stop()
	if err := p.setup(c, u); err != nil {
		return orCtx(ctx, err)
	}
	return orCtx(ctx, p.watch(ctx, c))
}

// pull is the state of one attempt.
type pull struct {
	o         Options
	host      string
	secure    bool // RTSPS
	transport string
	switched  atomic.Bool // auto transport fell back from UDP to TCP
	head      head        // the first bytes the camera sent
	conn      *headConn   // the latest connection, nil over RTSPS
	own       *ownTiming  // set when the connection takes the packets (takeRTP)
	sender    senderClock // the camera's time, from its sender reports
	track     track
	format    format.Format
	media     *description.Media
	pkts      []*rtp.Packet // of the unit being gathered
	chunks    unitChunks    // the read chunks they lie in, held for the unit
	size      int           // their payload bytes
	scan      scan          // the fast path's state
	eager     bool          // the fast path gave up: depacketize every packet
	keyTold   bool          // OnKeyframe was called for the unit being gathered
	arrival   time.Time     // of the last complete unit
	lastFrame atomic.Int64  // unix nanos of the last complete unit
	framePkts atomic.Uint64 // Counters.Packets at the last complete unit
	lastErr   atomic.Pointer[error]
}

// dial connects as gortsplib would, keeping the first bytes received. Over
// RTSPS those are TLS's, which say nothing of what answered: none are kept.
func (p *pull) dial(ctx context.Context, network, address string) (net.Conn, error) {
	conn, err := (&net.Dialer{}).DialContext(ctx, network, address)
	if err != nil || p.secure {
		return conn, err
	}
	p.head.reset()
	hc := newHeadConn(conn, &p.head)
	p.conn = hc
	return hc, nil
}

func (p *pull) setup(c *gortsplib.Client, u *base.URL) error {
	desc, _, err := c.Describe(u)
	if err != nil {
		return p.explain(base.Describe, err)
	}
	p.media, p.format, p.track, err = newTrack(desc)
	if err != nil {
		return err
	}
	_, p.scan.h265 = p.format.(*format.H265)
	p.eager = !p.track.fast()
	res, err := c.Setup(desc.BaseURL, p.media, 0, 0)
	if err != nil {
		return p.explain(base.Setup, err)
	}
	c.OnPacketRTP(p.media, p.format, func(pkt *rtp.Packet) { p.onPacket(c, pkt, nil) })
	p.sender.rate = p.format.ClockRate()
	p.takeRTP(c, res)
	if p.own == nil {
		c.OnPacketRTCP(p.media, p.sender.reportAny)
	}
	p.lastFrame.Store(time.Now().UnixNano())
	p.framePkts.Store(p.o.Counters.Packets.Load())
	if _, err := c.Play(nil); err != nil {
		return p.explain(base.Play, err)
	}
	p.info()
	return nil
}

// takeRTP has the connection hand the video's RTP packets to the pull
// itself, past gortsplib (interleave.go), when they come interleaved in
// the RTSP connection (TCP, without TLS).
func (p *pull) takeRTP(c *gortsplib.Client, res *base.Response) {
	if p.conn == nil || res == nil {
		return
	}
	var th headers.Transport
	if th.Unmarshal(res.Header["Transport"]) != nil || th.InterleavedIDs == nil {
		return
	}
	p.own = newOwnTiming(p.format, &p.sender)
	// the sender clock copies the report's times: the report is a slice
	// of a read chunk, which is reused
	p.conn.in.take(th.InterleavedIDs[0], p.format.PayloadType(), func(pkt *rtp.Packet, ch *chunk) { p.onPacket(c, pkt, ch) }, p.sender.report)
	if p.eager {
		p.conn.in.pin() // the depacketizer keeps slices of packets: no chunk is reused
	}
}

// watch waits for the client to fail, ctx to end, or frames to stop.
func (p *pull) watch(ctx context.Context, c *gortsplib.Client) error {
	done := make(chan error, 1)
	go func() { done <- c.Wait() }()
	tick := time.NewTicker(p.o.StallTimeout / 4)
	defer tick.Stop()
	for {
		select {
		case err := <-done:
			return p.explainRead(err)
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
			if err := p.stalled(); err != nil {
				return err
			}
		}
	}
}

// stalled tells, once no frame came for the stall timeout, whether no
// packet came either or the packets that came assemble into nothing.
func (p *pull) stalled() error {
	idle := time.Since(time.Unix(0, p.lastFrame.Load()))
	if idle < p.o.StallTimeout {
		return nil
	}
	idle = idle.Round(time.Millisecond)
	pkts := p.o.Counters.Packets.Load() - p.framePkts.Load()
	if pkts == 0 {
		return fmt.Errorf("%w: no packet for %s", ErrStalled, idle)
	}
	if e := p.lastErr.Load(); e != nil {
		return fmt.Errorf("%w: %d packets but no complete frame for %s (last error: %v)", ErrUndecodable, pkts, idle, *e)
	}
	return fmt.Errorf("%w: %d packets but no complete frame for %s", ErrUndecodable, pkts, idle)
}

// onPacket runs on gortsplib's reading goroutine for every RTP packet;
// ch is the read chunk the packet lies in, nil when gortsplib read it.
// Packets are scanned (scan.go) until one needs the depacketizer; from
// then on, for the rest of the pull, each is depacketized as it comes.
func (p *pull) onPacket(c *gortsplib.Client, pkt *rtp.Packet, ch *chunk) {
	cnt := p.o.Counters
	cnt.Packets.Add(1)
	cnt.Bytes.Add(uint64(len(pkt.Payload)))
	if p.own != nil {
		p.own.lost(pkt, cnt)
	}
	if p.eager {
		p.depacketize(c, pkt)
		return
	}
	p.chunks.add(ch)
	v := p.scan.packet(pkt, len(p.pkts) == 0)
	if v != vSkip && p.size+len(pkt.Payload) > maxUnitBytes {
		v = vSlow
	}
	switch v {
	case vSkip:
		p.chunks.drop()
		return
	case vLost:
		cnt.DecodeErrors.Add(1)
		p.lastErr.Store(&errLostFragment)
		clear(p.pkts)
		p.pkts, p.size = p.pkts[:0], 0
		p.chunks.drop()
		p.keyTold = false
		return
	case vSlow:
		p.eager = true
		p.chunks.pin()
		if p.conn != nil {
			p.conn.in.pin()
		}
		pending := append(p.pkts, pkt)
		p.pkts, p.size = nil, 0
		for _, q := range pending {
			p.depacketize(c, q)
		}
		return
	}
	p.pkts = append(p.pkts, pkt)
	p.size += len(pkt.Payload)
	if p.scan.key && !p.keyTold && p.o.OnKeyframe != nil {
		p.keyTold = true
		p.o.OnKeyframe()
	}
	if v == vMore {
		return
	}
	p.keyTold = false
	lacks, changed := p.track.learn(p.scan.vps, p.scan.sps, p.scan.pps)
	if changed {
		p.info()
	}
	key := p.scan.key
	p.scan.start()
	u := p.unit(c, pkt, key)
	if free := p.chunks.take(); free != nil {
		u.Recycle(free)
	}
	track := p.track
	if !key {
		lacks = nil
	}
	u.Defer(func() [][]byte {
		au := track.assemble(u.Packets)
		if au == nil {
			return nil
		}
		return prepend(au, lacks...)
	})
	p.publish(u)
}

// errLostFragment is the scan's depacketizing error: the unit is dropped.
var errLostFragment = errors.New("discarding frame since a RTP packet is missing")

// maxUnitBytes bounds a unit, as the depacketizers do (mediacommon's
// MaxAccessUnitSize).
const maxUnitBytes = 8 << 20

// depacketize is onPacket's slow path: gortsplib's depacketizer assembles
// each unit as its packets come, and its errors are counted.
func (p *pull) depacketize(c *gortsplib.Client, pkt *rtp.Packet) {
	cnt := p.o.Counters
	p.pkts = append(p.pkts, pkt)
	p.size += len(pkt.Payload)
	au, err := p.track.decode(pkt)
	if err != nil {
		cnt.DecodeErrors.Add(1)
		p.lastErr.Store(&err)
		p.pkts, p.size = p.pkts[:0], 0
		return
	}
	if au == nil {
		return
	}
	key, au, changed := p.track.keyframe(au)
	if changed {
		p.info()
	}
	u := p.unit(c, pkt, key)
	u.AU = au
	p.publish(u)
}

// unit makes the unit whose last packet is pkt from the packets gathered,
// timed, and starts gathering the next.
func (p *pull) unit(c *gortsplib.Client, pkt *rtp.Packet, key bool) *media.Unit {
	arrival := time.Now()
	p.arrival = arrival
	// the unit keeps an exact copy of the packet list; the list is reused
	pkts := make([]*rtp.Packet, len(p.pkts))
	copy(pkts, p.pkts)
	clear(p.pkts)
	u := &media.Unit{Format: p.format, Packets: pkts, Key: key, Size: p.size, NTP: arrival}
	p.pkts, p.size = p.pkts[:0], 0
	if p.own != nil {
		var ntp time.Time
		var okNTP bool
		u.PTS = firstPTS(pkts, func(q *rtp.Packet) (pts int64, ok bool) {
			pts, ok, ntp, okNTP = p.own.times(q)
			return pts, ok
		})
		if okNTP {
			p.timeBy(u, ntp, arrival)
		}
		return u
	}
	u.PTS = firstPTS(pkts, func(q *rtp.Packet) (int64, bool) { return c.PacketPTS2(p.media, q) })
	// not gortsplib's PacketNTP: it reads the report's fraction as
	// nanoseconds (ntp.go)
	if ntp, ok := p.sender.at(pkt); ok {
		p.timeBy(u, ntp, arrival)
	}
	return u
}

// publish counts a complete unit and hands it to OnUnit.
func (p *pull) publish(u *media.Unit) {
	cnt := p.o.Counters
	cnt.Frames.Add(1)
	if u.Key {
		cnt.Keyframes.Add(1)
	}
	p.lastFrame.Store(p.arrival.UnixNano())
	p.framePkts.Store(cnt.Packets.Load())
	p.o.OnUnit(u)
	u.Release() // the pull's hold: what keeps the unit holds it (Unit.Hold)
}

// firstPTS is the PTS of a unit of pkts, as decode gives it for the first
// packet it can time. gortsplib
// learns a track's clock from a packet that starts an IDR or carries a
// parameter set, not from the last packet of a keyframe spread over
// several FU-A packets (any real camera's), nor from a keyframe led by an
// SEI: asked with the last packet only, the clock never started and every
// PTS stayed 0. Once started it answers for any packet; all packets of a
// unit share the timestamp.
func firstPTS(pkts []*rtp.Packet, decode func(*rtp.Packet) (int64, bool)) int64 {
	for _, q := range pkts {
		if pts, ok := decode(q); ok {
			return pts
		}
	}
	return 0
}

// timeBy gives u the camera's time of the frame when the camera's clock is
// within ClockGuard of ours (ClockClear once it was beyond), and tells
// OnClock when that changes.
func (p *pull) timeBy(u *media.Unit, camera, arrival time.Time) {
	use, changed := p.o.Clock.observe(camera, arrival)
	if use {
		u.NTP = camera
	}
	if changed && p.o.OnClock != nil {
		p.o.OnClock(p.o.Clock.Source(), camera.Sub(arrival))
	}
}

func (p *pull) info() {
	w, h := p.track.size()
	p.o.OnInfo(Info{Codec: media.Codec(p.format), Width: w, Height: h, Transport: p.transportNow(), Format: p.format})
}

// transportNow is the transport in use: auto starts with UDP and may
// switch to TCP.
func (p *pull) transportNow() string {
	if p.switched.Load() {
		return "tcp"
	}
	return p.transport
}

func (o *Options) defaults() {
	if o.ReadTimeout <= 0 {
		o.ReadTimeout = 10 * time.Second
	}
	if o.StallTimeout <= 0 {
		o.StallTimeout = 5 * time.Second
	}
	if o.Counters == nil {
		o.Counters = &Counters{}
	}
	if o.Clock == nil {
		o.Clock = &Clock{}
	}
	o.Clock.reset()
	if o.OnInfo == nil {
		o.OnInfo = func(Info) {}
	}
	if o.OnUnit == nil {
		o.OnUnit = func(*media.Unit) {}
	}
}

// transport maps a config transport to gortsplib's; nil means auto.
func transport(name string) *gortsplib.Transport {
	var t gortsplib.Transport
	switch name {
	case "auto":
		return nil
	case "udp":
		t = gortsplib.TransportUDP
	default:
		t = gortsplib.TransportTCP
	}
	return &t
}

// transportName is the transport a pull starts with.
func transportName(name string) string {
	if name == "udp" || name == "auto" {
		return "udp"
	}
	return "tcp"
}

// orCtx prefers the context's error: a failure caused by our own Close
// after cancellation is not the camera's fault.
func orCtx(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}
