package sfu

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/argus-edge/argus/drivers/peers"
)

// TestRelay publishes H.264 over WHIP, watches it with two WHEP viewers, replaces
// the uplink and checks the viewers keep receiving one continuous stream.
func TestRelay(t *testing.T) {
	aus := clip(t)
	s, hs, al := startSFU(t, nil)
	pubA := publish(t, hs.URL, "cam1", edgeTok, aus)
	v1 := watch(t, hs.URL, "cam1", viewerTok)
	v2 := watch(t, hs.URL, "cam1", otherTok)
	for _, v := range []*viewer{v1, v2} {
		c := <-v.codec
		if !strings.EqualFold(c.MimeType, webrtc.MimeTypeH264) {
			t.Fatalf("viewer codec %s, want H264", c.MimeType)
		}
		for _, p := range v.await(t, 50, 10*time.Second) {
			if webrtc.PayloadType(p.PayloadType) != c.PayloadType {
				t.Fatalf("payload type %d, want %d (H264)", p.PayloadType, c.PayloadType)
			}
		}
	}
	if up, vw := s.Sessions(); up != 1 || vw != 2 {
		t.Fatalf("sessions: %d uplinks, %d viewers", up, vw)
	}
	// the edge asks how many watch (relay idle stop); a viewer may not ask
	for _, c := range []struct {
		tok, want string
		code      int
	}{{edgeTok, `"viewers":2`, 200}, {viewerTok, "", 403}} {
		req, _ := http.NewRequest("GET", hs.URL+"/api/relays/cam1", nil)
		req.Header.Set("Authorization", "Bearer "+c.tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.code || !strings.Contains(string(body), c.want) {
			t.Fatalf("GET /api/relays/cam1: %d %s, want %d %s", resp.StatusCode, body, c.code, c.want)
		}
	}

	// The edge reconnects: a second WHIP for the camera replaces the first.
	pubB := publish(t, hs.URL, "cam1", edgeTok, aus)
	pubA.stop()
	if pubA.url == pubB.url {
		t.Fatal("replacement uplink has the same resource URL")
	}
	for _, v := range []*viewer{v1, v2} {
		last := v.drain()
		got := v.await(t, 50, 10*time.Second)
		if last != nil {
			if gap := got[0].SequenceNumber - last.SequenceNumber; gap > 1000 {
				t.Fatalf("sequence jumped by %d across uplinks", gap)
			}
		}
	}
	if up, vw := s.Sessions(); up != 1 || vw != 2 {
		t.Fatalf("after replacement: %d uplinks, %d viewers", up, vw)
	}
	if st := del(t, pubB.url, edgeTok); st != http.StatusOK {
		t.Fatalf("DELETE uplink: %d", st)
	}
	for _, line := range []string{"edge:edge-1 whip cam1", "alice whep cam1", "bob whep cam1", "edge:edge-1 whip.delete cam1"} {
		if !al.has(line) {
			t.Errorf("audit lacks %q: %v", line, al.lines)
		}
	}
}

// TestDelete: only the creating credential may end a resource; refused
// DELETEs leave the uplink and the viewer carrying media.
func TestDelete(t *testing.T) {
	aus := clip(t)
	s, hs, al := startSFU(t, nil)
	pub := publish(t, hs.URL, "cam2", edgeTok, aus)
	v := watch(t, hs.URL, "cam2", viewerTok)
	v.await(t, 10, 10*time.Second)

	if st := del(t, v.url, otherTok); st != http.StatusForbidden {
		t.Fatalf("DELETE viewer by another viewer: %d, want 403", st)
	}
	if st := del(t, pub.url, edge2Tok); st != http.StatusForbidden {
		t.Fatalf("DELETE uplink by another edge: %d, want 403", st)
	}
	if st := del(t, pub.url, viewerTok); st != http.StatusForbidden {
		t.Fatalf("DELETE uplink by a viewer: %d, want 403", st)
	}
	// Nothing disturbed: packets sent after the refusals still arrive.
	v.drain()
	v.await(t, 20, 10*time.Second)
	if up, vw := s.Sessions(); up != 1 || vw != 1 {
		t.Fatalf("after refused DELETEs: %d uplinks, %d viewers", up, vw)
	}
	if st := del(t, v.url, viewerTok); st != http.StatusOK {
		t.Fatalf("DELETE viewer by its owner: %d, want 200", st)
	}
	awaitState(t, v.pc, 10*time.Second, webrtc.PeerConnectionStateDisconnected, webrtc.PeerConnectionStateFailed, webrtc.PeerConnectionStateClosed)
	if st := del(t, v.url, viewerTok); st != http.StatusNotFound {
		t.Fatalf("DELETE twice: %d, want 404", st)
	}
	if st := del(t, hs.URL+"/whep/cam2/nosuchsession", viewerTok); st != http.StatusNotFound {
		t.Fatalf("DELETE unknown: %d, want 404", st)
	}
	if !al.has("bob whep.delete.denied cam2") {
		t.Errorf("audit lacks the denied delete: %v", al.lines)
	}
}

// TestBadInput: refusals answer with a clear status and disturb nothing.
func TestBadInput(t *testing.T) {
	aus := clip(t)
	s, hs, _ := startSFU(t, nil)
	pub := publish(t, hs.URL, "cam1", edgeTok, aus)
	v := watch(t, hs.URL, "cam1", viewerTok)
	v.await(t, 10, 10*time.Second)

	vp8 := vp8Offer(t)
	good := func() string {
		pc, err := clientAPI(t, nil).NewPeerConnection(webrtc.Configuration{})
		if err != nil {
			t.Fatal(err)
		}
		defer pc.Close()
		pc.AddTransceiverFromKind(webrtc.RTPCodecTypeVideo, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionRecvonly})
		o, _ := pc.CreateOffer(nil)
		return o.SDP
	}()
	cases := []struct {
		name, path, token, ctype, body string
		status                         int
		want                           string
	}{
		{"no token", "/whep/cam1", "", "application/sdp", good, 401, "missing bearer token"},
		{"unknown token", "/whep/cam1", "nope", "application/sdp", good, 401, "unknown token"},
		{"viewer publishing", "/whip/cam1", viewerTok, "application/sdp", good, 403, "may not act as edge"},
		{"other site", "/whep/cam1", farTok, "application/sdp", good, 403, "not in the token's sites"},
		{"unknown camera", "/whep/nocam", otherTok, "application/sdp", good, 404, "unknown camera"},
		{"no uplink", "/whep/cam3", viewerTok, "application/sdp", good, 404, "no uplink"},
		{"content type", "/whep/cam1", viewerTok, "text/plain", good, 415, "application/sdp"},
		{"malformed", "/whep/cam1", viewerTok, "application/sdp", "v=0\r\nthis is not sdp\r\n", 400, "malformed SDP"},
		{"malformed whip", "/whip/cam1", edgeTok, "application/sdp", "hello", 400, "malformed SDP"},
		{"vp8 only", "/whip/cam1", edgeTok, "application/sdp", vp8, 415, "offered [VP8]"},
		{"vp8 only whep", "/whep/cam1", viewerTok, "application/sdp", vp8, 415, "no usable video codec: offered [VP8]"},
	}
	for _, c := range cases {
		st, body, _ := post(t, hs.URL+c.path, c.token, c.ctype, c.body)
		if st != c.status || !strings.Contains(body, c.want) {
			t.Errorf("%s: %d %q, want %d containing %q", c.name, st, body, c.status, c.want)
		}
	}
	// Nothing disturbed: the relay runs on.
	v.drain()
	v.await(t, 20, 10*time.Second)
	if up, vw := s.Sessions(); up != 1 || vw != 1 {
		t.Fatalf("sessions: %d uplinks, %d viewers", up, vw)
	}
	_ = pub
}

