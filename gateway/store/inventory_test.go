package store_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/gateway/store"
)

// cam is a registered camera of site with the defaults the gateway applies.
func cam(id, site string) store.Camera {
	return store.Camera{ID: id, Site: site, Name: "Camera " + id, Main: "rtsp://10.0.0.1/" + id, Transport: "tcp",
		PasswordEnv: "CAM_PASSWORD", Weight: 1, UpdatedBy: "ann", UpdatedAt: t0}
}

// testInventoryPut: create, change, no change (no new revision), read,
// delete (a tombstone the feed shows), create again over the tombstone.
func testInventoryPut(t *testing.T, s store.Store) {
	ctx := context.Background()
	c := cam("gate-1", "north")
	c.Location = &bus.Geo{Lat: 45.1, Lon: 7.6, Alt: 230}
	c.View, c.PowerArea = &store.CameraView{Heading: 270, FOV: 60, Range: 800}, "feeder-7"
	rec, ch, err := s.PutCamera(ctx, c)
	if err != nil || ch != store.Created || rec.Revision != 1 || !rec.CreatedAt.Equal(t0) {
		t.Fatalf("create: %+v %s %v", rec, ch, err)
	}
	got, err := s.Camera(ctx, "gate-1")
	if err != nil || got.Location == nil || *got.Location != *c.Location || got.PasswordEnv != "CAM_PASSWORD" ||
		got.View == nil || *got.View != *c.View || got.PowerArea != "feeder-7" ||
		got.UpdatedBy != "ann" || got.Weight != 1 || got.Revision != 1 {
		t.Fatalf("read back: %+v %v", got, err)
	}
	c.UpdatedAt, c.UpdatedBy = t0.Add(time.Hour), "bob"
	if rec, ch, err = s.PutCamera(ctx, c); err != nil || ch != store.Unchanged || rec.Revision != 1 || rec.UpdatedBy != "ann" {
		t.Fatalf("same again: %+v %s %v (must keep revision and author)", rec, ch, err)
	}
	c.Name, c.Location, c.View = "Main gate", nil, nil
	if rec, ch, err = s.PutCamera(ctx, c); err != nil || ch != store.Updated || rec.Revision != 2 ||
		!rec.CreatedAt.Equal(t0) || !rec.UpdatedAt.Equal(t0.Add(time.Hour)) || rec.UpdatedBy != "bob" {
		t.Fatalf("change: %+v %s %v", rec, ch, err)
	}
	if got, _ = s.Camera(ctx, "gate-1"); got.Location != nil || got.View != nil || got.Name != "Main gate" {
		t.Fatalf("changed: %+v", got)
	}
	old, err := s.DeleteCamera(ctx, "gate-1", "carl", t0.Add(2*time.Hour))
	if err != nil || old.Name != "Main gate" {
		t.Fatalf("delete: %+v %v", old, err)
	}
	if _, err := s.Camera(ctx, "gate-1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("deleted camera read: %v", err)
	}
	if _, err := s.DeleteCamera(ctx, "gate-1", "carl", t0); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("deleted twice: %v", err)
	}
	inv, err := s.ListInventory(ctx, 2, 0)
	if err != nil || len(inv.Changes) != 1 || !inv.Changes[0].Deleted || inv.Changes[0].UpdatedBy != "carl" || inv.Revision != 3 || inv.More {
		t.Fatalf("feed after delete: %+v %v", inv, err)
	}
	c.UpdatedAt = t0.Add(3 * time.Hour)
	if rec, ch, err = s.PutCamera(ctx, c); err != nil || ch != store.Created || rec.Revision != 4 || !rec.CreatedAt.Equal(c.UpdatedAt) {
		t.Fatalf("created again: %+v %s %v", rec, ch, err)
	}
	for _, bad := range []store.Camera{
		{}, func() store.Camera { c := cam("Bad ID", "north"); return c }(),
		func() store.Camera { c := cam("x", ""); return c }(),
		func() store.Camera { c := cam("x", "north"); c.Transport = "quic"; return c }(),
		func() store.Camera { c := cam("x", "north"); c.Weight = 0; return c }(),
		func() store.Camera { c := cam("x", "north"); c.Pin = "Edge A"; return c }(),
	} {
		if _, _, err := s.PutCamera(ctx, bad); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("%+v: %v, want ErrInvalid", bad, err)
		}
	}
}

