package hub

import (
	"slices"
	"testing"

	"github.com/argus-edge/argus/drivers/media"
)

// units builds a sequence of synthetic units: a keyframe every gop units.
// Nothing here touches the network; the hub only sees pointers.
func units(n, gop int) []*media.Unit {
	us := make([]*media.Unit, n)
	for i := range us {
		us[i] = &media.Unit{PTS: int64(i), Key: i%gop == 0, Size: 1000}
	}
	return us
}

func drain(r *Reader) []*media.Unit {
	var got []*media.Unit
	for {
		select {
		case u, ok := <-r.Units():
			if !ok {
				return got
			}
			got = append(got, u)
		default:
			return got
		}
	}
}

func TestNewConsumerStartsAtCachedKeyframe(t *testing.T) {
	h := New(Options{Queue: 16})
	s := h.Open("cam")
	us := units(13, 5) // keys at 0, 5, 10
	for _, u := range us {
		s.Publish(u)
	}
	r := s.Subscribe("late")
	got := drain(r)
	if len(got) != 3 || got[0] != us[10] || !got[0].Key {
		t.Fatalf("late consumer got %d units starting at pts %d, want the 3 of the GOP at key 10", len(got), got[0].PTS)
	}
	s.Publish(&media.Unit{PTS: 13, Size: 10})
	if got := drain(r); len(got) != 1 || got[0].PTS != 13 {
		t.Fatalf("live unit after GOP not delivered: %v", got)
	}
}

func TestConsumerWithoutGOPWaitsForKeyframe(t *testing.T) {
	h := New(Options{Queue: 16})
	s := h.Open("cam")
	r := s.Subscribe("early")
	us := units(7, 5)
	for _, u := range us[1:] { // starts mid-GOP: 1..4 are not keys
		s.Publish(u)
	}
	got := drain(r)
	if len(got) != 2 || got[0] != us[5] {
		t.Fatalf("got %d units, want 2 starting at key 5", len(got))
	}
	if r.Dropped() != 0 {
		t.Fatalf("waiting for the first keyframe counted %d drops, want 0", r.Dropped())
	}
}

func TestSlowConsumerDropsAlone(t *testing.T) {
	h := New(Options{Queue: 4})
	s := h.Open("cam")
	slow := s.Subscribe("slow")
	fast := s.Subscribe("fast")
	us := units(20, 10)
	var fastGot int
	for _, u := range us {
		s.Publish(u) // never blocks although slow never reads
		fastGot += len(drain(fast))
	}
	if fastGot != 20 || fast.Dropped() != 0 {
		t.Fatalf("fast consumer got %d, dropped %d; want 20, 0", fastGot, fast.Dropped())
	}
	if slow.Dropped() != 16 {
		t.Fatalf("slow consumer dropped %d, want 16 (4 queued, the rest lost)", slow.Dropped())
	}
	got := drain(slow)
	if len(got) != 4 || got[0] != us[0] {
		t.Fatalf("slow consumer kept %d units", len(got))
	}
	// after a drop it resumes only at a keyframe
	s.Publish(&media.Unit{PTS: 20, Size: 1})
	s.Publish(&media.Unit{PTS: 21, Key: true, Size: 1})
	got = drain(slow)
	if len(got) != 1 || got[0].PTS != 21 {
		t.Fatalf("after drops the slow consumer resumed at %v, want the keyframe 21", got)
	}
	if slow.Dropped() != 17 {
		t.Fatalf("dropped %d, want 17 (the non-key unit skipped while resyncing counts)", slow.Dropped())
	}
}

func TestResetDropsStaleGOP(t *testing.T) {
	h := New(Options{})
	s := h.Open("cam")
	for _, u := range units(3, 5) {
		s.Publish(u)
	}
	s.Reset()
	if n, b := s.GOP(); n != 0 || b != 0 {
		t.Fatalf("GOP after reset: %d units %d bytes", n, b)
	}
	r := s.Subscribe("after-reset")
	s.Publish(&media.Unit{Size: 1})
	if got := drain(r); len(got) != 0 {
		t.Fatalf("consumer got a non-key unit after reset")
	}
}

func TestGOPCacheIsBounded(t *testing.T) {
	h := New(Options{GOPBytes: 3500})
	s := h.Open("cam")
	for _, u := range units(4, 100) { // 4000 bytes without a new keyframe
		s.Publish(u)
	}
	if n, _ := s.GOP(); n != 0 {
		t.Fatalf("GOP over its bound kept %d units", n)
	}
	s.Publish(&media.Unit{Key: true, Size: 10})
	if n, _ := s.GOP(); n != 1 {
		t.Fatalf("GOP did not restart at the next keyframe: %d units", n)
	}
}

