package sfu

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"
)

// handleWHEP serves a viewer from the camera's feed, on a track of its own.
func (s *Server) handleWHEP(w http.ResponseWriter, r *http.Request) {
	who, camID, offer, offered, ok := s.admit(w, r, ActionWHEP)
	if !ok {
		return
	}
	cam, status, err := s.awaitUplink(r.Context(), camID)
	if err != nil {
		httpError(w, status, err.Error())
		return
	}
	s.mu.Lock()
	fd := cam.feed
	s.mu.Unlock()
	if want := mimeName(fd.codec.MimeType); !slices.Contains(offered, want) {
		httpError(w, http.StatusUnsupportedMediaType, fmt.Sprintf("camera %s is %s: offered [%s]", camID, want, strings.Join(offered, ", ")))
		return
	}

	ss, err := s.newSession(ActionWHEP, who, cam)
	if err != nil {
		httpError(w, http.StatusInternalServerError, err.Error())
		return
	}
	ss.out, err = fd.outlet(camID, ss.log)
	if err != nil {
		ss.pc.Close()
		httpError(w, http.StatusInternalServerError, fmt.Sprintf("camera %s: track: %v", camID, err))
		return
	}
	sender, err := ss.pc.AddTrack(ss.out.track)
	if err != nil {
		ss.pc.Close()
		httpError(w, http.StatusInternalServerError, fmt.Sprintf("camera %s: add track: %v", camID, err))
		return
	}
	answer, err := s.negotiate(r.Context(), ss.pc, offer)
	if err != nil {
		ss.pc.Close()
		httpError(w, negotiationStatus(err), err.Error())
		return
	}
	s.mu.Lock()
	if s.closed || cam.feed != fd {
		s.mu.Unlock()
		ss.pc.Close()
		httpError(w, http.StatusServiceUnavailable, fmt.Sprintf("camera %s changed while connecting: retry", camID))
		return
	}
	s.sessions[ss.id] = ss
	cam.viewers[ss.id] = ss
	s.mu.Unlock()
	// Owned by the PeerConnection: ReadRTCP fails once it is closed.
	go s.readViewerRTCP(ss, sender)
	ss.log.Info().Msg("viewer")
	s.audit(who, ActionWHEP, camID)
	s.created(w, ss, answer)
}

// awaitUplink returns the camera once it has an uplink, calling Options.OnDemand
// when it has none; on failure it returns the HTTP status to answer with.
func (s *Server) awaitUplink(ctx context.Context, id string) (*camera, int, error) {
	s.mu.Lock()
	cam := s.cameras[id]
	if cam != nil && cam.uplink != nil && cam.feed != nil {
		s.mu.Unlock()
		return cam, 0, nil
	}
	if s.opts.OnDemand == nil {
		s.mu.Unlock()
		return nil, http.StatusNotFound, fmt.Errorf("camera %s is not being relayed (no uplink)", id)
	}
	cam = s.cameraFor(id)
	ready := cam.ready
	s.mu.Unlock()

	ctx, cancel := context.WithTimeout(ctx, s.opts.OnDemandTimeout)
	defer cancel()
	if err := s.opts.OnDemand(ctx, id); err != nil {
		return nil, http.StatusBadGateway, fmt.Errorf("camera %s: starting relay: %w", id, err)
	}
	select {
	case <-ready:
	case <-ctx.Done():
		return nil, http.StatusGatewayTimeout, fmt.Errorf("camera %s: no uplink within %s", id, s.opts.OnDemandTimeout)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if cam.uplink == nil || cam.feed == nil {
		return nil, http.StatusServiceUnavailable, fmt.Errorf("camera %s: uplink ended: retry", id)
	}
	return cam, 0, nil
}

// readViewerRTCP drains a viewer's RTCP (the interceptors need it read) and
// turns its keyframe requests into one for the uplink.
func (s *Server) readViewerRTCP(ss *session, sender *webrtc.RTPSender) {
	for {
		pkts, _, err := sender.ReadRTCP()
		if err != nil {
			return // the PeerConnection is closed
		}
		for _, p := range pkts {
			switch p.(type) {
			case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
				s.requestKeyframe(ss.camera)
			}
		}
	}
}

// viewerUp starts a viewer whose connection is up (its SRTP too, so no
// packet is lost): the camera's cached keyframe group, then the live flow.
// With nothing cached, or when the connection comes up again, the uplink
// is asked for a keyframe (an Argus edge cannot make one: its viewers then
// start at the camera's next).
func (s *Server) viewerUp(ss *session) {
	n, again := ss.out.join()
	if n == 0 {
		s.requestKeyframe(ss.camera)
	}
	if !again {
		ss.log.Debug().Int("replayed", n).Msg("viewer joined")
	}
}
