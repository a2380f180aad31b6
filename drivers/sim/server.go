package sim

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/bluenviron/gortsplib/v4"
	"github.com/rs/zerolog"
)

// Options configure a Server.
type Options struct {
	// UDP, when set, is the address of the RTP/UDP listener (for example
	// ":8000"); RTCP takes the next port. Without it readers must use TCP.
	UDP string
	// Listen is the RTSP (TCP) address, ":8554" by default; tests use
	// "127.0.0.1:0".
	Listen string
	// CacheDir holds encoded scenes (DefaultCacheDir when empty).
	CacheDir string
	// Library, when set, shares scenes with other servers; CacheDir is then
	// ignored.
	Library *Library
	// Log receives the server's and cameras' logs.
	Log zerolog.Logger
}

// Server serves simulated cameras over RTSP (TCP, interleaved). Cameras
// may be added and removed while it runs.
type Server struct {
	log  zerolog.Logger
	lib  *Library
	rtsp *gortsplib.Server
	addr net.Addr

	ctx    context.Context
	cancel context.CancelFunc

	mu       sync.Mutex
	feeds    map[string]*feed
	sessions map[*gortsplib.ServerSession]*feed
	started  bool
	closed   bool
}

// ErrUnknownCamera is returned for a path that no camera serves.
var ErrUnknownCamera = errors.New("unknown camera")

// New returns a server that serves nothing until Start.
func New(opts Options) *Server {
	if opts.Listen == "" {
		opts.Listen = ":8554"
	}
	lib := opts.Library
	if lib == nil {
		lib = NewLibrary(opts.CacheDir, opts.Log)
	}
	s := &Server{
		log:      opts.Log,
		lib:      lib,
		feeds:    make(map[string]*feed),
		sessions: make(map[*gortsplib.ServerSession]*feed),
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.rtsp = &gortsplib.Server{
		Handler:     &handler{s: s},
		RTSPAddress: opts.Listen,
		// A keyframe of a 1080p scene is a few hundred packets, sent at once.
		WriteQueueSize: 1024,
		// gortsplib v4 writes the NTP fraction as nanoseconds: the feeds
		// send RFC 3550's reports themselves (report.go).
		DisableRTCPSenderReports: true,
		Listen: func(network, address string) (net.Listener, error) {
			ln, err := net.Listen(network, address)
			if err == nil {
				s.addr = ln.Addr()
			}
			return ln, err
		},
	}
	if opts.UDP != "" {
		rtcp, err := nextPort(opts.UDP)
		if err == nil {
			s.rtsp.UDPRTPAddress, s.rtsp.UDPRTCPAddress = opts.UDP, rtcp
		} else {
			s.log.Error().Err(err).Msg("udp disabled")
		}
	}
	return s
}

// Start listens and starts the cameras added so far.
func (s *Server) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started || s.closed {
		return errors.New("sim: server already started")
	}
	if err := s.rtsp.Start(); err != nil {
		return fmt.Errorf("sim: listen: %w", err)
	}
	s.started = true
	s.log.Info().Str("addr", s.addr.String()).Msg("rtsp listening")
	for _, f := range s.feeds {
		s.launch(f)
	}
	return nil
}

// Close stops every camera, disconnects readers and stops listening. It
// may be called more than once.
func (s *Server) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	started := s.started
	feeds := make([]*feed, 0, len(s.feeds))
	for _, f := range s.feeds {
		feeds = append(feeds, f)
	}
	s.mu.Unlock()
	s.cancel()
	if !started {
		return
	}
	for _, f := range feeds {
		<-f.done
	}
	s.rtsp.Close()
}

// Addr returns the address the server listens on, once started.
func (s *Server) Addr() string {
	if s.addr == nil {
		return ""
	}
	return s.addr.String()
}

// URL returns the rtsp:// URL of a camera path, once started.
func (s *Server) URL(path string) string {
	return "rtsp://" + s.Addr() + "/" + path
}

