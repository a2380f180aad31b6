package fleet

import (
	"math"
	"slices"
	"sort"
)

// Balance is the bounded-load factor c: no edge takes more than
// ceil(c × its capacity share of the total weight).
const Balance = 1.05

// affinityChoices is how many of a unit's best rendezvous edges with room
// are weighed for site affinity: the one already serving most of the
// unit's site wins. Only units that move anyway (new ones, orphans, sheds)
// are placed this way, so affinity costs no movement and the bound keeps
// the balance. With 15, a site of 410 cameras on 120 edges spans ~33
// edges instead of the ~116 plain hashing gives, and the loads spread no
// wider (measured: 326 to 342 against a share of 341.7).
const affinityChoices = 15

// Unit is one camera or drone to place.
type Unit struct {
	ID     string
	Site   string
	Pin    string  // edge id it must run on while that edge lives; empty for none
	Weight float64 // relative cost of pulling it; 0 counts as 1
	Drone  bool
}

// Node is one live edge as placement sees it.
type Node struct {
	ID       string
	Capacity float64 // relative capacity; 0 counts as 1
	Draining bool    // keeps nothing, takes nothing (pins included)
}

// Placement maps a unit id to the id of the edge that pulls it.
type Placement map[string]string

// Place computes where every unit runs on the given edges, moving as little
// as it can from prev: a unit stays on its previous edge while that edge is
// live, not draining and within its bound; units of dead or draining edges
// and new units go to their best rendezvous edge with room; an edge far
// below its share (a new or returning edge) takes the units that prefer it
// most from edges above their share. Pins win while the pinned edge lives.
// With no usable edge the result is empty. Place is deterministic.
func Place(units []Unit, nodes []Node, prev Placement) Placement {
	p := newPlacer(units, nodes)
	out := make(Placement, len(units))
	if len(p.nodes) == 0 {
		return out
	}
	var orphans []int
	kept := make([][]int, len(p.nodes))
	for i, u := range p.units {
		if n, ok := p.index[u.Pin]; ok {
			p.take(i, n)
			continue
		}
		if n, ok := p.index[prev[u.ID]]; ok {
			kept[n] = append(kept[n], i)
			continue
		}
		orphans = append(orphans, i)
	}
	for n, us := range kept {
		orphans = append(orphans, p.keep(n, us)...)
	}
	fresh := p.underloaded()
	sort.Ints(orphans)
	for _, i := range orphans {
		p.take(i, p.choose(i))
	}
	p.repair(orphans)
	p.fill(fresh)
	for i, n := range p.owner {
		out[p.units[i].ID] = p.nodes[n].ID
	}
	return out
}

type placer struct {
	units  []Unit
	uhash  []uint64
	nodes  []Node // usable ones only, sorted by id
	nhash  []uint64
	index  map[string]int
	owner  []int
	load   []float64
	bound  []float64
	share  []float64
	sites  []map[string]int // per node: units of each site
	pinned []bool
}

func newPlacer(units []Unit, nodes []Node) *placer {
	p := &placer{units: units, index: map[string]int{}}
	for _, n := range nodes {
		if !n.Draining && n.ID != "" {
			p.nodes = append(p.nodes, n)
		}
	}
	slices.SortFunc(p.nodes, func(a, b Node) int { return compare(a.ID, b.ID) })
	p.nodes = slices.CompactFunc(p.nodes, func(a, b Node) bool { return a.ID == b.ID })
	var total, capTotal float64
	for _, u := range units {
		total += weight(u)
	}
	for i, n := range p.nodes {
		p.index[n.ID] = i
		p.nhash = append(p.nhash, hashString(n.ID))
		capTotal += capacity(n)
	}
	for _, n := range p.nodes {
		share := total * capacity(n) / capTotal
		p.share = append(p.share, share)
		p.bound = append(p.bound, math.Ceil(Balance*share-1e-9))
	}
	p.uhash = make([]uint64, len(units))
	p.owner = make([]int, len(units))
	p.pinned = make([]bool, len(units))
	for i, u := range units {
		p.uhash[i] = hashString(u.ID)
		p.owner[i] = -1
	}
	p.load = make([]float64, len(p.nodes))
	p.sites = make([]map[string]int, len(p.nodes))
	for i := range p.sites {
		p.sites[i] = map[string]int{}
	}
	return p
}