func TestRemoveClosesConsumers(t *testing.T) {
	h := New(Options{})
	s := h.Open("cam")
	r := s.Subscribe("x")
	h.Remove("cam")
	if _, ok := <-r.Units(); ok {
		t.Fatal("channel still open after the camera was removed")
	}
	r.Close() // idempotent after the stream closed
	if h.Stream("cam") != nil {
		t.Fatal("stream still listed")
	}
	s.Publish(&media.Unit{Key: true}) // a late publish on a closed stream is ignored
}

func TestCloseReaderDetaches(t *testing.T) {
	h := New(Options{})
	s := h.Open("cam")
	r := s.Subscribe("x")
	r.Close()
	r.Close()
	if len(s.Readers()) != 0 {
		t.Fatal("reader still attached")
	}
	if _, ok := <-r.Units(); ok {
		t.Fatal("channel open after Close")
	}
}

func TestPublishDoesNotAllocate(t *testing.T) {
	h := New(Options{Queue: 64})
	s := h.Open("cam")
	readers := []*Reader{s.Subscribe("a"), s.Subscribe("b"), s.Subscribe("c")}
	us := units(50, 25)
	for _, u := range us { // warm the GOP slice to its working size
		s.Publish(u)
	}
	i := 0
	allocs := testing.AllocsPerRun(1000, func() {
		s.Publish(us[i%len(us)])
		i++
		for _, r := range readers {
			<-r.Units() // each reader is one unit behind at most
		}
	})
	if allocs != 0 {
		t.Fatalf("Publish allocated %.1f times per unit, want 0", allocs)
	}
}

// pts lists the presentation times of units, to compare sequences.
func pts(us []*media.Unit) []int64 {
	out := make([]int64, len(us))
	for i, u := range us {
		out[i] = u.PTS
	}
	return out
}

func TestKeysOnlyReaderTakesKeyframesAlone(t *testing.T) {
	h := New(Options{Queue: 4})
	s := h.Open("cam")
	r := s.Subscribe("idle")
	r.KeysOnly(true)
	for _, u := range units(30, 10) { // keys at 0, 10, 20
		s.Publish(u)
	}
	if got := pts(drain(r)); !slices.Equal(got, []int64{0, 10, 20}) {
		t.Fatalf("a keys-only reader got %v, want the keyframes 0 10 20", got)
	}
	if r.Dropped() != 0 {
		t.Fatalf("units held back counted %d drops, want 0", r.Dropped())
	}
}

