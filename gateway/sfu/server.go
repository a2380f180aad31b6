// Package sfu is the gateway's WebRTC fan-out: edges publish a camera with WHIP
// (POST /whip/{camera}), viewers watch it with WHEP (POST /whep/{camera}), and the
// RTP of the camera's one uplink is forwarded unchanged to every viewer. Each
// viewer starts with the camera's cached keyframe group (feed.go) and keeps its
// track across uplinks, so viewers survive an edge reconnecting.
// It never imports edge/ or drivers other than through their public contracts.
package sfu

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/logging"
	"github.com/pion/webrtc/v4"
	"github.com/rs/zerolog"
)

// maxOffer bounds an SDP offer's size.
const maxOffer = 64 << 10

// Server is the SFU; it is an http.Handler serving /whip/ and /whep/ resources.
type Server struct {
	opts   Options
	log    zerolog.Logger
	api    *webrtc.API
	mux    *http.ServeMux
	udpMux ice.UDPMux
	// batch is the shared ICE UDP socket's sender, nil without one.
	batch  *batchConn
	tcpMux ice.TCPMux

	mu       sync.Mutex
	cameras  map[string]*camera
	sessions map[string]*session
	closed   bool
	// pending are viewers admitted but not yet in sessions, per who (limits.go).
	pending map[string]int

	// bg bounds background work (resuming lost uplinks); Close cancels it
	// and waits for it.
	bg     context.Context
	stopBg context.CancelFunc
	bgWG   sync.WaitGroup
}

// session is one WHIP uplink or WHEP viewer.
type session struct {
	id     string
	kind   string // ActionWHIP or ActionWHEP
	owner  string
	camera *camera
	pc     *webrtc.PeerConnection
	log    zerolog.Logger
	ended  bool
	// created is when the offer arrived, for the duration audited at the end.
	created time.Time
	out     *outlet // a viewer's track; nil for an uplink
}

// New builds a Server and opens its shared ICE sockets; Close releases them.
func New(opts Options) (*Server, error) {
	if opts.Auth == nil {
		return nil, errors.New("sfu: Options.Auth is required")
	}
	opts.defaults()
	s := &Server{opts: opts, log: opts.Log.With().Str("component", "sfu").Logger(), cameras: map[string]*camera{}, sessions: map[string]*session{}, pending: map[string]int{}}
	s.bg, s.stopBg = context.WithCancel(context.Background())

	m := &webrtc.MediaEngine{}
	if err := registerCodecs(m); err != nil {
		return nil, fmt.Errorf("sfu: %w", err)
	}
	ir := &interceptor.Registry{}
	if err := registerInterceptors(m, ir); err != nil {
		return nil, fmt.Errorf("sfu: interceptors: %w", err)
	}
	se := webrtc.SettingEngine{}
	se.SetIncludeLoopbackCandidate(opts.Loopback)
	// Keepalives (pion's default every 2 s) must come well within the disconnect timeout.
	se.SetICETimeouts(opts.DisconnectedTimeout, opts.FailedTimeout, min(2*time.Second, opts.DisconnectedTimeout/2))
	if opts.PublicIP != "" {
		se.SetNAT1To1IPs([]string{opts.PublicIP}, webrtc.ICECandidateTypeHost)
	}
	nets := []webrtc.NetworkType{webrtc.NetworkTypeUDP4, webrtc.NetworkTypeUDP6}
	logger := logging.NewDefaultLoggerFactory().NewLogger("sfu-ice")
	if opts.UDPAddr != "" {
		conn, err := net.ListenPacket("udp", opts.UDPAddr)
		if err != nil {
			return nil, fmt.Errorf("sfu: listen udp %s: %w", opts.UDPAddr, err)
		}
		sizeBuffers(conn, s.log)
		if udp, ok := conn.(*net.UDPConn); ok {
			s.batch = newBatchConn(udp, s.log)
			conn = s.batch
		}
		s.udpMux = webrtc.NewICEUDPMux(logger, conn)
		se.SetICEUDPMux(s.udpMux)
	}
	if opts.TCPAddr != "" {
		ln, err := net.Listen("tcp", opts.TCPAddr)
		if err != nil {
			s.closeMuxes()
			return nil, fmt.Errorf("sfu: listen tcp %s: %w", opts.TCPAddr, err)
		}
		s.tcpMux = webrtc.NewICETCPMux(logger, ln, 8)
		se.SetICETCPMux(s.tcpMux)
		nets = append(nets, webrtc.NetworkTypeTCP4, webrtc.NetworkTypeTCP6)
	}
	se.SetNetworkTypes(nets)
	s.api = webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(ir), webrtc.WithSettingEngine(se))

	s.mux = http.NewServeMux()
	s.mux.HandleFunc("POST /whip/{camera}", s.handleWHIP)
	s.mux.HandleFunc("POST /whep/{camera}", s.handleWHEP)
	s.mux.HandleFunc("GET /api/relays/{camera}", s.handleViewers)
	for _, kind := range []string{ActionWHIP, ActionWHEP} {
		s.mux.HandleFunc("OPTIONS /"+kind+"/{camera}", s.handleOptions(kind))
		s.mux.HandleFunc("DELETE /"+kind+"/{camera}/{id}", s.handleDelete(kind))
		s.mux.HandleFunc("PATCH /"+kind+"/{camera}/{id}", s.handlePatch(kind))
	}
	return s, nil
}