// Add registers a camera. Its scene is prepared in the background; Ready
// tells when it serves.
func (s *Server) Add(c Camera) error {
	if err := c.Validate(); err != nil {
		return fmt.Errorf("camera %s: %w", c.Path, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errors.New("sim: server closed")
	}
	if _, ok := s.feeds[c.Path]; ok {
		return fmt.Errorf("camera %s: path already served", c.Path)
	}
	f := newFeed(s, c)
	s.feeds[c.Path] = f
	if s.started {
		s.launch(f)
	}
	return nil
}

// launch starts a feed's goroutine; s.mu is held.
func (s *Server) launch(f *feed) {
	ctx, cancel := context.WithCancel(s.ctx)
	f.cancel = cancel
	go f.run(ctx)
}

// Remove stops a camera and disconnects its readers.
func (s *Server) Remove(path string) error {
	s.mu.Lock()
	f, ok := s.feeds[path]
	delete(s.feeds, path)
	started := s.started
	s.mu.Unlock()
	if !ok {
		return fmt.Errorf("camera %s: %w", path, ErrUnknownCamera)
	}
	if started {
		f.cancel()
		<-f.done
	}
	return nil
}

// Paths returns the paths of the cameras, sorted.
func (s *Server) Paths() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.feeds))
	for p := range s.feeds {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}

// Ready waits until the camera serves for the first time, and returns the
// error that stopped it if it could not (a scene that failed to encode).
func (s *Server) Ready(ctx context.Context, path string) error {
	f, err := s.feed(path)
	if err != nil {
		return err
	}
	select {
	case <-f.ready:
		if f.err != nil {
			return fmt.Errorf("camera %s: %w", path, f.err)
		}
		return nil
	case <-ctx.Done():
		return fmt.Errorf("camera %s: not ready: %w", path, ctx.Err())
	}
}

// WaitReady waits until every camera added so far is ready, and joins the
// errors of those that failed.
func (s *Server) WaitReady(ctx context.Context) error {
	var errs []error
	for _, p := range s.Paths() {
		if err := s.Ready(ctx, p); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// SetOnline takes a ready camera offline (its stream closes, readers are
// dropped, DESCRIBE answers 503) or back online. A flap schedule keeps
// running and will flip it again.
func (s *Server) SetOnline(path string, online bool) error {
	f, err := s.readyFeed(path)
	if err != nil {
		return err
	}
	return f.setOnline(online)
}

// Stall stops a camera's packets while its sessions stay open.
func (s *Server) Stall(path string) error {
	f, err := s.feed(path)
	if err != nil {
		return err
	}
	f.stalled.Store(true)
	f.log.Info().Msg("camera stalls")
	return nil
}

// Resume ends a stall; the stream resumes at the current loop time.
func (s *Server) Resume(path string) error {
	f, err := s.feed(path)
	if err != nil {
		return err
	}
	f.stalled.Store(false)
	f.log.Info().Msg("camera resumes")
	return nil
}

// SetCorrupt sets the fraction (0..1) of picture NAL units broken.
func (s *Server) SetCorrupt(path string, fraction float64) error {
	if fraction < 0 || fraction > 1 {
		return fmt.Errorf("camera %s: corrupt %v: want 0..1", path, fraction)
	}
	f, err := s.feed(path)
	if err != nil {
		return err
	}
	f.corruptF.Store(math.Float64bits(fraction))
	return nil
}

// Scene returns the scene a ready camera loops, with its ground truth.
func (s *Server) Scene(path string) (*Scene, error) {
	f, err := s.readyFeed(path)
	if err != nil {
		return nil, err
	}
	return f.scene, nil
}

// LoopTime returns where a ready camera is in its loop, for asking the
// scene's truth about what a reader sees now.
func (s *Server) LoopTime(path string) (time.Duration, error) {
	f, err := s.readyFeed(path)
	if err != nil {
		return 0, err
	}
	i, _ := f.scene.frameAt(f.sent.Load())
	return time.Duration(i) * f.scene.frameInterval(), nil
}

func (s *Server) feed(path string) (*feed, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, ok := s.feeds[strings.TrimPrefix(path, "/")]
	if !ok {
		return nil, fmt.Errorf("camera %s: %w", path, ErrUnknownCamera)
	}
	return f, nil
}

// readyFeed returns a feed whose scene is ready, without waiting.
func (s *Server) readyFeed(path string) (*feed, error) {
	f, err := s.feed(path)
	if err != nil {
		return nil, err
	}
	select {
	case <-f.ready:
		if f.err != nil {
			return nil, fmt.Errorf("camera %s: %w", path, f.err)
		}
		return f, nil
	default:
		return nil, fmt.Errorf("camera %s: not ready", path)
	}
}

// nextPort returns addr with its port plus one: RTCP's port beside RTP's.
func nextPort(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("udp address %q: %w", addr, err)
	}
	p, err := strconv.Atoi(port)
	if err != nil || p%2 != 0 || p <= 0 || p >= 65535 {
		return "", fmt.Errorf("udp address %q: want an even port for RTP (RTCP takes the next)", addr)
	}
	return net.JoinHostPort(host, strconv.Itoa(p+1)), nil
}
