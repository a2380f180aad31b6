package main

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/argus-edge/argus/configs/iceservers"
	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/gateway/config"
	"github.com/argus-edge/argus/gateway/directory"
	"github.com/argus-edge/argus/gateway/login"
	"github.com/argus-edge/argus/gateway/sfu"
	"github.com/argus-edge/argus/gateway/store"
	"github.com/argus-edge/argus/gateway/streamauth"
)

// streamOptions are the flags of the SFU.
type streamOptions struct {
	udp, tcp string
	publicIP string
	onDemand time.Duration
	relayURL string
}

func (o *streamOptions) flags(fs *flag.FlagSet) {
	fs.StringVar(&o.udp, "webrtc-udp", ":8189", "the one UDP address all WebRTC sessions share")
	fs.StringVar(&o.tcp, "webrtc-tcp", "", "ICE-TCP address, a fallback where UDP is blocked (empty: off)")
	fs.StringVar(&o.publicIP, "public-ip", "", "address announced in ICE candidates (1:1 NAT)")
	fs.DurationVar(&o.onDemand, "on-demand-timeout", 15*time.Second, "how long a viewer waits for an edge to start relaying a camera")
	fs.StringVar(&o.relayURL, "relay-url", "", "this replica's base URL as edges reach it, e.g. http://$(POD_IP):8080: sent with -id in every relay_start so the edge WHIPs to this replica (empty: the edges' relay.gateway, one gateway)")
}

// checkRelayURL refuses a -relay-url that is not http(s)://host[:port]:
// edges append /whip/{camera} to it, and refuse anything else.
func checkRelayURL(raw string) error {
	if raw == "" {
		return nil
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil:
		return fmt.Errorf("-relay-url %q: want http(s)://host[:port], without user info", raw)
	case strings.TrimSuffix(u.Path, "/") != "" || u.RawQuery != "" || u.Fragment != "":
		return fmt.Errorf("-relay-url %q: a base URL without path, query or fragment (edges append /whip/{camera})", raw)
	}
	return nil
}

// relayTarget is how this replica names itself in relay commands: its id
// and the URL edges WHIP to. Zero: the single gateway of the edges' config.
type relayTarget struct{ gateway, url string }

// newRelayTarget is the target of -relay-url for replica id; the id is
// made a bus id (lower case, [a-z0-9_-], 64 at most) since edges key
// their relays by it.
func newRelayTarget(o streamOptions, id string) (relayTarget, error) {
	if err := checkRelayURL(o.relayURL); err != nil || o.relayURL == "" {
		return relayTarget{}, err
	}
	gw := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '_':
			return r
		case r >= 'A' && r <= 'Z':
			return r + 'a' - 'A'
		}
		return '-'
	}, id)
	gw = strings.TrimLeft(gw, "-_")
	if len(gw) > 64 {
		gw = gw[:64]
	}
	if err := bus.ValidID(gw); err != nil {
		return relayTarget{}, fmt.Errorf("-id %q cannot name this replica in relay commands: %w", id, err)
	}
	return relayTarget{gateway: gw, url: strings.TrimRight(o.relayURL, "/")}, nil
}

// command is a relay action on camera from this replica.
func (rt relayTarget) command(action, camera string) bus.Command {
	return bus.Command{Action: action, Camera: camera, Gateway: rt.gateway, WHIPURL: rt.url}
}

// auditor is where stream views are audited (the store); nil logs only.
type auditor interface {
	Audit(ctx context.Context, e store.AuditEntry) error
}

// newStreams builds the SFU: tokens and ICE servers from the config,
// console users by their session (auth, nil without a store), cameras and
// sites from the directory, relays started on demand over MQTT, views audited.
func newStreams(o streamOptions, rt relayTarget, cfg *config.Config, auth *login.Auth, audits auditor, dir *directory.Directory, log zerolog.Logger) (*sfu.Server, error) {
	grants := cfg.Grants
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
		OnDemand:        func(ctx context.Context, camera string) error { return relayStart(ctx, dir, rt, camera, log) },
		OnDemandTimeout: o.onDemand,
		Audit:           auditViews(log, audits, site),
		ICEServers:      cfg.ICEServers,
		ViewersPerUser:  cfg.Limits.WHEPPerUser,
		Viewers:         cfg.Limits.WHEPTotal,
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
	log.Info().Int("tokens", len(grants)).Bool("sessions", auth != nil).Str("webrtc_udp", udp).
		Strs("ice_servers", iceservers.URLs(cfg.ICEServers)).Msg("sfu ready: POST /whip/{camera}, /whep/{camera}")
	return s, nil
}

