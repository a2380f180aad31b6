package store_test

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/argus-edge/argus/drivers/bus"
	"github.com/argus-edge/argus/gateway/store"
)

// testAnomalyPaging walks a listing whose start times tie in threes: every
// anomaly comes exactly once, newest first, ties broken by id.
func testAnomalyPaging(t *testing.T, s store.Store) {
	var want []string
	for i := 0; i < 23; i++ {
		id := fmt.Sprintf("p%02d", i)
		site := []string{"north", "south"}[i%2]
		put(t, s, event(id, uint64(i+1), bus.StateStart, site, "cam-1", time.Duration(i/3)*time.Second))
		want = append(want, id)
	}
	slices.SortFunc(want, func(a, b string) int { // (i/3) desc, then id desc
		var ia, ib int
		fmt.Sscanf(a, "p%d", &ia)
		fmt.Sscanf(b, "p%d", &ib)
		if ia/3 != ib/3 {
			return ib/3 - ia/3
		}
		return ib - ia
	})
	// Plain, and merged from one range per site and shadow flag.
	for _, q := range []store.AnomalyQuery{{Limit: 5}, {Limit: 5, Sites: []string{"south", "north"}, Status: store.StatusOpen}} {
		got, sizes := walk(t, s, q)
		if !slices.Equal(got, want) || !slices.Equal(sizes, []int{5, 5, 5, 5, 3}) {
			t.Errorf("%+v: pages %v gave %v, want %v", q, sizes, got, want)
		}
	}
	page, err := s.Anomalies(context.Background(), store.AnomalyQuery{})
	if err != nil || len(page.Items) != 23 || page.Next != "" {
		t.Errorf("default limit: %d items, next %q, %v", len(page.Items), page.Next, err)
	}
	for _, bad := range []string{"!!!", base64.RawURLEncoding.EncodeToString([]byte("soon|p01")), "cDAx"} {
		if _, err := s.Anomalies(context.Background(), store.AnomalyQuery{Cursor: bad}); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("cursor %q: %v, want ErrInvalid", bad, err)
		}
	}
}

