package analyze

import (
	"testing"
	"time"

	"github.com/argus-edge/argus/drivers/media"
)

// Synthetic units (no picture: none reaches the decoder): a camera whose
// analysis is more than MaxLag behind skips, without decoding, to the
// next keyframe, counting as shed the frames the pacer would have
// analysed (5 of the 15 fps); a fresh keyframe ends the skip.
func TestBehindSkipsToTheNextKeyframe(t *testing.T) {
	w := testWorker(t, Camera{ID: "c", Site: "s"}, nil, &recorder{}, "")
	w.maxLag = time.Second
	w.analysed.Store(1) // past its first look
	w.pace.observe(time.Now(), true, false)
	old := time.Now().Add(-3 * time.Second)
	skipped := 0
	for i := range 30 { // two seconds at 15 fps, 3 s late, one keyframe in the middle
		u := &media.Unit{NTP: old.Add(time.Duration(i) * time.Second / 15), Key: i == 15}
		if w.behind(u) {
			skipped++
		}
	}
	if skipped != 30 {
		t.Fatalf("%d of 30 late units skipped, want all (the keyframe was late too)", skipped)
	}
	if n := w.load.shed.byReason()[ShedLag]; n < 9 || n > 11 {
		t.Fatalf("%d frames counted shed for lag, want 10 (2 s at active_fps 5)", n)
	}
	if w.behind(&media.Unit{NTP: time.Now().Add(-100 * time.Millisecond)}) == false {
		t.Fatal("a fresh P-frame was taken in the middle of a skip")
	}
	if w.behind(&media.Unit{NTP: time.Now().Add(-100 * time.Millisecond), Key: true}) {
		t.Fatal("a fresh keyframe did not end the skip")
	}
	if w.lag() > time.Second {
		t.Fatalf("lag %s after a fresh unit", w.lag())
	}
}