func vp8Offer(t *testing.T) string {
	t.Helper()
	m := &webrtc.MediaEngine{}
	if err := m.RegisterCodec(webrtc.RTPCodecParameters{
		RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000},
		PayloadType:        96,
	}, webrtc.RTPCodecTypeVideo); err != nil {
		t.Fatal(err)
	}
	pc, err := clientAPI(t, m).NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	if _, err := pc.AddTransceiverFromKind(webrtc.RTPCodecTypeVideo); err != nil {
		t.Fatal(err)
	}
	o, err := pc.CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	return o.SDP
}

// TestOnDemand: a viewer of a camera without uplink waits for the hook to start one.
func TestOnDemand(t *testing.T) {
	aus := clip(t)
	var base string
	var calls atomic.Int32
	_, hs, _ := startSFU(t, func(o *Options) {
		o.OnDemandTimeout = 10 * time.Second
		o.OnDemand = func(ctx context.Context, camera string) error {
			n := calls.Add(1)
			if camera == "cam2" {
				return errors.New("edge unreachable")
			}
			if n > 1 {
				// A resume while the test's cleanups close the uplink and then
				// the HTTP server: publishing now would race that close.
				return errors.New("test over")
			}
			publish(t, base, camera, edgeTok, aus)
			return nil
		}
	})
	base = hs.URL
	v := watch(t, hs.URL, "cam1", viewerTok)
	v.await(t, 10, 10*time.Second)
	if n := calls.Load(); n != 1 {
		t.Fatalf("OnDemand called %d times", n)
	}
	st, body, _ := post(t, hs.URL+"/whep/cam2", viewerTok, "application/sdp", offerFor(t))
	if st != http.StatusBadGateway || !strings.Contains(body, "edge unreachable") {
		t.Fatalf("failing OnDemand: %d %q", st, body)
	}
}

