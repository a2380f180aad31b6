package sfu

import (
	"fmt"
	"net/http"
)

// reserveViewer holds a viewer's place while its WHEP is negotiated, so
// that concurrent offers of one viewer cannot all slip under
// Options.ViewersPerUser (nor everybody's under Options.Viewers). Over a
// bound it answers 429 saying which and returns ok=false; release gives
// the place back once the session is in s.sessions (or failed).
func (s *Server) reserveViewer(w http.ResponseWriter, who string) (release func(), ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	mine, all := s.pending[who], 0
	for _, n := range s.pending {
		all += n
	}
	for _, ss := range s.sessions {
		if ss.kind != ActionWHEP {
			continue
		}
		all++
		if ss.owner == who {
			mine++
		}
	}
	over := s.opts.ViewersPerUser > 0 && mine >= s.opts.ViewersPerUser || s.opts.Viewers > 0 && all >= s.opts.Viewers
	if over {
		s.log.Warn().Str("who", who).Int("theirs", mine).Int("all", all).Msg("viewer refused: over a stream limit")
	}
	switch {
	case s.opts.ViewersPerUser > 0 && mine >= s.opts.ViewersPerUser:
		w.Header().Set("Retry-After", "10")
		httpError(w, http.StatusTooManyRequests, fmt.Sprintf("too many streams: %s watches %d of at most %d (limits.whep_per_user); close one first", who, mine, s.opts.ViewersPerUser))
		return nil, false
	case s.opts.Viewers > 0 && all >= s.opts.Viewers:
		w.Header().Set("Retry-After", "10")
		httpError(w, http.StatusTooManyRequests, fmt.Sprintf("too many streams: the gateway serves %d, its limit (limits.whep_total)", s.opts.Viewers))
		return nil, false
	}
	s.pending[who]++
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.pending[who]--; s.pending[who] <= 0 {
			delete(s.pending, who)
		}
	}, true
}
