package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/gateway/access"
	"github.com/argus-edge/argus/gateway/directory"
	"github.com/argus-edge/argus/gateway/sfu"
	"github.com/argus-edge/argus/gateway/store"
)

// streamOptions are the flags of the SFU.
type streamOptions struct {
	udp, tcp string
	publicIP string
	onDemand time.Duration
}

func (o *streamOptions) flags(fs *flag.FlagSet) {
	fs.StringVar(&o.udp, "webrtc-udp", ":8189", "the one UDP address all WebRTC sessions share")
	fs.StringVar(&o.tcp, "webrtc-tcp", "", "ICE-TCP address, a fallback where UDP is blocked (empty: off)")
	fs.StringVar(&o.publicIP, "public-ip", "", "address announced in ICE candidates (1:1 NAT)")
	fs.DurationVar(&o.onDemand, "on-demand-timeout", 15*time.Second, "how long a viewer waits for an edge to start relaying a camera")
}

// auditor is where stream views are audited (the store); nil logs only.
type auditor interface {
	Audit(ctx context.Context, e store.AuditEntry) error
}

// newStreams builds the SFU: tokens from the config, console users by
// their session (auth, nil without a store), cameras and sites from the
// directory, relays started on demand over MQTT, views audited.
func newStreams(o streamOptions, grants map[string]sfu.Grant, auth *access.Auth, audits auditor, dir *directory.Directory, log zerolog.Logger) (*sfu.Server, error) {
	if len(grants) == 0 && auth == nil {
		log.Warn().Msg("no tokens and no console sessions: every WHIP and WHEP request is refused")
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
		Auth:            streamAuth(grants, auth, site, owner),
		Site:            site,
		OnDemand:        func(ctx context.Context, camera string) error { return relayStart(ctx, dir, camera, log) },
		OnDemandTimeout: o.onDemand,
		Audit:           auditViews(log, audits, site),
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
	log.Info().Int("tokens", len(grants)).Bool("sessions", auth != nil).Str("webrtc_udp", udp).Msg("sfu ready: POST /whip/{camera}, /whep/{camera}")
	return s, nil
}

// streamAuth is who may publish and view: edges by their config token (only
// the cameras they own), viewers by config token or console session.
func streamAuth(grants map[string]sfu.Grant, auth *access.Auth, site, owner func(string) (string, bool)) sfu.Authorizer {
	a := access.Owned(sfu.NewTokens(grants, site), owner)
	if auth == nil {
		return a
	}
	return access.Sessions(a, auth, site)
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

// streamActions names the SFU's actions in the audit log.
var streamActions = map[string]string{
	sfu.ActionWHEP: "stream.view", sfu.ActionDeleteWHEP: "stream.view.end",
	sfu.ActionWHIP: "stream.publish", sfu.ActionDeleteWHIP: "stream.publish.end",
}

// auditViews records who watched (or published, or was refused) what: one
// "stream view" log event and one audit entry per WHIP, WHEP and DELETE.
func auditViews(log zerolog.Logger, audits auditor, site func(string) (string, bool)) func(who, action, camera string) {
	return func(who, action, camera string) {
		base, denied := strings.CutSuffix(action, sfu.DeniedSuffix)
		ev, status := log.Info(), http.StatusCreated
		switch {
		case denied && who == "":
			ev, status = log.Warn(), http.StatusUnauthorized
		case denied:
			ev, status = log.Warn(), http.StatusForbidden
		case strings.HasSuffix(base, ".delete"):
			status = http.StatusOK
		}
		s, _ := site(camera)
		ev.Str("who", who).Str("camera", camera).Str("site", s).Str("action", action).Msg("stream view")
		if audits == nil {
			return
		}
		e := store.AuditEntry{Time: time.Now().UTC(), Who: who, Action: streamActions[base], Object: camera, Site: s, Status: status, Detail: action}
		switch {
		case e.Who == "":
			e.Who = "anonymous"
		case strings.HasPrefix(e.Who, "edge:"):
			e.Role = sfu.RoleEdge
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := audits.Audit(ctx, e); err != nil {
			log.Error().Err(err).Str("camera", camera).Msg("stream view not audited")
		}
	}
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
