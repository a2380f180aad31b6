package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/gateway/store"
)

// testAnomalyVerifies files a drone's anomalies under the camera anomaly
// the drone was sent to look at: the field is stored, kept when an end
// comes after the flight without it, and listed by Verifies alone.
func testAnomalyVerifies(t *testing.T, s store.Store) {
	ctx := context.Background()
	fire := event("fire-1", 1, bus.StateStart, "hill", "cam-1", 0)
	seen := event("drone-a1", 2, bus.StateStart, "hill", "drone-1", time.Second)
	seen.Verifies = "fire-1"
	other := event("drone-a2", 3, bus.StateStart, "hill", "drone-1", 2*time.Second)
	end := event("drone-a1", 4, bus.StateEnd, "hill", "drone-1", 3*time.Second) // after the flight: no Verifies
	for _, e := range []bus.Anomaly{fire, seen, other, end} {
		if _, _, _, err := s.PutAnomaly(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	a, err := s.Anomaly(ctx, "drone-a1")
	if err != nil || a.Verifies != "fire-1" || a.State != bus.StateEnd {
		t.Fatalf("drone-a1: %+v, %v: want ended, verifying fire-1", a, err)
	}
	page, err := s.Anomalies(ctx, store.AnomalyQuery{Verifies: "fire-1"})
	if err != nil || len(page.Items) != 1 || page.Items[0].ID != "drone-a1" {
		t.Fatalf("anomalies verifying fire-1: %+v, %v: want drone-a1 alone", page.Items, err)
	}
	if f, _ := s.Anomaly(ctx, "fire-1"); f.Verifies != "" {
		t.Fatalf("the camera's anomaly verifies %q, want nothing", f.Verifies)
	}
}
