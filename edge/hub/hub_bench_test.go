package hub

import "testing"

// BenchmarkPublish measures the fan-out of one unit to 3 consumers (say
// detection, relay and clips), each drained by its own goroutine. Run with
// -benchmem: allocs/op is the figure the README reports.
func BenchmarkPublish(b *testing.B) {
	h := New(Options{Queue: 256})
	s := h.Open("cam")
	done := make(chan struct{})
	for _, name := range []string{"detect", "relay", "clips"} {
		r := s.Subscribe(name)
		go func() {
			for range r.Units() {
			}
			done <- struct{}{}
		}()
	}
	us := units(50, 50)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s.Publish(us[i%len(us)])
	}
	b.StopTimer()
	h.Remove("cam")
	for range 3 {
		<-done
	}
}
