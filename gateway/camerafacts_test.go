package main

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/gateway/store"
)

// The mirror answers as the store does after each refresh: a camera put,
// then edited (its power area moved, its view dropped), then deleted; a
// camera without any fact answers as an unknown one. A real SQLite store.
func TestCameraFactsFollowTheInventory(t *testing.T) {
	ctx := context.Background()
	st, err := store.OpenSQLite(filepath.Join(t.TempDir(), "g.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	put := func(c store.Camera) {
		t.Helper()
		c.Site, c.Name, c.Main, c.Transport, c.Weight = "north", c.ID, "rtsp://10.0.0.1/"+c.ID, "tcp", 1
		if _, _, err := st.PutCamera(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	put(store.Camera{ID: "cam-1", Location: &bus.Geo{Lat: 45, Lon: 7}, View: &store.CameraView{Heading: 90, FOV: 60, Range: 500}, PowerArea: "feeder-a"})
	put(store.Camera{ID: "cam-2"})
	f := newCameraFacts(st, zerolog.Nop())
	f.refresh()
	c, ok := f.camera("cam-1")
	if !ok || c.power != "feeder-a" || c.location == nil || c.location.Lat != 45 || c.view == nil || c.view.FOV != 60 {
		t.Fatalf("cam-1: %+v %v", c, ok)
	}
	if c, ok := f.camera("cam-2"); ok {
		t.Fatalf("cam-2 has no facts, got %+v", c)
	}
	put(store.Camera{ID: "cam-1", Location: &bus.Geo{Lat: 46, Lon: 7}, PowerArea: "feeder-b"})
	f.refresh()
	if c, ok := f.camera("cam-1"); !ok || c.power != "feeder-b" || c.location.Lat != 46 || c.view != nil {
		t.Fatalf("cam-1 after its edit: %+v %v", c, ok)
	}
	if _, err := st.DeleteCamera(ctx, "cam-1", "admin", time.Now()); err != nil {
		t.Fatal(err)
	}
	f.refresh()
	if c, ok := f.camera("cam-1"); ok {
		t.Fatalf("cam-1 deleted, still %+v", c)
	}
}
