package sim

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/bluenviron/gortsplib/v4/pkg/base"
	"github.com/bluenviron/gortsplib/v4/pkg/format"
	"github.com/bluenviron/gortsplib/v4/pkg/liberrors"
)

// statusOf returns the RTSP status a DESCRIBE of url gets: 200 when it
// succeeds.
func statusOf(t *testing.T, url string) base.StatusCode {
	t.Helper()
	_, err := describe(t, url)
	var bad liberrors.ErrClientBadStatusCode
	switch {
	case err == nil:
		return base.StatusOK
	case errors.As(err, &bad):
		return bad.Code
	}
	t.Fatalf("%s: %v", url, err)
	return 0
}

// awaitStatus retries DESCRIBE, as a reconnecting edge would, until url
// answers want or the deadline passes.
func awaitStatus(ctx context.Context, t *testing.T, url string, want base.StatusCode) {
	t.Helper()
	retry := time.NewTicker(100 * time.Millisecond)
	defer retry.Stop()
	for statusOf(t, url) != want {
		select {
		case <-retry.C:
		case <-ctx.Done():
			t.Fatalf("%s never answered %d", url, want)
		}
	}
}

// Simulated: a camera flapping on its own schedule (online 1.5 s, offline
// 1 s). A reader is disconnected when it goes, DESCRIBE answers 503 while
// it is gone, and the camera serves again afterwards.
func TestFlap(t *testing.T) {
	t.Parallel()
	cam := Camera{Path: "flap", Scene: tinySpec(Empty, H264), Flap: &Flap{Online: 1500 * time.Millisecond, Offline: time.Second}}
	s := startServer(t, cam)
	ctx := deadline(t)
	p := play(t, s.URL("flap"))
	p.next(ctx, t)
	select {
	case err := <-p.done:
		t.Logf("reader dropped: %v", err)
	case <-ctx.Done():
		t.Fatal("the reader was never dropped")
	}
	if got := statusOf(t, s.URL("flap")); got != base.StatusServiceUnavailable {
		t.Fatalf("offline camera answered %d, want 503", got)
	}
	awaitStatus(ctx, t, s.URL("flap"), base.StatusOK)
	play(t, s.URL("flap")).next(ctx, t)
}

// Simulated: a test takes a camera offline and back with SetOnline.
func TestSetOnline(t *testing.T) {
	t.Parallel()
	s := startServer(t, Camera{Path: "site/cam", Scene: tinySpec(Empty, H264)})
	ctx := deadline(t)
	p := play(t, s.URL("site/cam"))
	p.next(ctx, t)
	if err := s.SetOnline("site/cam", false); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.done:
	case <-ctx.Done():
		t.Fatal("the reader was not dropped")
	}
	if got := statusOf(t, s.URL("site/cam")); got != base.StatusServiceUnavailable {
		t.Fatalf("offline camera answered %d, want 503", got)
	}
	if err := s.SetOnline("site/cam", true); err != nil {
		t.Fatal(err)
	}
	play(t, s.URL("site/cam")).next(ctx, t)
	if got := statusOf(t, s.URL("nowhere")); got != base.StatusNotFound {
		t.Fatalf("unknown path answered %d, want 404", got)
	}
}

