package rtsp

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"

	"github.com/bluenviron/gortsplib/v4/pkg/base"
	"github.com/bluenviron/gortsplib/v4/pkg/liberrors"
)

// Why a pull fails, for errors.Is. Each error's message starts with one of
// these and goes on with what an operator needs to act: the address, what
// the camera answered, what it offered, for how long it was silent.
var (
	// ErrRefused: nothing listens at the camera's address.
	ErrRefused = errors.New("connection refused")
	// ErrNoAnswer: the camera took the connection but answered nothing
	// within the read timeout (a hung firmware).
	ErrNoAnswer = errors.New("no answer")
	// ErrNotRTSP: what answered is not RTSP (a web server, a wrong port).
	ErrNotRTSP = errors.New("not an RTSP server")
	// ErrHungUp: the camera closed the connection.
	ErrHungUp = errors.New("connection closed by the camera")
	// ErrAuth: the camera wants credentials and refused ours, or got none.
	ErrAuth = errors.New("authentication failed (401)")
	// ErrStatus: the camera answered a request with an error status.
	ErrStatus = errors.New("camera answered")
	// ErrBadSDP: the camera's session description does not parse.
	ErrBadSDP = errors.New("malformed SDP")
	// ErrNoVideo: the session offers no H.264 or H.265 video.
	ErrNoVideo = errors.New("no H.264/H.265 track in SDP")
	// ErrStalled: the camera stays connected but sends no packet.
	ErrStalled = errors.New("stream stalled")
	// ErrUndecodable: packets arrive, yet no frame can be assembled from
	// them (broken NAL units, fragments that never complete).
	ErrUndecodable = errors.New("stream undecodable")
)

// explain turns what gortsplib or the network reported for a request into
// an error that says what is wrong with the camera.
func (p *pull) explain(method base.Method, err error) error {
	var status liberrors.ErrClientBadStatusCode
	var sdp liberrors.ErrClientSDPInvalid
	var dns *net.DNSError
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Errorf("%w: nothing listens on %s", ErrRefused, p.host)
	case errors.As(err, &dns):
		return fmt.Errorf("cannot resolve camera host %s: %s", dns.Name, dns.Err)
	case errors.As(err, &status):
		return p.statusError(method, status)
	case errors.As(err, &sdp):
		return fmt.Errorf("%w: %w", ErrBadSDP, sdp.Err)
	}
	if head := p.head.bytes(); len(head) > 0 && !bytes.HasPrefix(head, []byte("RTSP/")) {
		return fmt.Errorf("%w (answered %s)", ErrNotRTSP, quote(head, p.head.total()))
	}
	switch {
	case timedOut(err):
		return fmt.Errorf("%w to %s within read_timeout (%s)", ErrNoAnswer, method, p.o.ReadTimeout)
	case hungUp(err):
		return fmt.Errorf("%w during %s", ErrHungUp, method)
	}
	return fmt.Errorf("%s: %w", method, err)
}

// statusError explains an RTSP error status.
func (p *pull) statusError(method base.Method, s liberrors.ErrClientBadStatusCode) error {
	switch s.Code {
	case base.StatusUnauthorized:
		if p.o.Username == "" && p.o.Password == "" {
			return fmt.Errorf("%w: the camera wants credentials and none are configured", ErrAuth)
		}
		return fmt.Errorf("%w: the camera refused the password of user %q", ErrAuth, p.o.Username)
	case base.StatusUnsupportedTransport:
		return fmt.Errorf("%w %d %s to %s: it does not offer transport %s", ErrStatus, s.Code, s.Message, method, p.transportNow())
	}
	return fmt.Errorf("%w %d %s to %s", ErrStatus, s.Code, s.Message, method)
}

// explainRead says why a playing stream ended.
func (p *pull) explainRead(err error) error {
	var tcp liberrors.ErrClientTCPTimeout
	var udp liberrors.ErrClientUDPTimeout
	switch {
	case errors.As(err, &tcp), errors.As(err, &udp):
		return fmt.Errorf("%w: no packet within read_timeout (%s)", ErrStalled, p.o.ReadTimeout)
	case hungUp(err):
		return ErrHungUp
	}
	return fmt.Errorf("read: %w", err)
}

func timedOut(err error) bool {
	var rto liberrors.ErrClientRequestTimedOut
	var ne net.Error
	return errors.As(err, &rto) || (errors.As(err, &ne) && ne.Timeout())
}

func hungUp(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}
