package chaos

// graph is the surviving graph as adjacency lists: alive[v] for running
// nodes, adj over links that are not cut.
type graph struct {
	alive []bool
	adj   [][]int
}

// surviving returns the simulator's surviving graph, without the nodes in
// drop.
func (r *runner) surviving(drop map[int]bool) graph {
	n := r.s.Nodes()
	g := graph{alive: make([]bool, n), adj: make([][]int, n)}
	for v := range n {
		g.alive[v] = r.s.Up(v) && !drop[v]
	}
	for _, l := range r.s.Links() {
		if g.alive[l[0]] && g.alive[l[1]] && !r.s.IsCut(l[0], l[1]) {
			g.adj[l[0]] = append(g.adj[l[0]], l[1])
			g.adj[l[1]] = append(g.adj[l[1]], l[0])
		}
	}
	return g
}

// betweenness returns the node and edge betweenness of g (Brandes, hop
// count, every ordered pair); edge keys are (a, b) with a < b.
func (g graph) betweenness() ([]float64, map[[2]int]float64) {
	n := len(g.adj)
	node := make([]float64, n)
	edge := make(map[[2]int]float64)
	sigma := make([]float64, n)
	dist := make([]int, n)
	delta := make([]float64, n)
	order := make([]int, 0, n)
	for s := range n {
		if !g.alive[s] {
			continue
		}
		for v := range n {
			sigma[v], dist[v], delta[v] = 0, -1, 0
		}
		sigma[s], dist[s] = 1, 0
		order = append(order[:0], s)
		for k := 0; k < len(order); k++ {
			u := order[k]
			for _, w := range g.adj[u] {
				if dist[w] < 0 {
					dist[w] = dist[u] + 1
					order = append(order, w)
				}
				if dist[w] == dist[u]+1 {
					sigma[w] += sigma[u]
				}
			}
		}
		for k := len(order) - 1; k > 0; k-- {
			w := order[k]
			for _, u := range g.adj[w] {
				if dist[u] == dist[w]-1 {
					c := sigma[u] / sigma[w] * (1 + delta[w])
					delta[u] += c
					edge[key(u, w)] += c
				}
			}
			node[w] += delta[w]
		}
	}
	return node, edge
}

func key(a, b int) [2]int {
	if a > b {
		a, b = b, a
	}
	return [2]int{a, b}
}

// components returns the number of connected components of g's alive
// nodes.
func (g graph) components() int {
	seen := make([]bool, len(g.adj))
	count := 0
	for s := range g.adj {
		if !g.alive[s] || seen[s] {
			continue
		}
		count++
		seen[s] = true
		queue := []int{s}
		for len(queue) > 0 {
			u := queue[0]
			queue = queue[1:]
			for _, w := range g.adj[u] {
				if !seen[w] {
					seen[w] = true
					queue = append(queue, w)
				}
			}
		}
	}
	return count
}

// without returns g with the link (a, b) removed.
func (g graph) without(a, b int) graph {
	h := graph{alive: g.alive, adj: make([][]int, len(g.adj))}
	for v, ns := range g.adj {
		for _, w := range ns {
			if key(v, w) != key(a, b) {
				h.adj[v] = append(h.adj[v], w)
			}
		}
	}
	return h
}

// argmax returns the index of the largest value among the alive nodes
// (lowest index on ties) and false if none is alive.
func argmax(vals []float64, alive []bool) (int, bool) {
	best, found := 0, false
	for v, x := range vals {
		if alive[v] && (!found || x > vals[best]) {
			best, found = v, true
		}
	}
	return best, found
}

// central returns the running node with the highest betweenness.
func (r *runner) central() (int, bool) {
	g := r.surviving(nil)
	node, _ := g.betweenness()
	return argmax(node, g.alive)
}

// cascadeTargets returns the nodes cascade kills: k times the node of
// highest betweenness in the graph left by the previous ones.
func (r *runner) cascadeTargets(k int) []int {
	drop := map[int]bool{}
	var out []int
	for range k {
		g := r.surviving(drop)
		node, _ := g.betweenness()
		v, ok := argmax(node, g.alive)
		if !ok {
			break
		}
		drop[v] = true
		out = append(out, v)
	}
	return out
}

// busiestLink returns the link of highest betweenness (lowest pair on
// ties) whose loss leaves the surviving graph as connected as it was.
func (r *runner) busiestLink() ([2]int, bool) {
	g := r.surviving(nil)
	_, edge := g.betweenness()
	base := g.components()
	var best [2]int
	found := false
	for _, l := range r.s.Links() {
		c, ok := edge[key(l[0], l[1])]
		if !ok || found && c <= edge[best] {
			continue
		}
		if g.without(l[0], l[1]).components() == base {
			best, found = l, true
		}
	}
	return best, found
}

// half returns a connected set of about half the nodes: the first N/2 in
// breadth-first order from a random node.
func (r *runner) half() []int {
	g := r.surviving(nil)
	n := r.s.Nodes()
	start := r.rng.IntN(n)
	seen := map[int]bool{start: true}
	out := []int{start}
	for k := 0; k < len(out) && len(out) < n/2; k++ {
		for _, w := range g.adj[out[k]] {
			if !seen[w] && len(out) < n/2 {
				seen[w] = true
				out = append(out, w)
			}
		}
	}
	return out
}