func offerFor(t *testing.T) string {
	pc, err := clientAPI(t, nil).NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	pc.AddTransceiverFromKind(webrtc.RTPCodecTypeVideo, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionRecvonly})
	o, err := pc.CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	return o.SDP
}

// TestViewerCycles1000: 1000 viewers (100 with -short) join one relayed camera,
// receive and leave, one after another; goroutines and the live heap return to
// their baseline, and the second half of the cycles leaves them where the
// first half did (a tight check: a leak of a few hundred bytes a cycle
// shows). The cycles run in batches of subtests so that the watch helper's
// per-test cleanups, which keep each closed PeerConnection reachable, run
// between batches and do not count as a leak. What the test's own peers keep
// is left out: the audit only counts, and the publisher has no interceptors
// (its NACK responder would fill a ring of 1024 copied packets, 1.4 MiB, as
// the clip is sent, well into the second half).
func TestViewerCycles1000(t *testing.T) {
	cycles := 1000
	if testing.Short() {
		cycles = 100
	}
	const batch = 50
	aus := clip(t)
	var audited atomic.Int64
	s, hs, _ := startSFU(t, func(o *Options) { o.Audit = func(AuditEvent) { audited.Add(1) } })
	publishOver(t, peers.PionAPIBare(t, nil, webrtc.NetworkTypeUDP4), hs.URL, "cam1", edgeTok, aus)
	cycle := func(t *testing.T) {
		v := watch(t, hs.URL, "cam1", viewerTok)
		v.await(t, 1, 10*time.Second)
		if st := del(t, v.url, viewerTok); st != http.StatusOK {
			t.Fatalf("DELETE: %d", st)
		}
		v.pc.GracefulClose()
		awaitState(t, v.pc, 10*time.Second, webrtc.PeerConnectionStateClosed)
	}
	runBatches := func(n int) {
		for done := 0; done < n && !t.Failed(); done += batch {
			t.Run(fmt.Sprintf("%d-cycles", min(batch, n-done)), func(t *testing.T) {
				for range min(batch, n-done) {
					cycle(t)
				}
			})
		}
	}
	const slack = 5
	runBatches(batch) // warm up: lazily built pion state and pools
	baseline := runtime.NumGoroutine()
	heap0 := liveHeap()
	runBatches(cycles / 2)
	half := settle(baseline, slack, 15*time.Second)
	heapHalf := liveHeap()
	dumpHeap(t, "half")
	runBatches(cycles - cycles/2)
	if t.Failed() {
		return
	}
	if _, vw := s.Sessions(); vw != 0 {
		t.Fatalf("%d viewers left", vw)
	}
	n := settle(half, 2, 15*time.Second)
	heap := liveHeap()
	dumpHeap(t, "end")
	t.Logf("viewer cycles: goroutines %d at baseline, %d after %d, %d after %d; live heap %.2f MiB, %.2f MiB, %.2f MiB; %d audit records",
		baseline, half, cycles/2, n, cycles, mib(heap0), mib(heapHalf), mib(heap), audited.Load())
	if n > baseline+slack || n > half+2 {
		buf := make([]byte, 1<<20)
		t.Fatalf("goroutines: %d after %d cycles, %d after %d, baseline %d\n%s", n, cycles, half, cycles/2, baseline, buf[:runtime.Stack(buf, true)])
	}
	// A closed pion PeerConnection kept reachable costs ~150 KiB (measured
	// on the viewer side): one retained per cycle would exceed the baseline
	// slack within 7 cycles, and the slack between the halves, 256 KiB over
	// 500 cycles, is about 520 bytes a cycle. The batching socket's cache of
	// peer addresses kept ~450 bytes a cycle (230–265 KiB between the
	// halves) until it went; since, the halves differed by -50 to +30 KiB
	// in three runs and by 174 KiB in one full make test (the sessions of
	// pion still closing when the heap is read): 128 KiB was too tight.
	const heapSlack, halfSlack = 1 << 20, 256 << 10
	if heap > heap0+heapSlack {
		t.Fatalf("live heap: %d bytes after %d cycles, baseline %d (slack %d)", heap, cycles, heap0, heapSlack)
	}
	if heap > heapHalf+halfSlack {
		t.Fatalf("live heap: %d bytes after %d cycles, %d after %d (slack %d): it grows with the cycles", heap, cycles, heapHalf, cycles/2, halfSlack)
	}
}

