package sfu

import (
	"context"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/argus-edge/argus/drivers/backoff"
)

// Resuming a lost uplink. Viewers keep their PeerConnection when a camera's
// uplink goes away (the edge was killed, restarted, lost its network), but
// nothing else would ask the edge to relay again: a restarted edge does not
// know anybody watches. So while a camera has viewers and its uplink is gone
// or disconnected, the SFU calls Options.OnDemand again (relay_start), with
// backoff, until a new uplink attaches or the last viewer leaves.

// resumeBackoff spaces the relay_start attempts for a camera whose uplink
// was lost: 500 ms to 5 s.
func resumeBackoff() backoff.Backoff {
	return backoff.Backoff{Min: 500 * time.Millisecond, Max: 5 * time.Second}
}

// resumeLocked starts resuming cam's uplink, lost is the uplink that went
// away, unless nothing needs it or a resume is under way. s.mu is held.
func (s *Server) resumeLocked(cam *camera, lost *session) {
	if s.closed || s.opts.OnDemand == nil || cam.resuming || !s.needsUplinkLocked(cam, lost) {
		return
	}
	cam.resuming = true
	s.bgWG.Add(1)
	go s.resume(cam, lost)
}

// needsUplinkLocked tells whether cam has viewers but no working uplink:
// none, or still the lost one, not connected again. s.mu is held.
func (s *Server) needsUplinkLocked(cam *camera, lost *session) bool {
	if s.closed || len(cam.viewers) == 0 {
		return false
	}
	return cam.uplink == nil || (cam.uplink == lost && lost.pc.ConnectionState() != webrtc.PeerConnectionStateConnected)
}

// resume asks for cam's uplink again until one works, the viewers are gone
// or the server closes.
func (s *Server) resume(cam *camera, lost *session) {
	defer s.bgWG.Done()
	b := resumeBackoff()
	for attempt := 1; ; attempt++ {
		s.mu.Lock()
		if s.closed || !s.needsUplinkLocked(cam, lost) {
			cam.resuming = false
			s.mu.Unlock()
			if attempt > 1 {
				cam.log.Info().Int("attempts", attempt-1).Msg("uplink resumed for viewers")
			}
			return
		}
		viewers := len(cam.viewers)
		s.mu.Unlock()
		cam.log.Info().Int("viewers", viewers).Int("attempt", attempt).Msg("uplink lost with viewers: asking for it again")
		ctx, cancel := context.WithTimeout(s.bg, s.opts.OnDemandTimeout)
		err := s.opts.OnDemand(ctx, cam.id)
		cancel()
		wait := b.Next()
		if err != nil {
			cam.log.Info().Err(err).Dur("retry_in", wait).Msg("resuming uplink")
		}
		select {
		case <-s.bg.Done():
		case <-time.After(wait):
		}
	}
}
