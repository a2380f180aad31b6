package relay

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"
	"github.com/rs/zerolog"

	"github.com/argus-edge/argus/drivers/bearer"
)

// WHIPError is the gateway refusing a WHIP offer, with its HTTP status and
// the body that says why.
type WHIPError struct {
	Status int
	Body   string
}

// Error names the status and the gateway's reason.
func (e *WHIPError) Error() string {
	return fmt.Sprintf("gateway refused WHIP: %d %s: %s", e.Status, http.StatusText(e.Status), strings.TrimSpace(e.Body))
}

// session is one WHIP uplink: a sendonly PeerConnection and the resource
// the gateway created for it.
type session struct {
	pc       *webrtc.PeerConnection
	track    *webrtc.TrackLocalStaticRTP
	resource string
	token    string
	client   *http.Client
	log      zerolog.Logger

	connected chan struct{} // closed once ICE and DTLS are up
	failed    chan struct{} // closed when the connection fails or is closed
	rtcpDone  chan struct{}
	closeOnce sync.Once
}

// dial offers the camera's codec to the gateway at base URL gateway,
// non-trickle, and applies the answer. It does not wait for the
// connection: see awaitConnected.
func dial(ctx context.Context, o *Options, gateway, camera string, p params, log zerolog.Logger) (*session, error) {
	m := &webrtc.MediaEngine{}
	codec := p.capability()
	if err := m.RegisterCodec(webrtc.RTPCodecParameters{RTPCodecCapability: codec, PayloadType: 96}, webrtc.RTPCodecTypeVideo); err != nil {
		return nil, fmt.Errorf("register codec: %w", err)
	}
	ir := &interceptor.Registry{}
	// The default interceptors answer NACKs from the gateway and send
	// sender reports; they work only while RTCP is read (readRTCP).
	if err := webrtc.RegisterDefaultInterceptors(m, ir); err != nil {
		return nil, fmt.Errorf("interceptors: %w", err)
	}
	se := webrtc.SettingEngine{}
	se.SetIncludeLoopbackCandidate(o.Loopback)
	// mDNS names are for browsers hiding their addresses; the gateway
	// needs plain host candidates and would not resolve .local names.
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	api := webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(ir), webrtc.WithSettingEngine(se))

	pc, err := api.NewPeerConnection(webrtc.Configuration{ICEServers: o.ICEServers})
	if err != nil {
		return nil, fmt.Errorf("peer connection: %w", err)
	}
	s := &session{pc: pc, token: o.Token, client: o.client, log: log,
		connected: make(chan struct{}), failed: make(chan struct{}), rtcpDone: make(chan struct{})}
	var connOnce, failOnce sync.Once
	pc.OnConnectionStateChange(func(st webrtc.PeerConnectionState) {
		log.Debug().Str("state", st.String()).Msg("whip connection")
		switch st {
		case webrtc.PeerConnectionStateConnected:
			connOnce.Do(func() { close(s.connected) })
		case webrtc.PeerConnectionStateFailed, webrtc.PeerConnectionStateClosed:
			failOnce.Do(func() { close(s.failed) })
		}
	})
	s.track, err = webrtc.NewTrackLocalStaticRTP(codec, "video", "argus-"+camera)
	if err != nil {
		pc.Close()
		return nil, fmt.Errorf("track: %w", err)
	}
	tr, err := pc.AddTransceiverFromTrack(s.track, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly})
	if err != nil {
		pc.Close()
		return nil, fmt.Errorf("transceiver: %w", err)
	}
	go s.readRTCP(tr.Sender())

	answer, err := s.offer(ctx, gateway+"/whip/"+url.PathEscape(camera))
	if err == nil {
		err = pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: answer})
		if err != nil {
			err = fmt.Errorf("apply answer: %w", err)
		}
	}
	if err != nil {
		s.close()
		return nil, err
	}
	return s, nil
}

// offer gathers every candidate, POSTs the offer and returns the answer.
func (s *session) offer(ctx context.Context, endpoint string) (string, error) {
	o, err := s.pc.CreateOffer(nil)
	if err != nil {
		return "", fmt.Errorf("offer: %w", err)
	}
	gathered := webrtc.GatheringCompletePromise(s.pc)
	if err := s.pc.SetLocalDescription(o); err != nil {
		return "", fmt.Errorf("local description: %w", err)
	}
	select {
	case <-gathered:
	case <-ctx.Done():
		return "", fmt.Errorf("ICE gathering: %w", ctx.Err())
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(s.pc.LocalDescription().SDP))
	if err != nil {
		return "", fmt.Errorf("whip request: %w", err)
	}
	req.Header.Set("Content-Type", "application/sdp")
	req.Header.Set("Authorization", bearer.Header(s.token))
	resp, err := s.client.Do(req)
	if err != nil {
		return "", fmt.Errorf("whip post: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return "", fmt.Errorf("whip answer: %w", err)
	}
	if resp.StatusCode != http.StatusCreated {
		return "", &WHIPError{Status: resp.StatusCode, Body: string(body)}
	}
	loc, err := resp.Location()
	if err != nil {
		return "", fmt.Errorf("whip answer without a usable Location: %w", err)
	}
	s.resource = loc.String()
	return string(body), nil
}

// awaitConnected waits until media can flow: packets written before DTLS
// is up are dropped by pion, and the first one is the keyframe.
func (s *session) awaitConnected(ctx context.Context) error {
	select {
	case <-s.connected:
		return nil
	case <-s.failed:
		return errors.New("WebRTC connection to the gateway failed")
	case <-ctx.Done():
		return fmt.Errorf("WebRTC connection to the gateway: %w", ctx.Err())
	}
}

// readRTCP drains the sender's RTCP so interceptors (NACK, reports) run.
// The gateway's PLI/FIR are only noted: the camera's next keyframe comes
// with its GOP, and an edge cannot ask an RTSP camera for one. The gateway
// starts new viewers from its cached keyframe group instead.
func (s *session) readRTCP(sender *webrtc.RTPSender) {
	defer close(s.rtcpDone)
	for {
		pkts, _, err := sender.ReadRTCP()
		if err != nil {
			return
		}
		for _, p := range pkts {
			switch p.(type) {
			case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
				s.log.Debug().Str("rtcp", fmt.Sprintf("%T", p)).Msg("keyframe requested; the next GOP brings one")
			}
		}
	}
}

// close deletes the WHIP resource, best effort, and closes the connection.
// Idempotent.
func (s *session) close() {
	s.closeOnce.Do(func() {
		if s.resource != "" {
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			if err := s.delete(ctx); err != nil {
				// The gateway ends a dead uplink itself; this only frees it sooner.
				s.log.Debug().Err(err).Msg("whip delete")
			}
			cancel()
		}
		if err := s.pc.Close(); err != nil {
			s.log.Debug().Err(err).Msg("close peer connection")
		}
		<-s.rtcpDone
	})
}

func (s *session) delete(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodDelete, s.resource, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", bearer.Header(s.token))
	resp, err := s.client.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusNoContent && resp.StatusCode != http.StatusNotFound {
		return fmt.Errorf("DELETE %s: %d", s.resource, resp.StatusCode)
	}
	return nil
}
