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
	// Audit, when set, records every WHIP, WHEP and DELETE, granted or
	// denied, and the end of every session with its reason and duration.
	Audit func(AuditEvent)

	// ICEServers are handed to every PeerConnection (STUN/TURN) and
	// announced to WHIP/WHEP clients as Link headers: STUN to anyone, TURN
	// with its credentials only to authenticated requests (ice.go).
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
	// DisconnectedTimeout is how long a peer may be silent before it is
	// disconnected (default 5 s, pion's); FailedTimeout how long it may then
	// stay so before its session ends as failed (default 25 s). A closed tab
	// or a lost network is released after their sum.
	DisconnectedTimeout, FailedTimeout time.Duration

	// ViewersPerUser bounds the WHEP sessions one viewer (the Authorizer's
	// who) holds at once, and Viewers those of everybody; 0 is no bound.
	// A viewer over either is refused 429 saying which.
	ViewersPerUser, Viewers int

	// Log receives the SFU's logs, one sub-logger per camera and session.
	Log zerolog.Logger
}

// AuditEvent is one record of who did what with a camera's stream.
type AuditEvent struct {
	// Who is the credential's holder ("alice", "edge:edge-1"); empty when unknown.
	Who string
	// Action is one of the Action constants, with DeniedSuffix when refused.
	Action string
	// Camera is the camera's id.
	Camera string
	// Reason says why a session ended (ActionEndWHIP, ActionEndWHEP):
	// "deleted by alice", "connection failed", "server closed", ….
	Reason string
	// Duration is how long an ended session lasted.
	Duration time.Duration
	// Addr is the client's address (empty for a session's end).
	Addr string
}

// Audit actions recorded through Options.Audit.
const (
	ActionWHIP       = "whip"
	ActionWHEP       = "whep"
	ActionDeleteWHIP = "whip.delete"
	ActionDeleteWHEP = "whep.delete"
	// ActionEndWHIP and ActionEndWHEP record a session's end, however it
	// ended (DELETE, connection lost, replaced, server shut down).
	ActionEndWHIP = "whip.end"
	ActionEndWHEP = "whep.end"
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
	if o.DisconnectedTimeout <= 0 {
		o.DisconnectedTimeout = 5 * time.Second
	}
	if o.FailedTimeout <= 0 {
		o.FailedTimeout = 25 * time.Second
	}
	if o.Audit == nil {
		o.Audit = func(AuditEvent) {}
	}
}
