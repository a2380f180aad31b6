package fleet

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// fleetOf makes a seeded random district: sites × perSite cameras and
// edges with capacities 1 or, when mixed, 1 to 3.
func fleetOf(seed uint64, sites, perSite, edges int, mixed bool) ([]Unit, []Node) {
	r := rand.New(rand.NewPCG(seed, 1))
	var us []Unit
	for s := range sites {
		for c := range perSite {
			us = append(us, Unit{ID: fmt.Sprintf("cam-%d-%d-%d", s, c, r.IntN(1000)), Site: fmt.Sprintf("site-%d", s)})
		}
	}
	var ns []Node
	for e := range edges {
		n := Node{ID: fmt.Sprintf("edge-%03d", e), Capacity: 1}
		if mixed {
			n.Capacity = float64(1 + r.IntN(3))
		}
		ns = append(ns, n)
	}
	return us, ns
}

// loads sums the units' weights per edge.
func loads(us []Unit, p Placement) map[string]float64 {
	l := map[string]float64{}
	for _, u := range us {
		l[p[u.ID]] += weight(u)
	}
	return l
}

// checkBalanced fails when a unit is unplaced or on an unusable edge, or
// an edge is above ceil(1.05 × its share).
func checkBalanced(t *testing.T, us []Unit, ns []Node, p Placement) {
	t.Helper()
	usable := map[string]float64{}
	var capTotal, total float64
	for _, n := range ns {
		if !n.Draining {
			usable[n.ID] = capacity(n)
			capTotal += capacity(n)
		}
	}
	for _, u := range us {
		total += weight(u)
		if _, ok := usable[p[u.ID]]; !ok {
			t.Fatalf("unit %s on %q, not a usable edge", u.ID, p[u.ID])
		}
	}
	for e, l := range loads(us, p) {
		if bound := math.Ceil(Balance * total * usable[e] / capTotal); l > bound {
			t.Errorf("edge %s load %v > bound %v", e, l, bound)
		}
	}
}

func moved(a, b Placement) int {
	n := 0
	for id, e := range a {
		if b[id] != e {
			n++
		}
	}
	return n
}

func TestPlaceProperties(t *testing.T) {
	for seed := range uint64(20) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			mixed := seed%2 == 1
			us, ns := fleetOf(seed, 10, 100, 12, mixed)
			p := Place(us, ns, nil)
			checkBalanced(t, us, ns, p)
			if again := Place(us, ns, p); moved(p, again) != 0 {
				t.Fatalf("re-placing the same fleet moved %d units", moved(p, again))
			}
			if cold := Place(us, ns, nil); moved(p, cold) != 0 {
				t.Fatalf("placement is not deterministic: %d differ", moved(p, cold))
			}

			// Loss of two edges: only their units move.
			dead := map[string]bool{ns[3].ID: true, ns[7].ID: true}
			var alive []Node
			for _, n := range ns {
				if !dead[n.ID] {
					alive = append(alive, n)
				}
			}
			orphans := 0
			for _, e := range p {
				if dead[e] {
					orphans++
				}
			}
			lost := Place(us, alive, p)
			checkBalanced(t, us, alive, lost)
			for id, e := range p {
				if !dead[e] && lost[id] != e {
					t.Fatalf("loss moved %s from live %s to %s", id, e, lost[id])
				}
			}
			if m := moved(p, lost); m != orphans {
				t.Fatalf("loss moved %d, orphans %d", m, orphans)
			}

			// They come back: each takes about its share, no more than 1.2×.
			back := Place(us, ns, lost)
			checkBalanced(t, us, ns, back)
			var share float64
			for e := range dead {
				share += shareOf(us, ns, e)
			}
			if m := moved(lost, back); float64(m) > 1.2*share || float64(m) < 0.8*share {
				t.Fatalf("join moved %d, their share is %.1f", m, share)
			}
			if m := moved(back, Place(us, ns, back)); m != 0 {
				t.Fatalf("after the join, re-placing moved %d", m)
			}
		})
	}
}

func shareOf(us []Unit, ns []Node, id string) float64 {
	var capTotal, c float64
	for _, n := range ns {
		if !n.Draining {
			capTotal += capacity(n)
			if n.ID == id {
				c = capacity(n)
			}
		}
	}
	var total float64
	for _, u := range us {
		total += weight(u)
	}
	return total * c / capTotal
}

func TestPlaceDrainMovesOnlyTheDrained(t *testing.T) {
	us, ns := fleetOf(7, 5, 80, 6, false)
	p := Place(us, ns, nil)
	ns[2].Draining = true
	d := Place(us, ns, p)
	checkBalanced(t, us, ns, d)
	for id, e := range p {
		if e == ns[2].ID && d[id] == e {
			t.Fatalf("%s stayed on draining %s", id, e)
		}
		if e != ns[2].ID && d[id] != e {
			t.Fatalf("drain moved %s off %s", id, e)
		}
	}
}

func TestPlacePins(t *testing.T) {
	us, ns := fleetOf(3, 4, 50, 5, false)
	us[0].Pin, us[1].Pin = ns[4].ID, "edge-gone"
	us[2].Pin, us[2].Drone = ns[1].ID, true
	p := Place(us, ns, nil)
	if p[us[0].ID] != ns[4].ID || p[us[2].ID] != ns[1].ID {
		t.Fatalf("pins not honoured: %s on %s, %s on %s", us[0].ID, p[us[0].ID], us[2].ID, p[us[2].ID])
	}
	if p[us[1].ID] == "" {
		t.Fatal("a unit pinned to a dead edge was not placed")
	}
	// A pin wins over the previous owner and is not taken by a new edge.
	prev := Placement{us[0].ID: ns[0].ID}
	if q := Place(us, ns, prev); q[us[0].ID] != ns[4].ID {
		t.Fatalf("pin lost to the previous owner: %s", q[us[0].ID])
	}
}

