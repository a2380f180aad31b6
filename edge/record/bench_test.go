package record

import (
	"testing"
	"time"

	"github.com/argus-edge/argus/drivers/media"
	"github.com/argus-edge/argus/drivers/sim"
)

// BenchmarkRecordUnit is the recorder's cost per frame of a camera with
// 10 s segments: fragmenting, AVCC framing, the write and the segment's
// fsync, on the simulator's H.264 scene. ns/op is per frame; MB/s is the
// video rate it could keep up with on one core.
func BenchmarkRecordUnit(b *testing.B) {
	sc := scene(b, sim.H264)
	var units []*media.Unit
	size := 0
	for u := range sc.Replay(time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC), time.Duration(sc.Frames())*time.Second/10) {
		units = append(units, u)
		size += u.Size
	}
	b.SetBytes(int64(size / len(units)))
	dir := b.TempDir()
	var f *file
	var loop int64
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		src := units[i%len(units)]
		if i%len(units) == 0 && i > 0 {
			loop += units[len(units)-1].PTS + clockRate/10
		}
		u := *src
		u.PTS = src.PTS + loop
		u.NTP = u.NTP.Add(time.Duration(loop) * time.Second / clockRate)
		if f != nil && u.Key && f.spanTo(&u) >= 10*time.Second {
			if _, err := f.close(); err != nil {
				b.Fatal(err)
			}
			f = nil
		}
		if f == nil {
			if !u.Key {
				continue
			}
			codec, err := codecOf(&u)
			if err != nil {
				b.Fatal(err)
			}
			if f, err = createFile(dir, &u, codec); err != nil {
				b.Fatal(err)
			}
			continue
		}
		if err := f.add(&u); err != nil {
			b.Fatal(err)
		}
	}
}