// Simulated: a camera that stops sending 1 s after start while its session
// stays open, then is resumed by the test: packets come back with the
// timestamps of the time that passed.
func TestStall(t *testing.T) {
	t.Parallel()
	s := startServer(t, Camera{Path: "stall", Scene: tinySpec(Empty, H264), StallAfter: time.Second})
	ctx := deadline(t)
	p := play(t, s.URL("stall"))
	last := p.next(ctx, t)
	// Silence is an absence: it is seen as no packet for a second.
	quiet := time.NewTimer(time.Second)
	defer quiet.Stop()
	for silent := false; !silent; {
		select {
		case last = <-p.packets:
			quiet.Reset(time.Second)
		case err := <-p.done:
			t.Fatalf("the stalled camera closed the session: %v", err)
		case <-quiet.C:
			silent = true
		case <-ctx.Done():
			t.Fatal("the camera never stalled")
		}
	}
	f, _ := s.feed("stall")
	if n := f.readers.Load(); n != 1 {
		t.Fatalf("%d sessions playing during the stall, want 1", n)
	}
	if err := s.Resume("stall"); err != nil {
		t.Fatal(err)
	}
	next := p.next(ctx, t)
	if gap := next.Timestamp - last.Timestamp; gap < 9000*9 {
		t.Fatalf("timestamps moved %d ticks over a stall of a second or more", gap)
	}
	if next.SequenceNumber != last.SequenceNumber+1 {
		t.Fatalf("sequence %d after %d: packets withheld must not count", next.SequenceNumber, last.SequenceNumber)
	}
}

// Simulated: two cameras share one scene; one breaks every picture NAL
// unit, the other none. The reader of the clean one gets the scene's
// access units unchanged, the reader of the broken one none of its
// pictures intact, while both streams stay valid RTP that depacketizes.
func TestCorrupt(t *testing.T) {
	t.Parallel()
	spec := tinySpec(Empty, H264)
	s := startServer(t, Camera{Path: "clean", Scene: spec}, Camera{Path: "broken", Scene: spec, Corrupt: 1})
	ctx := deadline(t)
	sc, err := s.Scene("clean")
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{}
	decode := newDepacketizer(t, sc.Format(false))
	for _, f := range sc.frames {
		known[string(bytes.Join(decodeFrame(t, decode, f), nil))] = true
	}
	for path, wantIntact := range map[string]bool{"clean": true, "broken": false} {
		p := play(t, s.URL(path))
		decode := newDepacketizer(t, p.format)
		for aus := 0; aus < 15; {
			au, err := decode(p.next(ctx, t))
			if err != nil {
				continue // waiting for a whole access unit
			}
			aus++
			if intact := known[string(bytes.Join(au, nil))]; intact != wantIntact {
				t.Fatalf("%s: access unit %d intact=%v", path, aus, intact)
			}
		}
	}
}

// Simulated: an H.265 camera whose SDP carries no parameter sets; the
// reader finds VPS, SPS and PPS in-band before the keyframe.
func TestInband(t *testing.T) {
	t.Parallel()
	s := startServer(t, Camera{Path: "inband", Scene: tinySpec(Empty, H265), Inband: true})
	ctx := deadline(t)
	p := play(t, s.URL("inband"))
	f, ok := p.format.(*format.H265)
	if !ok || f.VPS != nil || f.SPS != nil || f.PPS != nil {
		t.Fatalf("SDP format %#v, want H.265 without parameter sets", p.format)
	}
	decode := newDepacketizer(t, p.format)
	for {
		au, err := decode(p.next(ctx, t))
		if err != nil || !isKey(H265, au) {
			continue
		}
		var seen [4]bool
		for _, n := range au {
			seen[paramType(H265, n)] = true
		}
		if !seen[1] || !seen[2] || !seen[3] {
			t.Fatalf("keyframe without VPS, SPS and PPS in-band: %v", seen)
		}
		return
	}
}

// Simulated: a camera that wants user admin with a password. Readers
// without or with wrong credentials get 401; the right ones play.
func TestAuth(t *testing.T) {
	t.Parallel()
	s := startServer(t, Camera{Path: "gate", Scene: tinySpec(Empty, H264), User: "admin", Pass: "s3cret"})
	ctx := deadline(t)
	for _, userinfo := range []string{"", "admin:wrong@", "nobody:s3cret@"} {
		url := "rtsp://" + userinfo + s.Addr() + "/gate"
		if got := statusOf(t, url); got != base.StatusUnauthorized {
			t.Fatalf("%q: status %d, want 401", userinfo, got)
		}
	}
	play(t, "rtsp://admin:s3cret@"+s.Addr()+"/gate").next(ctx, t)
}
