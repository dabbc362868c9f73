package graphsage

import (
	"fmt"
	"testing"
)

// Sizes of Planetoid Cora, which the benchmarks imitate.
const (
	coraNodes    = 2708
	coraFeatures = 1433
	coraNonzeros = 49216
	coraEdges    = 5278
	coraClasses  = 7
	coraTrain    = 140
	coraVal      = 500
)

// coraSizedGraph generates a random graph of Cora's size: as many nodes, edges, binary features and
// non-zeros, and the same split sizes.
func coraSizedGraph(tb testing.TB) *Graph {
	tb.Helper()
	rng := newRNG(2708)
	edges := make([][2]int, 0, coraEdges)
	seen := map[[2]int]bool{}
	for len(edges) < coraEdges {
		u, v := rng.IntN(coraNodes), rng.IntN(coraNodes)
		if u > v {
			u, v = v, u
		}
		if u != v && !seen[[2]int{u, v}] {
			seen[[2]int{u, v}] = true
			edges = append(edges, [2]int{u, v})
		}
	}
	rowPtr := make([]int, coraNodes+1)
	var cols []int
	perRow := coraNonzeros / coraNodes
	for v := 0; v < coraNodes; v++ {
		used := map[int]bool{}
		for len(used) < perRow {
			j := rng.IntN(coraFeatures)
			if !used[j] {
				used[j] = true
				cols = append(cols, j)
			}
		}
		rowPtr[v+1] = len(cols)
	}
	x, err := NewSparseFeatures(coraNodes, coraFeatures, rowPtr, cols, nil)
	if err != nil {
		tb.Fatal(err)
	}
	labels := make([]int, coraNodes)
	var split Split
	for v := range labels {
		labels[v] = rng.IntN(coraClasses)
		switch {
		case v < coraTrain:
			split.Train = append(split.Train, v)
		case v < coraTrain+coraVal:
			split.Val = append(split.Val, v)
		default:
			split.Test = append(split.Test, v)
		}
	}
	g, err := NewGraph(x, edges, labels, coraClasses, split)
	if err != nil {
		tb.Fatal(err)
	}
	return g
}

// BenchmarkTrainEpoch measures one training epoch as Train runs it: the gradient step(s) on the
// training nodes and the full-graph validation pass, on a graph of Cora's size with the default
// configuration (and sampled variants).
func BenchmarkTrainEpoch(b *testing.B) {
	g := coraSizedGraph(b)
	for _, agg := range []Aggregator{AggregatorGCN, AggregatorMean, AggregatorPool} {
		for _, full := range []bool{true, false} {
			mode := "full"
			if !full {
				mode = "sampled"
			}
			b.Run(fmt.Sprintf("%v/%s", agg, mode), func(b *testing.B) {
				cfg := DefaultConfig()
				cfg.Aggregator, cfg.FullBatch = agg, full
				rng := newRNG(1)
				m, err := New(cfg.Architecture(g.NumFeatures(), g.NumClasses()), rng)
				if err != nil {
					b.Fatal(err)
				}
				tr := newTrainer(m, g, cfg)
				tr.epoch(rng) // warm the buffers
				b.ReportAllocs()
				b.ResetTimer()
				for b.Loop() {
					tr.epoch(rng)
					scoreNodes(m.arch, tr.eval.logits(m), g, g.split.Val)
				}
			})
		}
	}
}

// BenchmarkPredict measures inference over all nodes of a Cora-sized graph.
func BenchmarkPredict(b *testing.B) {
	g := coraSizedGraph(b)
	cfg := DefaultConfig()
	m, err := New(cfg.Architecture(g.NumFeatures(), g.NumClasses()), newRNG(1))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.Predict(g); err != nil {
			b.Fatal(err)
		}
	}
}