// UDPAddr returns the shared ICE UDP address, or nil when sessions use ephemeral ports.
func (s *Server) UDPAddr() net.Addr {
	if s.udpMux == nil {
		return nil
	}
	return s.udpMux.GetListenAddresses()[0]
}

// ServeHTTP serves POST /whip/{camera}, POST /whep/{camera} and DELETE of their resources.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Close ends every session and closes the shared ICE sockets; it is idempotent.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	all := make([]*session, 0, len(s.sessions))
	for _, ss := range s.sessions {
		all = append(all, ss)
	}
	s.mu.Unlock()
	s.stopBg()
	for _, ss := range all {
		s.end(ss, "server closed")
	}
	s.bgWG.Wait()
	s.closeMuxes()
	return nil
}

func (s *Server) closeMuxes() {
	if s.udpMux != nil {
		s.udpMux.Close()
	}
	if s.tcpMux != nil {
		s.tcpMux.Close()
	}
}

// Sessions returns the number of live uplinks and viewers.
func (s *Server) Sessions() (uplinks, viewers int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, ss := range s.sessions {
		if ss.kind == ActionWHIP {
			uplinks++
		} else {
			viewers++
		}
	}
	return uplinks, viewers
}

// Viewers returns how many WHEP sessions watch camera now.
func (s *Server) Viewers(camera string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, ss := range s.sessions {
		if ss.kind == ActionWHEP && ss.camera != nil && ss.camera.id == camera {
			n++
		}
	}
	return n
}

// handleViewers answers the edge relaying a camera with its viewer count,
// so an unwatched relay stops on its own (edge: relay.idle_timeout). Only
// a credential that may publish the camera may ask.
func (s *Server) handleViewers(w http.ResponseWriter, r *http.Request) {
	cam := r.PathValue("camera")
	if _, ok := s.authorize(w, r, ActionWHIP, cam); !ok {
		return
	}
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, "{\"camera\":%q,\"viewers\":%d}\n", cam, s.Viewers(cam))
}