func compare(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func weight(u Unit) float64 {
	if u.Weight <= 0 {
		return 1
	}
	return u.Weight
}

func capacity(n Node) float64 {
	if n.Capacity <= 0 {
		return 1
	}
	return n.Capacity
}

// take puts unit i on node n.
func (p *placer) take(i, n int) {
	if old := p.owner[i]; old >= 0 {
		p.load[old] -= weight(p.units[i])
		p.sites[old][p.units[i].Site]--
	}
	p.owner[i] = n
	p.load[n] += weight(p.units[i])
	p.sites[n][p.units[i].Site]++
	if p.units[i].Pin == p.nodes[n].ID {
		p.pinned[i] = true
	}
}

// keep keeps node n's previous units up to its bound, those that prefer it
// most first, and returns the ones it sheds.
func (p *placer) keep(n int, us []int) (shed []int) {
	sort.Slice(us, func(a, b int) bool {
		sa, sb := p.score(us[a], n), p.score(us[b], n)
		if sa != sb {
			return sa > sb
		}
		return us[a] < us[b]
	})
	for _, i := range us {
		if p.load[n]+weight(p.units[i]) <= p.bound[n] {
			p.take(i, n)
		} else {
			shed = append(shed, i)
		}
	}
	return shed
}

// choose picks the edge for unit i: among its affinityChoices best
// rendezvous edges with room, the one serving most of its site; with no
// room anywhere, the edge with the most room left relative to its bound.
func (p *placer) choose(i int) int {
	var best [affinityChoices]int
	var bestScore [affinityChoices]float64
	found := 0
	w := weight(p.units[i])
	fallback, fallbackRoom := 0, math.Inf(-1)
	for n := range p.nodes {
		room := p.bound[n] - p.load[n]
		if r := room / p.bound[n]; r > fallbackRoom {
			fallback, fallbackRoom = n, r
		}
		if room < w {
			continue
		}
		s := p.score(i, n)
		// insert into the top list, best first
		k := found
		if k == affinityChoices {
			if s <= bestScore[k-1] {
				continue
			}
			k--
		} else {
			found++
		}
		for k > 0 && bestScore[k-1] < s {
			best[k], bestScore[k] = best[k-1], bestScore[k-1]
			k--
		}
		best[k], bestScore[k] = n, s
	}
	if found == 0 {
		return fallback
	}
	site := p.units[i].Site
	pick := best[0]
	for _, n := range best[1:found] {
		if p.sites[n][site] > p.sites[pick][site] {
			pick = n
		}
	}
	return pick
}

// repair moves units placed this round off edges above their bound (where
// a heavy unit found no room and fell back) to edges with room, lightest
// first: they move anyway, so this costs no movement.
func (p *placer) repair(placed []int) {
	byWeight := slices.Clone(placed)
	sort.SliceStable(byWeight, func(a, b int) bool { return weight(p.units[byWeight[a]]) < weight(p.units[byWeight[b]]) })
	for _, i := range byWeight {
		n, w := p.owner[i], weight(p.units[i])
		if p.load[n] <= p.bound[n] || p.pinned[i] {
			continue
		}
		best, room := -1, 0.0
		for m := range p.nodes {
			if r := p.bound[m] - p.load[m]; m != n && r >= w && r > room {
				best, room = m, r
			}
		}
		if best >= 0 {
			p.take(i, best)
		}
	}
}

// underloaded tells, per node, whether it holds under half its share
// once previous owners kept their units: a new or returning edge.
func (p *placer) underloaded() []bool {
	u := make([]bool, len(p.nodes))
	for n := range p.nodes {
		u[n] = p.load[n] < p.share[n]/2
	}
	return u
}

// fill lets each underfilled edge — one under half its share, or a fresh
// one still under share/c — take, up to its share, the units that prefer
// it most relative to their edge, from edges above their share that are
// not underfilled themselves.
func (p *placer) fill(fresh []bool) {
	under := make([]bool, len(p.nodes))
	for n := range p.nodes {
		under[n] = p.load[n] < p.share[n]/2 || (fresh[n] && p.load[n] < p.share[n]/Balance)
	}
	for n := range p.nodes {
		if !under[n] {
			continue
		}
		type cand struct {
			i    int
			gain float64
		}
		var cands []cand
		for i, o := range p.owner {
			if o == n || under[o] || p.pinned[i] || p.load[o] <= p.share[o] {
				continue
			}
			cands = append(cands, cand{i, p.score(i, n) / p.score(i, o)})
		}
		sort.Slice(cands, func(a, b int) bool {
			if cands[a].gain != cands[b].gain {
				return cands[a].gain > cands[b].gain
			}
			return cands[a].i < cands[b].i
		})
		for _, c := range cands {
			w := weight(p.units[c.i])
			if p.load[n]+w > min(p.share[n]+0.5, p.bound[n]) {
				break
			}
			if o := p.owner[c.i]; p.load[o]-w >= max(p.share[o]-0.5, p.share[o]/2) {
				p.take(c.i, n)
			}
		}
	}
}

// score is the weighted rendezvous score of unit i on node n:
// -capacity / ln(h), h the pair's hash mapped into (0, 1).
func (p *placer) score(i, n int) float64 {
	h := mix(p.uhash[i] ^ mix(p.nhash[n]))
	u := (float64(h>>11) + 0.5) / (1 << 53)
	return -capacity(p.nodes[n]) / math.Log(u)
}

// hashString is 64-bit FNV-1a: stable across processes and versions, so
// every assigner replica ranks edges alike.
func hashString(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// mix is splitmix64's finaliser: FNV alone leaves the low bits of similar
// ids correlated.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}
