package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/gateway/access"
	"github.com/argus-edge/argus/gateway/directory"
	"github.com/argus-edge/argus/gateway/sfu"
)

// streamOptions are the flags of the SFU.
type streamOptions struct {
	tokens   string
	udp, tcp string
	publicIP string
	onDemand time.Duration
}

func (o *streamOptions) flags(fs *flag.FlagSet) {
	fs.StringVar(&o.tokens, "tokens", "", "bearer-token file for WHIP/WHEP (see gateway/README.md); without it every request is refused")
	fs.StringVar(&o.udp, "webrtc-udp", ":8189", "the one UDP address all WebRTC sessions share")
	fs.StringVar(&o.tcp, "webrtc-tcp", "", "ICE-TCP address, a fallback where UDP is blocked (empty: off)")
	fs.StringVar(&o.publicIP, "public-ip", "", "address announced in ICE candidates (1:1 NAT)")
	fs.DurationVar(&o.onDemand, "on-demand-timeout", 15*time.Second, "how long a viewer waits for an edge to start relaying a camera")
}

// newStreams builds the SFU: tokens from the file, cameras and sites from the
// directory, relays started on demand over MQTT, views audited in the log.
func newStreams(o streamOptions, dir *directory.Directory, log zerolog.Logger) (*sfu.Server, error) {
	grants := map[string]sfu.Grant{}
	if o.tokens != "" {
		var err error
		if grants, err = access.Load(o.tokens); err != nil {
			return nil, err
		}
	} else {
		log.Warn().Msg("no -tokens file: every WHIP and WHEP request is refused")
	}
	site := func(camera string) (string, bool) {
		_, s, ok := dir.Lookup(camera)
		return s, ok
	}
	owner := func(camera string) (string, bool) {
		e, _, ok := dir.Lookup(camera)
		return e, ok
	}
	s, err := sfu.New(sfu.Options{
		Auth:            access.Owned(sfu.NewTokens(grants, site), owner),
		Site:            site,
		OnDemand:        func(ctx context.Context, camera string) error { return relayStart(ctx, dir, camera, log) },
		OnDemandTimeout: o.onDemand,
		Audit:           func(who, action, camera string) { audit(log, dir, who, action, camera) },
		PublicIP:        o.publicIP,
		UDPAddr:         o.udp,
		TCPAddr:         o.tcp,
		Log:             log,
	})
	if err != nil {
		return nil, err
	}
	udp := "ephemeral ports"
	if a := s.UDPAddr(); a != nil {
		udp = a.String()
	}
	log.Info().Int("tokens", len(grants)).Str("webrtc_udp", udp).Msg("sfu ready: POST /whip/{camera}, /whep/{camera}")
	return s, nil
}

// relayStart asks the edge owning camera to relay it; the SFU then awaits
// the edge's WHIP uplink.
func relayStart(ctx context.Context, dir *directory.Directory, camera string, log zerolog.Logger) error {
	edge, _, ok := dir.Lookup(camera)
	if !ok {
		return fmt.Errorf("no edge reports camera %s", camera)
	}
	r, err := dir.Command(ctx, edge, bus.Command{Action: bus.ActionRelayStart, Camera: camera})
	if err != nil {
		return err
	}
	if !r.OK {
		return fmt.Errorf("edge %s refused relay_start: %s", edge, r.Error)
	}
	log.Info().Str("edge", edge).Str("camera", camera).Msg("relay started on demand")
	return nil
}

// audit logs who watched (or published, or was refused) what: one "stream
// view" event per WHIP, WHEP and DELETE.
func audit(log zerolog.Logger, dir *directory.Directory, who, action, camera string) {
	ev := log.Info()
	if strings.HasSuffix(action, sfu.DeniedSuffix) {
		ev = log.Warn()
	}
	_, site, _ := dir.Lookup(camera)
	ev.Str("who", who).Str("camera", camera).Str("site", site).Str("action", action).Msg("stream view")
}

// localURL is the broker's MQTT URL as seen from this process: a wildcard
// listen address is reached on loopback.
func localURL(a net.Addr) string {
	ta, ok := a.(*net.TCPAddr)
	if !ok {
		return "tcp://" + a.String()
	}
	host := ta.IP.String()
	if ta.IP == nil || ta.IP.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "tcp://" + net.JoinHostPort(host, strconv.Itoa(ta.Port))
}