// admit authorizes the request, checks the camera exists and reads a usable offer;
// on failure it has answered the request and returns ok=false.
func (s *Server) admit(w http.ResponseWriter, r *http.Request, kind string) (who, cam string, offer []byte, codecs []string, ok bool) {
	cam = r.PathValue("camera")
	who, ok = s.authorize(w, r, kind, cam)
	if !ok {
		return "", "", nil, nil, false
	}
	if s.opts.Site != nil {
		if _, known := s.opts.Site(cam); !known {
			httpError(w, http.StatusNotFound, fmt.Sprintf("unknown camera %q", cam))
			return "", "", nil, nil, false
		}
	}
	if ct, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || ct != "application/sdp" {
		httpError(w, http.StatusUnsupportedMediaType, "Content-Type must be application/sdp")
		return "", "", nil, nil, false
	}
	offer, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxOffer))
	if err != nil {
		httpError(w, http.StatusBadRequest, "reading offer: "+err.Error())
		return "", "", nil, nil, false
	}
	codecs, err = offeredVideoCodecs(offer)
	if err != nil {
		httpError(w, http.StatusBadRequest, err.Error())
		return "", "", nil, nil, false
	}
	if !usable(codecs) {
		httpError(w, http.StatusUnsupportedMediaType, fmt.Sprintf("no usable video codec: offered [%s], need one of [%s]",
			strings.Join(codecs, ", "), strings.Join(supported, ", ")))
		return "", "", nil, nil, false
	}
	return who, cam, offer, codecs, true
}

// deniedActions name refusals in the audit log by method; a method not
// listed (OPTIONS, which grants nothing but ICE servers) is not audited.
var deniedActions = map[string]string{http.MethodPost: "", http.MethodDelete: ".delete", http.MethodPatch: ".patch"}

// authorize runs the Authorizer for kind and answers 401/403 on refusal.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request, kind, cam string) (string, bool) {
	check := s.opts.Auth.Viewer
	if kind == ActionWHIP {
		check = s.opts.Auth.Edge
	}
	who, err := check(r, cam)
	if err == nil {
		return who, true
	}
	if suffix, audited := deniedActions[r.Method]; audited {
		s.audit(r, who, kind+suffix+DeniedSuffix, cam)
	}
	var ae *AuthError
	if errors.As(err, &ae) {
		if ae.Status == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", `Bearer realm="argus"`)
		}
		httpError(w, ae.Status, ae.Reason)
	} else {
		httpError(w, http.StatusForbidden, err.Error())
	}
	return "", false
}

func usable(codecs []string) bool {
	for _, c := range codecs {
		for _, s := range supported {
			if c == s {
				return true
			}
		}
	}
	return false
}

