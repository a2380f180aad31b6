package sfu

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/pion/webrtc/v4"
)

// handleWHIP accepts an edge's uplink for a camera, replacing any previous one.
func (s *Server) handleWHIP(w http.ResponseWriter, r *http.Request) {
	who, camID, offer, _, ok := s.admit(w, r, ActionWHIP)
	if !ok {
		return
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		httpError(w, http.StatusServiceUnavailable, "shutting down")
		return
	}
	cam := s.cameraFor(camID)
	s.mu.Unlock()

	ss, err := s.newSession(ActionWHIP, who, cam)
	if err != nil {
		httpError(w, http.StatusInternalServerError, err.Error())
		return
	}
	ss.pc.OnTrack(func(t *webrtc.TrackRemote, _ *webrtc.RTPReceiver) { s.pump(ss, t) })
	answer, err := s.negotiate(r.Context(), ss.pc, offer)
	if err != nil {
		ss.pc.Close()
		httpError(w, negotiationStatus(err), err.Error())
		return
	}
	codec, err := videoCodec(ss.pc)
	if err != nil {
		ss.pc.Close()
		httpError(w, http.StatusUnsupportedMediaType, err.Error())
		return
	}

	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		ss.pc.Close()
		httpError(w, http.StatusServiceUnavailable, "shutting down")
		return
	}
	old := cam.uplink
	// The uplink first: the old one's packets are refused before the
	// feed changes under them.
	cam.setUplink(ss)
	var dropped []*session
	if cam.feed != nil && !strings.EqualFold(cam.feed.codec.MimeType, codec.MimeType) {
		// Viewers negotiated the old codec: they must reconnect.
		for _, v := range cam.viewers {
			dropped = append(dropped, v)
		}
		cam.setFeed(nil, 0)
	}
	if cam.feed == nil {
		cam.setFeed(newFeed(codec.RTPCodecCapability, s.holder(), cam.log), codec.ClockRate)
	}
	// A viewer connecting before this uplink's first packet must not get
	// the last uplink's keyframe group: the camera may have moved on.
	cam.feed.restart()
	if old == nil {
		close(cam.ready)
	}
	s.sessions[ss.id] = ss
	s.mu.Unlock()

	if old != nil {
		s.end(old, "replaced by a new uplink")
	}
	for _, v := range dropped {
		s.end(v, "uplink codec changed to "+codec.MimeType)
	}
	ss.log.Info().Str("codec", codec.MimeType).Bool("replaced", old != nil).Msg("uplink")
	s.audit(r, who, ActionWHIP, cam.id)
	s.created(w, ss, answer)
}

// videoCodec returns the video codec negotiated on pc.
func videoCodec(pc *webrtc.PeerConnection) (webrtc.RTPCodecParameters, error) {
	for _, t := range pc.GetTransceivers() {
		if t.Kind() != webrtc.RTPCodecTypeVideo || t.Receiver() == nil {
			continue
		}
		for _, c := range t.Receiver().GetParameters().Codecs {
			if usable([]string{mimeName(c.MimeType)}) {
				return c, nil
			}
		}
	}
	return webrtc.RTPCodecParameters{}, errors.New("no video codec negotiated")
}

// pump forwards an uplink's RTP into its camera's feed until the uplink ends.
func (s *Server) pump(ss *session, t *webrtc.TrackRemote) {
	if t.Kind() != webrtc.RTPCodecTypeVideo {
		return
	}
	ss.log.Debug().Str("codec", t.Codec().MimeType).Uint32("ssrc", uint32(t.SSRC())).Msg("uplink track")
	cam := ss.camera
	defer s.uplinkGone(ss)
	first := true
	for {
		pkt, _, err := t.ReadRTP()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				ss.log.Debug().Err(err).Msg("uplink read")
			}
			return
		}
		// Only this camera's locks: one uplink's packets never wait for
		// another camera's, nor for sessions coming and going.
		cam.fwdMu.Lock()
		fd := cam.current.feed.Load()
		ok := fd != nil && cam.rewrite(ss, pkt, time.Now())
		cam.fwdMu.Unlock()
		if !ok {
			continue
		}
		if first {
			first = false
			// Viewers that joined before media flowed need a keyframe.
			s.requestKeyframe(cam)
		}
		fd.forward(pkt)
	}
}

// uplinkGone drops the camera's cached keyframe group once its uplink ss
// stopped, unless another uplink took over: until the next one attaches
// the group is memory held for nothing.
func (s *Server) uplinkGone(ss *session) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cam := ss.camera
	if cam.feed != nil && (cam.uplink == nil || cam.uplink == ss) {
		cam.feed.restart()
	}
}
