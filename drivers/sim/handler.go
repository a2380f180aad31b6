package sim

import (
	"strings"

	"github.com/bluenviron/gortsplib/v4"
	"github.com/bluenviron/gortsplib/v4/pkg/base"
	"github.com/bluenviron/gortsplib/v4/pkg/liberrors"
)

// handler answers gortsplib's server callbacks; it is apart from Server so
// that the callbacks stay out of Server's API.
type handler struct {
	s *Server
}

// stream finds the camera of a request, checks its credentials and
// returns its current stream: 404 for an unknown path, 401 without the
// right credentials, 503 while preparing or offline.
func (h *handler) stream(conn *gortsplib.ServerConn, req *base.Request, path string) (
	*base.Response, *gortsplib.ServerStream, *feed, error,
) {
	f, err := h.s.feed(strings.TrimPrefix(path, "/"))
	if err != nil {
		return &base.Response{StatusCode: base.StatusNotFound}, nil, nil, nil
	}
	if f.cfg.User != "" && !conn.VerifyCredentials(req, f.cfg.User, f.cfg.Pass) {
		return &base.Response{StatusCode: base.StatusUnauthorized}, nil, nil, liberrors.ErrServerAuth{}
	}
	st := f.currentStream()
	if st == nil {
		return &base.Response{StatusCode: base.StatusServiceUnavailable}, nil, nil, nil
	}
	return &base.Response{StatusCode: base.StatusOK}, st, f, nil
}

// OnDescribe implements gortsplib.ServerHandlerOnDescribe.
func (h *handler) OnDescribe(ctx *gortsplib.ServerHandlerOnDescribeCtx) (*base.Response, *gortsplib.ServerStream, error) {
	res, st, _, err := h.stream(ctx.Conn, ctx.Request, ctx.Path)
	return res, st, err
}

// OnSetup implements gortsplib.ServerHandlerOnSetup; only reading is
// offered, and a TCPOnly camera refuses UDP.
func (h *handler) OnSetup(ctx *gortsplib.ServerHandlerOnSetupCtx) (*base.Response, *gortsplib.ServerStream, error) {
	if ctx.Session.State() == gortsplib.ServerSessionStatePreRecord {
		return &base.Response{StatusCode: base.StatusBadRequest}, nil, nil
	}
	res, st, f, err := h.stream(ctx.Conn, ctx.Request, ctx.Path)
	if f != nil && f.cfg.TCPOnly && ctx.Transport != gortsplib.TransportTCP {
		return &base.Response{StatusCode: base.StatusUnsupportedTransport}, nil, nil
	}
	return res, st, err
}

// OnPlay implements gortsplib.ServerHandlerOnPlay: a playing session makes
// its camera send packets; cameras nobody plays only keep time.
func (h *handler) OnPlay(ctx *gortsplib.ServerHandlerOnPlayCtx) (*base.Response, error) {
	f, err := h.s.feed(strings.TrimPrefix(ctx.Path, "/"))
	if err != nil {
		return &base.Response{StatusCode: base.StatusNotFound}, nil
	}
	h.s.mu.Lock()
	if _, ok := h.s.sessions[ctx.Session]; !ok {
		h.s.sessions[ctx.Session] = f
		f.readers.Add(1)
	}
	h.s.mu.Unlock()
	return &base.Response{StatusCode: base.StatusOK}, nil
}

// OnSessionClose implements gortsplib.ServerHandlerOnSessionClose.
func (h *handler) OnSessionClose(ctx *gortsplib.ServerHandlerOnSessionCloseCtx) {
	h.s.mu.Lock()
	f, ok := h.s.sessions[ctx.Session]
	delete(h.s.sessions, ctx.Session)
	h.s.mu.Unlock()
	if ok {
		f.readers.Add(-1)
	}
}
