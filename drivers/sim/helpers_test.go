package sim

import (
	"context"
	"testing"
	"time"

	"github.com/bluenviron/gortsplib/v4"
	"github.com/bluenviron/gortsplib/v4/pkg/base"
	"github.com/bluenviron/gortsplib/v4/pkg/description"
	"github.com/bluenviron/gortsplib/v4/pkg/format"
	"github.com/pion/rtp"
	"github.com/rs/zerolog"
)

// testLog sends logs to the test's output, shown on failure or with -v.
func testLog(t *testing.T) zerolog.Logger {
	return zerolog.New(zerolog.NewTestWriter(t)).Level(zerolog.InfoLevel).With().Timestamp().Logger()
}

// tinySpec is a small, short scene: quick to encode on a cold cache.
func tinySpec(kind Kind, codec Codec) SceneSpec {
	return SceneSpec{Kind: kind, Codec: codec, Width: 320, Height: 240, FPS: 10,
		GOP: time.Second, Duration: 3 * time.Second}
}

// deadline is the context every test waits under.
func deadline(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// startServer serves cams on a free loopback port and waits until all are
// ready.
func startServer(t *testing.T, cams ...Camera) *Server {
	t.Helper()
	s := New(Options{Listen: "127.0.0.1:0", Log: testLog(t)})
	for _, c := range cams {
		if err := s.Add(c); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	if err := s.WaitReady(deadline(t)); err != nil {
		t.Fatal(err)
	}
	return s
}

// player is a real gortsplib client reading one camera over TCP.
type player struct {
	client *gortsplib.Client
	media  *description.Media
	format format.Format
	// packets receives copies of every RTP packet; the client blocks when
	// nobody reads, which a test reading on does not mind.
	packets chan *rtp.Packet
	// done receives the client's end.
	done chan error
}

// describe connects to url and describes it, without playing.
func describe(t *testing.T, url string) (*player, error) {
	t.Helper()
	u, err := base.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	tcp := gortsplib.TransportTCP
	p := &player{
		client:  &gortsplib.Client{Scheme: u.Scheme, Host: u.Host, Transport: &tcp},
		packets: make(chan *rtp.Packet, 4096),
		done:    make(chan error, 1),
	}
	if err := p.client.Start2(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.client.Close)
	desc, _, err := p.client.Describe(u)
	if err != nil {
		return nil, err
	}
	p.media, p.format = desc.Medias[0], desc.Medias[0].Formats[0]
	if _, err := p.client.Setup(desc.BaseURL, p.media, 0, 0); err != nil {
		return nil, err
	}
	return p, nil
}

// play describes url and plays it; packets flow into p.packets.
func play(t *testing.T, url string) *player {
	t.Helper()
	p, err := describe(t, url)
	if err != nil {
		t.Fatalf("%s: %v", url, err)
	}
	p.client.OnPacketRTP(p.media, p.format, func(pkt *rtp.Packet) {
		c := *pkt
		c.Payload = append([]byte(nil), pkt.Payload...)
		select {
		case p.packets <- &c:
		default: // a test that stopped reading does not block the client
		}
	})
	if _, err := p.client.Play(nil); err != nil {
		t.Fatalf("%s: play: %v", url, err)
	}
	go func() { p.done <- p.client.Wait() }()
	return p
}

// next returns the next packet or fails the test at the deadline.
func (p *player) next(ctx context.Context, t *testing.T) *rtp.Packet {
	t.Helper()
	select {
	case pkt := <-p.packets:
		return pkt
	case err := <-p.done:
		t.Fatalf("client ended while waiting for a packet: %v", err)
	case <-ctx.Done():
		t.Fatal("no packet before the deadline")
	}
	return nil
}