func TestKeysOnlyResumesAfterTheLastUnitQueued(t *testing.T) {
	for _, tc := range []struct {
		name string
		play func(s *Stream, r *Reader, us []*media.Unit) []int64 // returns what r got
		want []int64
	}{
		{"after the keyframe: the GOP's units held back come at once, in order", func(s *Stream, r *Reader, us []*media.Unit) []int64 {
			r.KeysOnly(true)
			for _, u := range us[:14] {
				s.Publish(u)
			}
			got := pts(drain(r)) // 0, 10
			r.KeysOnly(false)
			s.Publish(us[14])
			return append(got, pts(drain(r))...)
		}, []int64{0, 10, 11, 12, 13, 14}},
		{"off and on within a GOP: nothing twice", func(s *Stream, r *Reader, us []*media.Unit) []int64 {
			for _, u := range us[:13] {
				s.Publish(u)
			}
			got := pts(drain(r)) // 0..12
			r.KeysOnly(true)
			s.Publish(us[13])
			s.Publish(us[14])
			r.KeysOnly(false)
			return append(got, pts(drain(r))...)
		}, []int64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := New(Options{Queue: 64})
			s := h.Open("cam")
			r := s.Subscribe("analyze")
			if got := tc.play(s, r, units(30, 10)); !slices.Equal(got, tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestKeysOnlyWithoutTheGOPWaitsForAKeyframe(t *testing.T) {
	h := New(Options{Queue: 64, GOPBytes: 3500}) // units are 1000 bytes: the GOP outgrows the cache at its 4th
	s := h.Open("cam")
	r := s.Subscribe("analyze")
	r.KeysOnly(true)
	us := units(30, 10)
	for _, u := range us[:15] {
		s.Publish(u)
	}
	drain(r)
	r.KeysOnly(false)
	s.Publish(us[15])
	if got := drain(r); len(got) != 0 {
		t.Fatalf("got %v mid-GOP with nothing cached to resume from, want nothing until the keyframe", pts(got))
	}
	for _, u := range us[16:21] {
		s.Publish(u)
	}
	if got := pts(drain(r)); !slices.Equal(got, []int64{20}) {
		t.Fatalf("got %v, want the next keyframe 20", got)
	}
}

// leased makes units whose storage counts as freed when their last hold
// is released (media.Unit.Recycle), as a pull's are; freed[i] tells.
func leased(n, gop int) ([]*media.Unit, []bool) {
	us := units(n, gop)
	freed := make([]bool, n)
	for i, u := range us {
		u.Recycle(func() { freed[i] = true })
	}
	return us, freed
}

// freedOnes lists the indexes of the units freed.
func freedOnes(freed []bool) []int {
	var out []int
	for i, f := range freed {
		if f {
			out = append(out, i)
		}
	}
	return out
}

// publish publishes units as a pull does: it gives up its own hold after.
func publish(s *Stream, us []*media.Unit) {
	for _, u := range us {
		s.Publish(u)
		u.Release()
	}
}

func TestUnitsAreFreedOnceTheCacheAndTheConsumersLetGo(t *testing.T) {
	for _, tc := range []struct {
		name string
		play func(t *testing.T, s *Stream, us []*media.Unit) // 12 units, keys at 0, 5, 10
		want []int                                           // the units freed after play
	}{
		{"a consumer releasing all: all but the cached GOP", func(t *testing.T, s *Stream, us []*media.Unit) {
			r := s.Subscribe("releases")
			for _, u := range us {
				s.Publish(u)
				u.Release()
				for _, got := range drain(r) {
					got.Release()
				}
			}
		}, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}},
		{"the cached GOP dropped on Reset", func(t *testing.T, s *Stream, us []*media.Unit) {
			publish(s, us)
			s.Reset()
		}, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}},
		{"a full queue holds what it queued and nothing it dropped", func(t *testing.T, s *Stream, us []*media.Unit) {
			s.Subscribe("never reads") // queue of 2: takes 0 and 1
			publish(s, us)
		}, []int{2, 3, 4, 5, 6, 7, 8, 9}},
		{"a consumer that never releases pins what it got", func(t *testing.T, s *Stream, us []*media.Unit) {
			r := s.Subscribe("keeps")
			for _, u := range us[:7] {
				s.Publish(u)
				u.Release()
				drain(r)
			}
			publish(s, us[7:])
			s.Reset()
		}, []int{9, 10, 11}}, // 7 and 8 wait in its queue
		{"a late consumer is handed the cached GOP held", func(t *testing.T, s *Stream, us []*media.Unit) {
			publish(s, us[:8])
			r := s.Subscribe("late") // gets 5, 6, 7
			s.Reset()
			got := drain(r)
			for _, u := range got[:2] {
				u.Release()
			}
		}, []int{0, 1, 2, 3, 4, 5, 6}},
		{"a keyframe coming lets the GOP go before it is published", func(t *testing.T, s *Stream, us []*media.Unit) {
			r := s.Subscribe("releases")
			for _, u := range us[:10] {
				publish(s, []*media.Unit{u})
				for _, got := range drain(r) {
					got.Release()
				}
			}
			s.KeyframeComing() // 10's first packets: 5..9 go
			if n, _ := s.GOP(); n != 0 {
				t.Fatal("the GOP is still cached")
			}
			late := s.Subscribe("late") // waits for the keyframe
			publish(s, us[10:11])
			if got := drain(late); len(got) != 1 || got[0] != us[10] {
				t.Fatal("the late consumer did not start at the keyframe 10")
			}
		}, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}},
		{"keyframes alone: the units held back are not held", func(t *testing.T, s *Stream, us []*media.Unit) {
			r := s.Subscribe("idle")
			r.KeysOnly(true)
			var got []*media.Unit
			for _, u := range us {
				publish(s, []*media.Unit{u})
				got = append(got, drain(r)...)
			}
			for _, u := range got { // 0, 5, 10
				if u != us[10] {
					u.Release()
				}
			}
			s.Reset()
		}, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := New(Options{Queue: 2}).Open("cam")
			us := units(12, 5)
			freed := make([]bool, len(us))
			for i, u := range us {
				u.Recycle(func() { freed[i] = true })
			}
			tc.play(t, s, us)
			if got := freedOnes(freed); !slices.Equal(got, tc.want) {
				t.Fatalf("freed %v, want %v", got, tc.want)
			}
		})
	}
}
