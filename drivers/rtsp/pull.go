package rtsp

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sync/atomic"
	"time"

	"github.com/bluenviron/gortsplib/v4"
	"github.com/bluenviron/gortsplib/v4/pkg/base"
	"github.com/bluenviron/gortsplib/v4/pkg/description"
	"github.com/bluenviron/gortsplib/v4/pkg/format"
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
	// OnInfo is called when the stream starts and whenever its codec or
	// picture size changes.
	OnInfo func(Info)
	// OnUnit is called, on the pull's goroutine, with every complete access
	// unit. It must not block.
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

// ErrStalled is returned (wrapped) when the camera stays connected but sends
// no complete frame within the stall timeout.
var ErrStalled = errors.New("stalled")

// Pull connects to the camera, plays its video track and delivers units
// until ctx ends or the pull fails. It always returns a non-nil error that
// says what failed; on ctx's end that is ctx.Err().
func Pull(ctx context.Context, o Options) error {
	o.defaults()
	u, err := base.ParseURL(o.URL)
	if err != nil {
		return fmt.Errorf("parse url: %w", err)
	}
	if o.Username != "" || o.Password != "" {
		u.User = url.UserPassword(o.Username, o.Password)
	}
	p := &pull{o: o, transport: transportName(o.Transport)}
	c := &gortsplib.Client{
		Scheme:       u.Scheme,
		Host:         u.Host,
		ReadTimeout:  o.ReadTimeout,
		WriteTimeout: o.ReadTimeout,
		Transport:    transport(o.Transport),
		OnTransportSwitch: func(error) {
			p.switched.Store(true) // gortsplib only switches from UDP to TCP, in PLAY
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
	transport string
	switched  atomic.Bool // auto transport fell back from UDP to TCP
	track     track
	format    format.Format
	media     *description.Media
	pkts      []*rtp.Packet
	size      int
	lastFrame atomic.Int64 // unix nanos of the last complete unit
	lastErr   atomic.Pointer[error]
}

func (p *pull) setup(c *gortsplib.Client, u *base.URL) error {
	desc, _, err := c.Describe(u)
	if err != nil {
		return fmt.Errorf("describe: %w", err)
	}
	p.media, p.format, p.track, err = newTrack(desc)
	if err != nil {
		return fmt.Errorf("describe: %w", err)
	}
	if _, err := c.Setup(desc.BaseURL, p.media, 0, 0); err != nil {
		return fmt.Errorf("setup: %w", err)
	}
	c.OnPacketRTP(p.media, p.format, func(pkt *rtp.Packet) { p.onPacket(c, pkt) })
	p.lastFrame.Store(time.Now().UnixNano())
	if _, err := c.Play(nil); err != nil {
		return fmt.Errorf("play: %w", err)
	}
	p.info()
	return nil
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
			return fmt.Errorf("read: %w", err)
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
			if err := p.stalled(); err != nil {
				return err
			}
		}
	}
}

func (p *pull) stalled() error {
	idle := time.Since(time.Unix(0, p.lastFrame.Load()))
	if idle < p.o.StallTimeout {
		return nil
	}
	if e := p.lastErr.Load(); e != nil {
		return fmt.Errorf("%w: no complete frame for %s (last error: %v)", ErrStalled, idle.Round(time.Millisecond), *e)
	}
	return fmt.Errorf("%w: no complete frame for %s", ErrStalled, idle.Round(time.Millisecond))
}

// onPacket runs on gortsplib's reading goroutine for every RTP packet.
func (p *pull) onPacket(c *gortsplib.Client, pkt *rtp.Packet) {
	cnt := p.o.Counters
	cnt.Packets.Add(1)
	cnt.Bytes.Add(uint64(len(pkt.Payload)))
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
	u := &media.Unit{Format: p.format, Packets: p.pkts, AU: au, Key: key, Size: p.size, NTP: time.Now()}
	if pts, ok := c.PacketPTS2(p.media, pkt); ok {
		u.PTS = pts
	}
	if ntp, ok := c.PacketNTP(p.media, pkt); ok && trusted(ntp, u.NTP) {
		u.NTP = ntp
	}
	// the unit keeps this slice: start a new one sized like the last
	p.pkts, p.size = make([]*rtp.Packet, 0, cap(p.pkts)), 0
	cnt.Frames.Add(1)
	if key {
		cnt.Keyframes.Add(1)
	}
	p.lastFrame.Store(time.Now().UnixNano())
	p.o.OnUnit(u)
}

// clockSkew is how far a camera's clock (from its RTCP sender reports) may
// be from ours before its time is not used: many cameras run without NTP
// and drift by minutes, and the rules compare frame times with the edge's
// clock to end anomalies when frames stop.
const clockSkew = time.Second

// trusted tells whether the camera's time of a frame agrees with its
// arrival time.
func trusted(camera, arrival time.Time) bool {
	d := arrival.Sub(camera)
	return d > -clockSkew && d < clockSkew
}

func (p *pull) info() {
	w, h := p.track.size()
	tr := p.transport
	if p.switched.Load() {
		tr = "tcp"
	}
	p.o.OnInfo(Info{Codec: media.Codec(p.format), Width: w, Height: h, Transport: tr, Format: p.format})
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
