package incidents

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/gateway/store"
)

// BenchmarkObserve is the grouping cost per anomaly event: a mix of
// offline storms over 3 sites, repeats on 1,000 cameras and located fires.
func BenchmarkObserve(b *testing.B) {
	p := places{}
	for i := range 1000 {
		p[fmt.Sprintf("cam%d", i)] = bus.Geo{Lat: 30 + metresNorth(float64(i*300)), Lon: 120}
	}
	e := newEngine(b, Env{Locate: p.locate})
	kinds := []string{bus.KindCameraOffline, bus.KindPerson, bus.KindFire, bus.KindCameraCovered}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		cam := i % 1000
		a := rec(fmt.Sprintf("a%d", i), fmt.Sprintf("site%d", cam%3), fmt.Sprintf("cam%d", cam),
			kinds[i%len(kinds)], bus.StateStart, time.Duration(i)*10*time.Millisecond)
		e.Observe(a)
	}
}

// BenchmarkServiceObserve is grouping plus the incident's write to a
// real SQLite store per anomaly: an offline storm over 3 sites.
func BenchmarkServiceObserve(b *testing.B) {
	st, err := store.OpenSQLite(filepath.Join(b.TempDir(), "argus.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	svc, err := NewService(st, Rules{}, Options{Log: zerolog.Nop()})
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; b.Loop(); i++ {
		site := fmt.Sprintf("s%d", i%3)
		svc.Observe(rec(fmt.Sprintf("o%d", i), site, fmt.Sprintf("%s-cam%d", site, i), bus.KindCameraOffline, bus.StateStart,
			time.Duration(i)*12*time.Millisecond))
	}
}
