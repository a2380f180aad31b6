// Package relay is the edge side of relaying a camera to the command
// center: it publishes the camera's RTP, as the camera sent it, to the
// gateway's SFU over WHIP (one sendonly WebRTC connection per camera and
// gateway replica), on request from the gateway's relay_start/relay_stop
// commands. A command may name the replica's URL; the edge WHIPs there
// only when it trusts it (trust.go).
//
// A relay reads the camera's hub stream like any other consumer; it never
// decodes or re-encodes. It injects the parameter sets before a keyframe
// that lacks them so a viewer decodes at once, and renumbers packets so
// the injected ones fit in. relay imports drivers (bus, media) and
// edge/hub only; it must never import edge/ingest, edge/analyze or
// anything of gateway.
package relay

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/pion/rtp"
	"github.com/rs/zerolog"

	"github.com/argus-edge/argus/drivers/backoff"
	"github.com/argus-edge/argus/drivers/media"
	"github.com/argus-edge/argus/edge/hub"
)

// Reasons a relay ends or cannot start; wrapped with the camera's id.
var (
	// ErrUnknownCamera is a camera the edge has no stream for.
	ErrUnknownCamera = errors.New("unknown camera")
	// ErrOffline is a camera whose stream delivered no keyframe in time.
	ErrOffline = errors.New("camera offline: no keyframe")
	// ErrStopped ends a relay stopped by Stop.
	ErrStopped = errors.New("relay stopped")
	// ErrIdle ends a relay the gateway reported without viewers for IdleTimeout.
	ErrIdle = errors.New("no viewers")
	// ErrStreamClosed ends a relay whose camera was removed from the edge.
	ErrStreamClosed = errors.New("camera stream closed")
)

// Relay publishes one camera to the gateway until stopped, idle, or the
// camera is removed; it reconnects while the gateway is away.
type Relay struct {
	camera string
	to     Target
	o      *Options
	log    zerolog.Logger
	cancel context.CancelFunc
	done   chan struct{}
	err    error // why the relay ended; written before done is closed
	onEnd  func(*Relay)
}

// Open starts relaying camera: it waits for the camera's keyframe, opens a
// WHIP session and returns once the connection is up, or with why not.
func Open(ctx context.Context, camera string, o Options) (*Relay, error) {
	o.defaults()
	return open(ctx, camera, Target{URL: o.Gateway}, &o, nil)
}

// open starts a relay of camera to the replica to, whose URL is set.
func open(ctx context.Context, camera string, to Target, o *Options, onEnd func(*Relay)) (*Relay, error) {
	log := o.Log.With().Str("camera", camera).Str("component", "relay")
	if to.Gateway != "" {
		log = log.Str("gateway", to.Gateway)
	}
	r := &Relay{camera: camera, to: to, o: o, log: log.Logger(), done: make(chan struct{}), onEnd: onEnd}
	if o.Hub.Stream(camera) == nil {
		return nil, fmt.Errorf("camera %s: %w", camera, ErrUnknownCamera)
	}
	up, err := r.connect(ctx)
	if err != nil {
		return nil, fmt.Errorf("camera %s: %w", camera, err)
	}
	rctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	go r.run(rctx, up)
	return r, nil
}

// Camera returns the relayed camera's id.
func (r *Relay) Camera() string { return r.camera }

// Target returns the gateway replica the relay goes to.
func (r *Relay) Target() Target { return r.to }

// Done is closed when the relay has ended and released everything.
func (r *Relay) Done() <-chan struct{} { return r.done }

// Err returns why the relay ended (ErrStopped, ErrIdle, …); nil while it runs.
func (r *Relay) Err() error {
	select {
	case <-r.done:
		return r.err
	default:
		return nil
	}
}

// Stop ends the relay, deletes its WHIP resource and waits until it has
// released everything. Stop is idempotent.
func (r *Relay) Stop() {
	r.cancel()
	<-r.done
}

// uplink is a connected session and the hub reader feeding it.
type uplink struct {
	s     *session
	rd    *hub.Reader
	first *media.Unit
	p     params
}

func (u *uplink) close() {
	u.rd.Close()
	u.s.close()
}

// connect subscribes to the camera, waits for its keyframe (the hub hands a
// new reader the cached one at once), offers the camera's codec and waits
// for the connection, all within KeyframeTimeout + ConnectTimeout.
func (r *Relay) connect(ctx context.Context) (*uplink, error) {
	st := r.o.Hub.Stream(r.camera)
	if st == nil {
		return nil, ErrUnknownCamera
	}
	rd := st.Subscribe("relay")
	var first *media.Unit
	timer := time.NewTimer(r.o.KeyframeTimeout)
	defer timer.Stop()
	select {
	case u, ok := <-rd.Units():
		if !ok {
			rd.Close()
			return nil, ErrStreamClosed
		}
		first = u
	case <-timer.C:
		rd.Close()
		return nil, fmt.Errorf("%w within %s", ErrOffline, r.o.KeyframeTimeout)
	case <-ctx.Done():
		rd.Close()
		return nil, ctx.Err()
	}
	p, err := paramsOf(first)
	if err != nil {
		rd.Close()
		return nil, err
	}
	cctx, cancel := context.WithTimeout(ctx, r.o.ConnectTimeout)
	defer cancel()
	s, err := dial(cctx, r.o, r.to.URL, r.camera, p, r.log)
	if err != nil {
		rd.Close()
		return nil, err
	}
	if err := s.awaitConnected(cctx); err != nil {
		rd.Close()
		s.close()
		return nil, err
	}
	r.log.Info().Str("codec", p.String()).Str("resource", s.resource).Msg("relaying")
	return &uplink{s: s, rd: rd, first: first, p: p}, nil
}

