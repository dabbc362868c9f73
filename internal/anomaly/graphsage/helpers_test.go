package graphsage

import (
	"math/rand/v2"
	"testing"
)

// randomGraph builds a graph of n nodes with about deg·n/2 random edges, one isolated node (the
// last), random features in f dimensions (sparse with random values, or dense) and random labels in
// classes classes. The first third of the nodes train, the next third validate, the rest test.
func randomGraph(t testing.TB, rng *rand.Rand, n, f, classes int, deg float64, dense bool) *Graph {
	t.Helper()
	var edges [][2]int
	for u := 0; u < n-1; u++ {
		for v := u + 1; v < n-1; v++ {
			if rng.Float64() < deg/float64(n) {
				edges = append(edges, [2]int{u, v})
			}
		}
	}
	var x *Features
	var err error
	if dense {
		data := make([]float64, n*f)
		for i := range data {
			data[i] = rng.NormFloat64()
		}
		x, err = NewDenseFeatures(n, f, data)
	} else {
		rowPtr := []int{0}
		var cols []int
		var vals []float64
		for i := 0; i < n; i++ {
			for j := 0; j < f; j++ {
				if rng.Float64() < 0.4 {
					cols = append(cols, j)
					vals = append(vals, rng.Float64()+0.1)
				}
			}
			rowPtr = append(rowPtr, len(cols))
		}
		x, err = NewSparseFeatures(n, f, rowPtr, cols, vals)
	}
	if err != nil {
		t.Fatal(err)
	}
	labels := make([]int, n)
	var split Split
	for v := range labels {
		labels[v] = rng.IntN(classes)
		switch {
		case v < n/3:
			split.Train = append(split.Train, v)
		case v < 2*n/3:
			split.Val = append(split.Val, v)
		default:
			split.Test = append(split.Test, v)
		}
	}
	g, err := NewGraph(x, edges, labels, classes, split)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// plantedGraph builds a graph whose labels are learnable from both features and structure: nodes of
// class c mostly link to class c and have feature c·perClass+j set for random j with high
// probability, plus noise features. It splits like a small Planetoid dataset: trainPer nodes per
// class train, then val and test.
func plantedGraph(t testing.TB, rng *rand.Rand, n, classes, trainPer, val int) *Graph {
	t.Helper()
	const perClass = 8
	f := classes*perClass + 16
	labels := make([]int, n)
	for v := range labels {
		labels[v] = v % classes
	}
	var edges [][2]int
	for u := 0; u < n; u++ {
		for k := 0; k < 3; k++ {
			v := rng.IntN(n)
			if rng.Float64() < 0.8 {
				v = (rng.IntN(n/classes))*classes + labels[u]
			}
			if v < n && v != u {
				edges = append(edges, [2]int{u, v})
			}
		}
	}
	rowPtr := []int{0}
	var cols []int
	for v := 0; v < n; v++ {
		seen := map[int]bool{}
		for k := 0; k < 4; k++ {
			j := rng.IntN(f)
			if rng.Float64() < 0.6 {
				j = labels[v]*perClass + rng.IntN(perClass)
			}
			if !seen[j] {
				seen[j] = true
				cols = append(cols, j)
			}
		}
		rowPtr = append(rowPtr, len(cols))
	}
	x, err := NewSparseFeatures(n, f, rowPtr, cols, nil)
	if err != nil {
		t.Fatal(err)
	}
	var split Split
	count := make([]int, classes)
	for v := 0; v < n; v++ {
		switch {
		case count[labels[v]] < trainPer:
			count[labels[v]]++
			split.Train = append(split.Train, v)
		case len(split.Val) < val:
			split.Val = append(split.Val, v)
		default:
			split.Test = append(split.Test, v)
		}
	}
	g, err := NewGraph(x, edges, labels, classes, split)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func newRNG(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)) }
