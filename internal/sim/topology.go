package sim

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// edge is an undirected link between nodes a < b.
type edge struct{ a, b int }

func mkEdge(a, b int) edge {
	if a > b {
		a, b = b, a
	}
	return edge{a, b}
}

// buildTopology returns the links of an n-node graph of kind t, without
// duplicates, in a deterministic order.
func buildTopology(t Topology, n int, rng *rand.Rand) ([]edge, error) {
	var es []edge
	switch t {
	case Line, Ring:
		for i := 0; i+1 < n; i++ {
			es = append(es, edge{i, i + 1})
		}
		if t == Ring && n >= 3 {
			es = append(es, edge{0, n - 1})
		}
	case Grid:
		cols := int(math.Ceil(math.Sqrt(float64(n))))
		for i := range n {
			if (i+1)%cols != 0 && i+1 < n {
				es = append(es, edge{i, i + 1})
			}
			if i+cols < n {
				es = append(es, edge{i, i + cols})
			}
		}
	case RandomGeometric:
		return geometric(n, rng)
	case ScaleFree:
		es = scaleFree(n, rng)
	default:
		return nil, fmt.Errorf("%w: unknown topology %q", ErrTopology, t)
	}
	return es, nil
}

// geometric draws random geometric graphs until one is connected.
func geometric(n int, rng *rand.Rand) ([]edge, error) {
	r := math.Sqrt(GeometricRadiusFactor * math.Log(float64(n)) / (math.Pi * float64(n)))
	x, y := make([]float64, n), make([]float64, n)
	for range MaxTopologyAttempts {
		for i := range n {
			x[i], y[i] = rng.Float64(), rng.Float64()
		}
		var es []edge
		for i := range n {
			for j := i + 1; j < n; j++ {
				if math.Hypot(x[i]-x[j], y[i]-y[j]) <= r {
					es = append(es, edge{i, j})
				}
			}
		}
		if connected(n, es) {
			return es, nil
		}
	}
	return nil, fmt.Errorf("%w: no connected random-geometric graph of %d nodes in %d attempts", ErrTopology, n, MaxTopologyAttempts)
}

// scaleFree builds a Barabási–Albert graph: a clique of ScaleFreeM+1 nodes,
// then each new node linked to ScaleFreeM distinct nodes chosen with
// probability proportional to their degree.
func scaleFree(n int, rng *rand.Rand) []edge {
	var es []edge
	var ends []int // each node once per link end: sampling it is degree-proportional
	core := min(n, ScaleFreeM+1)
	for i := range core {
		for j := i + 1; j < core; j++ {
			es = append(es, edge{i, j})
			ends = append(ends, i, j)
		}
	}
	for v := core; v < n; v++ {
		var picked []int
		for len(picked) < ScaleFreeM {
			u := ends[rng.IntN(len(ends))]
			dup := false
			for _, p := range picked {
				dup = dup || p == u
			}
			if !dup {
				picked = append(picked, u)
			}
		}
		for _, u := range picked {
			es = append(es, mkEdge(u, v))
			ends = append(ends, u, v)
		}
	}
	return es
}

// adjacency returns the sorted neighbour lists of the graph.
func adjacency(n int, es []edge) [][]int {
	adj := make([][]int, n)
	for _, e := range es {
		adj[e.a] = append(adj[e.a], e.b)
		adj[e.b] = append(adj[e.b], e.a)
	}
	return adj
}

// connected reports whether the graph is connected.
func connected(n int, es []edge) bool {
	return len(bfs(adjacency(n, es), 0, nil)) == n
}

// bfs returns the hop distances from src over adj, skipping links for
// which usable (if not nil) is false.
func bfs(adj [][]int, src int, usable func(a, b int) bool) map[int]int {
	dist := map[int]int{src: 0}
	queue := []int{src}
	for len(queue) > 0 {
		u := queue[0]
		queue = queue[1:]
		for _, v := range adj[u] {
			if _, seen := dist[v]; seen || (usable != nil && !usable(u, v)) {
				continue
			}
			dist[v] = dist[u] + 1
			queue = append(queue, v)
		}
	}
	return dist
}