// run forwards units until the relay ends, reconnecting when the
// connection fails (the gateway restarted or dropped the uplink).
func (r *Relay) run(ctx context.Context, up *uplink) {
	defer func() {
		if up != nil {
			up.close()
		}
		r.log.Info().Err(r.err).Msg("relay ended")
		if r.onEnd != nil {
			r.onEnd(r)
		}
		close(r.done)
	}()
	fw := &forwarder{p: up.p, w: up.s.track, log: r.log}
	fw.start(len(up.rd.Units()))
	fw.write(up.first)
	up.first.Release() // written: the track copies what it sends
	idle := newIdleWatch(r.o, r.to.URL, r.camera)
	defer idle.stop()
	for {
		select {
		case <-ctx.Done():
			r.err = ErrStopped
			return
		case u, ok := <-up.rd.Units():
			if !ok {
				r.err = ErrStreamClosed
				return
			}
			fw.write(u)
			u.Release()
		case <-up.s.failed:
			r.log.Warn().Msg("connection to the gateway lost; reconnecting")
			up.close()
			if up = r.reconnect(ctx); up == nil {
				r.err = ErrStopped
				return
			}
			fw.restart(up.s.track, up.p)
			fw.start(len(up.rd.Units()))
			fw.write(up.first)
			up.first.Release()
		case now := <-idle.tick():
			if idle.expired(now, r.log) {
				r.err = ErrIdle
				return
			}
		}
	}
}

// reconnect retries with exponential backoff and jitter until connected or
// ctx ends (nil then).
func (r *Relay) reconnect(ctx context.Context) *uplink {
	b := backoff.Backoff{Min: 250 * time.Millisecond, Max: r.o.ReconnectMax, Jitter: 0.25}
	for attempt := 1; ; attempt++ {
		up, err := r.connect(ctx)
		if err == nil {
			r.log.Info().Int("attempt", attempt).Msg("reconnected")
			return up
		}
		if ctx.Err() != nil {
			return nil
		}
		d := b.Next()
		r.log.Warn().Err(err).Int("attempt", attempt).Dur("retry_in", d).Msg("reconnect failed")
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
	}
}

// rtpWriter is where forwarded packets go: the session's track.
type rtpWriter interface{ WriteRTP(*rtp.Packet) error }

// forwarder writes units' packets as they came, renumbered so injected
// parameter sets keep the sequence continuous. A fresh header drops the
// camera's extensions and CSRCs: extension ids are negotiated per WebRTC
// session and the camera's would clash with the interceptors' ones.
type forwarder struct {
	p       params
	w       rtpWriter
	log     zerolog.Logger
	seq     uint16
	started bool
	failing bool
	out     rtp.Packet
	// backlog counts the units still to write that had queued when the
	// connection came up, paced by pace (pace.go); nil pace: unpaced.
	backlog int
	pace    *pacer
}

// start paces the next backlog units, and the first one, which had
// queued while the connection came up.
func (f *forwarder) start(backlog int) {
	f.backlog = backlog + 1
	f.pace = newPacer(time.Now())
}

// restart switches to a new session's track; the next keyframe gets the
// parameter sets again, since the new connection's decoder starts afresh.
func (f *forwarder) restart(w rtpWriter, p params) {
	f.w, f.p, f.started = w, p, false
}

// write forwards one unit. Units before the first keyframe are skipped: a
// viewer could not decode them. The unit is shared with other consumers,
// so its packets are copied, never modified.
func (f *forwarder) write(u *media.Unit) {
	paced := f.backlog > 0
	if paced {
		f.backlog--
	}
	if len(u.Packets) == 0 || (!f.started && !u.Key) {
		return
	}
	if u.Key {
		if p, err := paramsOf(u); err == nil {
			f.p = p // a camera may change its parameter sets at a keyframe
		}
		if !f.started || !f.p.hasParams(u.Packets) {
			ts := u.Packets[0].Timestamp
			for _, pl := range f.p.payloads() {
				f.send(rtp.Header{PayloadType: u.Packets[0].PayloadType, Timestamp: ts}, pl, paced)
			}
		}
		f.started = true
	}
	for _, pkt := range u.Packets {
		f.send(pkt.Header, pkt.Payload, paced)
	}
}

func (f *forwarder) send(h rtp.Header, payload []byte, paced bool) {
	if paced && f.pace != nil {
		f.pace.take(time.Now())
	}
	f.out.Header = rtp.Header{Version: 2, Marker: h.Marker, PayloadType: h.PayloadType, SequenceNumber: f.seq, Timestamp: h.Timestamp}
	f.out.Payload = payload
	f.seq++
	// The track sets the negotiated payload type and SSRC on f.out.
	if err := f.w.WriteRTP(&f.out); err != nil {
		if !f.failing {
			f.log.Debug().Err(err).Msg("relay write")
		}
		f.failing = true
		return
	}
	f.failing = false
}
