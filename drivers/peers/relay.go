package peers

import (
	"fmt"
	"sync"
	"testing"

	"github.com/bluenviron/gortsplib/v4"
	"github.com/bluenviron/gortsplib/v4/pkg/base"
	"github.com/bluenviron/gortsplib/v4/pkg/description"
	"github.com/bluenviron/gortsplib/v4/pkg/format"
	"github.com/pion/rtp"
)

// RTSPRelay starts an RTSP server (gortsplib's, on TCP) that takes one
// publisher by ANNOUNCE/RECORD — ffmpeg's `-f rtsp` output — and serves
// what it publishes to any reader by PLAY, packets as they came. It lets a
// test pull a stream ffmpeg encodes live with any option (B-frames, for
// one), which our simulator does not make. It returns the URL to publish
// to and to read from; the server stops when the test ends.
func RTSPRelay(t testing.TB) string {
	t.Helper()
	h := &rtspRelay{}
	port := FreePort(t)
	h.server = &gortsplib.Server{Handler: h, RTSPAddress: fmt.Sprintf("127.0.0.1:%d", port)}
	if err := h.server.Start(); err != nil {
		t.Fatalf("rtsp relay: %v", err)
	}
	t.Cleanup(h.server.Close)
	return fmt.Sprintf("rtsp://127.0.0.1:%d/live", port)
}

// rtspRelay is the server's handler: one stream, replaced by each ANNOUNCE.
type rtspRelay struct {
	server    *gortsplib.Server
	mu        sync.RWMutex
	stream    *gortsplib.ServerStream
	publisher *gortsplib.ServerSession
}

// OnSessionClose ends the stream when its publisher leaves.
func (h *rtspRelay) OnSessionClose(ctx *gortsplib.ServerHandlerOnSessionCloseCtx) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.stream != nil && ctx.Session == h.publisher {
		h.stream.Close()
		h.stream = nil
	}
}

// OnDescribe serves the published stream, 404 before there is one.
func (h *rtspRelay) OnDescribe(*gortsplib.ServerHandlerOnDescribeCtx) (*base.Response, *gortsplib.ServerStream, error) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	if h.stream == nil {
		return &base.Response{StatusCode: base.StatusNotFound}, nil, nil
	}
	return &base.Response{StatusCode: base.StatusOK}, h.stream, nil
}

// OnAnnounce takes a publisher's description as the stream.
func (h *rtspRelay) OnAnnounce(ctx *gortsplib.ServerHandlerOnAnnounceCtx) (*base.Response, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.stream != nil {
		h.stream.Close()
		h.publisher.Close()
	}
	h.stream = &gortsplib.ServerStream{Server: h.server, Desc: ctx.Description}
	if err := h.stream.Initialize(); err != nil {
		return &base.Response{StatusCode: base.StatusBadRequest}, err
	}
	h.publisher = ctx.Session
	return &base.Response{StatusCode: base.StatusOK}, nil
}

// OnSetup sets up a publisher's or a reader's tracks.
func (h *rtspRelay) OnSetup(ctx *gortsplib.ServerHandlerOnSetupCtx) (*base.Response, *gortsplib.ServerStream, error) {
	if ctx.Session.State() == gortsplib.ServerSessionStatePreRecord {
		return &base.Response{StatusCode: base.StatusOK}, nil, nil
	}
	h.mu.RLock()
	defer h.mu.RUnlock()
	if h.stream == nil {
		return &base.Response{StatusCode: base.StatusNotFound}, nil, nil
	}
	return &base.Response{StatusCode: base.StatusOK}, h.stream, nil
}

// OnPlay lets a reader play.
func (h *rtspRelay) OnPlay(*gortsplib.ServerHandlerOnPlayCtx) (*base.Response, error) {
	return &base.Response{StatusCode: base.StatusOK}, nil
}

// OnRecord forwards the publisher's packets to the readers.
func (h *rtspRelay) OnRecord(ctx *gortsplib.ServerHandlerOnRecordCtx) (*base.Response, error) {
	h.mu.RLock()
	stream := h.stream
	h.mu.RUnlock()
	ctx.Session.OnPacketRTPAny(func(m *description.Media, _ format.Format, pkt *rtp.Packet) {
		_ = stream.WritePacketRTP(m, pkt)
	})
	return &base.Response{StatusCode: base.StatusOK}, nil
}