// heapProfiles names a folder (env ARGUS_HEAP_PROFILES) where
// TestViewerCycles1000 writes heap profiles at half and at the end, sampled
// every 256 bytes, to find what grows: `go tool pprof -base half.pprof
// end.pprof`. Empty: none.
var heapProfiles = os.Getenv("ARGUS_HEAP_PROFILES")

func init() {
	if heapProfiles != "" {
		runtime.MemProfileRate = 256
	}
}

// dumpHeap writes the heap profile name.pprof into heapProfiles, when set.
func dumpHeap(t *testing.T, name string) {
	if heapProfiles == "" {
		return
	}
	f, err := os.Create(filepath.Join(heapProfiles, name+".pprof"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		t.Fatal(err)
	}
}

func mib(b uint64) float64 { return float64(b) / (1 << 20) }

// liveHeap returns the bytes of live heap objects after a full collection.
func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// settle waits up to d for the goroutine count to fall to target+slack and returns it.
func settle(target, slack int, d time.Duration) int {
	var n int
	peers.Eventually(d, func() bool { n = runtime.NumGoroutine(); return n <= target+slack })
	return n
}

// TestH265Uplink: an edge relaying an H.265 camera is accepted.
func TestH265Uplink(t *testing.T) {
	_, hs, _ := startSFU(t, nil)
	pc, err := clientAPI(t, nil).NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	track, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeH265, ClockRate: 90000}, "video", "edge")
	if err != nil {
		t.Fatal(err)
	}
	tr, err := pc.AddTransceiverFromTrack(track, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly})
	if err != nil {
		t.Fatal(err)
	}
	var h265 []webrtc.RTPCodecParameters
	for _, c := range tr.Sender().GetParameters().Codecs {
		if strings.EqualFold(c.MimeType, webrtc.MimeTypeH265) {
			h265 = append(h265, c)
		}
	}
	if err := tr.SetCodecPreferences(h265); err != nil {
		t.Fatal(err)
	}
	st, body, loc := post(t, hs.URL+"/whip/cam1", edgeTok, "application/sdp", offer(t, pc))
	if st != http.StatusCreated || !strings.Contains(body, "H265/90000") || loc == "" {
		t.Fatalf("H.265 WHIP: %d %q", st, body)
	}
	// An H.264-only viewer is told what the camera is.
	m := &webrtc.MediaEngine{}
	m.RegisterCodec(webrtc.RTPCodecParameters{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeH264, ClockRate: 90000,
		SDPFmtpLine: "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f"}, PayloadType: 102}, webrtc.RTPCodecTypeVideo)
	vpc, err := clientAPI(t, m).NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	defer vpc.Close()
	vpc.AddTransceiverFromKind(webrtc.RTPCodecTypeVideo, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionRecvonly})
	o, _ := vpc.CreateOffer(nil)
	st, body, _ = post(t, hs.URL+"/whep/cam1", viewerTok, "application/sdp", o.SDP)
	if st != http.StatusUnsupportedMediaType || !strings.Contains(body, "H265") {
		t.Fatalf("H.264-only viewer of an H.265 camera: %d %q", st, body)
	}
}

// TestICETCPFallback: a viewer on a network that drops UDP (simulated by a
// pion client that gathers TCP candidates only) still gets the camera,
// through the SFU's ICE-TCP listener.
func TestICETCPFallback(t *testing.T) {
	aus := clip(t)
	_, hs, _ := startSFU(t, nil)
	publish(t, hs.URL, "cam1", edgeTok, aus)
	v := watchOver(t, clientAPIOver(t, nil, webrtc.NetworkTypeTCP4), hs.URL, "cam1", viewerTok, nil)
	if c := <-v.codec; !strings.EqualFold(c.MimeType, webrtc.MimeTypeH264) {
		t.Fatalf("codec %s over ICE-TCP", c.MimeType)
	}
	v.await(t, 50, 15*time.Second)
	pair, err := selectedPair(v.pc)
	if err != nil {
		t.Fatal(err)
	}
	if pair.Local.Protocol != webrtc.ICEProtocolTCP {
		t.Fatalf("selected candidate pair is %s, want TCP", pair.Local.Protocol)
	}
}

// selectedPair returns the viewer's selected ICE candidate pair.
func selectedPair(pc *webrtc.PeerConnection) (*webrtc.ICECandidatePair, error) {
	for _, tr := range pc.GetTransceivers() {
		if r := tr.Receiver(); r != nil {
			return r.Transport().ICETransport().GetSelectedCandidatePair()
		}
	}
	return nil, errors.New("no receiver")
}
