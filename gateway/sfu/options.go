package sfu

import (
	"context"
	"time"

	"github.com/pion/webrtc/v4"
	"github.com/rs/zerolog"
)

// Options configure a Server; the zero value serves any camera to anyone who passes Auth.
type Options struct {
	// Auth decides who may publish (WHIP) and view (WHEP); required.
	Auth Authorizer
	// Site maps a camera to its site; ok=false means the camera is unknown (404). Nil: every camera exists, site "".
	Site func(camera string) (site string, ok bool)
	// OnDemand, when set, is called and awaited (bounded by OnDemandTimeout) when a viewer asks for a camera with no uplink; it should ask the camera's edge to start relaying.
	OnDemand func(ctx context.Context, camera string) error
	// OnDemandTimeout bounds OnDemand plus the wait for the uplink it started (default 15 s).
	OnDemandTimeout time.Duration
	// Audit, when set, records every WHIP, WHEP and DELETE, granted or denied.
	Audit func(who, action, camera string)

	// ICEServers are handed to every PeerConnection (STUN/TURN).
	ICEServers []webrtc.ICEServer
	// PublicIP, when set, replaces the host candidates' addresses (1:1 NAT).
	PublicIP string
	// UDPAddr is the one UDP address all sessions share (e.g. ":8189"); empty means an ephemeral port per session.
	UDPAddr string
	// TCPAddr, when set, enables ICE-TCP on that address as a fallback for networks that drop UDP.
	TCPAddr string
	// Loopback also offers loopback candidates (tests, an edge on the same host).
	Loopback bool
	// GatherTimeout bounds ICE gathering before an answer is sent (default 5 s).
	GatherTimeout time.Duration

	// Log receives the SFU's logs, one sub-logger per camera and session.
	Log zerolog.Logger
}

// Audit actions recorded through Options.Audit.
const (
	ActionWHIP       = "whip"
	ActionWHEP       = "whep"
	ActionDeleteWHIP = "whip.delete"
	ActionDeleteWHEP = "whep.delete"
	// DeniedSuffix is appended to an action that was refused (e.g. "whep.denied").
	DeniedSuffix = ".denied"
)

func (o *Options) defaults() {
	if o.OnDemandTimeout <= 0 {
		o.OnDemandTimeout = 15 * time.Second
	}
	if o.GatherTimeout <= 0 {
		o.GatherTimeout = 5 * time.Second
	}
	if o.Audit == nil {
		o.Audit = func(string, string, string) {}
	}
}