// negotiate applies offer to pc, waits for gathering and returns the answer.
func (s *Server) negotiate(ctx context.Context, pc *webrtc.PeerConnection, offer []byte) (string, error) {
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: string(offer)}); err != nil {
		return "", fmt.Errorf("set offer: %w", err)
	}
	answer, err := pc.CreateAnswer(nil)
	if err != nil {
		return "", fmt.Errorf("create answer: %w", err)
	}
	gathered := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(answer); err != nil {
		return "", fmt.Errorf("set answer: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, s.opts.GatherTimeout)
	defer cancel()
	select {
	case <-gathered:
	case <-ctx.Done():
		// A STUN or TURN server that never answers (unreachable, or its
		// name unresolvable) must not cost the viewer its stream: answer
		// with the candidates gathered so far, as long as there is one.
		sdp := pc.LocalDescription().SDP
		if !strings.Contains(sdp, "a=candidate:") {
			return "", fmt.Errorf("%w: no candidate within %s: %v", errGather, s.opts.GatherTimeout, ctx.Err())
		}
		s.log.Warn().Dur("after", s.opts.GatherTimeout).Msg("ICE gathering incomplete: answering with the candidates gathered so far (a STUN/TURN server did not answer)")
		return sdp, nil
	}
	return pc.LocalDescription().SDP, nil
}

// negotiationStatus is the HTTP status for a failed negotiate: 503 when the
// server could not gather, 400 when the offer was at fault.
func negotiationStatus(err error) int {
	if errors.Is(err, errGather) {
		return http.StatusServiceUnavailable
	}
	return http.StatusBadRequest
}

// errGather is a negotiation that gathered no ICE candidate in time: the
// server's fault, not the offer's.
var errGather = errors.New("ICE gathering")

// newSession creates a PeerConnection for a session that ends itself when ICE fails.
func (s *Server) newSession(kind, who string, cam *camera) (*session, error) {
	pc, err := s.api.NewPeerConnection(webrtc.Configuration{ICEServers: s.opts.ICEServers})
	if err != nil {
		return nil, fmt.Errorf("new peer connection: %w", err)
	}
	id := newID()
	ss := &session{id: id, kind: kind, owner: who, camera: cam, pc: pc, created: time.Now(),
		log: cam.log.With().Str("session", id).Str("kind", kind).Str("who", who).Logger()}
	pc.OnConnectionStateChange(func(st webrtc.PeerConnectionState) {
		ss.log.Debug().Str("state", st.String()).Msg("connection state")
		switch st {
		case webrtc.PeerConnectionStateFailed, webrtc.PeerConnectionStateClosed:
			s.end(ss, "connection "+st.String())
		case webrtc.PeerConnectionStateDisconnected:
			if kind == ActionWHIP {
				// The edge may be gone (killed, restarted): do not wait
				// for ICE to fail before asking it to relay again.
				s.mu.Lock()
				s.resumeLocked(cam, ss)
				s.mu.Unlock()
			}
		case webrtc.PeerConnectionStateConnected:
			if kind == ActionWHEP {
				s.viewerUp(ss)
			}
		}
	})
	return ss, nil
}

// end removes a session from the server and its camera and closes its PeerConnection; idempotent.
func (s *Server) end(ss *session, why string) {
	s.mu.Lock()
	if ss.ended {
		s.mu.Unlock()
		return
	}
	ss.ended = true
	_, started := s.sessions[ss.id]
	delete(s.sessions, ss.id)
	cam := ss.camera
	if ss.kind == ActionWHIP {
		if cam.uplink == ss {
			cam.setUplink(nil)
			cam.ready = make(chan struct{})
			s.resumeLocked(cam, ss)
		}
	} else {
		delete(cam.viewers, ss.id)
	}
	s.mu.Unlock()
	if ss.out != nil {
		ss.out.leave()
	}
	lasted := time.Since(ss.created)
	ss.log.Info().Str("why", why).Dur("lasted", lasted).Msg("session ended")
	if started {
		// A session refused before it started was never audited as begun.
		s.opts.Audit(AuditEvent{Who: ss.owner, Action: ss.kind + ".end", Camera: cam.id, Reason: why, Duration: lasted})
	}
	if err := ss.pc.Close(); err != nil {
		ss.log.Warn().Err(err).Msg("close peer connection")
	}
}

// audit records a request through Options.Audit, with its client's address.
func (s *Server) audit(r *http.Request, who, action, camera string) {
	addr, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		addr = r.RemoteAddr
	}
	s.opts.Audit(AuditEvent{Who: who, Action: action, Camera: camera, Addr: addr})
}

// holder returns the shared ICE socket as a feed's holder, nil without one.
func (s *Server) holder() holder {
	if s.batch == nil {
		return nil // a nil *batchConn in the interface would not be nil
	}
	return s.batch
}

// cameraFor returns the camera named id, creating it.
func (s *Server) cameraFor(id string) *camera {
	c := s.cameras[id]
	if c == nil {
		c = newCamera(id, s.log)
		s.cameras[id] = c
	}
	return c
}

// requestKeyframe asks the camera's uplink for a keyframe, at most every keyframeInterval.
func (s *Server) requestKeyframe(cam *camera) {
	s.mu.Lock()
	up, pkts := cam.keyframeRequest(time.Now())
	s.mu.Unlock()
	if up == nil {
		return
	}
	if err := up.pc.WriteRTCP(pkts); err != nil {
		up.log.Debug().Err(err).Msg("keyframe request")
	}
}

func httpError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	io.WriteString(w, msg+"\n")
}

func newID() string {
	var b [12]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