func TestPlaceEdgeCases(t *testing.T) {
	us, _ := fleetOf(1, 2, 3, 0, false)
	if p := Place(us, nil, nil); len(p) != 0 {
		t.Fatalf("no edges: placed %d", len(p))
	}
	if p := Place(us, []Node{{ID: "a", Draining: true}}, nil); len(p) != 0 {
		t.Fatalf("only a draining edge: placed %d", len(p))
	}
	if p := Place(nil, []Node{{ID: "a"}}, nil); len(p) != 0 {
		t.Fatalf("no units: %v", p)
	}
	// Duplicate edge ids count once; weights of 0 count as 1.
	p := Place(us, []Node{{ID: "a"}, {ID: "a"}, {ID: "b"}}, nil)
	checkBalanced(t, us, []Node{{ID: "a"}, {ID: "b"}}, p)
}

// TestPlaceSiteAffinity shows affinity: a site's cameras sit on fewer
// edges than pure rendezvous hashing would spread them over.
func TestPlaceSiteAffinity(t *testing.T) {
	us, ns := fleetOf(11, 20, 100, 24, false)
	p := Place(us, ns, nil)
	per := map[string]map[string]bool{}
	for _, u := range us {
		if per[u.Site] == nil {
			per[u.Site] = map[string]bool{}
		}
		per[u.Site][p[u.ID]] = true
	}
	var sum int
	for _, es := range per {
		sum += len(es)
	}
	avg := float64(sum) / float64(len(per))
	// 100 cameras hashed uniformly over 24 edges touch ~23.5 of them.
	if avg > 12 {
		t.Fatalf("a site spans %.1f edges on average", avg)
	}
	t.Logf("a site of 100 cameras spans %.1f of 24 edges", avg)
}

// BenchmarkPlaceDistrict places 41,000 cameras (100 sites × 410) on 120
// edges from nothing, then after the loss of 5 edges.
func BenchmarkPlaceDistrict(b *testing.B) {
	us, ns := fleetOf(1, 100, 410, 120, false)
	var p Placement
	b.Run("cold", func(b *testing.B) {
		for b.Loop() {
			p = Place(us, ns, nil)
		}
	})
	b.Run("loss5", func(b *testing.B) {
		for b.Loop() {
			Place(us, ns[5:], p)
		}
	})
	b.Run("steady", func(b *testing.B) {
		for b.Loop() {
			Place(us, ns, p)
		}
	})
}

// FuzzPlace feeds Place fleets built from arbitrary bytes (duplicate and
// empty ids, odd weights and capacities, pins to anything, a previous
// placement naming anything): every unit lands on a usable edge, and a
// result within its bounds is kept whole when placed again.
func FuzzPlace(f *testing.F) {
	f.Add([]byte("abcdefgh"), uint8(3), uint8(20))
	f.Add([]byte{0, 0, 0, 0, 255, 255}, uint8(1), uint8(2))
	f.Add([]byte("pin-me-to-edge-2 please"), uint8(5), uint8(40))
	f.Fuzz(func(t *testing.T, data []byte, nEdges, nUnits uint8) {
		at := func(i int) byte {
			if len(data) == 0 {
				return 0
			}
			return data[i%len(data)]
		}
		var ns []Node
		for i := range int(nEdges % 16) {
			ns = append(ns, Node{ID: fmt.Sprintf("e%d", at(i)%8), Capacity: float64(at(i+1)%4) - 1, Draining: at(i+2)%7 == 0})
		}
		var us []Unit
		prev := Placement{}
		for i := range int(nUnits) * 4 {
			b := at(i * 3)
			u := Unit{ID: fmt.Sprintf("u%d", i), Site: fmt.Sprintf("s%d", b%5), Weight: float64(b%3) - 0.5, Drone: b%11 == 0}
			if b%4 == 0 {
				u.Pin = fmt.Sprintf("e%d", at(i*3+1)%10)
			}
			us = append(us, u)
			if b%2 == 0 {
				prev[u.ID] = fmt.Sprintf("e%d", at(i*3+2)%10)
			}
		}
		usable := map[string]bool{}
		for _, n := range ns {
			if !n.Draining {
				usable[n.ID] = true
			}
		}
		// A duplicate id counts as draining if any of its entries is: the
		// first non-draining entry makes it usable, as in newPlacer.
		p := Place(us, ns, prev)
		if len(usable) == 0 {
			if len(p) != 0 {
				t.Fatalf("placed %d units with no usable edge", len(p))
			}
			return
		}
		for _, u := range us {
			if !usable[p[u.ID]] {
				t.Fatalf("unit %s on %q", u.ID, p[u.ID])
			}
		}
		// Within every bound, and with every edge's share at least two of
		// the heaviest unit (a district: hundreds of cameras per edge), a
		// placement is kept whole. Below that, rounding to whole units can
		// make a second pass even loads out further.
		pl := newPlacer(us, ns)
		stable := true
		for e, l := range loads(us, p) {
			stable = stable && l <= pl.bound[pl.index[e]]
		}
		for _, s := range pl.share {
			stable = stable && s >= 2*1.5
		}
		if again := Place(us, ns, p); stable && moved(p, again) != 0 {
			t.Fatalf("re-placing a placement within its bounds moved %d", moved(p, again))
		}
	})
}