// testInventoryImport: one transaction that creates, updates and leaves
// alone; a dry run that counts and writes nothing; a refusal in scope or a
// duplicate that writes nothing.
func testInventoryImport(t *testing.T, s store.Store) {
	ctx := context.Background()
	var cams []store.Camera
	for i := range 1000 { // several read and write batches
		cams = append(cams, cam(fmt.Sprintf("c%04d", i), []string{"north", "south"}[i%2]))
	}
	res, err := s.ImportCameras(ctx, cams, store.ImportOptions{By: "ann", At: t0, DryRun: true})
	if err != nil || res.Created != 1000 || res.Updated != 0 {
		t.Fatalf("dry run: %+v %v", res, err)
	}
	if p, _ := s.Cameras(ctx, store.CameraQuery{}); len(p.Items) != 0 {
		t.Fatalf("dry run wrote %d cameras", len(p.Items))
	}
	if res, err = s.ImportCameras(ctx, cams, store.ImportOptions{By: "ann", At: t0}); err != nil || res.Created != 1000 || len(res.Changed) != 1000 {
		t.Fatalf("import: %+v %v", res, err)
	}
	cams[3].Name, cams[998].Disabled = "renamed", true
	cams = append(cams, cam("c9999", "north"))
	res, err = s.ImportCameras(ctx, cams, store.ImportOptions{By: "bob", At: t0.Add(time.Hour)})
	if err != nil || res.Created != 1 || res.Updated != 2 || res.Unchanged != 998 ||
		!slices.Equal(res.Changed, []string{"c0003", "c0998", "c9999"}) {
		t.Fatalf("re-import: %+v %v", res, err)
	}
	inv, err := s.ListInventory(ctx, 1000, 10)
	if err != nil || len(inv.Changes) != 3 || inv.Changes[0].ID != "c0003" || inv.Changes[0].UpdatedBy != "bob" ||
		!inv.Changes[0].CreatedAt.Equal(t0) || inv.Revision != 1003 {
		t.Fatalf("feed after re-import: %+v %v", inv, err)
	}
	counts, err := s.CameraCounts(ctx)
	want := []store.SiteCameras{{Site: "north", Cameras: 501, Disabled: 1}, {Site: "south", Cameras: 500}}
	if err != nil || !slices.Equal(counts, want) {
		t.Fatalf("counts %+v %v, want %+v", counts, err, want)
	}

	// Scope: bob of north may not move c0001 from south, nor add at south.
	north := func(site string) bool { return site == "north" }
	moved := cam("c0001", "north")
	_, err = s.ImportCameras(ctx, []store.Camera{cam("c0000", "north"), moved, cam("new-1", "north"), cam("new-2", "south")},
		store.ImportOptions{By: "bob", Allowed: north})
	var scope *store.OutOfScope
	if !errors.As(err, &scope) || !slices.Equal(scope.Index, []int{1, 3}) || !slices.Equal(scope.Sites, []string{"south", "south"}) {
		t.Fatalf("out of scope: %v %+v", err, scope)
	}
	if _, err := s.Camera(ctx, "new-1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a refused import wrote: %v", err)
	}
	if _, err := s.ImportCameras(ctx, []store.Camera{cam("d1", "north"), cam("d1", "north")}, store.ImportOptions{}); !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("duplicate ids: %v", err)
	}
	if inv, _ := s.ListInventory(ctx, 0, 5000); inv.Revision != 1003 || len(inv.Changes) != 1001 || inv.More {
		t.Fatalf("the refused imports changed the feed: revision %d, %d changes", inv.Revision, len(inv.Changes))
	}
}

// testInventoryList pages by id, filters by sites, one site and a search
// of id or name (wildcards taken literally), and follows the feed in batches.
func testInventoryList(t *testing.T, s store.Store) {
	ctx := context.Background()
	var cams []store.Camera
	for i := range 25 {
		c := cam(fmt.Sprintf("cam-%02d", i), []string{"north", "south", "east"}[i%3])
		if i == 7 {
			c.Name = "River 100% view_A"
		}
		cams = append(cams, c)
	}
	if _, err := s.ImportCameras(ctx, cams, store.ImportOptions{By: "ann", At: t0}); err != nil {
		t.Fatal(err)
	}
	var ids []string
	q := store.CameraQuery{Limit: 10}
	for {
		p, err := s.Cameras(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range p.Items {
			ids = append(ids, c.ID)
		}
		if p.Next == "" {
			break
		}
		q.Cursor = p.Next
	}
	if len(ids) != 25 || !slices.IsSorted(ids) {
		t.Fatalf("paged ids %v", ids)
	}
	for _, c := range []struct {
		q    store.CameraQuery
		want int
	}{
		{store.CameraQuery{Site: "north"}, 9},
		{store.CameraQuery{Sites: []string{"north", "south"}}, 17},
		{store.CameraQuery{Sites: []string{}}, 0},
		{store.CameraQuery{Sites: []string{"east"}, Site: "north"}, 0},
		{store.CameraQuery{Q: "CAM-1"}, 10},
		{store.CameraQuery{Q: "100% VIEW_a"}, 1},
		{store.CameraQuery{Q: "%"}, 1},
		{store.CameraQuery{Q: "_"}, 1},
	} {
		p, err := s.Cameras(ctx, c.q)
		if err != nil || len(p.Items) != c.want {
			t.Errorf("%+v: %d cameras %v, want %d", c.q, len(p.Items), err, c.want)
		}
	}
	var fed []string
	since := int64(0)
	for range 10 {
		inv, err := s.ListInventory(ctx, since, 7)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range inv.Changes {
			fed = append(fed, c.ID)
		}
		since = inv.Revision
		if !inv.More {
			break
		}
	}
	if len(fed) != 25 || since != 25 {
		t.Fatalf("feed in batches of 7: %d changes to revision %d", len(fed), since)
	}
}

// testInventoryConcurrent: writers racing take distinct, gap-free
// revisions, so a follower of the feed misses nothing.
func testInventoryConcurrent(t *testing.T, s store.Store) {
	ctx := context.Background()
	errs := make(chan error, 8)
	for w := range 8 {
		go func() {
			for i := range 10 {
				c := cam(fmt.Sprintf("w%d-%d", w, i), "north")
				if _, _, err := s.PutCamera(ctx, c); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	inv, err := s.ListInventory(ctx, 0, 500)
	if err != nil || len(inv.Changes) != 80 {
		t.Fatalf("%d changes %v", len(inv.Changes), err)
	}
	for i, c := range inv.Changes {
		if c.Revision != int64(i+1) {
			t.Fatalf("change %d has revision %d: revisions must be 1..80 without gaps", i, c.Revision)
		}
	}
}
