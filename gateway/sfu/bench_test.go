package sfu

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"github.com/argus-edge/argus/drivers/peers"
)

// The benchmarks' uplink is simulated: no camera and no encoder, but synthetic
// RTP of the 4 Mbps stream an edge relays. The SFU reads only the NAL unit
// headers (to cache the keyframe group), so sizes, pacing and keyframes
// matter: 30 frames a second of 14 packets with 1200-byte payloads
// (14*1200*8*30 = 4.03 Mbps), each frame's packets written back to back as a
// camera's packetiser would, and every 2 s a keyframe after a STAP-A of SPS
// and PPS, as an edge sends them.
const (
	benchFPS      = 30
	benchPerFrame = 14
	benchPayload  = 1200
	benchClock    = 90000
	benchGOP      = 2 * benchFPS // frames
)

// benchParams is the STAP-A of SPS and PPS sent before each keyframe; its
// byte at offMeasured is not 1, so it is never counted as measured.
var benchParams = []byte{0x78, 0, 4, 0x67, 0x42, 0xe0, 0x1f, 0, 4, 0x68, 0xce, 0x3c, 0x80}

// Payload layout of a synthetic packet: an FU-A-looking header (never parsed),
// the writer's monotonic time in ns since rtpSource.t0, and a flag set on
// packets written inside a measured window.
const (
	offStamp    = 2
	offMeasured = 10
)

// rtpSource is a simulated edge: a WHIP uplink through which the benchmark
// writes paced synthetic RTP itself (publish sends a clip on its own clock).
type rtpSource struct {
	track *webrtc.TrackLocalStaticRTP
	t0    time.Time
	seq   uint16
	ts    uint32
	n     int // packets written
	next  time.Time
	buf   []byte
}

func newRTPSource(tb testing.TB, base, camera string) *rtpSource {
	tb.Helper()
	pc, err := clientAPI(tb, nil).NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { pc.Close() })
	track, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeH264, ClockRate: benchClock}, "video", "edge")
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := pc.AddTransceiverFromTrack(track, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly}); err != nil {
		tb.Fatal(err)
	}
	exchange(tb, pc, base, "/whip/"+camera, edgeTok)
	buf := make([]byte, benchPayload)
	buf[0] = 0x7c // FU-A
	return &rtpSource{track: track, t0: time.Now(), buf: buf}
}

// send writes n packets at the stream's pace, flagged as measured or not.
func (s *rtpSource) send(tb testing.TB, n int, measured bool) {
	tb.Helper()
	if s.next.IsZero() {
		s.next = time.Now()
	}
	for range n {
		s.buf[1] = 0x01 // a fragment of a non-IDR slice
		if s.n%benchPerFrame == 0 {
			if d := time.Until(s.next); d > 0 {
				time.Sleep(d)
			}
			s.next = s.next.Add(time.Second / benchFPS)
			s.ts += benchClock / benchFPS
			if s.n%(benchPerFrame*benchGOP) == 0 {
				s.write(tb, benchParams, false)
				s.buf[1] = 0x85 // the first fragment of an IDR slice
			}
		}
		s.n++
		s.buf[offMeasured] = 0
		if measured {
			s.buf[offMeasured] = 1
		}
		binary.BigEndian.PutUint64(s.buf[offStamp:], uint64(time.Since(s.t0)))
		s.write(tb, s.buf, s.n%benchPerFrame == 0)
	}
}

// write sends one packet of the current frame.
func (s *rtpSource) write(tb testing.TB, payload []byte, marker bool) {
	s.seq++
	pkt := &rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 96, SequenceNumber: s.seq, Timestamp: s.ts, Marker: marker}, Payload: payload}
	if err := s.track.WriteRTP(pkt); err != nil {
		tb.Fatal(err)
	}
}

// warm sends unmeasured packets until ready reports true (every viewer receives).
func (s *rtpSource) warm(tb testing.TB, ready func() bool) {
	tb.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !ready() {
		if time.Now().After(deadline) {
			tb.Fatal("viewers receive nothing within 20s")
		}
		s.send(tb, benchPerFrame, false)
	}
	s.send(tb, 3*benchFPS*benchPerFrame, false) // 3 s more to settle
}