// walk reads every page of q, returning the ids in order and the page sizes.
func walk(t *testing.T, s store.Store, q store.AnomalyQuery) (ids []string, sizes []int) {
	t.Helper()
	for {
		page, err := s.Anomalies(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		sizes = append(sizes, len(page.Items))
		for _, a := range page.Items {
			ids = append(ids, a.ID)
		}
		if page.Next == "" {
			return ids, sizes
		}
		q.Cursor = page.Next
	}
}

// testAnomalyFilters checks each filter alone and together.
func testAnomalyFilters(t *testing.T, s store.Store) {
	ctx := context.Background()
	add := func(id, site, cam, kind, state string, shadow bool, sec int) {
		e := event(id, 1, state, site, cam, time.Duration(sec)*time.Second)
		e.Kind, e.Shadow = kind, shadow
		put(t, s, e)
	}
	add("f1", "north", "cam-1", bus.KindPerson, bus.StateStart, false, 1)
	add("f2", "north", "cam-2", bus.KindFire, bus.StateUpdate, true, 2)
	add("f3", "south", "cam-3", bus.KindPerson, bus.StateEnd, false, 3)
	add("f4", "east", "cam-4", bus.KindVehicle, bus.StateStart, false, 4)
	add("f5", "north", "cam-1", bus.KindPerson, bus.StateEnd, true, 5)
	if _, err := s.Acknowledge(ctx, "f4", "ann", "", t0); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Resolve(ctx, "f5", "ann", "", t0); err != nil {
		t.Fatal(err)
	}
	yes, no := true, false
	many := []string{"north"} // more sites than one query merges: one IN instead
	for i := range 70 {
		many = append(many, fmt.Sprintf("site-%d", i))
	}
	cases := []struct {
		name string
		q    store.AnomalyQuery
		want []string
	}{
		{"all", store.AnomalyQuery{}, []string{"f5", "f4", "f3", "f2", "f1"}},
		{"one site", store.AnomalyQuery{Sites: []string{"north"}}, []string{"f5", "f2", "f1"}},
		{"two sites", store.AnomalyQuery{Sites: []string{"north", "south"}}, []string{"f5", "f3", "f2", "f1"}},
		{"71 sites", store.AnomalyQuery{Sites: many, Status: store.StatusOpen}, []string{"f2", "f1"}},
		{"no site at all", store.AnomalyQuery{Sites: []string{}}, nil},
		{"camera", store.AnomalyQuery{Camera: "cam-1"}, []string{"f5", "f1"}},
		{"kind", store.AnomalyQuery{Kind: bus.KindFire}, []string{"f2"}},
		{"state", store.AnomalyQuery{State: bus.StateEnd}, []string{"f5", "f3"}},
		{"open", store.AnomalyQuery{Status: store.StatusOpen}, []string{"f3", "f2", "f1"}},
		{"open in two sites", store.AnomalyQuery{Sites: []string{"south", "north"}, Status: store.StatusOpen}, []string{"f3", "f2", "f1"}},
		{"live open in one site", store.AnomalyQuery{Sites: []string{"north"}, Status: store.StatusOpen, Shadow: &no}, []string{"f1"}},
		{"acknowledged", store.AnomalyQuery{Status: store.StatusAcknowledged}, []string{"f4"}},
		{"resolved", store.AnomalyQuery{Status: store.StatusResolved}, []string{"f5"}},
		{"shadow", store.AnomalyQuery{Shadow: &yes}, []string{"f5", "f2"}},
		{"live", store.AnomalyQuery{Shadow: &no}, []string{"f4", "f3", "f1"}},
		{"from inclusive, to exclusive", store.AnomalyQuery{From: t0.Add(2 * time.Second), To: t0.Add(4 * time.Second)}, []string{"f3", "f2"}},
		{"together", store.AnomalyQuery{Sites: []string{"north"}, Shadow: &no, Kind: bus.KindPerson}, []string{"f1"}},
	}
	for _, c := range cases {
		page, err := s.Anomalies(ctx, c.q)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		var got []string
		for _, a := range page.Items {
			got = append(got, a.ID)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

// testCounts groups a site's anomalies in a period by shadow, version and kind.
func testCounts(t *testing.T, s store.Store) {
	add := func(id, site, kind string, shadow bool, version, sec int) {
		e := event(id, 1, bus.StateStart, site, "cam-1", time.Duration(sec)*time.Second)
		e.Kind, e.Shadow, e.RuleVersion = kind, shadow, version
		put(t, s, e)
	}
	add("k1", "north", bus.KindPerson, false, 1, 10)
	add("k2", "north", bus.KindPerson, false, 1, 11)
	add("k3", "north", bus.KindFire, false, 1, 12)
	add("k4", "north", bus.KindPerson, true, 2, 13)
	add("k5", "north", bus.KindPerson, true, 2, 14)
	add("k6", "north", bus.KindPerson, true, 2, 15)
	add("k7", "north", bus.KindPerson, true, 2, 20) // at to: outside
	add("k8", "north", bus.KindPerson, false, 1, 9) // before from
	add("k9", "south", bus.KindPerson, false, 1, 12)
	got, err := s.Counts(context.Background(), "north", t0.Add(10*time.Second), t0.Add(20*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	want := []store.Count{
		{Shadow: false, RuleVersion: 1, Kind: bus.KindFire, Count: 1},
		{Shadow: false, RuleVersion: 1, Kind: bus.KindPerson, Count: 2},
		{Shadow: true, RuleVersion: 2, Kind: bus.KindPerson, Count: 3},
	}
	if !slices.Equal(got, want) {
		t.Errorf("counts %+v, want %+v", got, want)
	}
}
