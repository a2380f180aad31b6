package directory

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/drivers/peers"
)

// feed hands the directory one retained camera status as its MQTT
// callback would (nil clears it), without a broker: these tests are about
// the catalog; the MQTT path has its own tests against mosquitto.
func feed(t testing.TB, d *Directory, site, camera string, cs *bus.CameraStatus) {
	t.Helper()
	tp, err := bus.ParseTopic(bus.CameraStatusTopic(site, camera))
	if err != nil {
		t.Fatal(err)
	}
	var payload []byte
	if cs != nil {
		if payload, err = json.Marshal(cs); err != nil {
			t.Fatal(err)
		}
	}
	d.status(tp, payload, false)
}

// fleet is 30 cameras over three sites: cam-00..cam-29, site i%3, every
// fifth offline, every other seventh connecting.
func fleet(t *testing.T) *Directory {
	d := New(Options{Broker: "tcp://127.0.0.1:1", Log: peers.TestLog(t)})
	for i := 29; i >= 0; i-- { // out of order: the catalog sorts as it goes
		state := bus.Online
		switch {
		case i%5 == 0:
			state = bus.Offline
		case i%7 == 0:
			state = bus.Connecting
		}
		site := fmt.Sprintf("site-%d", i%3)
		feed(t, d, site, fmt.Sprintf("cam-%02d", i), &bus.CameraStatus{Edge: "edge-a", State: state})
	}
	return d
}

// walk follows the cursors from the first page to the last and returns
// every id seen, checking the limit and, at the end, the total.
func walk(t *testing.T, d *Directory, q CameraQuery) []string {
	t.Helper()
	var ids []string
	for {
		items, total, next := d.Cameras(q)
		if q.Limit > 0 && len(items) > q.Limit {
			t.Fatalf("page of %d over the limit %d", len(items), q.Limit)
		}
		for _, cs := range items {
			ids = append(ids, cs.Camera)
		}
		if next == "" {
			if total != len(ids) {
				t.Fatalf("%+v: total %d, walked %d", q, total, len(ids))
			}
			return ids
		}
		q.Cursor = next
	}
}

func TestCamerasFiltersAndPages(t *testing.T) {
	d := fleet(t)
	all := make([]string, 30)
	for i := range all {
		all[i] = fmt.Sprintf("cam-%02d", i)
	}
	tests := []struct {
		name string
		q    CameraQuery
		want []string
	}{
		{"everything, default limit", CameraQuery{}, all},
		{"everything, pages of 7", CameraQuery{Limit: 7}, all},
		{"star is every site", CameraQuery{Sites: []string{"*"}, Limit: 4}, all},
		{"no sites at all", CameraQuery{Sites: []string{}}, nil},
		{"substring, any case", CameraQuery{Q: "M-1", Limit: 3}, []string{"cam-10", "cam-11", "cam-12", "cam-13", "cam-14", "cam-15", "cam-16", "cam-17", "cam-18", "cam-19"}},
		{"scoped to two sites, then one", CameraQuery{Sites: []string{"site-1", "site-2"}, Site: "site-2", Limit: 2}, []string{"cam-02", "cam-05", "cam-08", "cam-11", "cam-14", "cam-17", "cam-20", "cam-23", "cam-26", "cam-29"}},
		{"a site outside the scope", CameraQuery{Sites: []string{"site-1"}, Site: "site-2"}, nil},
		{"offline", CameraQuery{State: bus.Offline, Limit: 5}, []string{"cam-00", "cam-05", "cam-10", "cam-15", "cam-20", "cam-25"}},
		{"connecting in site-0", CameraQuery{State: bus.Connecting, Site: "site-0"}, []string{"cam-21"}},
		{"no match", CameraQuery{Q: "zzz"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := walk(t, d, tc.q); !slices.Equal(got, tc.want) {
				t.Fatalf("got %v\nwant %v", got, tc.want)
			}
		})
	}
}

func TestCamerasPageBoundsAndCursor(t *testing.T) {
	d := fleet(t)
	items, total, next := d.Cameras(CameraQuery{Limit: 10})
	if len(items) != 10 || total != 30 || next != "cam-09" || items[0].Site != "site-0" || items[0].Edge != "edge-a" {
		t.Fatalf("first page: %d items, total %d, next %q, first %+v", len(items), total, next, items[0])
	}
	// A cursor that is no longer in the catalog still pages on from its place.
	feed(t, d, "site-0", "cam-09", nil)
	items, total, _ = d.Cameras(CameraQuery{Limit: 1, Cursor: next})
	if len(items) != 1 || items[0].Camera != "cam-10" || total != 29 {
		t.Fatalf("after a removed cursor: %+v, total %d", items, total)
	}
	if items, _, _ := d.Cameras(CameraQuery{Limit: 10_000}); len(items) != 29 {
		t.Fatalf("limit over the max: %d items", len(items))
	}
	if items, _, next := d.Cameras(CameraQuery{Cursor: "cam-29"}); len(items) != 0 || next != "" {
		t.Fatalf("past the end: %d items, next %q", len(items), next)
	}
}

func TestMaxLimitCapsAPage(t *testing.T) {
	d := New(Options{Broker: "tcp://127.0.0.1:1", Log: peers.TestLog(t)})
	for i := range MaxLimit + 20 {
		feed(t, d, "s", fmt.Sprintf("c%04d", i), &bus.CameraStatus{Edge: "e", State: bus.Online})
	}
	for _, q := range []CameraQuery{{Limit: MaxLimit + 1}, {Limit: MaxLimit + 1, Q: "c"}} {
		items, total, next := d.Cameras(q)
		if len(items) != MaxLimit || total != MaxLimit+20 || next != items[MaxLimit-1].Camera {
			t.Fatalf("%+v: %d items, total %d, next %q", q, len(items), total, next)
		}
	}
}

func TestSitesCountAsStatusesChange(t *testing.T) {
	d := fleet(t)
	want := []SiteSummary{
		{Site: "site-0", Cameras: 10, Online: 7, Offline: 2}, // 0,15 offline; 21 connecting
		{Site: "site-1", Cameras: 10, Online: 6, Offline: 2}, // 10,25 offline; 7,28 connecting
		{Site: "site-2", Cameras: 10, Online: 7, Offline: 2}, // 5,20 offline; 14 connecting
	}
	if got := d.Sites(); !slices.Equal(got, want) {
		t.Fatalf("sites %+v\nwant %+v", got, want)
	}
	feed(t, d, "site-0", "cam-03", &bus.CameraStatus{Edge: "edge-a", State: bus.Offline}) // online -> offline
	feed(t, d, "site-0", "cam-00", nil)                                                   // an offline one forgotten
	feed(t, d, "site-9", "cam-99", &bus.CameraStatus{Edge: "edge-b", State: bus.Online})  // a new site
	for i := 1; i < 30; i += 3 {
		feed(t, d, "site-1", fmt.Sprintf("cam-%02d", i), nil) // site-1 emptied
	}
	want = []SiteSummary{
		{Site: "site-0", Cameras: 9, Online: 6, Offline: 2},
		{Site: "site-2", Cameras: 10, Online: 7, Offline: 2},
		{Site: "site-9", Cameras: 1, Online: 1},
	}
	if got := d.Sites(); !slices.Equal(got, want) {
		t.Fatalf("after changes: sites %+v\nwant %+v", got, want)
	}
	if d.Len() != 20 || len(d.catalog.entries) != 20 {
		t.Fatalf("%d cameras, %d catalog entries, want 20", d.Len(), len(d.catalog.entries))
	}
}