// BenchmarkAddedLatency measures the time from the simulated edge writing a
// packet into its WHIP uplink (before pion's SRTP) to a pion WHEP viewer on
// loopback reading the same packet (after pion's SRTP decryption), with the
// SFU in between; nothing is subtracted, so it includes two SRTP round trips
// and the loopback UDP both ways. One op is one packet of a paced 4 Mbps stream:
// use -benchtime=20s (≈8000 packets) for a meaningful p99. Target: p99 ≤ 5 ms.
func BenchmarkAddedLatency(b *testing.B) {
	_, hs, _ := startSFU(b, nil)
	src := newRTPSource(b, hs.URL, "cam1")
	var (
		mu   sync.Mutex
		lat  = make([]time.Duration, 0, b.N)
		seen atomic.Int64
	)
	watchFunc(b, hs.URL, "cam1", viewerTok, func(p *rtp.Packet) {
		now := time.Since(src.t0)
		seen.Add(1)
		if len(p.Payload) < offMeasured+1 || p.Payload[offMeasured] != 1 {
			return
		}
		d := now - time.Duration(binary.BigEndian.Uint64(p.Payload[offStamp:]))
		mu.Lock()
		lat = append(lat, d)
		mu.Unlock()
	})
	src.warm(b, func() bool { return seen.Load() > 0 })

	b.ResetTimer()
	src.send(b, b.N, true)
	b.StopTimer()
	// The SFU sends a frame once it is complete: end the last one.
	src.send(b, (benchPerFrame-src.n%benchPerFrame)%benchPerFrame, false)
	peers.Eventually(2*time.Second, func() bool { mu.Lock(); defer mu.Unlock(); return len(lat) >= b.N }) // what arrived is counted below
	mu.Lock()
	defer mu.Unlock()
	if len(lat) == 0 {
		b.Fatal("no measured packet reached the viewer")
	}
	slices.Sort(lat)
	pct := func(p float64) float64 {
		return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Nanoseconds()) / 1e3
	}
	b.ReportMetric(0, "ns/op") // the pace, not a cost
	b.ReportMetric(pct(0.50), "p50-µs")
	b.ReportMetric(pct(0.99), "p99-µs")
	b.ReportMetric(float64(lat[len(lat)-1].Nanoseconds())/1e3, "max-µs")
	b.ReportMetric(float64(b.N-len(lat)), "lost")
	b.Logf("%d packets at 4 Mbps: p50 %.0f µs, p99 %.0f µs, max %.0f µs, %d lost (target p99 ≤ 5000 µs)",
		b.N, pct(0.50), pct(0.99), float64(lat[len(lat)-1].Nanoseconds())/1e3, b.N-len(lat))
}

// BenchmarkViewerStreamsPerCore measures the CPU one 4 Mbps camera costs per
// viewer: CPU time (user+system) over a window of paced packets with N viewers,
// minus the same window with none (the uplink's own cost), gives the cores the
// N viewers use, and N over that is viewer-streams per core. One op is one 5 s
// window. The viewers are pion WHEP clients in the benchmark's process; two
// measurements:
//   - sfu=same-process: the SFU runs in the benchmark's process and getrusage
//     counts everything, so the viewers' own reception and SRTP decryption are
//     charged to the SFU: a conservative figure;
//   - sfu=own-process: the SFU runs in a child process (this test binary
//     re-executed, TestSFUChildProcess) and only its CPU is counted, from
//     /proc/<pid>/stat (10 ms ticks): the SFU's own figure.
//
// Target: ≥ 120 viewer-streams per core at 4 Mbps.
func BenchmarkViewerStreamsPerCore(b *testing.B) {
	for _, n := range []int{10, 40} {
		for _, own := range []bool{false, true} {
			name := fmt.Sprintf("viewers=%d/sfu=same-process", n)
			if own {
				name = fmt.Sprintf("viewers=%d/sfu=own-process", n)
			}
			b.Run(name, func(b *testing.B) { benchStreamsPerCore(b, n, own) })
		}
	}
}

const benchWindow = 5 * benchFPS * benchPerFrame // packets in 5 s

