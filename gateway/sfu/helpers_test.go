package sfu

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"github.com/argus-edge/argus/drivers/peers"
	"github.com/pion/webrtc/v4/pkg/media"
	"github.com/pion/webrtc/v4/pkg/media/h264reader"
	"github.com/rs/zerolog"
)

// Bearer tokens of the tests' Tokens authorizer.
const (
	edgeTok   = "edge-token"
	edge2Tok  = "edge2-token"
	viewerTok = "viewer-token"
	otherTok  = "other-viewer-token"
	farTok    = "far-site-token"
)

func testTokens() *Tokens {
	return NewTokens(map[string]Grant{
		edgeTok:   {Role: RoleEdge, Sites: []string{"riverside"}, Edge: "edge-1"},
		edge2Tok:  {Role: RoleEdge, Sites: []string{"*"}, Edge: "edge-2"},
		viewerTok: {Role: RoleViewer, Sites: []string{"riverside"}, Name: "alice"},
		otherTok:  {Role: RoleViewer, Sites: []string{"*"}, Name: "bob"},
		farTok:    {Role: RoleViewer, Sites: []string{"hillside"}, Name: "carol"},
	}, testSite)
}

func testSite(camera string) (string, bool) {
	switch camera {
	case "cam1", "cam2", "cam3":
		return "riverside", true
	}
	return "", false
}

// auditLog records Options.Audit calls.
type auditLog struct {
	mu      sync.Mutex
	lines   []string // "who action camera"
	events  []AuditEvent
	changed chan struct{} // closed by the next record, for await
}

func (a *auditLog) record(e AuditEvent) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.lines = append(a.lines, e.Who+" "+e.Action+" "+e.Camera)
	a.events = append(a.events, e)
	if a.changed != nil {
		close(a.changed)
		a.changed = nil
	}
}

// await returns the first event recorded with who, action and camera
// as in line ("alice whep.end cam1"), waiting up to d for it.
func (a *auditLog) await(t testing.TB, line string, d time.Duration) AuditEvent {
	t.Helper()
	timeout := time.After(d)
	for {
		a.mu.Lock()
		for i, l := range a.lines {
			if l == line {
				e := a.events[i]
				a.mu.Unlock()
				return e
			}
		}
		if a.changed == nil {
			a.changed = make(chan struct{})
		}
		next := a.changed
		a.mu.Unlock()
		select {
		case <-next:
		case <-timeout:
			t.Fatalf("audit: no %q within %s: %v", line, d, a.snapshot())
		}
	}
}

func (a *auditLog) snapshot() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.lines)
}

func (a *auditLog) has(line string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, l := range a.lines {
		if l == line {
			return true
		}
	}
	return false
}

// startSFU serves an SFU on loopback with one shared ephemeral UDP port and ICE-TCP.
func startSFU(t testing.TB, mod func(*Options)) (*Server, *httptest.Server, *auditLog) {
	t.Helper()
	al := &auditLog{}
	opts := Options{Auth: testTokens(), Site: testSite, Audit: al.record, UDPAddr: "127.0.0.1:0", TCPAddr: "127.0.0.1:0",
		Loopback: true, Log: zerolog.New(zerolog.NewTestWriter(t)).Level(zerolog.WarnLevel)}
	if mod != nil {
		mod(&opts)
	}
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(s)
	t.Cleanup(func() {
		hs.Close()
		s.Close()
	})
	return s, hs, al
}

// clientAPI is a pion API for test peers: default codecs, loopback only, no mDNS.
func clientAPI(t testing.TB, m *webrtc.MediaEngine) *webrtc.API {
	return clientAPIOver(t, m, webrtc.NetworkTypeUDP4)
}

// clientAPIOver is clientAPI gathering candidates of one network type only.
func clientAPIOver(t testing.TB, m *webrtc.MediaEngine, network webrtc.NetworkType) *webrtc.API {
	return peers.PionAPI(t, m, network)
}

// post sends an SDP offer and returns the status, body and Location.
func post(t testing.TB, url, token, contentType, body string) (int, string, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return do(t, req)
}

func del(t testing.TB, url, token string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodDelete, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	st, _, _ := do(t, req)
	return st
}

func do(t testing.TB, req *http.Request) (int, string, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header.Get("Location")
}

