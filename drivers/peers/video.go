package peers

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Inbound is what a test page's stats(key) returns: the inbound-rtp video
// statistics (getStats) of one of its viewers.
type Inbound struct {
	// State is the viewer's connection state.
	State string `json:"state"`
	// FramesDecoded counts the frames the browser decoded.
	FramesDecoded int `json:"framesDecoded"`
	// FrameWidth and FrameHeight are the decoded picture size.
	FrameWidth  int `json:"frameWidth"`
	FrameHeight int `json:"frameHeight"`
	// Codec is the negotiated codec's MIME type.
	Codec string `json:"codec"`
}

// Eval runs js in the page, awaiting a returned promise, within 90 s.
func Eval[T any](t testing.TB, ctx context.Context, js string) T {
	t.Helper()
	ectx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	v, err := chromedp.Run(ectx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("chromium: %s: %v", js, err)
	}
	return v
}

// Stats reads one viewer's statistics through the page's stats(key).
func Stats(t testing.TB, ctx context.Context, key string) Inbound {
	t.Helper()
	return Eval[Inbound](t, ctx, fmt.Sprintf("stats(%s)", strconv.Quote(key)))
}

// How AwaitDecoding checks that a video plays on: framesDecoded must rise
// between each of risingReads reads, risingEvery apart, after the first
// decoded frame (2 s: 30 frames of a 15 fps camera).
const (
	risingReads = 4
	risingEvery = 500 * time.Millisecond
)

// AwaitDecoding polls the page until viewer key has decoded frames at
// width x height, then checks that framesDecoded keeps rising at that size
// over the next risingReads reads, risingEvery apart: the video plays on,
// it did not just show a picture. It fails the test when no frame is
// decoded within the time given, or when decoding stalls or changes size
// afterwards, and returns the last read.
func AwaitDecoding(t testing.TB, ctx context.Context, key string, width, height int, within time.Duration) Inbound {
	t.Helper()
	deadline := time.Now().Add(within)
	var last Inbound
	for {
		last = Stats(t, ctx, key)
		if last.FramesDecoded > 0 && last.FrameWidth == width && last.FrameHeight == height {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: within %s the browser reached %+v, want frames decoded at %dx%d", key, within, last, width, height)
		}
		time.Sleep(100 * time.Millisecond) // the poll interval of a browser we cannot be notified by
	}
	first := last
	for range risingReads {
		time.Sleep(risingEvery) // frames decoded between two reads: nothing to be notified by
		cur := Stats(t, ctx, key)
		if cur.FramesDecoded <= last.FramesDecoded || cur.FrameWidth != width || cur.FrameHeight != height {
			t.Fatalf("%s: decoding stalled or changed: %+v after %+v (first decoded read %+v), want frames decoded rising at %dx%d every %s",
				key, cur, last, first, width, height, risingEvery)
		}
		last = cur
	}
	return last
}
