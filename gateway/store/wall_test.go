package store_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/argus-edge/argus/gateway/store"
)

// testWall puts, refreshes, dismisses and re-adds cameras.
func testWall(t *testing.T, s store.Store) {
	ctx := context.Background()
	steps := []struct {
		name string
		do   func() error
		want string // camera:anomaly@added-seconds, oldest first
	}{
		{"put cam-1", func() error {
			return s.PutWall(ctx, store.WallEntry{Camera: "cam-1", Site: "north", Anomaly: "a1", Kind: "fire", Severity: "high", Reason: "anomaly", Added: t0})
		}, "cam-1:a1@0"},
		{"put cam-2", func() error {
			return s.PutWall(ctx, store.WallEntry{Camera: "cam-2", Site: "north", Reason: "by hand", Added: t0.Add(time.Second)})
		}, "cam-1:a1@0 cam-2:@1"},
		{"a new anomaly refreshes cam-1 in place", func() error {
			return s.PutWall(ctx, store.WallEntry{Camera: "cam-1", Site: "north", Anomaly: "a3", Kind: "smoke", Severity: "critical", Reason: "anomaly", Added: t0.Add(2 * time.Second)})
		}, "cam-1:a3@0 cam-2:@1"},
		{"dismiss cam-1", func() error { return s.DismissWall(ctx, "cam-1", "ann", t0.Add(3*time.Second)) }, "cam-2:@1"},
		{"a later anomaly puts cam-1 back", func() error {
			return s.PutWall(ctx, store.WallEntry{Camera: "cam-1", Site: "north", Anomaly: "a4", Reason: "anomaly", Added: t0.Add(4 * time.Second)})
		}, "cam-2:@1 cam-1:a4@4"},
	}
	for _, st := range steps {
		if err := st.do(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if got := wallOf(t, s); got != st.want {
			t.Errorf("%s: wall %q, want %q", st.name, got, st.want)
		}
	}
	w, _ := s.Wall(ctx)
	if w[1].Severity != "" || w[1].Kind != "" || w[0].Reason != "by hand" {
		t.Errorf("entries: %+v", w)
	}
	if err := s.DismissWall(ctx, "cam-9", "ann", t0); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("dismiss a camera not on the wall: %v", err)
	}
	if err := s.PutWall(ctx, store.WallEntry{Site: "north"}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("no camera: %v", err)
	}
}

// wallOf renders the wall as camera:anomaly@seconds-after-t0.
func wallOf(t *testing.T, s store.Store) string {
	t.Helper()
	w, err := s.Wall(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := ""
	for i, e := range w {
		if i > 0 {
			out += " "
		}
		out += fmt.Sprintf("%s:%s@%d", e.Camera, e.Anomaly, e.Added.Sub(t0)/time.Second)
	}
	return out
}