func benchStreamsPerCore(b *testing.B, viewers int, ownProcess bool) {
	var base string
	clock := rusage
	if ownProcess {
		var pid int
		base, pid = startChildSFU(b)
		clock = func() time.Duration { return procCPU(b, pid) }
	} else {
		_, hs, _ := startSFU(b, nil)
		base = hs.URL
	}
	src := newRTPSource(b, base, "cam1")
	src.send(b, benchFPS*benchPerFrame, false) // the uplink's track starts
	// Unmeasured: the baseline window without viewers.
	idleCPU, idleWall := cpuOver(clock, func() { src.send(b, benchWindow, false) })

	got := make([]atomic.Int64, viewers)
	var warm atomic.Int64 // viewers that have received
	for i := range viewers {
		var once sync.Once
		watchFunc(b, base, "cam1", viewerTok, func(p *rtp.Packet) {
			once.Do(func() { warm.Add(1) })
			if len(p.Payload) > offMeasured && p.Payload[offMeasured] == 1 {
				got[i].Add(1)
			}
		})
	}
	src.warm(b, func() bool { return warm.Load() == int64(viewers) })

	b.ResetTimer()
	var cpu, wall time.Duration
	for range b.N {
		c, w := cpuOver(clock, func() { src.send(b, benchWindow, true) })
		cpu += c
		wall += w
	}
	b.StopTimer()
	time.Sleep(100 * time.Millisecond) // the last packets in flight
	var received int64
	for i := range got {
		received += got[i].Load()
	}
	sent := int64(b.N * benchWindow * viewers)

	what := "SFU and viewers in one process"
	if ownProcess {
		what = "the SFU's process alone"
	}
	idleCores := idleCPU.Seconds() / idleWall.Seconds()
	cores := cpu.Seconds()/wall.Seconds() - idleCores
	b.ReportMetric(0, "ns/op") // the pace, not a cost
	b.ReportMetric(idleCores, "cores-0-viewers")
	b.ReportMetric(cores, "cores-for-viewers")
	b.ReportMetric(float64(viewers)/cores, "viewer-streams/core")
	b.ReportMetric(float64(sent-received)/float64(sent)*100, "loss-%")
	b.Logf("%d viewers of 4 Mbps: %.3f cores with 0 viewers, %.3f more with %d → %.0f viewer-streams per core (%s); %d of %d packets received (target ≥ 120/core)",
		viewers, idleCores, cores, viewers, float64(viewers)/cores, what, received, sent)
}

// cpuOver runs f and returns the CPU time clock counted and the wall time it took.
func cpuOver(clock func() time.Duration, f func()) (cpu, wall time.Duration) {
	c0, t0 := clock(), time.Now()
	f()
	return clock() - c0, time.Since(t0)
}

// rusage returns this process's user+system CPU time.
func rusage() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		panic(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// procCPU returns process pid's user+system CPU time from /proc (Linux, USER_HZ 100).
func procCPU(tb testing.TB, pid int) time.Duration {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		tb.Fatal(err)
	}
	// after "pid (comm) ": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime
	f := strings.Fields(string(data[bytes.LastIndexByte(data, ')')+1:]))
	if len(f) < 13 {
		tb.Fatalf("/proc/%d/stat: %q", pid, data)
	}
	u, err1 := strconv.ParseInt(f[11], 10, 64)
	s, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		tb.Fatalf("/proc/%d/stat: %q", pid, data)
	}
	return time.Duration(u+s) * (time.Second / 100)
}

// startChildSFU runs TestSFUChildProcess in a re-executed test binary and
// returns the URL it serves the SFU at and its pid; the child ends with b.
func startChildSFU(b *testing.B) (string, int) {
	b.Helper()
	if runtime.GOOS != "linux" {
		b.Skip("reads /proc")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestSFUChildProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), childEnv+"=1")
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		stdin.Close() // the child's signal to end
		cmd.Wait()
	})
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if url, ok := strings.CutPrefix(sc.Text(), childURLPrefix); ok {
			go io.Copy(io.Discard, out)
			return url, cmd.Process.Pid
		}
	}
	b.Fatalf("SFU child process printed no URL: %v", sc.Err())
	return "", 0
}

const (
	childEnv       = "ARGUS_SFU_BENCH_CHILD"
	childURLPrefix = "sfu-url "
)

// TestSFUChildProcess is not a test: BenchmarkViewerStreamsPerCore re-executes
// the test binary to run an SFU in a process of its own, until stdin closes.
func TestSFUChildProcess(t *testing.T) {
	if os.Getenv(childEnv) != "1" {
		t.Skip("the SFU process of BenchmarkViewerStreamsPerCore")
	}
	_, hs, _ := startSFU(t, nil)
	fmt.Println(childURLPrefix + hs.URL)
	io.Copy(io.Discard, os.Stdin)
}