// streamAuth is who may publish and view: edges by their config token (only
// the cameras they own), viewers by config token or console session.
func streamAuth(grants map[string]sfu.Grant, auth *login.Auth, site, owner func(string) (string, bool)) sfu.Authorizer {
	a := streamauth.Owned(sfu.NewTokens(grants, site), owner)
	if auth == nil {
		return a
	}
	return streamauth.Sessions(a, auth, site)
}

// relayStart asks the edge owning camera to relay it to this replica
// (rt); the SFU then awaits the edge's WHIP uplink.
func relayStart(ctx context.Context, dir *directory.Directory, rt relayTarget, camera string, log zerolog.Logger) error {
	edge, _, ok := dir.Lookup(camera)
	if !ok {
		return fmt.Errorf("no edge reports camera %s", camera)
	}
	r, err := dir.Command(ctx, edge, rt.command(bus.ActionRelayStart, camera))
	if err != nil {
		return err
	}
	if !r.OK {
		return fmt.Errorf("edge %s refused relay_start: %s", edge, r.Error)
	}
	log.Info().Str("edge", edge).Str("camera", camera).Str("relay_url", rt.url).Msg("relay started on demand")
	return nil
}

// streamActions names the SFU's actions in the audit log.
var streamActions = map[string]string{
	sfu.ActionWHEP: "stream.view", sfu.ActionDeleteWHEP: "stream.view.delete", sfu.ActionEndWHEP: "stream.view.end",
	sfu.ActionWHIP: "stream.publish", sfu.ActionDeleteWHIP: "stream.publish.delete", sfu.ActionEndWHIP: "stream.publish.end",
	"whep.patch": "stream.view.patch", "whip.patch": "stream.publish.patch",
}

// auditViews records who watched (or published, or was refused) what: one
// "stream view" log event and one audit entry per WHIP, WHEP and DELETE,
// and per session's end with its reason and duration.
func auditViews(log zerolog.Logger, audits auditor, site func(string) (string, bool)) func(sfu.AuditEvent) {
	return func(ae sfu.AuditEvent) {
		s, _ := site(ae.Camera)
		e := streamEntry(ae, s)
		ev := log.Info()
		if e.Status >= 400 {
			ev = log.Warn()
		}
		ev = ev.Str("who", ae.Who).Str("camera", ae.Camera).Str("site", s).Str("action", ae.Action)
		if ae.Reason != "" {
			ev = ev.Str("reason", ae.Reason).Dur("duration", ae.Duration)
		}
		ev.Msg("stream view")
		if audits == nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := audits.Audit(ctx, e); err != nil {
			log.Error().Err(err).Str("camera", ae.Camera).Msg("stream view not audited")
		}
	}
}

// streamEntry is the audit entry of an SFU event at site: the status the
// request was answered with (0 for a session's end, which answers none)
// and, in detail, the SFU's action and, for an end, its reason and duration.
func streamEntry(ae sfu.AuditEvent, site string) store.AuditEntry {
	base, denied := strings.CutSuffix(ae.Action, sfu.DeniedSuffix)
	e := store.AuditEntry{Time: time.Now().UTC(), Who: ae.Who, Action: streamActions[base], Object: ae.Camera, Site: site,
		Status: http.StatusCreated, Detail: ae.Action, Addr: ae.Addr}
	switch {
	case denied && ae.Who == "":
		e.Status = http.StatusUnauthorized
	case denied:
		e.Status = http.StatusForbidden
	case base == sfu.ActionEndWHEP || base == sfu.ActionEndWHIP:
		e.Status = 0
		e.Detail = fmt.Sprintf("%s: %s after %s", ae.Action, ae.Reason, ae.Duration.Round(time.Millisecond))
	case strings.HasSuffix(base, ".delete"):
		e.Status = http.StatusOK
	}
	switch {
	case e.Who == "":
		e.Who = "anonymous"
	case strings.HasPrefix(e.Who, "edge:"):
		e.Role = sfu.RoleEdge
	}
	return e
}