// offer creates pc's offer with gathering complete.
func offer(t testing.TB, pc *webrtc.PeerConnection) string {
	t.Helper()
	o, err := pc.CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	done := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(o); err != nil {
		t.Fatal(err)
	}
	<-done
	return pc.LocalDescription().SDP
}

// exchange posts pc's offer and applies the 201 answer; it returns the resource URL.
func exchange(t testing.TB, pc *webrtc.PeerConnection, base, path, token string) string {
	t.Helper()
	st, body, loc := post(t, base+path, token, "application/sdp", offer(t, pc))
	if st != http.StatusCreated {
		t.Fatalf("POST %s: %d %s", path, st, body)
	}
	if loc == "" {
		t.Fatalf("POST %s: no Location", path)
	}
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: body}); err != nil {
		t.Fatal(err)
	}
	return base + loc
}

// clip encodes a 3 s 320x240 15 fps H.264 Annex-B clip with ffmpeg and returns its access units.
func clip(t testing.TB) [][][]byte {
	t.Helper()
	return clipOf(t, "320x240")
}

// clipOf encodes a 3 s 15 fps H.264 Annex-B clip of size (WxH) with ffmpeg and returns its access units.
func clipOf(t testing.TB, size string) [][][]byte {
	t.Helper()
	return encodeClip(t, size, 3*time.Second, 15)
}

// longGOPClip is an 8 s 15 fps clip of size with a keyframe every 4 s (60
// frames), as cameras set to save bandwidth send: a viewer that had to
// wait for the next keyframe would wait up to 4 s.
func longGOPClip(t testing.TB, size string) [][][]byte {
	t.Helper()
	return encodeClip(t, size, 8*time.Second, 60)
}

// encodeClip encodes a 15 fps H.264 Annex-B clip of size and length d, a
// keyframe every gop frames, with ffmpeg and returns its access units.
func encodeClip(t testing.TB, size string, d time.Duration, gop int) [][][]byte {
	t.Helper()
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Skip("ffmpeg not installed (apt-get install ffmpeg)")
	}
	out := filepath.Join(t.TempDir(), "out.h264")
	cmd := exec.Command("ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc=size="+size+":rate=15",
		"-t", fmt.Sprint(d.Seconds()), "-c:v", "libx264", "-bsf:v", "h264_mp4toannexb", "-g", fmt.Sprint(gop), "-keyint_min", fmt.Sprint(gop),
		"-sc_threshold", "0", "-bf", "0", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v: %s", err, b)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	r, err := h264reader.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	var aus [][][]byte
	var au [][]byte
	for {
		nal, err := r.NextNAL()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		au = append(au, nal.Data)
		if nal.UnitType == h264reader.NalUnitTypeCodedSliceIdr || nal.UnitType == h264reader.NalUnitTypeCodedSliceNonIdr {
			aus = append(aus, au)
			au = nil
		}
	}
	if len(aus) < 30 {
		t.Fatalf("clip: %d access units", len(aus))
	}
	return aus
}

// publisher is a WHIP edge sending a looping H.264 clip.
type publisher struct {
	pc     *webrtc.PeerConnection
	url    string
	cancel context.CancelFunc
	done   chan struct{}

	mu     sync.Mutex
	frames int           // access units sent
	keys   int           // keyframes among them
	sent   chan struct{} // closed and replaced after each access unit
}

func publish(t testing.TB, base, camera, token string, aus [][][]byte) *publisher {
	t.Helper()
	return publishOver(t, clientAPI(t, nil), base, camera, token, aus)
}

// publishOver is publish through a given client API.
func publishOver(t testing.TB, api *webrtc.API, base, camera, token string, aus [][][]byte) *publisher {
	t.Helper()
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	track, err := webrtc.NewTrackLocalStaticSample(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeH264}, "video", "edge")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pc.AddTransceiverFromTrack(track, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly}); err != nil {
		t.Fatal(err)
	}
	p := &publisher{pc: pc, done: make(chan struct{}), sent: make(chan struct{})}
	p.url = exchange(t, pc, base, "/whip/"+camera, token)
	// As an edge does: pion drops what is written before the connection is
	// up, and the first access unit is a keyframe.
	awaitState(t, pc, 10*time.Second, webrtc.PeerConnectionStateConnected)
	ctx, cancel := context.WithCancel(context.Background())
	p.cancel = cancel
	go func() {
		defer close(p.done)
		tick := time.NewTicker(time.Second / 15)
		defer tick.Stop()
		for i := 0; ; i++ {
			p.count(aus[i%len(aus)])
			for j, nal := range aus[i%len(aus)] {
				d := time.Duration(0)
				if j == len(aus[i%len(aus)])-1 {
					d = time.Second / 15
				}
				if err := track.WriteSample(media.Sample{Data: nal, Duration: d}); err != nil {
					return
				}
			}
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
	t.Cleanup(p.stop)
	return p
}

// count records an access unit about to be sent.
func (p *publisher) count(au [][]byte) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.frames++
	for _, n := range au {
		if len(n) > 0 && n[0]&0x1f == 5 { // IDR slice
			p.keys++
			break
		}
	}
	close(p.sent)
	p.sent = make(chan struct{})
}

