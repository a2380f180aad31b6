package relay

import (
	"context"
	"encoding/binary"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
	"github.com/rs/zerolog"

	"github.com/argus-edge/argus/drivers/media"
	"github.com/argus-edge/argus/drivers/peers"
	"github.com/argus-edge/argus/drivers/sim"
	"github.com/argus-edge/argus/edge/hub"
	"github.com/argus-edge/argus/gateway/sfu"
)

const (
	edgeTok   = "edge-token"
	viewerTok = "viewer-token"
)

// startSFU serves the gateway's SFU on loopback.
func startSFU(t testing.TB) (*sfu.Server, string) {
	t.Helper()
	s, err := sfu.New(sfu.Options{
		Auth: sfu.NewTokens(map[string]sfu.Grant{
			edgeTok:   {Role: sfu.RoleEdge, Sites: []string{"*"}, Edge: "edge-test"},
			viewerTok: {Role: sfu.RoleViewer, Sites: []string{"*"}, Name: "viewer"},
		}, nil),
		UDPAddr: "127.0.0.1:0", Loopback: true, Log: zerolog.New(zerolog.NewTestWriter(t)).Level(zerolog.WarnLevel),
	})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(s)
	t.Cleanup(func() {
		hs.Close()
		s.Close()
	})
	return s, hs.URL
}

// testScene encodes (or takes from the cache) a tiny simulator scene.
func testScene(t testing.TB, codec sim.Codec) *sim.Scene {
	t.Helper()
	peers.Need(t, "ffmpeg", "ffmpeg")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	sc, err := sim.NewLibrary(os.Getenv("ARGUS_CACHE"), zerolog.Nop()).Scene(ctx, peers.TinyScene(sim.Empty, codec))
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

// feed publishes the scene into the camera's hub stream at real time,
// like a pull would, until the test ends. strip removes the parameter sets
// from the keyframes' packets, as a camera that sends them once would.
func feed(t *testing.T, h *hub.Hub, camera string, sc *sim.Scene, strip bool) {
	t.Helper()
	st := h.Open(camera)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(time.Second / time.Duration(sc.Spec.FPS))
		defer tick.Stop()
		for u := range sc.Replay(time.Now(), time.Hour) {
			if strip && u.Key {
				u = stripParams(u)
			}
			st.Publish(u)
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
}

// stripParams returns a copy of a keyframe without parameter sets in its
// packets (its AU keeps them, as the hub's do).
func stripParams(u *media.Unit) *media.Unit {
	p, _ := paramsOf(u)
	c := media.Unit{Format: u.Format, AU: u.AccessUnit(), PTS: u.PTS, NTP: u.NTP, Key: u.Key, Size: u.Size}
	for _, pkt := range u.Packets {
		var keep [][]byte
		ns := slices.Collect(media.PayloadNALUs(p.h265, pkt.Payload))
		if ns == nil { // a fragment
			c.Packets = append(c.Packets, pkt)
			continue
		}
		for _, n := range ns {
			switch p.kind(n) {
			case h264SPS, h264PPS, h265VPS, h265SPS, h265PPS:
			default:
				keep = append(keep, n)
			}
		}
		if len(keep) == 0 {
			continue
		}
		q := *pkt
		q.Payload = keep[0]
		if len(keep) > 1 {
			q.Payload = aggregate(p, keep)
		}
		c.Packets = append(c.Packets, &q)
	}
	c.Packets[len(c.Packets)-1].Marker = true
	return &c
}

// aggregate builds a STAP-A / AP of NAL units.
func aggregate(p params, ns [][]byte) []byte {
	b := []byte{h264STAPA | 0x60}
	if p.h265 {
		b = []byte{h265AP << 1, 1}
	}
	for _, n := range ns {
		b = binary.BigEndian.AppendUint16(b, uint16(len(n)))
		b = append(b, n...)
	}
	return b
}

// viewer is a WHEP client on the SFU collecting the RTP it receives.
type viewer struct {
	pc      *webrtc.PeerConnection
	packets chan *rtp.Packet
	codec   chan webrtc.RTPCodecParameters
}

func watch(t *testing.T, base, camera string) *viewer {
	t.Helper()
	return watchFunc(t, base, camera, nil)
}

// watchFunc is watch with onRTP, when non-nil, called on the reading
// goroutine with every packet as pion returns it, instead of queueing it.
func watchFunc(t testing.TB, base, camera string, onRTP func(*rtp.Packet)) *viewer {
	t.Helper()
	pc, err := peers.PionAPI(t, nil, webrtc.NetworkTypeUDP4).NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pc.AddTransceiverFromKind(webrtc.RTPCodecTypeVideo, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionRecvonly}); err != nil {
		t.Fatal(err)
	}
	v := &viewer{pc: pc, packets: make(chan *rtp.Packet, 4096), codec: make(chan webrtc.RTPCodecParameters, 1)}
	var wg sync.WaitGroup
	pc.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		wg.Add(1)
		defer wg.Done()
		v.codec <- tr.Codec()
		for {
			pkt, _, err := tr.ReadRTP()
			if err != nil {
				return
			}
			if onRTP != nil {
				onRTP(pkt)
				continue
			}
			select {
			case v.packets <- pkt:
			default:
			}
		}
	})
	o, err := pc.CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	gathered := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(o); err != nil {
		t.Fatal(err)
	}
	<-gathered
	req, _ := http.NewRequest(http.MethodPost, base+"/whep/"+camera, strings.NewReader(pc.LocalDescription().SDP))
	req.Header.Set("Content-Type", "application/sdp")
	req.Header.Set("Authorization", "Bearer "+viewerTok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("WHEP: %d %s", resp.StatusCode, body)
	}
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: string(body)}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		pc.Close()
		wg.Wait()
	})
	return v
}

