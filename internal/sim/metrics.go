package sim

import (
	"container/heap"
	"math"

	"github.com/x0tta6bl4/x0tta6bl4/internal/link"
)

// costGraph is the directed graph of usable links with the cost each Core
// gives its own links (the cost its router uses): cost[i][j] is node i's
// cost of its link to j.
type costGraph []map[int]uint16

// graph snapshots the links that are up in the running Cores.
func (s *Sim) graph() costGraph {
	g := make(costGraph, len(s.nodes))
	for i, n := range s.nodes {
		g[i] = make(map[int]uint16)
		if n.core == nil {
			continue
		}
		for _, nb := range n.core.Neighbours() {
			j, ok := s.index[nb.ID]
			if ok && nb.Link.Up && nb.Link.Cost < link.CostInfinity && s.nodes[j].core != nil {
				g[i][j] = nb.Link.Cost
			}
		}
	}
	return g
}

// distItem is an entry of the Dijkstra queue.
type distItem struct {
	node int
	dist uint64
}

type distQueue []distItem

func (q distQueue) Len() int { return len(q) }
func (q distQueue) Less(i, j int) bool {
	return q[i].dist < q[j].dist || q[i].dist == q[j].dist && q[i].node < q[j].node
}
func (q distQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *distQueue) Push(x any)   { *q = append(*q, x.(distItem)) }
func (q *distQueue) Pop() any {
	old := *q
	it := old[len(old)-1]
	*q = old[:len(old)-1]
	return it
}

// unreachable is the distance of a node that cannot be reached.
const unreachable = math.MaxUint64

// dijkstra returns the least cost from src to every node (unreachable if
// none) and the least number of hops over usable links.
func (g costGraph) dijkstra(src int) (cost []uint64, hops []int) {
	cost = make([]uint64, len(g))
	hops = make([]int, len(g))
	for i := range cost {
		cost[i], hops[i] = unreachable, -1
	}
	cost[src], hops[src] = 0, 0
	q := &distQueue{{src, 0}}
	for q.Len() > 0 {
		it := heap.Pop(q).(distItem)
		if it.dist > cost[it.node] {
			continue
		}
		for v, c := range g[it.node] {
			if d := it.dist + uint64(c); d < cost[v] {
				cost[v] = d
				heap.Push(q, distItem{v, d})
			}
		}
	}
	queue := []int{src}
	for len(queue) > 0 {
		u := queue[0]
		queue = queue[1:]
		for v := range g[u] {
			if hops[v] < 0 {
				hops[v] = hops[u] + 1
				queue = append(queue, v)
			}
		}
	}
	return cost, hops
}

// follow walks the selected next hops from src towards dst and returns the
// hops and cost of the path packets take; ok is false when a node on the
// way has no route, the next hop is not over a usable link, or the path
// loops.
func (s *Sim) follow(g costGraph, src, dst int) (hops int, cost uint64, ok bool) {
	for at := src; at != dst; hops++ {
		if hops >= len(s.nodes) {
			return 0, 0, false // a loop
		}
		n := s.nodes[at]
		if n.core == nil {
			return 0, 0, false
		}
		nh, found := n.core.NextHop(s.nodes[dst].id)
		if !found {
			return 0, 0, false
		}
		next := s.index[nh]
		c, usable := g[at][next]
		if !usable {
			return 0, 0, false
		}
		cost += uint64(c)
		at = next
	}
	return hops, cost, true
}

// HasRoute reports whether node i has a route to node j.
func (s *Sim) HasRoute(i, j int) bool {
	if s.checkNode(i) != nil || s.checkNode(j) != nil || s.nodes[i].core == nil {
		return false
	}
	_, ok := s.nodes[i].core.NextHop(s.nodes[j].id)
	return ok
}

// RoutesComplete reports whether every running node has a route to every
// other running node.
func (s *Sim) RoutesComplete() bool {
	for i, a := range s.nodes {
		if a.core == nil {
			continue
		}
		for j, b := range s.nodes {
			if i == j || b.core == nil {
				continue
			}
			if _, ok := a.core.NextHop(b.id); !ok {
				return false
			}
		}
	}
	return true
}

// RoutesOptimal reports whether routes are complete and the path packets
// take between every pair of running nodes is least-cost (Dijkstra on the
// link costs the Cores use).
func (s *Sim) RoutesOptimal() bool {
	if !s.RoutesComplete() {
		return false
	}
	g := s.graph()
	for i, a := range s.nodes {
		if a.core == nil {
			continue
		}
		best, _ := g.dijkstra(i)
		for j, b := range s.nodes {
			if i == j || b.core == nil {
				continue
			}
			_, c, ok := s.follow(g, i, j)
			if !ok || c != best[j] {
				return false
			}
		}
	}
	return true
}

// Stretch is the path stretch over sampled pairs of running nodes: the
// hops and cost of the path packets take, divided by the least hops and
// least cost over the links that are up.
type Stretch struct {
	// Pairs is the number of pairs measured; Unrouted those without a
	// usable path (no route, a loop, or a next hop over a dead link).
	Pairs    int `json:"pairs"`
	Unrouted int `json:"unrouted"`
	// MeanHops and MaxHops are the hop-count stretch.
	MeanHops float64 `json:"mean_hops"`
	MaxHops  float64 `json:"max_hops"`
	// MeanCost and MaxCost are the cost stretch.
	MeanCost float64 `json:"mean_cost"`
	MaxCost  float64 `json:"max_cost"`
}

// Stretch measures path stretch on up to samples pairs of running nodes
// that are connected over links that are up (every pair when there are
// fewer), drawn from a stream of the seed, so the same pairs are drawn at
// every call.
func (s *Sim) Stretch(samples int) Stretch {
	var up []int
	for i, n := range s.nodes {
		if n.core != nil {
			up = append(up, i)
		}
	}
	var pairs [][2]int
	if total := len(up) * (len(up) - 1); total <= samples {
		for _, i := range up {
			for _, j := range up {
				if i != j {
					pairs = append(pairs, [2]int{i, j})
				}
			}
		}
	} else {
		rng := stream(s.opts.Seed, purposeStretch)
		for len(pairs) < samples {
			i, j := up[rng.IntN(len(up))], up[rng.IntN(len(up))]
			if i != j {
				pairs = append(pairs, [2]int{i, j})
			}
		}
	}
	g := s.graph()
	var st Stretch
	var bestCost map[int][]uint64 = make(map[int][]uint64)
	var bestHops map[int][]int = make(map[int][]int)
	for _, p := range pairs {
		if _, done := bestCost[p[0]]; !done {
			bestCost[p[0]], bestHops[p[0]] = g.dijkstra(p[0])
		}
		bc, bh := bestCost[p[0]][p[1]], bestHops[p[0]][p[1]]
		if bc == unreachable {
			continue // not connected: not a pair for stretch
		}
		st.Pairs++
		h, c, ok := s.follow(g, p[0], p[1])
		if !ok {
			st.Unrouted++
			continue
		}
		hs, cs := float64(h)/float64(bh), float64(c)/float64(bc)
		st.MeanHops += hs
		st.MeanCost += cs
		st.MaxHops, st.MaxCost = max(st.MaxHops, hs), max(st.MaxCost, cs)
	}
	if ok := st.Pairs - st.Unrouted; ok > 0 {
		st.MeanHops /= float64(ok)
		st.MeanCost /= float64(ok)
	}
	return st
}
