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

// AwaitDecoding polls the page until viewer key has decoded frames at
// width x height, then until framesDecoded has risen again: the video
// plays. It fails the test after within.
func AwaitDecoding(t testing.TB, ctx context.Context, key string, width, height int, within time.Duration) Inbound {
	t.Helper()
	deadline := time.Now().Add(within)
	var first, last Inbound
	for {
		last = Stats(t, ctx, key)
		if first.FramesDecoded == 0 && last.FramesDecoded > 0 && last.FrameWidth == width && last.FrameHeight == height {
			first = last
		} else if first.FramesDecoded > 0 && last.FramesDecoded > first.FramesDecoded {
			if last.FrameWidth != width || last.FrameHeight != height {
				t.Fatalf("%s: decoding at %dx%d, want %dx%d", key, last.FrameWidth, last.FrameHeight, width, height)
			}
			return last
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: within %s the browser reached %+v (first good read %+v), want frames decoded rising at %dx%d",
				key, within, last, first, width, height)
		}
		time.Sleep(100 * time.Millisecond) // the poll interval of a browser we cannot be notified by
	}
}
