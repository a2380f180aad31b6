package airspace

import (
	"math"
	"testing"
)

func TestSegmentsMeet(t *testing.T) {
	cases := []struct {
		name       string
		a, b, c, d vec
		want       bool
	}{
		{"crossing", vec{0, 0}, vec{10, 10}, vec{0, 10}, vec{10, 0}, true},
		{"apart", vec{0, 0}, vec{10, 0}, vec{0, 1}, vec{10, 1}, false},
		{"touching at an end", vec{0, 0}, vec{10, 0}, vec{5, 0}, vec{5, 5}, true},
		{"sharing an end", vec{0, 0}, vec{10, 0}, vec{10, 0}, vec{20, 5}, true},
		{"collinear overlapping", vec{0, 0}, vec{10, 0}, vec{5, 0}, vec{15, 0}, true},
		{"collinear apart", vec{0, 0}, vec{10, 0}, vec{11, 0}, vec{15, 0}, false},
		{"would cross if longer", vec{0, 0}, vec{4, 4}, vec{0, 10}, vec{10, 0}, false},
		{"a point on a segment", vec{5, 0}, vec{5, 0}, vec{0, 0}, vec{10, 0}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, got := range []bool{
				segmentsMeet(tc.a, tc.b, tc.c, tc.d), segmentsMeet(tc.b, tc.a, tc.c, tc.d),
				segmentsMeet(tc.c, tc.d, tc.a, tc.b), segmentsMeet(tc.d, tc.c, tc.b, tc.a),
			} {
				if got != tc.want {
					t.Fatalf("meet = %v, want %v", got, tc.want)
				}
			}
		})
	}
}

func TestInside(t *testing.T) {
	// The U of the pre-flight tests, in metres.
	u := []vec{{0, 0}, {600, 0}, {600, 600}, {400, 600}, {400, 200}, {200, 200}, {200, 600}, {0, 600}}
	cases := []struct {
		p    vec
		want bool
	}{
		{vec{100, 100}, true}, {vec{300, 100}, true}, {vec{300, 400}, false}, {vec{700, 100}, false},
		{vec{0, 300}, true},   // on an edge
		{vec{400, 200}, true}, // on a vertex
		{vec{300, 200}, true}, // on the notch's floor
		{vec{300, 200.01}, false},
	}
	for _, tc := range cases {
		if got := inside(u, tc.p); got != tc.want {
			t.Errorf("inside(%v) = %v, want %v", tc.p, got, tc.want)
		}
	}
	// Along the boundary is inside; across the notch is not.
	if at, out := leaves(u, vec{200, 500}, vec{200, 300}); out {
		t.Errorf("a leg along the fence leaves it at %v", at)
	}
	if at, out := leaves(u, vec{100, 500}, vec{500, 500}); !out || dist(at, vec{200, 500}) > 1e-6 {
		t.Errorf("leaves = %v, %v; want (200, 500)", at, out)
	}
	if at, out := leaves(u, vec{500, 500}, vec{100, 500}); !out || dist(at, vec{400, 500}) > 1e-6 {
		t.Errorf("leaves backwards = %v, %v; want (400, 500)", at, out)
	}
}

// The projection round-trips and measures a degree of latitude right.
func TestProjection(t *testing.T) {
	p := newProjection(Point{22.54, 114.05})
	q := Point{22.55, 114.06}
	back := p.point(p.xy(q))
	if math.Abs(back.Lat-q.Lat) > 1e-12 || math.Abs(back.Lon-q.Lon) > 1e-12 {
		t.Errorf("round trip %v, want %v", back, q)
	}
	// 0.01° of latitude is 1111.95 m; of longitude at 22.54° N, 1027.1 m.
	v := p.xy(q)
	if math.Abs(v.y-1111.95) > 0.1 || math.Abs(v.x-1027.1) > 0.5 {
		t.Errorf("xy = %v", v)
	}
}