// untilKeyframe returns the packets received up to and including the
// first one that starts a keyframe's picture (IDR / IRAP slice).
func (v *viewer) untilKeyframe(t *testing.T, p params, d time.Duration) []*rtp.Packet {
	t.Helper()
	timeout := time.After(d)
	var got []*rtp.Packet
	for {
		select {
		case pkt := <-v.packets:
			got = append(got, pkt)
			if startsKeyframe(p, pkt.Payload) {
				return got
			}
		case <-timeout:
			t.Fatalf("viewer: no keyframe within %s (%d packets)", d, len(got))
		}
	}
}

// startsKeyframe tells whether a payload holds or starts an IDR/IRAP slice.
func startsKeyframe(p params, b []byte) bool {
	return media.Carries(p.h265, b)&media.CarriesKey != 0
}

// hasSetsBefore tells whether SPS and PPS (and a VPS for H.265) arrived
// before or with the keyframe's first packet (the last one), with its
// timestamp.
func hasSetsBefore(p params, pkts []*rtp.Packet) bool {
	key := pkts[len(pkts)-1]
	var same []*rtp.Packet
	for _, pkt := range pkts {
		if pkt.Timestamp == key.Timestamp {
			same = append(same, pkt)
		}
	}
	return p.hasParams(same)
}

// settle waits until the number of goroutines is back to at most n.
func settle(t *testing.T, n int, d time.Duration) {
	t.Helper()
	if !peers.Eventually(d, func() bool { return runtime.NumGoroutine() <= n }) {
		buf := make([]byte, 1<<20)
		t.Fatalf("%d goroutines, want <= %d:\n%s", runtime.NumGoroutine(), n, buf[:runtime.Stack(buf, true)])
	}
}

func testOptions(t testing.TB, gateway string, h *hub.Hub) Options {
	return Options{Gateway: gateway, Token: edgeTok, Hub: h, Loopback: true,
		Log: zerolog.New(zerolog.NewTestWriter(t)).Level(zerolog.InfoLevel)}
}