// counts returns the access units and keyframes sent (or being sent) so far.
func (p *publisher) counts() (frames, keys int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.frames, p.keys
}

// awaitFrames waits until n access units were sent, failing after d.
func (p *publisher) awaitFrames(t testing.TB, n int, d time.Duration) {
	t.Helper()
	timeout := time.After(d)
	for {
		p.mu.Lock()
		got, sent := p.frames, p.sent
		p.mu.Unlock()
		if got >= n {
			return
		}
		select {
		case <-sent:
		case <-timeout:
			t.Fatalf("publisher: %d of %d access units sent within %s", got, n, d)
		}
	}
}

// stop ends the sender and closes the PeerConnection; idempotent.
func (p *publisher) stop() {
	p.cancel()
	<-p.done
	p.pc.GracefulClose()
}

// viewer is a WHEP client that counts H.264 packets.
type viewer struct {
	pc      *webrtc.PeerConnection
	url     string
	packets chan *rtp.Packet
	codec   chan webrtc.RTPCodecParameters
}

func watch(t testing.TB, base, camera, token string) *viewer {
	t.Helper()
	return watchFunc(t, base, camera, token, nil)
}

// watchFunc is watch with onRTP, when non-nil, called on the reading goroutine
// with every packet as soon as pion returns it, instead of queueing it on packets.
func watchFunc(t testing.TB, base, camera, token string, onRTP func(*rtp.Packet)) *viewer {
	t.Helper()
	return watchOver(t, clientAPI(t, nil), base, camera, token, onRTP)
}

// watchOver is watchFunc through a given client API (for example one that
// only speaks ICE-TCP).
func watchOver(t testing.TB, api *webrtc.API, base, camera, token string, onRTP func(*rtp.Packet)) *viewer {
	t.Helper()
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pc.AddTransceiverFromKind(webrtc.RTPCodecTypeVideo, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionRecvonly}); err != nil {
		t.Fatal(err)
	}
	v := &viewer{pc: pc, packets: make(chan *rtp.Packet, 4096), codec: make(chan webrtc.RTPCodecParameters, 1)}
	pc.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
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
	v.url = exchange(t, pc, base, "/whep/"+camera, token)
	t.Cleanup(func() { pc.GracefulClose() })
	return v
}

// await receives n packets within d, failing the test otherwise.
func (v *viewer) await(t testing.TB, n int, d time.Duration) []*rtp.Packet {
	t.Helper()
	timeout := time.After(d)
	var got []*rtp.Packet
	for len(got) < n {
		select {
		case p := <-v.packets:
			got = append(got, p)
		case <-timeout:
			t.Fatalf("viewer: %d of %d packets within %s", len(got), n, d)
		}
	}
	return got
}

// drain discards buffered packets and returns the last one, if any.
func (v *viewer) drain() *rtp.Packet {
	var last *rtp.Packet
	for {
		select {
		case p := <-v.packets:
			last = p
		default:
			return last
		}
	}
}

// awaitState waits until pc reaches one of states.
func awaitState(t testing.TB, pc *webrtc.PeerConnection, d time.Duration, states ...webrtc.PeerConnectionState) {
	t.Helper()
	ch := make(chan struct{}, 1)
	check := func(s webrtc.PeerConnectionState) {
		for _, w := range states {
			if s == w {
				select {
				case ch <- struct{}{}:
				default:
				}
			}
		}
	}
	pc.OnConnectionStateChange(check)
	check(pc.ConnectionState())
	select {
	case <-ch:
	case <-time.After(d):
		t.Fatalf("peer connection %s, want %v", pc.ConnectionState(), states)
	}
}
